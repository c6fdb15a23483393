// What the backend offers the two shells (Electron main and the browser-mode server). It is the
// UI contract minus the two methods that need the shell itself (a native dialog, handing an export
// to Wireshark or to the user), plus the plain operations those two are built from.
import type { ExportSelection, ReportFormat, TunnelvisionApi } from '../../common/contract';

export type BackendMethods = Omit<TunnelvisionApi, 'chooseCaptures' | 'exportPcapng' | 'exportReport'>;

export interface Backend extends BackendMethods {
  /** Writes the selected packets as pcapng to `path`; resolves with how many were written. */
  writePcapng(args: { selection: ExportSelection; path: string }): Promise<{ packets: number; name: string }>;
  /** Writes the report of the open set to `path`; resolves with a suggested file name. */
  writeReport(args: { format: ReportFormat; path: string }): Promise<{ name: string; packets: number }>;
  /** Ends the backend (worker) for good, after saving the session. */
  close(): Promise<void>;
}

export type BackendMethodName = keyof Backend;

/** Options the shell gives the backend when it starts. */
export interface BackendOptions {
  shell: 'electron' | 'browser';
  /** File that remembers recently opened captures (JSON), or null to keep them in memory. */
  recentFile: string | null;
  /** Folder for uploaded captures and exports (created on demand). */
  tempDir: string;
  /** Where sessions go when the captures' own folder cannot hold them (uploads, read-only folders). */
  sessionDir: string;
}
