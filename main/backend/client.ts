// The shells' handle on the backend worker: every Backend method becomes a message to the worker
// thread and a promise for its answer, and the events the worker pushes reach the subscribers
// (the latest of each is kept, so a window subscribing late starts from the current state). A
// crashed worker fails all pending calls with its error and is restarted on the next call, so one
// bad input cannot take the app down.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { forwarders, isEventName, type EventName, type EventPayloads } from '../../common/contract';
import { WORKER_METHODS, type Backend, type BackendMethodName, type BackendOptions } from './api';
import { EventHub } from './events';
import type { WorkerMessage } from './worker-main';

/** Worker entry when running from sources (tsx). The Electron build passes its bundled entry instead. */
export const SOURCE_WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));

const CLOSE_WAIT_MS = 5000;

export function startBackend(options: BackendOptions, workerFile: string = SOURCE_WORKER): Backend {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const hub = new EventHub();

  const spawn = (): Worker => {
    const w = new Worker(workerFile, { workerData: options });
    w.on('message', (m: WorkerMessage) => {
      if ('event' in m) {
        // Sound: the worker sends each event with the payload its name stands for (worker-main.ts).
        if (isEventName(m.event)) hub.emit(m.event, m.payload as EventPayloads[typeof m.event]);
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    const failAll = (e: Error) => {
      if (worker !== w) return; // told once (an error is followed by the exit), and never after close
      worker = null;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
      // The window hears it at once: its set is gone until it is opened again (the next call starts a new worker).
      const last = hub.last('state');
      if (last) hub.emit('state', { ...last, phase: 'failed', progress: null, message: `${e.message}. Open the captures again.` });
    };
    w.on('error', (e) => failAll(new Error(`the backend worker failed: ${e.message}`)));
    w.on('exit', (code) => failAll(new Error(`the backend worker stopped (exit code ${code})`)));
    return w;
  };

  const call = (method: BackendMethodName, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      worker ??= spawn();
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args });
    });

  /** The worker saves what is pending (the session's notes) before it is stopped; 5 s at most. */
  const close = async () => {
    const w = worker;
    if (!w) return;
    await Promise.race([call('close', []).catch(() => undefined), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
    worker = null;
    await w.terminate();
  };
  const subscribe = <E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): (() => void) => {
    // A subscriber wants the state from now on: the worker starts (and sends its first state) if it has not yet.
    worker ??= spawn();
    return hub.subscribe(event, listener);
  };
  return { ...forwarders<Backend, (typeof WORKER_METHODS)[number]>(WORKER_METHODS, call), subscribe, close };
}
