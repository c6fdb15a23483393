// The fragments of one IP datagram at one capture point, found in the packet table: what a fragment
// is part of (the datagram's length, how many fragments) and where the set completes it, in the
// words the packet detail shows ("fragment of N bytes, reassembled at packet K"), as tshark tells a
// fragment's place. The decoder sees one packet and can only say that more fragments follow.
//
// Fragments belong together when they share the capture point, IP version, source, destination,
// protocol and identification (RFC 791; RFC 8200 for IPv6's fragment header). A datagram is complete
// when the first fragment (offset 0), the last (no more-fragments flag) and every byte between are
// present. Offsets and lengths are of the innermost IP level, the one the table keeps them for.

import type { PacketTable } from './table';

/** The columns the fragments are found in: the set's packet table, or the few rows a dataset query returns. */
export type FragmentColumns = Pick<
  PacketTable,
  'count' | 'point' | 'tNs' | 'ipId' | 'innerSrc' | 'innerDst' | 'innerProto' | 'innerVer' | 'innerLen' | 'innerFrag' | 'payLen'
>;

export interface FragmentPlace {
  /** Byte offset of this fragment in its datagram. */
  readonly offset: number;
  readonly more: boolean;
  /** Fragments of the datagram seen at this capture point (this one included). */
  readonly count: number;
  /** The datagram's payload length in bytes, null when its last fragment was not seen. */
  readonly length: number | null;
  /** The row whose arrival completes the datagram (the latest of its fragments), null when incomplete. */
  readonly completedBy: number | null;
}

/** Where row `r` sits in its fragmented datagram; null when its innermost IP packet is no fragment. */
export function fragmentPlace(t: FragmentColumns, r: number): FragmentPlace | null {
  const f = t.innerFrag[r];
  const more = (f & 0x4000) !== 0;
  const offset = (f & 0x1fff) * 8;
  if (!more && offset === 0) return null;
  const rows: number[] = [];
  for (let q = 0; q < t.count; q++) {
    if (
      t.point[q] === t.point[r] &&
      t.ipId[q] === t.ipId[r] &&
      t.innerSrc[q] === t.innerSrc[r] &&
      t.innerDst[q] === t.innerDst[r] &&
      t.innerProto[q] === t.innerProto[r] &&
      t.innerVer[q] === t.innerVer[r] &&
      (t.innerFrag[q] & 0x5fff) !== 0
    )
      rows.push(q);
  }
  const at = (q: number) => (t.innerFrag[q] & 0x1fff) * 8;
  const last = rows.find((q) => (t.innerFrag[q] & 0x4000) === 0);
  const length = last === undefined ? null : at(last) + t.payLen[last];
  // Later fragments carry no transport header: their payload is their share of the datagram.
  const later = rows.filter((q) => at(q) > 0).sort((a, b) => at(a) - at(b));
  // The first fragment's share: its IP payload (the header without options; IPv6's with the fragment header).
  const first = rows.find((q) => at(q) === 0);
  const firstEnd = first === undefined ? 0 : t.innerLen[first] - (t.innerVer[first] === 4 ? 20 : 48);
  let complete = length !== null && first !== undefined && later.length > 0 && firstEnd >= at(later[0]);
  for (let i = 0; complete && i + 1 < later.length; i++) if (at(later[i]) + t.payLen[later[i]] < at(later[i + 1])) complete = false;
  if (complete && at(later[later.length - 1]) + t.payLen[later[later.length - 1]] < length!) complete = false;
  let completedBy: number | null = null;
  if (complete) for (const q of rows) if (completedBy === null || t.tNs[q] > t.tNs[completedBy]) completedBy = q;
  return { offset, more, count: rows.length, length, completedBy };
}

/** The place of row `r` in words: 'fragment at offset 0 (more follow) of a 164-byte datagram in 3 fragments, reassembled at packet 8'. */
export function fragmentNote(t: FragmentColumns, r: number, packetNo: (row: number) => number): string | null {
  const p = fragmentPlace(t, r);
  if (!p) return null;
  const what = `${p.offset === 0 ? 'first fragment' : `fragment at offset ${p.offset}`}${p.more ? ' (more fragments follow)' : ' (the last)'}`;
  const of = p.length === null ? 'of a datagram whose last fragment is not in the capture' : `of a ${p.length}-byte datagram`;
  const where =
    p.completedBy !== null
      ? `reassembled at packet ${packetNo(p.completedBy)}`
      : 'not reassembled: the capture does not hold all its fragments';
  return `${what} ${of}, ${p.count} fragment${p.count === 1 ? '' : 's'} seen here; ${where}`;
}
