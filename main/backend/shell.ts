// The UI contract as both shells serve it: the backend's methods as they are, plus the two that
// need the shell (a native file dialog; handing an export to Wireshark or to the user).
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { forwarders, type ExportResult, type TunnelvisionApi } from '../../common/contract';
import { PASSED_METHODS, type Backend, type PassedMethodName } from './api';

export interface ShellHooks {
  /** Native open dialog; null when cancelled or when the shell has none (browser mode). */
  chooseFiles(): Promise<string[] | null>;
  /** Native folder dialog (a dataset directory); absent or null when the shell has none or it was cancelled. */
  chooseFolder?(): Promise<string | null>;
  /** Hands a written file on: a pcapng to Wireshark when it is installed, else save-as or a download. */
  deliverExport(file: string, name: string, packets: number, kind: 'pcapng' | 'report'): Promise<ExportResult>;
  /**
   * Prints a report's HTML file to a PDF file with the shell's own Chromium (Electron's printToPDF).
   * Absent (browser mode): the backend prints through headless Chromium itself.
   */
  printPdf?(htmlFile: string, pdfFile: string): Promise<void>;
  /**
   * The file an upload id stands for (browser mode's upload endpoint received it), or null when the
   * id is unknown. Absent: the shell takes no uploads (the desktop app opens dropped files by path).
   */
  uploaded?(id: string): { path: string; name: string } | null;
}

export function shellApi(backend: Backend, hooks: ShellHooks, tempDir: string): TunnelvisionApi {
  let exports = 0;
  return {
    ...forwarders<TunnelvisionApi, PassedMethodName>(PASSED_METHODS, (m, args) =>
      (backend[m] as (...a: unknown[]) => Promise<unknown>).apply(backend, args),
    ),
    async openCaptureFiles(a) {
      const files = a.uploads.map((id) => {
        const f = hooks.uploaded?.(id);
        if (!f)
          throw new Error(hooks.uploaded ? `no upload ${id}: upload the file first` : 'this shell opens files by path, not by upload');
        return f;
      });
      return backend.openUploaded({ files, append: a.append });
    },
    async chooseCaptures(a) {
      const paths = await hooks.chooseFiles();
      return paths && paths.length ? backend.openCaptures({ paths, append: a.append }) : backend.getState();
    },
    async chooseDataset() {
      const dir = (await hooks.chooseFolder?.()) ?? null;
      return dir ? backend.openDataset({ path: dir }) : backend.getState();
    },
    async exportPcapng(a) {
      const dir = join(tempDir, 'exports');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `export-${process.pid}-${++exports}.pcapng`);
      const { packets, name } = await backend.writePcapng({ selection: a.selection, path: file });
      return hooks.deliverExport(file, name, packets, 'pcapng');
    },
    async exportReport(a) {
      const dir = join(tempDir, 'exports');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `report-${process.pid}-${++exports}.${a.format}`);
      if (a.format === 'pdf' && hooks.printPdf) {
        const html = `${file}.html`;
        const { packets, name } = await backend.writeReport({ format: 'html', path: html });
        await hooks.printPdf(html, file);
        return hooks.deliverExport(file, name.replace(/\.html$/, '.pdf'), packets, 'report');
      }
      const { packets, name } = await backend.writeReport({ format: a.format, path: file });
      return hooks.deliverExport(file, name, packets, 'report');
    },
  };
}
