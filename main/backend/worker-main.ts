// Entry of the backend's worker thread: captures are read, decoded and analysed here, never on the
// Electron main thread or the server's event loop. The parent posts {id, method, args}; the worker
// answers {id, ok, result} or {id, ok: false, error}. Events the backend pushes (the state after
// each change) go to the parent as {event, payload}, each event name of the contract subscribed once.
import { parentPort, workerData } from 'node:worker_threads';
import { EVENT_NAMES } from '../../common/contract';
import { createBackend } from './backend';
import type { BackendMethodName, BackendOptions } from './api';

export type WorkerRequest = { id: number; method: BackendMethodName; args: unknown[] };
export type WorkerMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { event: (typeof EVENT_NAMES)[number]; payload: unknown };

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');
const backend = createBackend(workerData as BackendOptions);
const post = (m: WorkerMessage) => port.postMessage(m);

for (const event of EVENT_NAMES) backend.subscribe(event, (payload) => post({ event, payload }));

const answer = async (msg: WorkerRequest): Promise<void> => {
  try {
    const fn = backend[msg.method] as (...a: unknown[]) => Promise<unknown>;
    if (typeof fn !== 'function') throw new Error(`unknown backend method ${String(msg.method)}`);
    const result = await fn.apply(backend, msg.args);
    post({ id: msg.id, ok: true, result });
  } catch (e) {
    post({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
};

port.on('message', (msg: WorkerRequest) => void answer(msg));
