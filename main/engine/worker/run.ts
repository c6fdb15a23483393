// The caller's side of the engine worker: run one engine task in its own worker thread, with
// progress callbacks and cancellation through an AbortSignal. One thread per task, ended when the
// task ends, so several captures read in parallel and a crash in one cannot touch the caller.
//
//   const info = await runEngineTask('read', { path }, { onProgress, signal });
//   const index = await runEngineTask('index', { path, opts: { decodeAs } }, { onProgress, signal });

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { ReadProgress } from '../types';
import type { EngineTasks, FromWorker, TaskName, ToWorker } from './protocol';
import { revive } from './revive';

/** Worker entry when running from sources (tsx). A bundled build passes its own entry as `workerFile`. */
export const SOURCE_ENGINE_WORKER = fileURLToPath(new URL('./bootstrap.mjs', import.meta.url));

export interface RunOptions {
  onProgress?(p: ReadProgress): void;
  /** Cancels the task: it stops reading and resolves with what it has (a 'cancelled' error in it). */
  signal?: AbortSignal;
  workerFile?: string;
  /** After cancelling, how long the task may take to wind down before its thread is terminated. */
  cancelGraceMs?: number;
}

export function runEngineTask<K extends TaskName>(
  task: K,
  args: EngineTasks[K]['args'],
  opts: RunOptions = {},
): Promise<EngineTasks[K]['result']> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(opts.workerFile ?? SOURCE_ENGINE_WORKER);
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => {
      worker.postMessage({ type: 'cancel' } satisfies ToWorker);
      graceTimer = setTimeout(() => finish(() => reject(new Error(`engine task '${task}' cancelled`))), opts.cancelGraceMs ?? 2000);
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => resolve(revive(task, m.result) as EngineTasks[K]['result']));
      else finish(() => reject(new Error(m.message)));
    });
    worker.on('error', (e) => finish(() => reject(new Error(`engine worker failed: ${e.message}`))));
    worker.on('exit', (code) => finish(() => reject(new Error(`engine worker stopped (exit code ${code}) before finishing '${task}'`))));
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.postMessage({ type: 'run', task, args } satisfies ToWorker);
  });
}

/**
 * Runs one task per argument set, at most `concurrency` threads at a time (default: the number of
 * cores), results in argument order. A capture set of many files is read in parallel this way.
 * `onProgress` gets the position of the task in `argsList` with each progress report.
 */
export async function runEngineTasks<K extends TaskName>(
  task: K,
  argsList: readonly EngineTasks[K]['args'][],
  opts: Omit<RunOptions, 'onProgress'> & { concurrency?: number; onProgress?(i: number, p: ReadProgress): void } = {},
): Promise<EngineTasks[K]['result'][]> {
  const results = new Array<EngineTasks[K]['result']>(argsList.length);
  const limit = Math.max(1, Math.min(opts.concurrency ?? availableParallelism(), argsList.length));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < argsList.length) {
      const i = next++;
      results[i] = await runEngineTask(task, argsList[i], { ...opts, onProgress: opts.onProgress && ((p) => opts.onProgress!(i, p)) });
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}
