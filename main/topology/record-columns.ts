// What the packet list keeps per row beyond the path finder's table: where each row's record sits in
// its file (to fetch and decode it again on demand), its captured length and protocol id, the
// interface of each capture point (a row's is its point's: points are keyed by interface), and the
// pcapng comments met. Filled by the set reader beside the table (CaptureSetReader with `records`),
// on the set's thread or in a reading thread, whose part is appended like the table's. File offsets
// take 4 bytes a row until a file is read past 4 GiB (8 from then on).
import type { PacketSummary } from '../engine/decode/types';
import type { RawPacket } from '../engine/types';
import { touchRows } from './table';

/** A pcapng packet comment: the row it is on and the packet's 0-based index in its file. */
export interface RecordComment {
  readonly row: number;
  readonly packet: number;
  readonly text: string;
}

/** Another thread's record columns, as it hands them over (RecordColumns.part / append). */
export interface RecordPart {
  readonly count: number;
  readonly fileOffset: Float64Array | Uint32Array;
  readonly capLen: Uint32Array;
  readonly protoId: Uint8Array;
  /** The interface (CaptureInterface key) of each capture point of the part, by point. */
  readonly pointIface: readonly number[];
  readonly comments: readonly RecordComment[];
}

function resized<T extends Float64Array | Uint32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}

export class RecordColumns {
  count = 0;
  /** Rows below this have had their memory touched. */
  private touched = 0;
  fileOffset: Float64Array | Uint32Array = new Uint32Array(0);
  capLen = new Uint32Array(0);
  protoId = new Uint8Array(0);
  /** The interface (CaptureInterface key) of each capture point, by point: a row's is pointIface[table.point[row]]. */
  readonly pointIface: number[] = [];
  readonly comments: RecordComment[] = [];

  /** Makes room for `n` rows at once. */
  reserve(n: number): void {
    if (n <= this.fileOffset.length) return;
    this.fileOffset = resized(this.fileOffset, n);
    this.capLen = resized(this.capLen, n);
    this.protoId = resized(this.protoId, n);
  }

  /** Makes room for row `r` and touches the memory of the rows from it on, as the packet table does (touchRows). */
  private touchAhead(r: number): void {
    if (r >= this.fileOffset.length) this.reserve(Math.max(r + 1, this.fileOffset.length * 2, 1024));
    this.touched = touchRows([this.fileOffset, this.capLen, this.protoId], r);
  }

  /** File offsets past 4 GiB from now on (8 bytes a row). */
  private widen(): void {
    if (this.fileOffset instanceof Float64Array) return;
    const wide = new Float64Array(this.fileOffset.length);
    wide.set(this.fileOffset);
    this.fileOffset = wide;
  }

  /** Row `r` (the table's row just added) is record `p`, summarised in `s`. */
  add(r: number, p: RawPacket, s: PacketSummary): void {
    if (r >= this.touched) this.touchAhead(r);
    if (p.fileOffset > 0xffffffff) this.widen();
    this.fileOffset[r] = p.fileOffset;
    this.capLen[r] = p.capLen;
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
      protoId: resized(this.protoId, n),
      pointIface: this.pointIface,
      comments: this.comments,
    };
  }

  /**
   * Appends a part filled by the same `add` calls elsewhere: its rows start at this row `base`, its
   * capture points follow the ones already here (in the order the table's points are appended).
   */
  append(p: RecordPart, base: number): void {
    this.reserve(base + p.count);
    if (p.fileOffset instanceof Float64Array) this.widen();
    this.fileOffset.set(p.fileOffset.subarray(0, p.count), base);
    this.capLen.set(p.capLen.subarray(0, p.count), base);
    this.protoId.set(p.protoId.subarray(0, p.count), base);
    for (const i of p.pointIface) this.pointIface.push(i);
    for (const c of p.comments) this.comments.push({ ...c, row: c.row + base });
    this.count = Math.max(this.count, base + p.count);
  }
}
