// The worker thread of a split `decode --format text` (text-split.ts): decodes its part of the file
// into chunks of lines and sends each (moved, not copied) with where the packets after it start; it
// waits while more than MAX_PENDING bytes it sent are not written yet, and stops when told.
import { parentPort, workerData } from 'node:worker_threads';
import type { ReadRange } from '../engine/readers/driver';
import { readTextLines } from './text-line';
import { DECODE_CHUNK, MAX_PENDING, PENDING, STOP, THREAD_CHUNK, type TextThreadJob, type TextThreadReply } from './text-split';

const job = workerData as TextThreadJob;
const port = parentPort!;
const shared = new Int32Array(job.shared);
const stopped = (): boolean => Atomics.load(shared, STOP) !== 0;
const range = await new Promise<ReadRange>((resolve) => port.once('message', resolve));

const info = await readTextLines({
  path: job.path,
  file: job.file,
  opts: job.opts,
  read: { range, chunkSize: DECODE_CHUNK },
  chunkSize: THREAD_CHUNK,
  stopped,
  emit: (chunk, next) => {
    // The chunk has a buffer of its own (LineBatch starts a new one per chunk), moved to the other
    // thread: `chunk` is empty once it is sent.
    const bytes = new Uint8Array(chunk.buffer as ArrayBuffer, chunk.byteOffset, chunk.length);
    const n = bytes.length;
    port.postMessage({ type: 'chunk', bytes, next } satisfies TextThreadReply, [bytes.buffer]);
    let pending = Atomics.add(shared, PENDING, n) + n;
    while (pending > MAX_PENDING && !stopped()) {
      Atomics.wait(shared, PENDING, pending);
      pending = Atomics.load(shared, PENDING);
    }
  },
});
port.postMessage({ type: 'done', info } satisfies TextThreadReply);
