// The shells' handle on the backend worker: every Backend method becomes a message to the worker
// thread and a promise for its answer. A crashed worker fails all pending calls with its error and
// is restarted on the next call, so one bad input cannot take the app down.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { forwarders } from '../../common/contract';
import { WORKER_METHODS, type Backend, type BackendMethodName, type BackendOptions } from './api';

/** Worker entry when running from sources (tsx). The Electron build passes its bundled entry instead. */
export const SOURCE_WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));

const CLOSE_WAIT_MS = 5000;

export function startBackend(options: BackendOptions, workerFile: string = SOURCE_WORKER): Backend {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  const spawn = (): Worker => {
    const w = new Worker(workerFile, { workerData: options });
    w.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    const failAll = (e: Error) => {
      worker = null;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    w.on('error', (e) => failAll(new Error(`the analysis worker failed: ${e.message}`)));
    w.on('exit', (code) => failAll(new Error(`the analysis worker stopped (exit code ${code})`)));
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
  return { ...forwarders<Backend, (typeof WORKER_METHODS)[number]>(WORKER_METHODS, call), close };
}
