// Events the backend pushes to the UI (common/contract.ts: EventPayloads). `EventHub` fans each
// event out to its subscribers and keeps the latest payload, so a new subscriber (a window that
// just loaded, a browser tab that reconnected) starts from the current value. `StateFeed` is the
// backend's side: anything that may have changed the state calls `changed()`; the feed reads the
// state at most once per interval (reading a large set reports progress every chunk), and sends it
// only when it differs from the last one sent.
import type { AppState, EventName, EventPayloads, TunnelvisionEvents } from '../../common/contract';

type AnyListener = (payload: unknown) => void;

export class EventHub implements TunnelvisionEvents {
  private readonly listeners = new Map<EventName, Set<AnyListener>>();
  private readonly latest = new Map<EventName, unknown>();

  subscribe<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    const l = listener as AnyListener;
    const set = this.listeners.get(event) ?? this.listeners.set(event, new Set()).get(event)!;
    set.add(l);
    if (this.latest.has(event)) deliver(l, this.latest.get(event));
    return () => void set.delete(l);
  }

  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    this.latest.set(event, payload);
    for (const l of this.listeners.get(event) ?? []) deliver(l, payload);
  }

  /** The last payload of `event`, or undefined before the first. */
  last<E extends EventName>(event: E): EventPayloads[E] | undefined {
    return this.latest.get(event) as EventPayloads[E] | undefined;
  }
}

/** One listener that throws must not keep the event from the others. */
function deliver(l: AnyListener, payload: unknown): void {
  try {
    l(payload);
  } catch (e) {
    console.error('event listener failed:', e);
  }
}

/** Pushes the backend's state when it changed, at most once per `intervalMs`. */
export class StateFeed {
  readonly hub = new EventHub();
  private scheduled = false;
  private lastSent = 0;
  private lastJson = '';
  private closed = false;

  constructor(
    private readonly read: () => Promise<AppState>,
    private readonly intervalMs = 100,
  ) {}

  /** Something may have changed: the state is read and sent soon (once for many calls). */
  changed(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    const wait = Math.max(0, this.lastSent + this.intervalMs - Date.now());
    setTimeout(() => void this.send(), wait).unref?.();
  }

  /** Sends the state now: before a step that holds the thread (the analysis), so the UI sees that it started. */
  async flush(): Promise<void> {
    if (!this.closed) await this.send();
  }

  close(): void {
    this.closed = true;
  }

  private async send(): Promise<void> {
    this.scheduled = false;
    this.lastSent = Date.now();
    let state: AppState;
    try {
      state = await this.read();
    } catch (e) {
      console.error('the state could not be read:', e);
      return;
    }
    const json = JSON.stringify(state);
    if (json === this.lastJson) return;
    this.lastJson = json;
    this.hub.emit('state', state);
  }
}
