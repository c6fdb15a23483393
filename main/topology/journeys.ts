// Hash-based journey matching: the same packet seen at several capture points becomes one journey.
//
// Key = what survives the path: inner IP protocol, IPv4 ID / IPv6 flow label, and per protocol
// TCP seq + ack + flags, UDP length, ICMP type/code/id/seq, plus a hash of the first bytes of the
// transport payload. Addresses, ports, MACs, TTL and encapsulation are NOT in the key (NAT, MAC
// rewrite, TTL decrement and encapsulation change them); they are compared afterwards per hop.
// Grouping is one pass over an open-addressing hash table (O(n)), then a counting sort by group
// and a time sort inside each (small) group: no pairwise comparison between captures.
//
// Because addresses are not in the key, identical packets sent by different hosts fall in one group:
// router solicitations to ff02::2 from two TUN devices (no link-layer option, so byte for byte the
// same), MLD reports, other link-local chatter. A packet to or from a multicast, broadcast,
// link-local or unspecified address is never translated on its way (NAT rewrites routed unicast),
// so sightings of such a packet with different addresses are different packets: a group is split
// by address pair before it is split by time, and NAT is never inferred between them.

import { SummaryFlag } from '../engine/decode/types';
import { sortNumbers } from './small-sort';
import type { PacketTable } from './table';

/** IPv4 multicast (224/4), limited broadcast, link-local (169.254/16) or 0.0.0.0. */
function localScope4(a: number): boolean {
  const b0 = a >>> 24;
  return (b0 >= 224 && b0 <= 239) || a === 0xffffffff || a >>> 16 === 0xa9fe || a === 0;
}

/** IPv6 multicast (ff00::/8), link-local (fe80::/10) or unspecified (::). */
function localScope6(text: string): boolean {
  const t = text.toLowerCase();
  return t.startsWith('ff') || /^fe[89ab]/.test(t) || t === '::';
}

const scope6Cache = new WeakMap<PacketTable, Map<number, boolean>>();

/** True when the row's innermost source or destination is an address no NAT rewrites (see the header). */
export function untranslatable(t: PacketTable, r: number): boolean {
  const v = t.innerVer[r];
  if (v === 4) return localScope4(t.innerSrc[r]) || localScope4(t.innerDst[r]);
  if (v !== 6) return false;
  let m = scope6Cache.get(t);
  if (!m) scope6Cache.set(t, (m = new Map<number, boolean>()));
  for (const a of [t.innerSrc[r], t.innerDst[r]]) {
    let x = m.get(a);
    if (x === undefined) m.set(a, (x = localScope6(t.ip6[a] ?? '')));
    if (x) return true;
  }
  return false;
}

export interface JourneyIndex {
  readonly count: number;
  /** Rows of the table ordered by journey, then by hop order. */
  readonly rows: Uint32Array;
  /** Journey j owns rows[start[j] .. start[j + 1]). Length count + 1. */
  readonly start: Uint32Array;
  /** Journey of each table row (-1: not part of any journey, e.g. ARP). */
  readonly journeyOfRow: Int32Array;
}

const NO_IP = 255;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v >>> 0), 0x5bd1e995);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Fills k1/k2 (two independent 32-bit hashes) for every row; returns false-rows marked by valid=0. */
export function journeyKeys(t: PacketTable, k1: Uint32Array, k2: Uint32Array, valid: Uint8Array): void {
  const n = t.count;
  for (let r = 0; r < n; r++) {
    const proto = t.innerProto[r];
    if (proto === NO_IP) {
      valid[r] = 0;
      continue;
    }
    valid[r] = 1;
    let a = mix(0x9747b28c, proto | (t.innerVer[r] << 8));
    let b = mix(0x3c6ef372, proto);
    a = mix(a, t.ipId[r]);
    b = mix(b, t.ipId[r] ^ 0x55555555);
    const frag = t.innerFrag[r] & 0x1fff;
    if (frag !== 0) {
      // Later fragment: no transport header; offset + payload identify it.
      a = mix(a, frag);
      b = mix(b, frag + 0x1000);
    } else if (proto === 6) {
      // The window too: duplicate ACKs of a stack that sends IP ID 0 differ in little else.
      a = mix(mix(mix(mix(a, t.tcpSeq[r]), t.tcpAck[r]), t.tcpFlags[r] & 0x3f), t.tcpWin[r]);
      b = mix(mix(mix(mix(b, t.tcpAck[r] ^ 0xa5a5a5a5), t.tcpSeq[r]), t.tcpFlags[r] & 0x1f), t.tcpWin[r] + 1);
    } else if (proto === 17) {
      a = mix(a, t.payLen[r]);
      b = mix(b, t.payLen[r] + 7);
    } else if (proto === 1 || proto === 58) {
      const v = ((t.icmpType[r] & 0xff) << 8) | (t.icmpCode[r] & 0xff);
      a = mix(mix(mix(a, v), t.icmpId[r]), t.icmpSeq[r]);
      b = mix(mix(mix(b, t.icmpSeq[r]), v), t.icmpId[r] + 3);
    } else {
      a = mix(a, t.payLen[r]);
      b = mix(b, t.payLen[r] + 11);
    }
    k1[r] = mix(a, t.payHash[r]);
    k2[r] = mix(b, t.payHash[r] ^ 0x2545f491);
  }
  keyCutRows(t, k1, k2, valid);
}

const CUT = SummaryFlag.TRANSPORT_CUT | SummaryFlag.PAYLOAD_CUT | SummaryFlag.TRUNCATED;

/**
 * Rows whose capture's snap length cut what the key hashes (a TCP header's flags and window, the
 * payload's first bytes) cannot hash as the whole packet does elsewhere: each takes the key of the
 * whole sighting nearest in time that agrees on everything the cut row still holds (IP version,
 * protocol, IP ID, total length, fragment offset, and the TCP sequence numbers or ICMP fields it
 * has). Sets without a cut row pay one scan.
 *
 * One snap length on every capture (`tcpdump -s 128` everywhere) cuts every large packet on every
 * capture, each after its own number of bytes (a tunnelled sighting holds 50 bytes less of the
 * inner packet): there is no whole sighting, and the payload bytes each holds are not the same
 * bytes. A cut row with no whole sighting is then keyed by the headers that identify the packet,
 * without the payload: a TCP segment whose header was captured by its IP ID, total length,
 * sequence numbers, flags and window, an echo request or reply by its IP ID, total length and ICMP
 * type, code, identifier and sequence (`cutIdentity`). A TCP header the snap length cut itself
 * (ports and sequence numbers only) takes the key of the nearest such cut sighting that agrees on
 * what it holds, else one of IP ID, length and sequence numbers. Distinct packets do not share
 * these (a resent segment has the same bytes at another time: the time window and the repeat split
 * keep it apart); any other cut row keeps its own key.
 */
function keyCutRows(t: PacketTable, k1: Uint32Array, k2: Uint32Array, valid: Uint8Array): void {
  const n = t.count;
  const cutIds = new Set<number>();
  for (let r = 0; r < n; r++) if (valid[r] && t.flags[r] & CUT) cutIds.add(t.ipId[r]);
  if (!cutIds.size) return;
  // Whole sightings by IP ID, only for the IDs a cut row has.
  const whole = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    if (!valid[r] || t.flags[r] & CUT || !cutIds.has(t.ipId[r])) continue;
    (whole.get(t.ipId[r]) ?? whole.set(t.ipId[r], []).get(t.ipId[r])!).push(r);
  }
  // Cut sightings keyed by their headers (no whole sighting), by IP ID: donors for cut TCP headers.
  const byHeader = new Map<number, number[]>();
  const headerCut: number[] = [];
  for (let r = 0; r < n; r++) {
    if (!valid[r] || !(t.flags[r] & CUT)) continue;
    const best = nearest(t, r, whole.get(t.ipId[r]));
    if (best >= 0) {
      k1[r] = k1[best];
      k2[r] = k2[best];
    } else if (t.flags[r] & SummaryFlag.TRANSPORT_CUT) {
      if (t.innerProto[r] === 6 && (t.innerFrag[r] & 0x1fff) === 0 && (t.tcpSeq[r] !== 0 || t.tcpAck[r] !== 0)) headerCut.push(r);
    } else if (cutIdentity(t, r, k1, k2)) {
      (byHeader.get(t.ipId[r]) ?? byHeader.set(t.ipId[r], []).get(t.ipId[r])!).push(r);
    }
  }
  for (const r of headerCut) {
    const best = nearest(t, r, byHeader.get(t.ipId[r]));
    if (best >= 0) {
      k1[r] = k1[best];
      k2[r] = k2[best];
    } else cutIdentity(t, r, k1, k2);
  }
}

/** The row of `rows` nearest in time to cut row `r` that agrees with it on all `r` holds (-1: none). */
function nearest(t: PacketTable, r: number, rows: readonly number[] | undefined): number {
  let best = -1;
  let bestGap = Infinity;
  for (const w of rows ?? []) {
    if (!sameAsCut(t, r, w)) continue;
    const gap = Math.abs(t.tNs[w] - t.tNs[r]);
    if (gap < bestGap) {
      best = w;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * The key of a cut row with no whole sighting from the headers that identify its packet (see
 * keyCutRows; correlate.sql's `cut_key` is the same): false, keys untouched, for a row they do not
 * identify.
 */
function cutIdentity(t: PacketTable, r: number, k1: Uint32Array, k2: Uint32Array): boolean {
  const proto = t.innerProto[r];
  if (t.innerFrag[r] & 0x1fff) return false;
  let v: number[];
  if (proto === 6) {
    v =
      t.flags[r] & SummaryFlag.TRANSPORT_CUT
        ? [1, t.tcpSeq[r], t.tcpAck[r]]
        : [2, t.tcpSeq[r], t.tcpAck[r], t.tcpFlags[r] & 0x3f, t.tcpWin[r]];
  } else if ((proto === 1 || proto === 58) && t.icmpId[r] >= 0 && isEcho(proto, t.icmpType[r])) {
    v = [3, t.icmpType[r], t.icmpCode[r], t.icmpId[r], t.icmpSeq[r]];
  } else return false;
  let a = mix(0x7f4a7c15, proto | (t.innerVer[r] << 8));
  let b = mix(0x1b873593, proto + 1);
  for (const x of [t.ipId[r], t.innerLen[r], ...v]) {
    a = mix(a, x);
    b = mix(b, x ^ 0x2545f491);
  }
  k1[r] = a;
  k2[r] = b;
  return true;
}

/** ICMP echo request or reply (ICMPv6 128/129). */
const isEcho = (proto: number, type: number) => (proto === 1 ? type === 0 || type === 8 : type === 128 || type === 129);

/** Whether whole row `w` agrees with cut row `r` on everything `r` holds. */
function sameAsCut(t: PacketTable, r: number, w: number): boolean {
  const proto = t.innerProto[r];
  if (
    t.innerVer[w] !== t.innerVer[r] ||
    t.innerProto[w] !== proto ||
    t.innerLen[w] !== t.innerLen[r] ||
    (t.innerFrag[w] & 0x1fff) !== (t.innerFrag[r] & 0x1fff)
  )
    return false;
  if (t.innerFrag[r] & 0x1fff) return true;
  // A cut TCP header holds the sequence numbers only when 12 bytes of it were captured (else both read 0).
  if (proto === 6) return (t.tcpSeq[r] === 0 && t.tcpAck[r] === 0) || (t.tcpSeq[w] === t.tcpSeq[r] && t.tcpAck[w] === t.tcpAck[r]);
  if (proto === 1 || proto === 58) return t.icmpType[w] === t.icmpType[r] && t.icmpId[w] === t.icmpId[r] && t.icmpSeq[w] === t.icmpSeq[r];
  return true;
}

export interface GroupIndex {
  readonly groups: number;
  /** Rows ordered by group. */
  readonly rows: Uint32Array;
  /** Group g owns rows[gStart[g] .. gStart[g + 1]). */
  readonly gStart: Uint32Array;
  /** Number of rows that belong to a group (valid rows). */
  readonly used: number;
}

/** The same groups without the rows `drop` marks (a group left empty stays, with no rows). */
export function withoutRows(g: GroupIndex, drop: Uint8Array): GroupIndex {
  const rows = new Uint32Array(g.used);
  const gStart = new Uint32Array(g.groups + 1);
  let out = 0;
  for (let gi = 0; gi < g.groups; gi++) {
    gStart[gi] = out;
    for (let i = g.gStart[gi]; i < g.gStart[gi + 1]; i++) if (!drop[g.rows[i]]) rows[out++] = g.rows[i];
  }
  gStart[g.groups] = out;
  return { groups: g.groups, rows: rows.subarray(0, out), gStart, used: out };
}

/** Groups rows by their (k1, k2) key in O(n) with an open-addressing table. */
export function groupByKey(t: PacketTable): GroupIndex {
  const n = t.count;
  const k1 = new Uint32Array(n);
  const k2 = new Uint32Array(n);
  const valid = new Uint8Array(n);
  journeyKeys(t, k1, k2, valid);
  let size = 1024;
  while (size < n * 2) size *= 2;
  const mask = size - 1;
  const slot = new Int32Array(size).fill(-1); // slot -> group id
  const gk1 = new Uint32Array(n);
  const gk2 = new Uint32Array(n);
  const groupOf = new Int32Array(n).fill(-1);
  let groups = 0;
  for (let r = 0; r < n; r++) {
    if (!valid[r]) continue;
    const a = k1[r];
    const b = k2[r];
    let s = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const g = slot[s];
      if (g < 0) {
        slot[s] = groups;
        gk1[groups] = a;
        gk2[groups] = b;
        groupOf[r] = groups++;
        break;
      }
      if (gk1[g] === a && gk2[g] === b) {
        groupOf[r] = g;
        break;
      }
      s = (s + 1) & mask;
    }
  }
  const gStart = new Uint32Array(groups + 1);
  for (let r = 0; r < n; r++) if (groupOf[r] >= 0) gStart[groupOf[r] + 1]++;
  for (let g = 0; g < groups; g++) gStart[g + 1] += gStart[g];
  const fill = gStart.slice(0, groups);
  const rows = new Uint32Array(gStart[groups]);
  for (let r = 0; r < n; r++) {
    const g = groupOf[r];
    if (g >= 0) rows[fill[g]++] = r;
  }
  return { groups, rows, gStart, used: gStart[groups] };
}

export interface SplitOptions {
  /** Corrected time of a row (raw time minus its clock domain's offset). */
  readonly time: (row: number) => number;
  /** A new journey starts when the gap to the previous sighting exceeds this. */
  readonly windowNs: number;
  /**
   * ... or when a capture point sees the same bytes again this long after it last saw them in the
   * same form (a resent identical packet, not one crossing the same bridge twice, nor one crossing a
   * NIC again routed or encapsulated). Each point numbers its own copies within the window; a
   * journey ends when any point starts a copy no point had reached. Default 1 ms.
   */
  readonly repeatNs?: number;
}

/**
 * Splits each key group into journeys: sightings sorted by corrected time, cut where the gap
 * exceeds the window (the same bytes sent again later, e.g. an identical retransmission), and
 * within the window where a point sees its next copy (SplitOptions.repeatNs). A copy is numbered per
 * point, not per journey, so the cut depends on no earlier cut: what correlate.sql computes with
 * window functions. (Counting only since the last cut, identical chatter from many senders, such as
 * MLD reports every calico host veth sends twice from one link-local address, is cut wherever the
 * cuts before it fell: a chain no SQL window follows.)
 */
export function splitJourneys(t: PacketTable, g: GroupIndex, opts: SplitOptions): JourneyIndex {
  const rows = new Uint32Array(g.used);
  // At most one journey per row: start[] is cut to size at the end.
  const starts = new Uint32Array(g.used + 1);
  let count = 0;
  const journeyOfRow = new Int32Array(t.count).fill(-1);
  const tm = new Float64Array(t.count);
  for (let i = 0; i < g.used; i++) tm[g.rows[i]] = opts.time(g.rows[i]);
  const untimed = t.noTime.subarray(0, t.count).includes(1);
  let out = 0;
  const buf: number[] = [];
  // Per point, within the current window segment (seg): its last sighting and its copy number.
  let points = 0;
  for (let i = 0; i < g.used; i++) points = Math.max(points, t.point[g.rows[i]] + 1);
  const segOf = new Uint32Array(points);
  const lastOf = new Uint32Array(points);
  const copyOf = new Uint32Array(points);
  let seg = 0;
  const repeatNs = opts.repeatNs ?? 1e6;
  // Address pair of a row, for groups that must not join different senders (see the header).
  const pairOf = new Map<number, number>();
  const pairIds = new Map<string, number>();
  let paired = false;
  const pair = (r: number) => (paired ? pairOf.get(r)! : 0);
  const byTime = (x: number, y: number) => tm[x] - tm[y] || x - y;
  const byPairTime = (x: number, y: number) => pair(x) - pair(y) || tm[x] - tm[y] || x - y;
  for (let gi = 0; gi < g.groups; gi++) {
    const s = g.gStart[gi];
    const e = g.gStart[gi + 1];
    if (e - s === 1) {
      // One sighting (most groups of a one-capture set): one journey, nothing to sort or split.
      const r = g.rows[s];
      starts[count++] = out;
      journeyOfRow[r] = count - 1;
      rows[out++] = r;
      continue;
    }
    buf.length = 0;
    for (let i = s; i < e; i++) buf.push(g.rows[i]);
    // (Map.clear allocates a new table even when the map is empty.)
    if (pairOf.size > 0) pairOf.clear();
    if (buf.some((r) => untranslatable(t, r))) {
      pairIds.clear();
      for (const r of buf) {
        const k = `${t.innerVer[r]}|${t.innerSrc[r]}|${t.innerDst[r]}`;
        let id = pairIds.get(k);
        if (id === undefined) pairIds.set(k, (id = pairIds.size));
        pairOf.set(r, id);
      }
      if (pairIds.size < 2) pairOf.clear();
    }
    if (untimed) timeUntimed(t, buf, tm);
    paired = pairOf.size > 0;
    sortNumbers(buf, paired ? byPairTime : byTime);
    let prev = Number.NEGATIVE_INFINITY;
    let prevPair = -1;
    let copies = 0;
    for (const r of buf) {
      const pt = t.point[r];
      if (tm[r] - prev > opts.windowNs || pair(r) !== prevPair) {
        seg = (seg + 1) >>> 0 || 1;
        copies = 0;
        starts[count++] = out;
      }
      prevPair = pair(r);
      if (segOf[pt] !== seg) {
        segOf[pt] = seg;
        copyOf[pt] = 0;
      } else {
        // Crossing the point again in another form (routed: TTL lower; encapsulated by a
        // user-space tunnel, which may take milliseconds) is the same packet going on.
        const q = lastOf[pt];
        if (
          !t.noTime[r] &&
          !t.noTime[q] &&
          t.tNs[r] - t.tNs[q] > repeatNs &&
          t.tunnel[q] === t.tunnel[r] &&
          t.innerTtl[q] === t.innerTtl[r] &&
          ++copyOf[pt] > copies
        ) {
          copies = copyOf[pt];
          // The next copy begins here, with the sightings stamped the same instant before it (the
          // time order cannot tell them apart; the other copy was seen at this point well before).
          let at = out;
          while (at > starts[count - 1] && tm[rows[at - 1]] === tm[r]) at--;
          if (at > starts[count - 1]) {
            starts[count++] = at;
            for (let k = at; k < out; k++) journeyOfRow[rows[k]] = count - 1;
          }
        }
      }
      lastOf[pt] = r;
      journeyOfRow[r] = count - 1;
      rows[out++] = r;
      prev = tm[r];
    }
  }
  starts[count] = out;
  return { count, rows, start: starts.slice(0, count + 1), journeyOfRow };
}

/**
 * Sightings with no timestamp (pcapng Simple Packet Blocks) take the time of their group's first
 * sighting that has one, for the cut only: they join that journey (an identical packet sent again
 * cannot be told apart without a time) and are never timed by it.
 */
function timeUntimed(t: PacketTable, rows: readonly number[], tm: Float64Array): void {
  let first = Number.POSITIVE_INFINITY;
  for (const r of rows) if (!t.noTime[r] && tm[r] < first) first = tm[r];
  if (first !== Number.POSITIVE_INFINITY) for (const r of rows) if (t.noTime[r]) tm[r] = first;
}

/**
 * Reorders the rows of every journey with `compare` (hop order: node sequence, then time, then
 * interface rank). Small arrays: the comparator sees one journey at a time.
 */
export function orderHops(j: JourneyIndex, order: (rows: number[]) => number[]): void {
  const buf: number[] = [];
  for (let k = 0; k < j.count; k++) {
    const s = j.start[k];
    const e = j.start[k + 1];
    if (e - s < 2) continue;
    buf.length = 0;
    for (let i = s; i < e; i++) buf.push(j.rows[i]);
    const sorted = order(buf);
    for (let i = 0; i < sorted.length; i++) j.rows[s + i] = sorted[i];
  }
}
