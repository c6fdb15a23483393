// Flows: bidirectional conversations on the innermost 5-tuple, whatever tunnel carried them.
// Counted once per packet (journey) for the direction totals and once per sighting per capture
// point; TCP state from flags, retransmissions per point and direction, zero windows. The two
// 5-tuples of a NATed conversation are linked as NAT peers through the journeys that cross the NAT.

import { SummaryFlag } from '../engine/decode/types';
import type { JourneyIndex } from './journeys';
import { protoName } from './model';
import type { PacketTable } from './table';
import type { DirectionStats, Flow, FlowCaptureStats, TcpState } from './types';
import { flowCommunityId } from '../engine/flow/community-id';

interface FlowDraft {
  proto: number;
  ver: number;
  aAddr: number;
  aPort: number;
  bAddr: number;
  bPort: number;
  first: number;
  last: number;
  firstRowFromB: boolean;
  firstTime: number;
  /** The first time a packet from A was seen, and from B (table time; Infinity: none). */
  firstA: number;
  firstB: number;
  stats: Float64Array; // [pktsAB, bytesAB, pktsBA, bytesBA]
  /** Capture points that saw the flow, in the order they first did (a flow crosses few). */
  points: number[];
  /** Per entry of `points`: [pktsAB, bytesAB, pktsBA, bytesBA]. */
  pointStats: number[];
  synFromA: boolean;
  synFromB: boolean;
  synAckFromA: boolean;
  synAckFromB: boolean;
  ackAfterSyn: boolean;
  dataAB: number;
  dataBA: number;
  fin: boolean;
  finFromA: boolean;
  finFromB: boolean;
  rst: boolean;
  zeroWin: number;
  /** Per entry of `points` * 2 + direction: furthest sequence number sent (NaN: none), retransmissions (countResends). */
  seqEnd: number[];
  retrans: number[];
  /** Per entry of `points` * 2 + direction: the journey of the last segment seen there (-1: none). */
  seqJourney: number[];
  isnA: number;
  isnB: number;
  peers: Set<number>;
  /** Peer flow -> whether the packet crossing into it kept its A/B direction. */
  peerSame: Map<number, boolean>;
  /** Journeys crossing the flow, each counted once however often it comes back to the flow. */
  journeys: number;
  lastJourney: number;
}

/** One fragmented datagram as seen anywhere: whole (reassembled by a node) or in fragments. */
interface Datagram {
  flow: number;
  fromA: boolean;
  ver: number;
  /** Largest length of a reassembled sighting. */
  whole: number;
  /** Furthest payload byte any fragment reaches (offset + fragment payload), 0 for none. */
  end: number;
}

export interface FlowIndex {
  /** The connections listed: a 5-tuple that is only part of another connection seen through NAT is folded into it. */
  readonly flows: Flow[];
  /** Index in `flows` of each table row's connection (-1: none). */
  readonly flowOfRow: Int32Array;
  /** The row's own 5-tuple conversation (-1: none), one per tuple even when folded: rows of one have one pair of directions. */
  readonly tupleOfRow: Int32Array;
  /** Whether a row travels from its flow's client to its server (null: the row is in no flow). */
  readonly fromClient: (row: number) => boolean | null;
}

/** Flow "port" of a row's source (`src`) or destination: TCP/UDP/SCTP port, the echo identifier for ICMP echo, -1 otherwise. */
function rowPort(t: PacketTable, r: number, src: boolean): number {
  const proto = t.innerProto[r];
  if (proto === 6 || proto === 17 || proto === 132) return src ? t.sport[r] : t.dport[r];
  if ((proto === 1 || proto === 58) && t.icmpId[r] >= 0) return t.icmpId[r];
  return -1;
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v >>> 0), 0x5bd1e995);
  return (h ^ (h >>> 15)) >>> 0;
}

export function buildFlows(t: PacketTable, j: JourneyIndex, pointIds: readonly string[]): FlowIndex {
  const drafts: FlowDraft[] = [];
  const table = new Map<number, number[]>();
  const flowOfRow = new Int32Array(t.count).fill(-1);
  const lastFlowOfJourney = new Int32Array(j.count).fill(-1);
  // Journeys crossing more than one 5-tuple (NAT): the flows each crosses.
  const multi: number[][] = [];

  // Later fragments carry no ports: they join the flow of the first fragment with the same
  // (source, destination, protocol, IP ID), resolved after the main pass.
  const fragKey = (r: number) => `${t.innerVer[r]}|${t.innerSrc[r]}|${t.innerDst[r]}|${t.innerProto[r]}|${t.ipId[r]}`;
  const firstFragFlow = new Map<string, number>();
  const laterFrags: number[] = [];
  // A fragmented datagram's bytes are the datagram's, whether a point saw it whole or in pieces:
  // counted after the main pass from every fragment seen (see datagramBytes).
  const datagrams = new Map<string, Datagram>();
  const lastFromAOfJourney = new Uint8Array(j.count);
  // TCP data segments as each flow first counted them: flow, from A (1/0), journey, seq, payload length, bytes.
  const segments: number[] = [];
  const first: number[] = [];
  for (let k = 0; k < j.count; k++) {
    first.length = 0;
    let prev = -1;
    let fragmented = false;
    for (let i = j.start[k]; i < j.start[k + 1] && !fragmented; i++) fragmented = (t.innerFrag[j.rows[i]] & 0x5fff) !== 0;
    for (let i = j.start[k]; i < j.start[k + 1]; i++) {
      const r = j.rows[i];
      if ((t.innerFrag[r] & 0x1fff) !== 0) {
        laterFrags.push(r);
        continue;
      }
      const proto = t.innerProto[r];
      const ver = t.innerVer[r];
      const s = t.innerSrc[r];
      const d = t.innerDst[r];
      const sp = rowPort(t, r, true);
      const dp = rowPort(t, r, false);
      let f = -1;
      // Hops of one journey mostly share the 5-tuple (only NAT changes it): reuse the last lookup.
      if (
        prev >= 0 &&
        t.innerSrc[prev] === s &&
        t.innerDst[prev] === d &&
        t.innerProto[prev] === proto &&
        t.innerVer[prev] === ver &&
        t.sport[prev] === t.sport[r] &&
        t.dport[prev] === t.dport[r] &&
        t.icmpId[prev] === t.icmpId[r]
      ) {
        f = flowOfRow[prev];
      }
      prev = r;
      const sLow = s < d || (s === d && sp <= dp);
      const lo = sLow ? s : d;
      const hi = sLow ? d : s;
      const lop = sLow ? sp : dp;
      const hip = sLow ? dp : sp;
      let chain: number[] | undefined;
      if (f < 0) {
        // Kept to 30 bits: a small-integer Map key (a larger one is a heap number to hash).
        const h = mix(mix(mix(mix(mix(0x12345, proto | (ver << 8)), lo), hi), lop), hip) & 0x3fffffff;
        chain = table.get(h);
        if (!chain) {
          chain = [];
          table.set(h, chain);
        }
      }
      if (chain && chain.length) {
        for (const c of chain) {
          const x = drafts[c];
          if (
            x.proto === proto &&
            x.ver === ver &&
            ((x.aAddr === s && x.aPort === sp && x.bAddr === d && x.bPort === dp) ||
              (x.aAddr === d && x.aPort === dp && x.bAddr === s && x.bPort === sp))
          ) {
            f = c;
            break;
          }
        }
      }
      if (f < 0) {
        f = drafts.length;
        chain!.push(f);
        drafts.push({
          proto,
          ver,
          aAddr: s,
          aPort: sp,
          bAddr: d,
          bPort: dp,
          first: t.tNs[r],
          last: t.tNs[r],
          firstRowFromB: false,
          firstTime: t.tNs[r],
          firstA: Infinity,
          firstB: Infinity,
          stats: new Float64Array(4),
          points: [],
          pointStats: [],
          synFromA: false,
          synFromB: false,
          synAckFromA: false,
          synAckFromB: false,
          ackAfterSyn: false,
          dataAB: 0,
          dataBA: 0,
          fin: false,
          finFromA: false,
          finFromB: false,
          rst: false,
          zeroWin: 0,
          seqEnd: [],
          retrans: [],
          seqJourney: [],
          isnA: -1,
          isnB: -1,
          peers: new Set(),
          peerSame: new Map(),
          journeys: 0,
          lastJourney: -1,
        });
      }
      flowOfRow[r] = f;
      if (t.innerFrag[r] & 0x4000) firstFragFlow.set(fragKey(r), f);
      const x = drafts[f];
      const fromA = x.aAddr === s && x.aPort === sp && x.bAddr === d && x.bPort === dp;
      const tt = t.tNs[r];
      if (tt < x.first) x.first = tt;
      if (tt > x.last) x.last = tt;
      if (tt < x.firstTime) {
        x.firstTime = tt;
        x.firstRowFromB = !fromA;
      }
      if (fromA ? tt < x.firstA : tt < x.firstB) {
        if (fromA) x.firstA = tt;
        else x.firstB = tt;
      }
      const bytes = t.origLen[r];
      let pp = x.points.indexOf(t.point[r]);
      if (pp < 0) {
        pp = x.points.length;
        x.points.push(t.point[r]);
        x.pointStats.push(0, 0, 0, 0);
        x.seqEnd.push(NaN, NaN);
        x.retrans.push(0, 0);
        x.seqJourney.push(-1, -1);
      }
      x.pointStats[pp * 4 + (fromA ? 0 : 2)]++;
      x.pointStats[pp * 4 + (fromA ? 1 : 3)] += t.innerLen[r] || bytes;
      const newForJourney = lastFlowOfJourney[k] !== f;
      if (newForJourney) {
        const p = lastFlowOfJourney[k];
        if (p >= 0) {
          x.peers.add(p);
          drafts[p].peers.add(f);
          const same = (lastFromAOfJourney[k] === 1) === fromA;
          if (!x.peerSame.has(p)) x.peerSame.set(p, same);
          if (!drafts[p].peerSame.has(f)) drafts[p].peerSame.set(f, same);
        }
        lastFlowOfJourney[k] = f;
        lastFromAOfJourney[k] = fromA ? 1 : 0;
        if (!first.includes(f)) first.push(f);
      }
      // A journey that comes back to a flow (a hairpinned packet: client's tuple, rewritten, then
      // seen again as it was) is still one packet of it.
      const newPacket = x.lastJourney !== k;
      if (newPacket) {
        x.lastJourney = k;
        x.journeys++;
        x.stats[fromA ? 0 : 2]++;
        if (!fragmented) x.stats[fromA ? 1 : 3] += t.innerLen[r] || bytes;
      }
      if (fragmented) {
        const key = fragKey(r);
        let dg = datagrams.get(key);
        if (!dg) {
          dg = { flow: f, fromA, ver, whole: 0, end: 0 };
          datagrams.set(key, dg);
        }
        if (t.innerFrag[r] & 0x4000) dg.end = Math.max(dg.end, fragEnd(t, r));
        else dg.whole = Math.max(dg.whole, t.innerLen[r]);
      }
      // A TCP header the snap length cut has no flags or window: it says nothing of the connection's state.
      if (proto === 6 && !(t.flags[r] & SummaryFlag.TRANSPORT_CUT)) {
        const fl = t.tcpFlags[r];
        const syn = (fl & 0x02) !== 0;
        const ack = (fl & 0x10) !== 0;
        const seq = t.tcpSeq[r];
        const plen = t.payLen[r];
        if (syn && !ack) {
          if (fromA) {
            x.synFromA = true;
            x.isnA = seq;
          } else {
            x.synFromB = true;
            x.isnB = seq;
          }
        } else if (syn && ack) {
          if (fromA) {
            x.synAckFromA = true;
            x.isnA = seq;
          } else {
            x.synAckFromB = true;
            x.isnB = seq;
          }
        } else if (ack && (x.synAckFromA || x.synAckFromB)) x.ackAfterSyn = true;
        if (fl & 0x01) {
          x.fin = true;
          if (fromA) x.finFromA = true;
          else x.finFromB = true;
        }
        if (fl & 0x04) x.rst = true;
        if (newPacket) {
          if (plen > 0) {
            if (fromA) x.dataAB += plen;
            else x.dataBA += plen;
          }
          if (t.tcpWin[r] === 0 && !(fl & 0x04) && !syn) x.zeroWin++;
        }
        if (newPacket && plen > 0 && !fragmented) segments.push(f, fromA ? 1 : 0, k, seq, plen, t.innerLen[r] || bytes);
      }
    }
    if (first.length > 1) multi.push(first.slice());
  }

  for (const r of laterFrags) {
    const f = firstFragFlow.get(fragKey(r));
    if (f === undefined) continue;
    flowOfRow[r] = f;
    const pp = drafts[f].points.indexOf(t.point[r]);
    const fromA = drafts[f].aAddr === t.innerSrc[r];
    if (pp >= 0) drafts[f].pointStats[pp * 4 + (fromA ? 1 : 3)] += t.innerLen[r];
    const dg = datagrams.get(fragKey(r));
    if (dg) dg.end = Math.max(dg.end, fragEnd(t, r));
  }
  for (const dg of datagrams.values()) drafts[dg.flow].stats[dg.fromA ? 1 : 3] += datagramBytes(dg);
  countResends(t, j, drafts, flowOfRow);
  withoutPieces(t, j, drafts, segments);
  const swaps = orientFlows(drafts);
  const host = foldInto(drafts, swaps, multi);
  const ids: string[] = [];
  const ep = (ver: number, a: number, p: number, proto: number) => {
    const ip = t.addr(ver, a);
    const host = ver === 6 ? `[${ip}]` : ip;
    return p >= 0 && proto !== 1 && proto !== 58 ? `${host}:${p}` : host;
  };
  drafts.forEach((x, i) => {
    const swap = swaps[i];
    const pname = protoName(x.proto);
    const [aA, aP, bA, bP] = swap ? [x.bAddr, x.bPort, x.aAddr, x.aPort] : [x.aAddr, x.aPort, x.bAddr, x.bPort];
    const echo = (x.proto === 1 || x.proto === 58) && aP >= 0 ? ` id=${aP}` : '';
    ids.push(`${pname} ${ep(x.ver, aA, aP, x.proto)} > ${ep(x.ver, bA, bP, x.proto)}${echo}`);
  });
  // Listed flows, and each tuple's place among them (a folded tuple takes its connection's).
  const listed: number[] = [];
  const place = new Int32Array(drafts.length);
  drafts.forEach((_, i) => host[i] < 0 && (place[i] = listed.push(i) - 1));
  drafts.forEach((_, i) => host[i] >= 0 && (place[i] = place[host[i]]));
  const folded = listed.map(() => [] as number[]);
  drafts.forEach((_, i) => host[i] >= 0 && folded[place[i]].push(i));
  const flows: Flow[] = listed.map((i, li) => {
    const x = drafts[i];
    const swap = swaps[i];
    const st = (o: number): DirectionStats => ({ packets: x.stats[o], bytes: x.stats[o + 1] });
    const ab = st(swap ? 2 : 0);
    const ba = st(swap ? 0 : 2);
    // Per capture, client to server first: a folded tuple's sightings are the connection's where they were seen.
    const perPoint = new Map<number, number[]>();
    const retrans = [0, 0];
    for (const m of [i, ...folded[li]]) {
      const y = drafts[m];
      const v = y.pointStats;
      const c = swaps[m] ? 2 : 0;
      y.points.forEach((p, k) => {
        let e = perPoint.get(p);
        if (!e) perPoint.set(p, (e = [0, 0, 0, 0]));
        e[0] += v[k * 4 + c];
        e[1] += v[k * 4 + c + 1];
        e[2] += v[k * 4 + (2 - c)];
        e[3] += v[k * 4 + (3 - c)];
      });
      // The most any one capture saw sent again, per direction (client to server first).
      y.retrans.forEach((n, key) => {
        const d = (key & 1) === (swaps[m] ? 1 : 0) ? 0 : 1;
        retrans[d] = Math.max(retrans[d], n);
      });
    }
    const perCapture: FlowCaptureStats[] = [...perPoint].map(([p, e]) => ({
      point: pointIds[p],
      aToB: { packets: e[0], bytes: e[1] },
      bToA: { packets: e[2], bytes: e[3] },
    }));
    let tcp: TcpState | null = null;
    if (x.proto === 6) {
      const syn = x.synFromA || x.synFromB;
      const synAck = x.synAckFromA || x.synAckFromB;
      const established = syn && synAck && x.ackAfterSyn;
      const state = x.rst
        ? 'reset'
        : x.finFromA && x.finFromB
          ? 'closed'
          : x.fin
            ? 'closing'
            : established
              ? 'established'
              : syn
                ? 'handshake'
                : 'midstream';
      tcp = {
        syn,
        synAck,
        established,
        dataAToB: swap ? x.dataBA : x.dataAB,
        dataBToA: swap ? x.dataAB : x.dataBA,
        fin: x.fin,
        rst: x.rst,
        retransmissions: retrans[0] + retrans[1],
        zeroWindows: x.zeroWin,
        state,
      };
    }
    const [aA, aP, bA, bP] = swap ? [x.bAddr, x.bPort, x.aAddr, x.aPort] : [x.aAddr, x.aPort, x.bAddr, x.bPort];
    // The other listed flows of the connection, then the tuples folded into this one (as seen through NAT).
    const peers = new Set<string>();
    for (const m of [i, ...folded[li]]) for (const p of drafts[m].peers) if (place[p] !== li) peers.add(ids[listed[place[p]]]);
    for (const m of folded[li]) peers.add(ids[m]);
    return {
      id: ids[i],
      protocol: protoName(x.proto),
      protoNumber: x.proto,
      a: { ip: t.addr(x.ver, aA), port: aP >= 0 ? aP : null },
      b: { ip: t.addr(x.ver, bA), port: bP >= 0 ? bP : null },
      firstTs: t.epochSec + x.first / 1e9,
      lastTs: t.epochSec + x.last / 1e9,
      aToB: ab,
      bToA: ba,
      perCapture,
      tcp,
      natPeers: [...peers],
      journeyCount: x.journeys,
      communityId: flowCommunityId(x.proto, t.addr(x.ver, aA), aP >= 0 ? aP : null, t.addr(x.ver, bA), bP >= 0 ? bP : null),
    };
  });
  const fromClient = (r: number): boolean | null => {
    const f = flowOfRow[r];
    if (f < 0) return null;
    const x = drafts[f];
    const sp = rowPort(t, r, true);
    const dp = rowPort(t, r, false);
    const fromA = x.aAddr === t.innerSrc[r] && x.aPort === sp && x.bAddr === t.innerDst[r] && x.bPort === dp;
    return fromA !== swaps[f];
  };
  // Without a folded tuple every tuple is its own connection: one array serves both.
  let connOfRow = flowOfRow;
  if (listed.length < drafts.length) {
    connOfRow = new Int32Array(t.count);
    for (let r = 0; r < t.count; r++) connOfRow[r] = flowOfRow[r] < 0 ? -1 : place[flowOfRow[r]];
  }
  return { flows, flowOfRow: connOfRow, tupleOfRow: flowOfRow, fromClient };
}

/**
 * Retransmissions per capture point and direction: a segment whose bytes the point already saw
 * the sender send. Counted over the rows in capture order (a point's rows are in the order it
 * captured them), not in journey order: journeys are numbered by the capture that saw them first,
 * so a point's segments that no earlier capture saw in that form (the pieces a NIC cut a
 * super-packet into, seen on the underlay only) came after the ones it shares with other captures,
 * and read as resent. A payload the snap length cut reads shorter than it was sent, and a TCP header
 * it cut has no flags: neither says anything of retransmissions.
 */
function countResends(t: PacketTable, j: JourneyIndex, drafts: FlowDraft[], flowOfRow: Int32Array): void {
  for (let r = 0; r < t.count; r++) {
    const f = flowOfRow[r];
    if (f < 0 || t.innerProto[r] !== 6 || t.innerFrag[r] & 0x1fff || t.payLen[r] === 0) continue;
    if (t.flags[r] & (SummaryFlag.TRUNCATED | SummaryFlag.PAYLOAD_CUT | SummaryFlag.TRANSPORT_CUT)) continue;
    const x = drafts[f];
    const fromA = x.aAddr === t.innerSrc[r] && x.aPort === t.sport[r] && x.bAddr === t.innerDst[r] && x.bPort === t.dport[r];
    const key = x.points.indexOf(t.point[r]) * 2 + (fromA ? 0 : 1);
    const k = j.journeyOfRow[r];
    // One packet seen again on the same capture within its journey (a hairpinned segment crossing
    // the bridge on its way up to the host and again back down after NAT) was sent once.
    if (x.seqJourney[key] === k) continue;
    x.seqJourney[key] = k;
    const end = (t.tcpSeq[r] + t.payLen[r]) >>> 0;
    // Sequence numbers wrap: compared as the signed distance from the furthest end so far.
    if (x.seqEnd[key] === x.seqEnd[key] && ((end - x.seqEnd[key]) | 0) <= 0) x.retrans[key]++;
    else x.seqEnd[key] = end;
  }
}

/** How far apart in time a segment and the packets it was cut into or merged from are seen (a NIC's queue, not a resend). */
const PIECE_WINDOW_NS = 100e6;

/**
 * One TCP segment counted once in its flow's totals. Segmentation offload makes one segment several
 * packets on the way (a super-packet on the sender's veth and tunnel device, MSS-sized pieces on the
 * wire, cut by the NIC after its capture point; merged again, along other cuts, by the receiver's
 * GRO), and the pieces are journeys of their own. A data journey whose bytes shorter journeys of
 * the same direction carried (seen near its time, each at none of the points it was seen at) is
 * that segment seen elsewhere in pieces: its packet and bytes are taken out of the totals, the
 * pieces stay. A resent segment is seen where the original was (the sender's own captures), so it
 * counts. `segments`: flow, from A, journey, seq, payload length, bytes, per segment as counted.
 */
function withoutPieces(t: PacketTable, j: JourneyIndex, drafts: FlowDraft[], segments: readonly number[]): void {
  const n = segments.length / 6;
  if (n < 2) return;
  const order = Array.from({ length: n }, (_, i) => i);
  const at = (i: number, f: number) => segments[i * 6 + f];
  // By flow and direction, then sequence (relative to the first segment's, wrapping), longest first.
  const base = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!base.has(at(i, 0) * 2 + at(i, 1))) base.set(at(i, 0) * 2 + at(i, 1), at(i, 3));
  const rel = (i: number) => (at(i, 3) - base.get(at(i, 0) * 2 + at(i, 1))! + 0x80000000) >>> 0;
  order.sort((a, b) => at(a, 0) - at(b, 0) || at(a, 1) - at(b, 1) || rel(a) - rel(b) || at(b, 4) - at(a, 4));
  const first = (k: number) => t.tNs[j.rows[j.start[k]]];
  const disjoint = (k: number, q: number) => {
    for (let a = j.start[k]; a < j.start[k + 1]; a++)
      for (let b = j.start[q]; b < j.start[q + 1]; b++) if (t.point[j.rows[a]] === t.point[j.rows[b]]) return false;
    return true;
  };
  for (let p = 0; p < n; p++) {
    const i = order[p];
    const k = at(i, 2);
    const start = rel(i);
    const end = start + at(i, 4);
    let covered = start;
    for (let q = p + 1; q < n && covered < end; q++) {
      const e = order[q];
      if (at(e, 0) !== at(i, 0) || at(e, 1) !== at(i, 1) || rel(e) > covered) break;
      if (at(e, 4) >= at(i, 4) || Math.abs(first(at(e, 2)) - first(k)) > PIECE_WINDOW_NS || !disjoint(k, at(e, 2))) continue;
      covered = Math.max(covered, rel(e) + at(e, 4));
    }
    if (covered < end) continue;
    const x = drafts[at(i, 0)];
    const fromA = at(i, 1) === 1;
    x.stats[fromA ? 0 : 2]--;
    x.stats[fromA ? 1 : 3] -= at(i, 5);
    if (fromA) x.dataAB -= at(i, 4);
    else x.dataBA -= at(i, 4);
  }
}

/**
 * The connection each 5-tuple is only part of (-1: listed itself). A tuple all of whose packets
 * also crossed one other tuple through NAT is that connection seen half-way, not a flow of its own:
 * - a reply-only half: one direction only, every packet also seen as the other tuple, which holds
 *   both (a service's replies un-DNATed on the client's node, when the client's requests were
 *   only captured after DNAT, on the bridge);
 * - a tuple in between two rewrites, every packet also seen as two tuples that never follow one
 *   another directly (a hairpinned service call DNATed and not yet SNATed, crossing the bridge up
 *   to the host between the client's tuple to the service and the server's from the SNAT address):
 *   it goes with the one that has its server end (the tuple the server sees), else its client end.
 * A NATed connection is so listed as the tuple its client sends and the one its server receives,
 * as for any service; the forms in between are named as its NAT peers. A connection only SNATed
 * (its server end the same on both tuples) is one listed flow: the tuple its client sent.
 * Every packet of a folded tuple is then already counted in its connection.
 */
function foldInto(drafts: readonly FlowDraft[], swaps: readonly boolean[], multi: readonly number[][]): Int32Array {
  const host = new Int32Array(drafts.length).fill(-1);
  if (!multi.length) return host;
  // Journeys each pair of tuples share.
  const shared = new Map<number, Map<number, number>>();
  for (const fs of multi)
    for (const x of fs)
      for (const p of fs) {
        if (p === x) continue;
        let m = shared.get(x);
        if (!m) shared.set(x, (m = new Map<number, number>()));
        m.set(p, (m.get(p) ?? 0) + 1);
      }
  const twoWay = (x: FlowDraft) => x.stats[0] > 0 && x.stats[2] > 0;
  const end = (x: FlowDraft, i: number, server: boolean) => {
    const b = server !== swaps[i];
    return b ? `${x.bAddr}|${x.bPort}` : `${x.aAddr}|${x.aPort}`;
  };
  for (const [i, m] of shared) {
    const x = drafts[i];
    const whole = [...m].filter(([, n]) => n === x.journeys).map(([p]) => p);
    if (!whole.length) continue;
    if (x.peers.size === 1 && !twoWay(x) && whole.includes([...x.peers][0]) && twoWay(drafts[[...x.peers][0]])) {
      host[i] = [...x.peers][0];
    } else {
      // Between two tuples that never follow one another directly: the form in between.
      const next = whole.filter((p) => x.peers.has(p));
      const apart = next.filter((p) => next.some((q) => q !== p && !drafts[p].peers.has(q)));
      if (apart.length < 2) continue;
      const by = (server: boolean) => apart.find((p) => end(drafts[p], p, server) === end(x, i, server));
      host[i] = by(true) ?? by(false) ?? apart[0];
    }
  }
  // SNAT: two tuples with the same server end and different client ends, every packet of each also
  // seen as the other and no other tuple joined to either: one connection whose client end a node
  // rewrote (a pod's source masqueraded to its node's address). Listed as the tuple its client sent,
  // the one its client's packets were seen with first (the rewrite comes after, on the same node);
  // the other is its NAT peer.
  for (const [i, m] of shared) {
    const x = drafts[i];
    if (host[i] >= 0 || x.peers.size !== 1) continue;
    const [p] = x.peers;
    const y = drafts[p];
    if (p < i || host[p] >= 0 || y.peers.size !== 1 || m.get(p) !== x.journeys || shared.get(p)?.get(i) !== y.journeys) continue;
    if (end(x, i, true) !== end(y, p, true) || end(x, i, false) === end(y, p, false)) continue;
    const fromClient = (d: FlowDraft, k: number) => (swaps[k] ? d.firstB : d.firstA);
    if (fromClient(x, i) === fromClient(y, p)) continue;
    if (fromClient(x, i) < fromClient(y, p)) host[p] = i;
    else host[i] = p;
  }
  // A connection is a listed flow: a host folded itself is followed to its own (never round in a circle).
  for (let i = 0; i < host.length; i++) {
    let h = host[i];
    for (let n = 0; h >= 0 && host[h] >= 0 && n < drafts.length; n++) h = host[h];
    host[i] = h >= 0 && host[h] < 0 && h !== i ? h : -1;
  }
  return host;
}

/** IP header bytes of a fragment (IPv4 without options; IPv6 with its fragment header). */
const fragHeader = (ver: number) => (ver === 6 ? 48 : 20);

/** Where a fragment's payload ends in its datagram's payload. */
function fragEnd(t: PacketTable, r: number): number {
  return (t.innerFrag[r] & 0x1fff) * 8 + Math.max(0, t.innerLen[r] - fragHeader(t.innerVer[r]));
}

/**
 * A fragmented datagram's length, as a reassembly would give it: the largest of what a node saw
 * reassembled and the header plus the furthest payload byte a fragment reaches (fragments seen at
 * several points, or overlapping, count once).
 */
function datagramBytes(dg: Datagram): number {
  return Math.max(dg.whole, dg.end > 0 ? (dg.ver === 6 ? 40 : 20) + dg.end : 0);
}

/**
 * Which side of each flow is the client (true: B). A flow's own SYN says it; else a NAT peer's
 * does, through a packet that crossed from one to the other keeping its direction (a service's
 * replies un-DNATed on the client's node, when the client's request was only seen after DNAT);
 * else the conversation's first packet among the NAT-linked flows, else the flow's own first one.
 */
function orientFlows(drafts: readonly FlowDraft[]): boolean[] {
  const hasSyn = (x: FlowDraft) => x.synFromA || x.synFromB;
  const own = (x: FlowDraft) => (x.synFromB && !x.synFromA) || (!hasSyn(x) && x.firstRowFromB);
  const swaps = drafts.map(own);
  const done = new Uint8Array(drafts.length);
  const order = drafts.map((_, i) => i).filter((i) => drafts[i].peers.size > 0);
  order.sort((a, b) => Number(hasSyn(drafts[b])) - Number(hasSyn(drafts[a])) || drafts[a].firstTime - drafts[b].firstTime);
  for (const root of order) {
    if (done[root]) continue;
    done[root] = 1;
    const queue = [root];
    while (queue.length) {
      const c = queue.pop()!;
      for (const [p, same] of drafts[c].peerSame) {
        if (done[p] || hasSyn(drafts[p])) continue;
        done[p] = 1;
        swaps[p] = swaps[c] !== !same;
        queue.push(p);
      }
    }
  }
  return swaps;
}

/** A connection whose replies reached its client from an address it never sent to (unreversedNat). */
export interface UnreversedNat {
  readonly flow: Flow;
  /** The client's address and port. */
  readonly client: string;
  /** Where the client sent (its requests, resets left out), and where its replies came from. */
  readonly dialled: readonly string[];
  readonly repliers: readonly string[];
  /** The client's own capture points where both were seen. */
  readonly points: readonly number[];
  /** A request and a reply, as seen there. */
  readonly packets: readonly number[];
}

/**
 * Connections whose replies were never translated back: on a pod's own capture (its veth, or inside
 * it; `clientAddrs` by point), from one local port, the pod sent only to some addresses (a service
 * address, a NodePort) and its replies came only from others, while the connection is seen through
 * NAT. A reply that passed back through the node that translated the request comes from the address
 * dialled; these come from the backend itself. The pod's own resets are left out of what it sent:
 * they answer the replies it could not take.
 */
export function unreversedNat(t: PacketTable, fx: FlowIndex, clientAddrs: readonly (readonly number[])[]): UnreversedNat[] {
  interface Side {
    conn: number;
    client: string;
    sent: Map<string, number>;
    recv: Map<string, number>;
    points: Set<number>;
  }
  const sides = new Map<string, Side>();
  const end = (ver: number, a: number, port: number) => (port >= 0 ? `${t.addr(ver, a)}:${port}` : t.addr(ver, a));
  for (let r = 0; r < t.count; r++) {
    const mine = clientAddrs[t.point[r]];
    if (!mine || mine.length === 0) continue;
    const conn = fx.flowOfRow[r];
    if (conn < 0 || fx.flows[conn].natPeers.length === 0) continue;
    const ver = t.innerVer[r];
    const out = mine.includes(t.innerSrc[r]);
    if (!out && !mine.includes(t.innerDst[r])) continue;
    if (out && t.innerProto[r] === 6 && (t.tcpFlags[r] & 0x04) !== 0) continue;
    const local = out ? end(ver, t.innerSrc[r], rowPort(t, r, true)) : end(ver, t.innerDst[r], rowPort(t, r, false));
    const remote = out ? end(ver, t.innerDst[r], rowPort(t, r, false)) : end(ver, t.innerSrc[r], rowPort(t, r, true));
    const k = `${conn}|${local}`;
    const s = sides.get(k) ?? sides.set(k, { conn, client: local, sent: new Map(), recv: new Map(), points: new Set() }).get(k)!;
    const m = out ? s.sent : s.recv;
    if (!m.has(remote)) m.set(remote, r);
    s.points.add(t.point[r]);
  }
  const found: UnreversedNat[] = [];
  for (const s of sides.values()) {
    if (s.sent.size === 0 || s.recv.size === 0 || [...s.recv.keys()].some((x) => s.sent.has(x))) continue;
    found.push({
      flow: fx.flows[s.conn],
      client: s.client,
      dialled: [...s.sent.keys()],
      repliers: [...s.recv.keys()],
      points: [...s.points],
      packets: [s.sent.values().next().value!, s.recv.values().next().value!],
    });
  }
  return found;
}
