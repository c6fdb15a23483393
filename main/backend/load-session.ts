// The sequencing of loads in the backend: which phase the open set is in, the generation the UI
// refetches on, and the one step running at a time (a read, or an inference re-run after a
// correction) with its cancellation. Loads queue one after the other; each cancels the step before it.
import type { LoadPhase } from '../../common/contract';

export class LoadSession {
  phase: LoadPhase = 'idle';
  /** Changes whenever what the UI shows of the set changes: it refetches graph and packet pages then. */
  generation = 0;
  private controller: AbortController | null = null;
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> = Promise.resolve();

  /** `onChange`: called on every new generation (e.g. to drop cached query results). */
  constructor(private readonly onChange: () => void = () => {}) {}

  bump(): void {
    this.generation++;
    this.onChange();
  }

  /** Runs `load` once the loads asked for before it have started; its rejection reaches the caller only. */
  enqueue(load: () => Promise<void>): Promise<void> {
    const next = this.queued.then(load);
    this.queued = next.catch(() => undefined);
    return next;
  }

  /** Asks the step in progress to stop (it ends with what it has). */
  cancel(): void {
    this.controller?.abort();
  }

  /** Settles when the step in progress has ended. */
  settled(): Promise<void> {
    return this.running;
  }

  /** Starts `step` as the one running, with a fresh cancellation signal. Call after the previous step settled. */
  start(step: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const ac = new AbortController();
    this.controller = ac;
    this.running = step(ac.signal);
    return this.running;
  }

  /** Stops everything: the step in progress and the loads waiting. */
  async close(): Promise<void> {
    this.cancel();
    await this.queued;
    await this.running;
  }
}
