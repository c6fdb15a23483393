// The worker-thread side: runs one engine task off the caller's thread, posts progress, stops
// when told to cancel (the task then resolves with what it read and a 'cancelled' error).

import { parentPort } from 'node:worker_threads';
import type { ReadProgress } from '../types';
import type { EngineTasks, FromWorker, TaskName, ToWorker } from './protocol';
import { readCapture } from '../readers/read';
import { indexCapture } from '../index/index';
import { transferList } from './revive';

interface TaskContext {
  signal: AbortSignal;
  onProgress(p: ReadProgress): void;
}

type TaskImpl<K extends TaskName> = (
  args: EngineTasks[K]['args'],
  ctx: TaskContext,
) => Promise<{ result: EngineTasks[K]['result']; transfer?: ArrayBuffer[] }>;

/** Dispatch table: one entry per task of EngineTasks. */
const tasks: { [K in TaskName]: TaskImpl<K> } = {
  read: async ({ path, opts }, { signal, onProgress }) => ({
    result: await readCapture(path, { onPacket() {}, onProgress }, { ...opts, signal }),
  }),
  index: async ({ path, opts }, { signal, onProgress }) => {
    const index = await indexCapture(path, { ...opts, read: { ...opts?.read, signal }, onProgress });
    return { result: index, transfer: transferList(index) };
  },
};

const port = parentPort;
if (!port) throw new Error('engine-worker must run in a worker thread');
const abort = new AbortController();
let lastProgress = 0;

const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'cancel') {
    abort.abort();
    return;
  }
  const impl = tasks[msg.task] as TaskImpl<TaskName> | undefined;
  if (!impl) {
    post({ type: 'failed', message: `unknown engine task ${String(msg.task)}` });
    return;
  }
  const onProgress = (p: ReadProgress): void => {
    const now = Date.now();
    if (now - lastProgress < 50 && p.bytesRead < p.bytesTotal) return;
    lastProgress = now;
    post({ type: 'progress', progress: p });
  };
  impl(msg.args as never, { signal: abort.signal, onProgress }).then(
    ({ result, transfer }) => post({ type: 'done', result }, transfer),
    (e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }),
  );
});
