// What the backend offers the two shells (Electron main and the browser-mode server). It is the
// UI contract minus the methods that need the shell itself (a native dialog, handing an export
// to Wireshark or to the user), plus the plain operations those are built from, plus the events
// it pushes (the state after each change), which the shells forward to the window.
import { join } from 'node:path';
import type { ReadLimits } from '../engine/readers/budget';
import {
  METHOD_NAMES,
  type AppState,
  type ExportSelection,
  type MethodName,
  type ReportFormat,
  type TunnelvisionApi,
  type TunnelvisionEvents,
} from '../../common/contract';

/** The contract's methods that the shell serves itself, from the backend's plain operations. */
export const SHELL_METHODS = [
  'chooseCaptures',
  'chooseDataset',
  'openCaptureFiles',
  'exportPcapng',
  'exportReport',
] as const satisfies readonly MethodName[];
export type ShellMethodName = (typeof SHELL_METHODS)[number];
export type BackendMethods = Omit<TunnelvisionApi, ShellMethodName>;
export type PassedMethodName = Exclude<MethodName, ShellMethodName>;

/** The contract's methods the shell passes to the backend as they are: all but SHELL_METHODS. */
export const PASSED_METHODS: readonly PassedMethodName[] = METHOD_NAMES.filter(
  (m): m is PassedMethodName => !(SHELL_METHODS as readonly MethodName[]).includes(m),
);

/** Where browser mode writes uploaded captures, inside the backend's temporary folder (one folder per upload). */
export const uploadsFolder = (tempDir: string): string => join(tempDir, 'uploads');

export interface Backend extends BackendMethods, TunnelvisionEvents {
  /** Opens files the shell received as uploads; each must lie in `uploadsFolder(tempDir)` (their session goes to the data folder). */
  openUploaded(args: { files: { path: string; name: string }[]; append: boolean }): Promise<AppState>;
  /** Writes the selected packets as pcapng to `path`; resolves with how many were written. */
  writePcapng(args: { selection: ExportSelection; path: string }): Promise<{ packets: number; name: string }>;
  /** Writes the report of the open set to `path`; resolves with a suggested file name. */
  writeReport(args: { format: ReportFormat; path: string }): Promise<{ name: string; packets: number }>;
  /** Ends the backend (worker) for good, after saving the session. */
  close(): Promise<void>;
}

export type BackendMethodName = keyof Backend;

/** The backend's operations beyond the contract; listed here or the build fails. */
const OWN_METHODS = { openUploaded: true, writePcapng: true, writeReport: true } satisfies Record<
  Exclude<BackendMethodName, keyof BackendMethods | keyof TunnelvisionEvents | 'close'>,
  true
>;

/** Every method a backend worker answers (close aside, which stops it): the passed contract methods plus its own. Events come as messages of their own. */
export const WORKER_METHODS: readonly Exclude<BackendMethodName, 'close' | 'subscribe'>[] = [
  ...PASSED_METHODS,
  ...(Object.keys(OWN_METHODS) as (keyof typeof OWN_METHODS)[]),
];

/** Options the shell gives the backend when it starts. */
export interface BackendOptions {
  shell: 'electron' | 'browser';
  /** File that remembers recently opened captures (JSON), or null to keep them in memory. */
  recentFile: string | null;
  /** Folder for uploaded captures and exports (created on demand). */
  tempDir: string;
  /** Where sessions go when the captures' own folder cannot hold them (uploads, read-only folders). */
  sessionDir: string;
  /** What reading one capture set may cost (bytes, packets, memory); DEFAULT_LIMITS where absent. */
  limits?: Partial<ReadLimits>;
  /** File that remembers the limits the user set in the app (JSON of ReadLimits); absent or null keeps them in memory. */
  limitsFile?: string | null;
  /** The analysis worker's entry (its bundled file in the desktop app; the sources' bootstrap otherwise). */
  analysisWorkerFile?: string;
  /** The analysis worker's heap limit in MiB; by default the set's memory limit (`maxMemoryBytes`). */
  analysisHeapMb?: number;
}
