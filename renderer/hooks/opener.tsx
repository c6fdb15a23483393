// Opening captures (or a Parquet dataset folder): the desktop shell's own dialog, or browser mode's file picker (the files are
// uploaded, then opened by their upload ids); dropped files (by path in the desktop app, uploaded
// in browser mode); a recent set. The new state reaches the window as a pushed event.
import { useRef, type ReactNode } from 'react';
import type { AppState } from '../../common/contract';
import { api, desktop, uploadFiles } from '../api';

export interface Opener {
  open(append: boolean): void;
  openFiles(files: File[], append: boolean): void;
  openRecent(path: string): void;
  /** Opens a Parquet dataset folder: the desktop's folder dialog, or a path typed in browser mode (the server checks it may open it). */
  openDataset(): void;
  /** Browser mode's hidden file input, to be placed in the page. */
  readonly picker: ReactNode;
}

export function useOpener(state: AppState | null, failed: (e: unknown) => void): Opener {
  const input = useRef<HTMLInputElement>(null);
  const appendNext = useRef(false);
  const openFiles = (files: File[], append: boolean) => {
    if (!files.length) return;
    const shell = desktop;
    const opening = shell
      ? api.openCaptures({ paths: files.map((f) => shell.pathForFile(f)), append })
      : uploadFiles(files).then((uploads) => api.openCaptureFiles({ uploads, append }));
    opening.catch(failed);
  };
  const open = (append: boolean) => {
    if (state?.shell === 'electron') return void api.chooseCaptures({ append }).catch(failed);
    appendNext.current = append;
    input.current?.click();
  };
  const openRecent = (path: string) => void api.openCaptures({ paths: [path], append: false }).catch(failed);
  const openDataset = () => {
    if (state?.shell === 'electron') return void api.chooseDataset().catch(failed);
    const path = window.prompt('Folder of the dataset on this machine (made by tunnelvision export --parquet):')?.trim();
    if (path) void api.openDataset({ path }).catch(failed);
  };
  const picker = (
    <input
      ref={input}
      type="file"
      multiple
      hidden
      data-testid="file-input"
      accept=".pcap,.pcapng,.cap,.gz"
      onChange={(e) => {
        const files = [...(e.target.files ?? [])];
        e.target.value = '';
        openFiles(files, appendNext.current);
      }}
    />
  );
  return { open, openFiles, openRecent, openDataset, picker };
}
