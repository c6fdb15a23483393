// The files of a capture set read at once, one worker thread per core (set-read-worker.ts), each
// file into a table of its own; the results are handed back in file order, so the set's table is
// appended to exactly as reading the files one after another fills it. The set's budget is shared
// (engine/readers/shared-budget.ts), the signal reaches every thread, and a thread that fails loses
// only its file: that file is listed with the error, the others are read.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { DecodeAsTable } from '../engine/decode/types';
import type { ReadLimits } from '../engine/readers/budget';
import type { CaptureInfo, ReadProgress } from '../engine/types';
import type { FileDraft } from './analyze';
import type { PointDraft } from './attribution';
import type { BgpPacket } from './set-reader';
import type { TablePart } from './table';
import type { RecordPart } from './record-columns';

/**
 * Thread entry: the bootstrap beside the sources when running from them (the command line's bundle
 * keeps this path pointing into them), else the app build's bundled entry beside the backend's
 * (this module then sits in a chunk, one folder below it).
 */
const fromSources = import.meta.url.endsWith('.ts');
const WORKER_FILE = fromSources
  ? fileURLToPath(new URL('./set-read-worker.mjs', import.meta.url))
  : ([
      fileURLToPath(new URL('./set-read-worker.js', import.meta.url)),
      fileURLToPath(new URL('../set-read-worker.js', import.meta.url)),
    ].find((p) => existsSync(p)) ?? fileURLToPath(new URL('./set-read-worker.js', import.meta.url)));

/** What every reading thread of a set is started with. */
export interface PoolSetup {
  readonly ids: readonly string[];
  readonly decodeAs: DecodeAsTable | undefined;
  readonly pcapReader: 'fast' | 'pcap-parser' | undefined;
  readonly limits: ReadLimits;
  /** The set's shared budget (sharedBudgetMemory). */
  readonly budget: SharedArrayBuffer;
  /** Keep the packet list's record columns too (SetReadOptions.records). */
  readonly records: boolean;
}

export interface PoolJob {
  readonly fi: number;
  readonly path: string;
}

/** One file as a reading thread filled it. */
export interface FileResult {
  readonly fi: number;
  readonly info: CaptureInfo;
  readonly file: FileDraft;
  readonly points: PointDraft[];
  readonly part: TablePart;
  readonly bgp: BgpPacket[];
  /** The file's record columns, when the setup asked for them. */
  readonly records: RecordPart | null;
}

export type PoolReply =
  | { readonly type: 'progress'; readonly fi: number; readonly pr: ReadProgress }
  | ({ readonly type: 'done'; readonly exceeded: string | null; readonly code: string | null } & FileResult)
  | { readonly type: 'failed'; readonly fi: number; readonly message: string };

const EMPTY_PART: TablePart = { count: 0, epochSec: Number.NaN, columns: {}, ip6: [], macs: [], arp: [], tooBig: [], icmpErrors: [] };

/** A file whose thread failed: listed with the error, no packets. */
function failedFile(fi: number, path: string, id: string, message: string): FileResult {
  const errors = [{ code: 'read-error', message: `reading failed: ${message}`, offset: 0, fatal: true }];
  return {
    fi,
    info: { path, format: 'unknown', compressed: false, interfaces: [], packetCount: 0, errors, comments: [] },
    file: { id, path, format: 'unknown', packetCount: 0, linktypes: [], errors, firstRow: 0, points: [] },
    points: [],
    part: EMPTY_PART,
    bgp: [],
    records: null,
  };
}

export interface PoolOptions {
  readonly threads: number;
  /** File number of paths[0] in the set (setup.ids is the whole set's). */
  readonly first: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fi: number, p: ReadProgress) => void;
  /** Each file's result, in file order (0, 1, ...), as soon as it and every file before it are done. */
  readonly onFile: (r: FileResult) => void;
  /** Thread entry (tests, bundles); default: the sources' bootstrap. */
  readonly workerFile?: string;
}

/**
 * Reads `paths` (files first, first + 1, ... of the set) in up to `threads` threads. Files are started in order, so when the signal stops
 * the set the files read (or cancelled while being read) are the first ones, as in a one-thread
 * read. Resolves with the limit that stopped the set, if one did.
 */
export async function readInThreads(
  paths: readonly string[],
  setup: PoolSetup,
  opts: PoolOptions,
): Promise<{ exceeded: string | null; code: string | null }> {
  const { signal, onProgress, onFile } = opts;
  const done = new Map<number, FileResult>();
  const first = opts.first;
  let delivered = first;
  let next = 0;
  let exceeded: string | null = null;
  let code: string | null = null;
  const workers = new Set<Worker>();
  const abortAll = () => {
    for (const w of workers) w.postMessage({ type: 'abort' });
  };
  signal?.addEventListener('abort', abortAll, { once: true });

  const finish = (r: FileResult) => {
    done.set(r.fi, r);
    for (let d = done.get(delivered); d; d = done.get(delivered)) {
      done.delete(delivered);
      delivered++;
      onFile(d);
    }
  };

  /** One thread's loop: take the next file, read it, until none is left (a failed thread is replaced). */
  const run = async (): Promise<void> => {
    while (next < paths.length && !signal?.aborted) {
      const w = new Worker(opts.workerFile ?? WORKER_FILE, { workerData: setup });
      workers.add(w);
      try {
        // Reads files on this thread until it fails or none is left.
        while (next < paths.length && !signal?.aborted) {
          const i = next++;
          const fi = first + i;
          const r = await new Promise<FileResult>((resolve) => {
            const onMessage = (m: PoolReply) => {
              if (m.type === 'progress') return onProgress?.(m.fi, m.pr);
              off();
              if (m.type === 'failed') return resolve(failedFile(fi, paths[i], setup.ids[fi], m.message));
              if (m.exceeded && !exceeded) {
                exceeded = m.exceeded;
                code = m.code;
              }
              resolve(m);
            };
            const onError = (e: Error) => {
              off();
              resolve(failedFile(fi, paths[i], setup.ids[fi], e.message));
            };
            const onExit = (c: number) => onError(new Error(`the reading thread stopped (exit code ${c})`));
            const off = () => {
              w.off('message', onMessage);
              w.off('error', onError);
              w.off('exit', onExit);
            };
            w.on('message', onMessage);
            w.on('error', onError);
            w.on('exit', onExit);
            w.postMessage({ type: 'read', fi, path: paths[i] });
            if (signal?.aborted) w.postMessage({ type: 'abort' });
          });
          finish(r);
          if (r.part === EMPTY_PART && r.file.errors[0]?.code === 'read-error') break; // this thread is gone or broken
        }
      } finally {
        workers.delete(w);
        await w.terminate();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.threads, paths.length)) }, run));
  } finally {
    signal?.removeEventListener('abort', abortAll);
  }
  return { exceeded, code };
}
