// Messages between a caller and the engine worker thread (structured-clone data only).

import type { CaptureInfo, ReadProgress } from '../types';
import type { ReadOptions } from '../readers/read';
import type { CaptureIndex, IndexOptions } from '../index/index';

/** The jobs the engine worker runs; each gets its arguments and reports progress while it runs. */
export interface EngineTasks {
  /** Read a capture to the end: counts packets and checks the file (no per-packet result). */
  read: { args: { path: string; opts?: Omit<ReadOptions, 'signal'> }; result: CaptureInfo };
  /** Read, decode every packet (fast path) and build the columnar index; columns come back transferred, not copied. */
  index: {
    args: { path: string; opts?: Omit<IndexOptions, 'onProgress' | 'read'> & { read?: Omit<ReadOptions, 'signal'> } };
    result: CaptureIndex;
  };
}

export type TaskName = keyof EngineTasks;

export type ToWorker = { type: 'run'; task: TaskName; args: unknown } | { type: 'cancel' };

export type FromWorker =
  { type: 'progress'; progress: ReadProgress } | { type: 'done'; result: unknown } | { type: 'failed'; message: string };
