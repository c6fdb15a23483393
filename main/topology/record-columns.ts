// What the packet list keeps per row beyond the path finder's table: where each row's record sits in
// its file (to fetch and decode it again on demand), its captured length, interface and protocol
// id, and the pcapng comments met. Filled by the set reader beside the table (CaptureSetReader with
// `records`), on the set's thread or in a reading thread, whose part is appended like the table's.
import type { PacketSummary } from '../engine/decode/types';
import type { RawPacket } from '../engine/types';

/** A pcapng packet comment: the row it is on and the packet's 0-based index in its file. */
export interface RecordComment {
  readonly row: number;
  readonly packet: number;
  readonly text: string;
}

/** Another thread's record columns, as it hands them over (RecordColumns.part / append). */
export interface RecordPart {
  readonly count: number;
  readonly fileOffset: Float64Array;
  readonly capLen: Uint32Array;
  readonly iface: Uint16Array;
  readonly protoId: Uint8Array;
  readonly comments: readonly RecordComment[];
}

function resized<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}

export class RecordColumns {
  count = 0;
  fileOffset = new Float64Array(0);
  capLen = new Uint32Array(0);
  iface = new Uint16Array(0);
  protoId = new Uint8Array(0);
  readonly comments: RecordComment[] = [];

  /** Makes room for `n` rows at once. */
  reserve(n: number): void {
    if (n <= this.fileOffset.length) return;
    this.fileOffset = resized(this.fileOffset, n);
    this.capLen = resized(this.capLen, n);
    this.iface = resized(this.iface, n);
    this.protoId = resized(this.protoId, n);
  }

  /** Row `r` (the table's row just added) is record `p`, summarised in `s`. */
  add(r: number, p: RawPacket, s: PacketSummary): void {
    if (r >= this.fileOffset.length) this.reserve(Math.max(r + 1, this.fileOffset.length * 2, 1024));
    this.fileOffset[r] = p.fileOffset;
    this.capLen[r] = p.capLen;
    this.iface[r] = p.iface;
    this.protoId[r] = s.protoId;
    if (p.comments) for (const text of p.comments) this.comments.push({ row: r, packet: p.index, text });
    this.count = r + 1;
  }

  /** The columns (`count` rows, transferable) and comments, for another thread. */
  part(): RecordPart {
    const n = this.count;
    return {
      count: n,
      fileOffset: resized(this.fileOffset, n),
      capLen: resized(this.capLen, n),
      iface: resized(this.iface, n),
      protoId: resized(this.protoId, n),
      comments: this.comments,
    };
  }

  /** Appends a part filled by the same `add` calls elsewhere, its rows starting at this row `base`. */
  append(p: RecordPart, base: number): void {
    this.reserve(base + p.count);
    this.fileOffset.set(p.fileOffset.subarray(0, p.count), base);
    this.capLen.set(p.capLen.subarray(0, p.count), base);
    this.iface.set(p.iface.subarray(0, p.count), base);
    this.protoId.set(p.protoId.subarray(0, p.count), base);
    for (const c of p.comments) this.comments.push({ ...c, row: c.row + base });
    this.count = Math.max(this.count, base + p.count);
  }
}
