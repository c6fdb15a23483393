// What every format reader reports into: the reused packet object, interfaces, errors, comments.
// One instance per read; readCapture turns it into the CaptureInfo it returns.

import type { ReadBudget } from './budget';
import type { CaptureFormat, CaptureInfo, CaptureInterface, RawPacket, ReadError, ReadProgress } from '../types';

export interface ReadHandlers {
  /** Every packet in file order. `p` and `p.data` are reused: copy what you keep. */
  onPacket(p: RawPacket): void;
  /** Every interface as it is defined (pcap: one; pcapng: one per IDB), before its packets. */
  onInterface?(i: CaptureInterface): void;
  /** Called after every chunk (4 MiB by default) and once at the end. */
  onProgress?(p: ReadProgress): void;
}

/** Largest captured length accepted by default: 256 KiB, libpcap's own maximum snapshot length. */
export const DEFAULT_MAX_RECORD_LEN = 262144;

/** Non-fatal problems of one kind are reported this many times, then once more with the total. */
const MAX_REPEATS = 20;

export class ReadSink {
  readonly packet: RawPacket = {
    index: 0,
    tsSec: 0,
    tsNsec: 0,
    hasTime: true,
    capLen: 0,
    origLen: 0,
    linktype: 0,
    iface: 0,
    fileOffset: 0,
    data: new Uint8Array(0),
    comments: null,
  };
  readonly interfaces: CaptureInterface[] = [];
  readonly errors: ReadError[] = [];
  readonly comments: string[] = [];
  packets = 0;
  format: CaptureFormat | 'unknown' = 'unknown';
  byteOrder?: 'little' | 'big';
  tsPrecision?: 'us' | 'ns';
  version?: string;
  /** Set by a fatal error: readers stop, the driver stops feeding. */
  stopped = false;
  private readonly repeats = new Map<string, number>();
  /** Where the first problem of each code that went unlisted is (the summary's offset). */
  private readonly firstUnlisted = new Map<string, number>();

  constructor(
    readonly handlers: ReadHandlers,
    readonly maxRecordLen: number,
    private readonly budget?: ReadBudget,
  ) {}

  /** Hands the filled-in `packet` to the caller and numbers it; past the set's packet limit, stops instead. */
  emit(): void {
    const p = this.packet;
    if (this.budget) {
      const over = this.budget.takePacket();
      if (over) return this.overBudget(over, p.fileOffset);
    }
    p.index = this.packets++;
    this.handlers.onPacket(p);
  }

  /** Stops reading at `offset` because the set's budget is used up; what was read stays. */
  overBudget(why: string, offset: number): void {
    this.error(
      this.budget?.code ?? 'budget',
      `reading stopped at byte ${offset}, after ${this.packets.toLocaleString('en-US')} packets of this file: ${why}; the packets before are kept`,
      offset,
      true,
    );
  }

  addInterface(i: CaptureInterface): void {
    this.interfaces.push(i);
    this.handlers.onInterface?.(i);
  }

  /** Records a problem. A fatal one stops the read; what was read before is kept. */
  error(code: string, message: string, offset: number, fatal: boolean): void {
    if (!fatal) {
      const n = (this.repeats.get(code) ?? 0) + 1;
      this.repeats.set(code, n);
      if (n > MAX_REPEATS) {
        if (n === MAX_REPEATS + 1) this.firstUnlisted.set(code, offset);
        return;
      }
    }
    this.errors.push({ code, message, offset, fatal });
    if (fatal) this.stopped = true;
  }

  info(path: string, compressed: boolean): CaptureInfo {
    const errors = [...this.errors];
    for (const [code, n] of this.repeats) {
      if (n > MAX_REPEATS) {
        // The summary points at the first problem it stands for: a reader is never sent to byte -1.
        const at = this.firstUnlisted.get(code) ?? 0;
        errors.push({
          code,
          message: `${n - MAX_REPEATS} more '${code}' problems not listed (${n} in all), the first of them at byte ${at}`,
          offset: at,
          fatal: false,
        });
      }
    }
    return {
      path,
      format: this.format,
      compressed,
      byteOrder: this.byteOrder,
      tsPrecision: this.tsPrecision,
      version: this.version,
      interfaces: this.interfaces,
      packetCount: this.packets,
      errors,
      comments: this.comments,
    };
  }
}

/** A reader of one file format behind the driver: it is fed the decompressed bytes in large chunks. */
export interface FormatReader {
  /**
   * Parses whole records from buf[start, end), where buf[start] is at `fileOffset` in the file.
   * Returns the position of the first byte not consumed: an incomplete record, presented again with
   * more bytes appended (the reader never leaves more than one record of at most its bound). A
   * position past `end` asks the driver to skip that many bytes unread (a large block nobody needs).
   */
  consume(buf: Uint8Array, start: number, end: number, fileOffset: number): number;
  /** End of input with `remaining` unconsumed bytes at `fileOffset`: reports a cut-off record. */
  finish(remaining: number, fileOffset: number): void;
  /** Largest record the reader may leave unconsumed (the driver sizes its buffer from it). */
  readonly maxPending: number;
  /** With a skip request: the file offset of the block being skipped (for the error if it is cut off). */
  readonly skipFrom?: number;
}

export function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

export function u32(b: Uint8Array, o: number, le: boolean): number {
  return le
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
    : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}
