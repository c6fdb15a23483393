// The capture engine's one entry point for reading files: readCapture streams every packet of a pcap,
// pcapng or gzip-compressed capture to a callback, with bounded memory, progress and cancellation;
// readPacketsAt fetches chosen packets again by file offset for full decoding on demand.
//
// Format is detected by magic bytes only:
//   pcap      a1b2c3d4 / a1b23c4d in either byte order  -> the fast loop (pcap.ts, default) or
//                                                         pcap-parser (pcap-parser-reader.ts): opts.pcapReader
//   pcapng    0a0d0d0a                                  -> pcapng.ts
//   gzip      1f8b                                      -> gunzip, then the above
// Bad input never throws: the returned CaptureInfo lists what went wrong (code, message, byte offset)
// and every packet before the fault has been delivered. Cancelling (opts.signal) stops the read and
// resolves with a 'cancelled' error.

import type { CaptureInfo } from '../types';
import { readSource, type ReadOptions } from './driver';
import type { ReadHandlers } from './sink';
import { BufferSource, FileSource } from './source';

export type { ReadOptions } from './driver';
export type { ReadHandlers } from './sink';
export { DEFAULT_MAX_RECORD_LEN } from './sink';
export { readPacketAt, readPacketsAt, type PacketRef, type PacketAt } from './random-access';
export { formatEpoch, epochText } from './time';
export { ReadBudget, DEFAULT_LIMITS, type ReadLimits } from './budget';

export async function readCapture(path: string, handlers: ReadHandlers, opts?: ReadOptions): Promise<CaptureInfo> {
  let src: FileSource;
  try {
    src = await FileSource.open(path);
  } catch (e) {
    return {
      path,
      format: 'unknown',
      compressed: false,
      interfaces: [],
      packetCount: 0,
      errors: [{ code: 'open-failed', message: `cannot open ${path}: ${(e as Error).message}`, offset: 0, fatal: true }],
      comments: [],
    };
  }
  return readSource(src, path, handlers, opts);
}

/** The same reader over bytes in memory (tests, fuzzing, drag-and-dropped data). */
export function readCaptureBytes(bytes: Uint8Array, handlers: ReadHandlers, opts?: ReadOptions & { name?: string }): Promise<CaptureInfo> {
  return readSource(new BufferSource(bytes), opts?.name ?? '(memory)', handlers, opts);
}
