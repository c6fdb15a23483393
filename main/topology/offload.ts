// Segmentation offload: one TCP segment is not one packet everywhere. The sender's stack hands its
// veth, bridge and tunnel device super-packets of many MSS (GSO/TSO), cut into MSS-sized packets only
// at or after the NIC; the receiver's NIC or tunnel device merges consecutive packets again (GRO/LRO),
// not necessarily along the sender's cuts. A segment seen as one packet on one capture point is then
// seen on another as several packets whose sequence ranges tile it (same 5-tuple, the first piece at
// the same sequence number, IPv4 IDs counting up from the segment's), or inside a larger one. Those
// sightings hash differently (journeys.ts keys one packet), so the journey has no sighting there,
// although the point carried every byte of it: not a drop, not a capture loss.
//
// `OffloadIndex` files every TCP data sighting by (point, directed 5-tuple) and sequence number;
// `carriedInPieces` tells whether a point carried a journey's bytes in other packets near its time.

import { KeyedLists } from './keyed-lists';
import type { PacketTable } from './table';

/** How far apart in time (ns) a segment and its pieces may be seen: queueing on a busy NIC, not a retransmission timeout. */
const PIECE_WINDOW_NS = 100e6;
/** Fewest bytes a piece holds but the last (IPv4's smallest MSS is 536): at most one ID per this many bytes. */
const MIN_PIECE = 500;

/**
 * Whether IPv4 IDs fit one segment cut or merged by offload: GSO numbers the pieces of a
 * super-packet up from its own ID, one per piece, and GRO keeps the first merged packet's. So a
 * packet starting `d` bytes after another (before it: d < 0) has an ID that many pieces later
 * (earlier), the same ID where both start at one sequence number. A resend of the same bytes takes
 * an ID past every packet sent since, and is no piece.
 */
function piecesIds(idSegment: number, idPiece: number, d: number): boolean {
  const gap = ((idPiece - idSegment + 0x8000) & 0xffff) - 0x8000;
  if (d === 0) return gap === 0;
  const most = Math.floor(Math.abs(d) / MIN_PIECE) + 1;
  return d > 0 ? gap >= 0 && gap <= most : gap <= 0 && -gap <= most;
}

export class OffloadIndex {
  private lists: KeyedLists | null = null;
  /** Longest segment of each list (how far back a piece covering a sequence number may start). */
  private maxLen = new Uint32Array(0);

  /** Each row's own 5-tuple (flows.ts), -1 for none: none until the flows are built (withTuples). */
  private tupleOfRow: Int32Array<ArrayBufferLike> = new Int32Array(0);

  /** `time`: a row's corrected time. The index is built on the first question: most sets never ask one. */
  constructor(
    private readonly t: PacketTable,
    private readonly time: (row: number) => number,
  ) {}

  /** The rows' 5-tuples, once the flows are known (before, no segment is found in pieces). */
  withTuples(tupleOfRow: Int32Array): void {
    this.tupleOfRow = tupleOfRow;
    this.lists = null;
  }

  private dirKey(r: number): number {
    const t = this.t;
    const s = t.innerSrc[r];
    const d = t.innerDst[r];
    const dir = s < d || (s === d && t.sport[r] <= t.dport[r]) ? 0 : 1;
    return this.tupleOfRow[r] * 2 + dir;
  }

  private isData(r: number): boolean {
    const t = this.t;
    return (
      r < this.tupleOfRow.length && t.innerProto[r] === 6 && (t.innerFrag[r] & 0x1fff) === 0 && t.payLen[r] > 0 && this.tupleOfRow[r] >= 0
    );
  }

  private build(): KeyedLists {
    const t = this.t;
    let n = 0;
    for (let r = 0; r < t.count; r++) if (this.isData(r)) n++;
    const lists = new KeyedLists(n);
    for (let r = 0; r < t.count; r++) if (this.isData(r)) lists.push(this.dirKey(r), t.point[r], r, r, t.tcpSeq[r]);
    lists.freeze();
    const count = lists.start.length - 1;
    this.maxLen = new Uint32Array(count);
    for (let l = 0; l < count; l++)
      for (let i = lists.start[l]; i < lists.start[l + 1]; i++)
        if (t.payLen[lists.row[i]] > this.maxLen[l]) this.maxLen[l] = t.payLen[lists.row[i]];
    return lists;
  }

  /**
   * The sightings on capture point `point` that carried all the bytes of the journey's TCP segment
   * (`rows`, seen elsewhere) in other packets, ordered by sequence number, or null when the point
   * did not carry them all, or carried the segment as one packet of the same shape (a resend is not a
   * piece). `lo`..`hi`: the corrected times the journey was seen around that point.
   */
  carriedInPieces(rows: readonly number[], point: number, lo: number, hi: number): number[] | null {
    const t = this.t;
    const f = rows[0];
    if (!this.isData(f)) return null;
    this.lists ??= this.build();
    const lists = this.lists;
    const seq = t.tcpSeq[f];
    const len = t.payLen[f];
    const tried: number[] = [];
    for (const r of rows) {
      if (!this.isData(r)) continue;
      const key = this.dirKey(r);
      if (tried.includes(key)) continue;
      tried.push(key);
      const l = lists.find(key, point);
      if (l < 0) continue;
      const back = this.maxLen[l];
      // Candidates start in [seq - back, seq + len) (sequence space wraps at 2^32).
      const from = (seq - back) >>> 0;
      const cand: number[] = [];
      const take = (a: number, b: number) => {
        for (let i = lists.firstAfter(l, a - 1); i < lists.end(l) && lists.at[i] < b; i++) cand.push(lists.row[i]);
      };
      const to = from + back + len;
      if (to <= 0x100000000) take(from, to);
      else {
        take(from, 0x100000000);
        take(0, to - 0x100000000);
      }
      const rel = (x: number) => (t.tcpSeq[x] - from) >>> 0;
      cand.sort((a, b) => rel(a) - rel(b) || this.time(a) - this.time(b));
      const pieces = this.tile(r, cand, rel(f) /* = back */, len, lo, hi, rel);
      if (pieces) return pieces;
    }
    return null;
  }

  /** Sweeps the candidates (sorted by relative sequence) over [s, s + len): the pieces that cover it, else null. */
  private tile(
    r: number,
    cand: readonly number[],
    s: number,
    len: number,
    lo: number,
    hi: number,
    rel: (x: number) => number,
  ): number[] | null {
    const t = this.t;
    const e = s + len;
    let covered = s;
    const out: number[] = [];
    for (const x of cand) {
      const xs = rel(x);
      if (xs > covered) break;
      const xe = xs + t.payLen[x];
      if (xe <= covered) continue;
      const at = this.time(x);
      if (at < lo - PIECE_WINDOW_NS || at > hi + PIECE_WINDOW_NS) continue;
      // The same bytes as one packet again: a resend or a copy, not a piece.
      if (xs === s && xe === e) continue;
      if (t.innerVer[r] === 4 && t.innerVer[x] === 4 && !piecesIds(t.ipId[r], t.ipId[x], xs - s)) continue;
      out.push(x);
      covered = xe;
      if (covered >= e) return out;
    }
    return null;
  }
}
