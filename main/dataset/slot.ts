// The backend's hook for datasets: the one dataset open in place of a capture set, if any. backend.ts
// asks `source()` for every packet question (the dataset's DuckDB queries when one is open, else the
// capture set's parts) and lets `state` describe the dataset in the window's state.

import type { AppState } from '../../common/contract';
import { DatasetSource } from './app-source';
import type { SetSource } from './source';

export class DatasetSlot {
  private current: DatasetSource | null = null;

  constructor(private readonly captures: SetSource) {}

  /** What answers the packet questions now. */
  source(): SetSource {
    return this.current ?? this.captures;
  }

  get open(): DatasetSource | null {
    return this.current;
  }

  /**
   * Opens dataset `dir` in place of whatever was open (`letGo` closes the capture set once the dataset
   * opened). When it is no dataset it throws with a message naming what is wrong, and what was open stays.
   */
  async openDir(dir: string, generation: () => number, letGo: () => Promise<void>): Promise<void> {
    const d = await DatasetSource.open(dir, generation);
    await this.close();
    await letGo();
    this.current = d;
  }

  async close(): Promise<void> {
    const d = this.current;
    this.current = null;
    await d?.close();
  }

  /** Null when no dataset is open; else a rejection saying that `what` needs the captures themselves. */
  refuse(what: string): Promise<never> | null {
    if (!this.current) return null;
    return Promise.reject(
      new Error(`${what} is not available on a dataset yet: open the captures themselves (${this.current.dir} is a Parquet dataset).`),
    );
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
      message: d.message,
      session: null,
    };
  }
}
