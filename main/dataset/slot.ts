// The backend's hook for datasets: the one dataset open in place of a capture set, if any. backend.ts
// asks `source()` for every packet question (the dataset's DuckDB queries when one is open, else the
// capture set's parts) and lets `state` describe the dataset in the window's state.
//
// A dataset's notes go through the backend's one note gate, as a capture set's do: their session file
// is in the dataset's folder (main/backend/notes.ts `sessionFileForDataset`), and names packets by
// their capture's packets file and index. While the session checks those files (SHA-256, in the
// background) note calls wait, as they do while a capture set opens. The previous set's notes were
// saved and let go when it was closed (the backend's load of nothing, `letGo`).

import type { AppState, ExportSelection, ReportFormat } from '../../common/contract';
import type { NoteGate } from '../backend/note-gate';
import { sessionFileForDataset } from '../backend/notes';
import { snapshotOf } from '../backend/report-session';
import { DatasetSource } from './app-source';
import { exportCommand, type Correction } from './reexport';
import { writeDatasetReport } from './report';
import { writeDatasetPcapng } from './pcapng';
import type { SetSource } from './source';

export class DatasetSlot {
  private current: DatasetSource | null = null;
  /** Stops the open dataset's session check when it is closed first. */
  private checking: AbortController | null = null;

  constructor(
    private readonly captures: SetSource,
    private readonly gate: NoteGate,
    /** Where a dataset's notes go when its folder is not writable. */
    private readonly sessionDir: string,
  ) {}

  /** What answers the packet questions now. */
  source(): SetSource {
    return this.current ?? this.captures;
  }

  get open(): DatasetSource | null {
    return this.current;
  }

  /**
   * Opens dataset `dir` in place of whatever was open (`letGo` closes the capture set, and saves its
   * notes, once the dataset opened). When it is no dataset it throws with a message naming what is
   * wrong, and what was open stays.
   */
  async openDir(dir: string, generation: () => number, letGo: () => Promise<void>): Promise<void> {
    const d = await DatasetSource.open(dir, generation);
    await this.close();
    await letGo();
    this.current = d;
    await this.openNotes(d);
  }

  /** Opens the dataset's session; its packets files are checked in the background (note calls wait for it). */
  private async openNotes(d: DatasetSource): Promise<void> {
    const gate = this.gate;
    const previous = gate.begin();
    // Normally none: the capture set's notes were saved and let go when it was closed.
    await previous
      ?.close()
      .catch((e: unknown) => (gate.problem = `The last notes could not be saved: ${e instanceof Error ? e.message : String(e)}`));
    const stop = new AbortController();
    this.checking = stop;
    let file: string;
    try {
      file = sessionFileForDataset(d.dir, this.sessionDir);
    } catch (e) {
      gate.problem = `Notes are off for this dataset: ${e instanceof Error ? e.message : String(e)}`;
      gate.ready();
      return;
    }
    const notes = await gate.open(file, d.notesHost());
    if (!notes) {
      gate.ready();
      return;
    }
    void notes
      .attach(
        d.packetsFiles().map((path) => ({ path, comments: [] })),
        stop.signal,
      )
      .then(
        () => {
          if (!stop.signal.aborted) d.notes = notes;
        },
        (e: unknown) => {
          if (!stop.signal.aborted)
            gate.problem = `The dataset's packets files could not be checked for its notes: ${e instanceof Error ? e.message : String(e)}`;
        },
      )
      // A check stopped because the dataset was closed releases nothing: the gate waits for the next set's session.
      .finally(() => stop.signal.aborted || gate.ready());
  }

  async close(): Promise<void> {
    const d = this.current;
    this.current = null;
    this.checking?.abort();
    this.checking = null;
    if (d) d.notes = null;
    await d?.close();
  }

  /**
   * Null when no dataset is open; else a rejection saying that `what` needs a new analysis, which a
   * dataset cannot do in place, with the command that exports it again with `correction`.
   */
  refuse(what: string, correction: Correction): Promise<never> | null {
    const d = this.current;
    if (!d) return null;
    return Promise.reject(
      new Error(
        `${what} changes how the set is read and analysed, which a dataset cannot redo in place (its graph and journeys were computed when it was exported). Export it again with the correction, then open it again (its notes stay in the folder):\n${exportCommand(d, correction)}`,
      ),
    );
  }

  /** `refuse` for a correction of capture `capture`'s node or interface (the Captures panel's number). */
  refuseAttribution(capture: number, node: string | null, iface: string | null, ifaceKind?: string): Promise<never> | null {
    const d = this.current;
    if (!d) return null;
    const f = d.files[capture];
    if (!f) return Promise.reject(new Error(`no capture #${capture}`));
    return this.refuse("Correcting a capture's node or interface", { kind: 'assign', capture: f.id, node, iface, ifaceKind });
  }

  /** Null when no dataset is open; else the dataset's report with its notes (once they may be read), written to `path`. */
  report(format: ReportFormat, path: string): Promise<{ name: string; packets: number }> | null {
    const d = this.current;
    if (!d) return null;
    return (async () => {
      await this.gate.whenReady();
      const notes = this.gate.notes;
      return writeDatasetReport(d, format, path, notes ? snapshotOf(notes.store) : null);
    })();
  }

  /** Null when no dataset is open; else the selected packets of the dataset, with its notes as comments, written to `path`. */
  pcapng(selection: ExportSelection, path: string): Promise<{ packets: number; name: string }> | null {
    const d = this.current;
    if (!d) return null;
    return (async () => {
      await this.gate.whenReady();
      return writeDatasetPcapng(d, selection, path, this.gate.notes);
    })();
  }

  /** The window's state with the open dataset in place of the (empty) capture set. */
  async state(base: AppState): Promise<AppState> {
    const d = this.current;
    if (!d) return base;
    return {
      ...base,
      phase: 'ready',
      progress: null,
      captures: await d.captures(),
      totalPackets: d.count,
      message: [d.message, this.gate.problem].filter(Boolean).join(' '),
      session: this.gate.notes?.view() ?? null,
      decodeAs: d.decodeAs,
      dataset: d.dir,
    };
  }
}
