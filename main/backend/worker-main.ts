// Entry of the backend's worker thread: captures are read, decoded and analysed here, never on the
// Electron main thread or the server's event loop (which stay free to answer progress polls). The
// parent posts {id, method, args}; the worker answers {id, ok, result} or {id, ok: false, error}.
import { parentPort, workerData } from 'node:worker_threads';
import { createBackend } from './backend';
import type { BackendMethodName, BackendOptions } from './api';

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');
const backend = createBackend(workerData as BackendOptions);

const answer = async (msg: { id: number; method: BackendMethodName; args: unknown[] }): Promise<void> => {
  try {
    const fn = backend[msg.method] as (...a: unknown[]) => Promise<unknown>;
    if (typeof fn !== 'function') throw new Error(`unknown backend method ${String(msg.method)}`);
    const result = await fn.apply(backend, msg.args);
    port.postMessage({ id: msg.id, ok: true, result });
  } catch (e) {
    port.postMessage({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
};

port.on('message', (msg: { id: number; method: BackendMethodName; args: unknown[] }) => void answer(msg));
