// The read loop shared by every format: detect the format from the first bytes, then hand large
// chunks to the format reader, keep only its one unfinished record between chunks, report progress,
// stop on cancellation. Memory is two working buffers (4 MiB + the largest record allowed, each: the
// next chunk is read into one while the other is decoded) whatever the file size.

import type { CaptureInfo } from '../types';
import { DEFAULT_MAX_RECORD_LEN, ReadSink, type FormatReader, type ReadHandlers, u32 } from './sink';
import { FastPcapReader, pcapMagic } from './pcap';
import { PcapParserReader } from './pcap-parser-reader';
import { BT_SHB, PcapngReader } from './pcapng';
import { GzipSource, isGzip, type ByteSource } from './source';
import type { ReadBudget } from './budget';

export interface ReadOptions {
  signal?: AbortSignal;
  /** Largest captured length accepted for one record (default 256 KiB). */
  maxRecordLen?: number;
  /**
   * Classic pcap record loop: 'fast' (default: the engine's own loop) or 'pcap-parser' (the package
   * the product was specified with, adapted as described in pcap-parser-reader.ts). Both apply the
   * same header checks and length bounds and give identical packets and errors (tested on every
   * public capture, at every chunk boundary, and by the fuzz test). The default is the fast loop
   * because pcap-parser's per-record events, Buffer slices and objects cost most of the engine's time:
   * on 1M packets (739 MB), reading alone 2.78 s via pcap-parser vs 0.54 s; reading + decoding every
   * layer 4.52 s vs 1.34 s (`npm run bench`).
   */
  pcapReader?: 'pcap-parser' | 'fast';
  /** Bytes per read (default 4 MiB). */
  chunkSize?: number;
  /**
   * Awaited after each chunk when it returns a promise: a consumer that writes out what it is given
   * (the CLI to a pipe) holds the reading while its output drains, so memory stays bounded.
   */
  pause?: () => Promise<void> | undefined;
  /** Limits shared by every file of a capture set (bytes, packets, memory); none when absent. */
  budget?: ReadBudget;
}

/** The classic pcap loop used when the caller does not choose (see ReadOptions.pcapReader for why). */
export const DEFAULT_PCAP_READER: NonNullable<ReadOptions['pcapReader']> = 'fast';

const DEFAULT_CHUNK = 4 << 20;
/** The bound a caller may raise maxRecordLen to (the working buffer is sized from it). */
const MAX_RECORD_LEN_LIMIT = 64 << 20;

/** All magics a capture can start with, for "is this a cut-off header or something else". */
const MAGICS = [
  [0xa1, 0xb2, 0xc3, 0xd4],
  [0xd4, 0xc3, 0xb2, 0xa1],
  [0xa1, 0xb2, 0x3c, 0x4d],
  [0x4d, 0x3c, 0xb2, 0xa1],
  [0x0a, 0x0d, 0x0d, 0x0a],
];

export function createReader(head: Uint8Array, sink: ReadSink, opts: ReadOptions): FormatReader | null {
  if (head.length < 4) {
    const prefix = MAGICS.some((m) => head.every((v, i) => v === m[i]));
    if (prefix) sink.error('truncated-header', `file ends after ${head.length} bytes, inside its header`, 0, true);
    else sink.error('bad-magic', 'not a capture file: too short and no known magic number', 0, true);
    return null;
  }
  if (pcapMagic(head)) {
    return (opts.pcapReader ?? DEFAULT_PCAP_READER) === 'pcap-parser' ? new PcapParserReader(sink) : new FastPcapReader(sink);
  }
  if (u32(head, 0, false) === BT_SHB) return new PcapngReader(sink);
  const magic = u32(head, 0, false);
  if (magic === 0xa1b2cd34 || magic === 0x34cdb2a1) {
    sink.error('unsupported-format', 'modified (Kuznetzov) pcap format is not supported: convert it with editcap', 0, true);
    return null;
  }
  // Never the bytes themselves: an error must not show what a file that is not a capture contains.
  sink.error('bad-magic', 'not a pcap or pcapng file (its first bytes are no known magic number)', 0, true);
  return null;
}

/**
 * Reads a whole capture from `raw` (gzip detected by content). Never throws for bad input: problems
 * are in the result's errors. Rejects only when a handler throws. Closes `raw`.
 */
export async function readSource(raw: ByteSource, path: string, handlers: ReadHandlers, opts: ReadOptions = {}): Promise<CaptureInfo> {
  const want = opts.maxRecordLen;
  const maxRecordLen =
    want !== undefined && Number.isInteger(want) && want > 0 ? Math.min(want, MAX_RECORD_LEN_LIMIT) : DEFAULT_MAX_RECORD_LEN;
  const sink = new ReadSink(handlers, maxRecordLen, opts.budget);
  let src: ByteSource = raw;
  let compressed = false;
  try {
    if (opts.budget?.exceeded) {
      sink.error(opts.budget.code ?? 'budget', `not read: ${opts.budget.exceeded}`, 0, true);
      return sink.info(path, false);
    }
    let head: Uint8Array;
    try {
      head = await raw.peek(4);
    } catch (e) {
      sink.error('read-error', `read failed at byte 0: ${(e as Error).message}`, 0, true);
      return sink.info(path, false);
    }
    if (head.length === 0) {
      sink.error('empty-file', 'the file is empty', 0, true);
      return sink.info(path, false);
    }
    if (isGzip(head)) {
      src = new GzipSource(raw);
      compressed = true;
    }
    await pump(src, sink, opts);
    return sink.info(path, compressed);
  } finally {
    await src.close().catch(() => {});
  }
}

async function pump(src: ByteSource, sink: ReadSink, opts: ReadOptions): Promise<void> {
  const { signal } = opts;
  const handlers = sink.handlers;
  const chunk =
    opts.chunkSize !== undefined && Number.isInteger(opts.chunkSize) && opts.chunkSize > 0
      ? Math.min(opts.chunkSize, 64 << 20)
      : DEFAULT_CHUNK;
  // Two working buffers: the reader works on one while the source reads the next chunk into the
  // other (ByteSource.prefetch, no copy). New bytes go at `room`; what the reader left unconsumed
  // (at most one record, bounded by its maxPending) is moved right before them. The second buffer
  // is made when a second chunk is read: an input that fits in one read (most captures in tests,
  // every fuzzed one) costs one buffer, as before.
  const room = sink.maxRecordLen + 256 * 1024;
  const bufs: (Uint8Array | undefined)[] = [new Uint8Array(room + chunk), undefined];
  let cur = 0;
  const other = (): Uint8Array => (bufs[1 - cur] ??= new Uint8Array(room + chunk));
  let reader: FormatReader | null = null;
  let left = 0; // bytes left unconsumed, at bufs[cur][room - left, room)
  let base = 0; // file offset (decompressed) of the first of them
  let eof = false;
  const failed = (e: unknown, at: number): void => {
    const gz = src instanceof GzipSource;
    const why = gz ? 'gzip data is corrupt or cut off' : 'read failed';
    sink.error(
      gz ? 'gzip-error' : 'read-error',
      `${why} after byte ${at} of the ${gz ? 'decompressed ' : ''}file: ${(e as Error).message}`,
      at,
      true,
    );
  };
  const progress = (): void => handlers.onProgress?.({ bytesRead: src.bytesRead, bytesTotal: src.bytesTotal, packets: sink.packets });

  while (!eof) {
    if (signal?.aborted) {
      sink.error('cancelled', `reading cancelled at byte ${base + left}`, base + left, true);
      break;
    }
    const buf = bufs[cur]!;
    let n: number;
    try {
      n = await src.read(buf, room, chunk);
    } catch (e) {
      failed(e, base + left);
      break;
    }
    if (n === 0) eof = true;
    // A short read is the end of the input: nothing more to read ahead.
    const prefetched = n === chunk && src.prefetch !== undefined;
    if (prefetched) src.prefetch!(other(), room, chunk);
    const over = opts.budget?.takeBytes(n);
    if (over) {
      // Stops before this read's bytes: every packet before `base` has been delivered.
      sink.overBudget(over, base);
      break;
    }
    const start = room - left;
    const end = room + n;
    if (!reader) {
      if (end === start) {
        sink.error('empty-file', src instanceof GzipSource ? 'the file is empty after decompression' : 'the file is empty', 0, true);
        break;
      }
      if (end - start >= 4 || eof) {
        reader = createReader(buf.subarray(start, Math.min(end, start + 4)), sink, opts);
        if (!reader) break;
      }
    }
    const used = reader ? reader.consume(buf, start, end, base) : start;
    if (sink.stopped) break;
    if (used > end) {
      const want = used - end;
      let skipped: number;
      try {
        skipped = await src.skip(want);
      } catch (e) {
        failed(e, base + end - start);
        break;
      }
      if (skipped < want) {
        const at = reader?.skipFrom ?? base;
        sink.error('truncated-record', `file ends at byte ${base + end - start + skipped}, inside the block at byte ${at}`, at, true);
        break;
      }
      base += used - start;
      left = 0;
    } else {
      base += used - start;
      left = end - used;
      if (left > room) {
        // Readers bound what they leave pending; this is the last line of defence against buffering more.
        sink.error('record-too-large', `the record at byte ${base} does not fit in ${room} bytes`, base, true);
        break;
      }
      if (prefetched || left > 0) {
        const next = other();
        if (left > 0) next.set(buf.subarray(used, end), room - left);
        cur = 1 - cur;
      }
    }
    progress();
    const wait = opts.pause?.();
    if (wait) await wait;
  }
  if (reader && !sink.stopped) reader.finish(left, base);
  progress();
}
