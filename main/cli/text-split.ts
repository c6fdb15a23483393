// `decode --format text` of one file, on two threads when that pays: a big uncompressed classic pcap
// file is cut at a record boundary near its middle (pcapRecordAt walks the record headers: about
// 25 ms per 100 MB), this thread decodes the first part and writes its lines as before, and a worker
// thread (text-thread.ts) decodes the second part into chunks of lines that are written once the
// first part's are, so the output is byte for byte the one-thread output. The thread's text not yet
// written is bounded (MAX_PENDING): a reader of our output that stalls holds both threads back.
// Anything else (small files, pcapng, gzip, a limit given on the command line, one core) is read
// on this thread alone.
import { statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReadBudget, ReadOptions } from '../engine/readers/read';
import type { ReadRange } from '../engine/readers/driver';
import { PCAP_HEADER_LEN, pcapMagic, pcapRecordAt } from '../engine/readers/pcap';
import { PositionedFile } from '../engine/readers/source';
import type { CaptureInfo } from '../engine/types';
import type { DecodeOptions } from '../engine/decode/types';
import type { Output } from './output';
import { readTextLines, type NextRecord, type TextReading } from './text-line';
import { BUNDLE_URL, BUNDLED } from './bundled';

/**
 * Bytes read per step of the packet loop: between steps, the loop waits for stdout to drain. 1 MiB
 * reads cost a third of what 64 KiB ones did on a 221 MB file (each read is a trip to the thread
 * pool), and the text one step makes stays a few MB at most.
 */
export const DECODE_CHUNK = 1 << 20;

/**
 * Files smaller than this are read on one thread: a thread costs about 30–80 ms of CPU to start and
 * warms up its own copy of the decoder, more than it saves on a small file.
 */
const SPLIT_MIN_BYTES = 32 << 20;

/** Share of the file the worker thread decodes: it starts later, and this thread also writes every line. */
const THREAD_SHARE = 0.45;

/**
 * When a file is split: TUNNELVISION_TEXT_THREADS=1 never, =2 whenever its format allows (tests,
 * benchmarks), else ('auto') when it is big enough and a core is free: more than one core, and a
 * 1-minute load average below the number of cores minus one. On a machine already busy a second
 * thread only adds its start and warm-up to the CPU time the others wait for (measured: README,
 * Command-line start-up).
 */
export type SplitMode = 'never' | 'always' | 'auto';

export function splitMode(env: string | undefined = process.env.TUNNELVISION_TEXT_THREADS): SplitMode {
  return env === '1' ? 'never' : env === '2' ? 'always' : 'auto';
}

/** Text the worker thread may have made ahead of what this thread has written (it waits beyond). */
export const MAX_PENDING = 32 << 20;

/** The worker thread's chunks of lines: 1 MiB, so that a few dozen messages carry a file's part. */
export const THREAD_CHUNK = 1 << 20;

/** Slots of the Int32Array the two threads share. */
export const PENDING = 0;
export const STOP = 1;

/** What the worker thread is started with; its part of the file (a ReadRange) follows as its first message. */
export interface TextThreadJob {
  readonly path: string;
  readonly file: string;
  readonly opts: DecodeOptions;
  /** Int32Array slots PENDING (bytes sent, not yet written) and STOP (1: stop now). */
  readonly shared: SharedArrayBuffer;
}

export type TextThreadReply = { type: 'chunk'; bytes: Uint8Array; next: NextRecord } | { type: 'done'; info: CaptureInfo };

/** The thread's entry: the bundle's own (see bundled.ts), else the bootstrap beside the sources. */
const THREAD_ENTRY = BUNDLED ? new URL('text-thread.js', BUNDLE_URL) : new URL('./text-thread.mjs', import.meta.url);

/**
 * Decodes one file as text lines into `out`; returns the read results whose errors are to be
 * reported, in file order (two when the file was split).
 */
export async function decodeText(
  out: Output,
  path: string,
  opts: DecodeOptions,
  budget: ReadBudget,
  mode: SplitMode = splitMode(),
): Promise<CaptureInfo[]> {
  const read: ReadOptions = { signal: out.signal, chunkSize: DECODE_CHUNK, pause: () => out.drained() };
  const reading = (range?: ReadRange): TextReading => ({
    path,
    file: basename(path),
    opts,
    read: range ? { ...read, range } : { ...read, budget },
    emit: (chunk) => void out.push(chunk),
    stopped: () => out.ended,
  });
  const size = splitSize(path, budget, mode);
  if (size === null) return [await readTextLines(reading())];
  // The thread starts (about 70 ms) while the record boundary is found.
  const thread = new TextThread({ path, file: basename(path), opts });
  try {
    const at = pcapRecordAt(path, Math.floor(size * (1 - THREAD_SHARE)));
    if (!at || at.offset >= size) {
      thread.stop();
      return [await readTextLines(reading())];
    }
    budget.takeBytes(size); // the limit cannot be reached (splitSize checked it); the set's total stays right
    thread.start({ start: at.offset, end: size, firstIndex: at.index });
    const first = await readTextLines(reading({ start: PCAP_HEADER_LEN, end: at.offset, firstIndex: 0 }));
    if (out.ended || first.errors.some((e) => e.fatal)) return [first];
    let next: NextRecord = at;
    for (let m = await thread.next(); m; m = await thread.next()) {
      if (m.type === 'done') return [first, m.info];
      await out.write(m.bytes);
      thread.written(m.bytes.length);
      if (out.ended) return [first];
      next = m.next;
    }
    // The thread failed (it could not start, or threw): this thread reads what it did not send.
    return [first, await readTextLines(reading({ start: next.offset, end: size, firstIndex: next.index }))];
  } finally {
    thread.stop();
  }
}

/** The size of a file to split (an uncompressed classic pcap, and what `mode` asks), or null. */
function splitSize(path: string, budget: ReadBudget, mode: SplitMode): number | null {
  const cores = availableParallelism();
  if (mode === 'never' || budget.exceeded || (mode === 'auto' && (cores < 2 || loadavg()[0] >= cores - 1))) return null;
  try {
    const file = PositionedFile.open(path);
    try {
      const size = file.size;
      if ((mode === 'auto' && size < SPLIT_MIN_BYTES) || budget.bytes + size > budget.limits.maxBytes) return null;
      const head = new Uint8Array(4);
      return file.readAt(head, 4, 0) === 4 && pcapMagic(head) ? size : null;
    } finally {
      file.close();
    }
  } catch {
    return null; // not a regular file, unreadable: the one-thread read reports it
  }
}

/** The worker thread and what it sent, taken in order. */
class TextThread {
  private readonly worker: Worker;
  private readonly shared = new Int32Array(new SharedArrayBuffer(8));
  private readonly queue: (TextThreadReply | null)[] = [];
  private wake: (() => void) | null = null;

  constructor(job: Omit<TextThreadJob, 'shared'>) {
    this.worker = new Worker(THREAD_ENTRY, { workerData: { ...job, shared: this.shared.buffer } satisfies TextThreadJob });
    this.worker.on('message', (m: TextThreadReply) => this.put(m));
    // A thread that fails ends the queue; this thread then reads the rest itself.
    this.worker.on('error', () => this.put(null));
    this.worker.on('exit', () => this.put(null));
  }

  /** Gives the thread its part of the file. */
  start(range: ReadRange): void {
    this.worker.postMessage(range);
  }

  private put(m: TextThreadReply | null): void {
    this.queue.push(m);
    this.wake?.();
    this.wake = null;
  }

  /** The next reply; null once the thread has ended without a `done`. */
  async next(): Promise<TextThreadReply | null> {
    while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.queue.shift()!;
  }

  /** `n` bytes of the thread's text have been written: it may make more. */
  written(n: number): void {
    Atomics.sub(this.shared, PENDING, n);
    Atomics.notify(this.shared, PENDING);
  }

  stop(): void {
    Atomics.store(this.shared, STOP, 1);
    Atomics.notify(this.shared, PENDING);
    void this.worker.terminate();
  }
}
