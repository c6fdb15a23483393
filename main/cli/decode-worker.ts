// The formatting thread of `decode --format text` (text-thread.ts): decodes and formats each batch
// of packets it is posted, and sends the text back with the batch's memory (moved, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import type { DecodeOptions } from '../engine/decode/types';
import type { BatchMessage } from './packet-batch';
import { TextFormatter } from './text-line';

const formatter = new TextFormatter((workerData as { opts: DecodeOptions }).opts);

parentPort!.on('message', (m: BatchMessage) => {
  const chunks = formatter.batch(m);
  const back: BatchMessage = { ...m, chunks };
  parentPort!.postMessage(back, [
    m.meta.buffer as ArrayBuffer,
    m.data.buffer as ArrayBuffer,
    ...chunks.map((c) => c.buffer as ArrayBuffer),
  ]);
});
