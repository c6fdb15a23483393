// A journey's hops: the order they happened in (node sequence, then each node's own clock, then
// where the interface sits on the way out or in), what the packet looked like at each, NAT between
// hops, encapsulation, TTL change, MTU trouble, and where the path was expected to go but has no
// capture (a gap) or a capture that did not see it (the drop point).

import { SummaryFlag, TUNNEL_NAMES, TunnelKind } from '../engine/decode/types';
import { cidr6Contains, cidrContains, macToString, parseIp6 } from './addr';
import { akey, isInitialTtl, type PointDraft } from './attribution';
import type { IcmpTooBig, PacketTable } from './table';
import type { NodeDraft, NodeOwnAddress } from './model';
import { protoName } from './model';
import type {
  Encapsulation,
  Hop,
  HopHeaders,
  InterfaceKind,
  Journey,
  JourneyStatus,
  JourneyVerdict,
  MtuIssue,
  NatRewrite,
  OffloadedHop,
  PathGap,
  QuotingIcmpError,
  TunnelType,
} from './types';
import { untranslatable, type JourneyIndex } from './journeys';
import type { DomainOffset } from './clock';
import { icmpErrorName, isRefusal, type QuotedError } from './verdict';
import { sortNumbers } from './small-sort';
import { duration } from '../../common/text';
import type { OffloadIndex } from './offload';

/**
 * A capture file that holds no packet, named '<node>-<interface>' after a node of the set: the
 * capture ran (its file has a header) and saw nothing. It has no time stamp, so when it ran is
 * unknown; like every capture of a node it is taken to run while the node's other captures did
 * (`runSpan`, table time). No packet makes it a pod's veth, so it stands for no pod's.
 */
export interface EmptyPoint {
  readonly id: string;
  readonly node: number;
  readonly interface: string;
  readonly kind: InterfaceKind;
  readonly runSpan: readonly [number, number];
  /** Its node's clock offset (ns). */
  readonly offsetNs: number;
}

export interface HopContext {
  readonly t: PacketTable;
  readonly ids: readonly string[];
  readonly points: readonly PointDraft[];
  readonly nodeOfPoint: Int32Array;
  readonly nodes: readonly NodeDraft[];
  /** Clock offset (ns) of each point's domain. */
  readonly offsetOfPoint: Float64Array;
  /** Node index by underlay address key. */
  readonly nodeOfIp: Map<number, number>;
  readonly tooBig: Map<string, IcmpTooBig>;
  /** Tunnel kind between two node indices ('min|max'), from the tunnel packets. */
  readonly tunnelKindBetween: ReadonlyMap<string, number>;
  /** Largest IP packet the underlay carries: 1500, or the biggest outer packet seen if larger. */
  readonly underlayMtu: number;
  /** Interface kinds some capture point of the set has. */
  readonly kindsPresent: ReadonlySet<InterfaceKind>;
  /** Raw [first, last] time each point counts as capturing (captureRunSpans in analyze.ts). */
  readonly runSpan: readonly (readonly [number, number])[];
  /** Per point, how finely its timestamps tell time (ns): 1000 where every stamp is a whole microsecond, else 1 (stampGrains). */
  readonly grainOfPoint: ArrayLike<number>;
  /** Clock domains and what the packets allow for their offsets (absent: every point on one clock). */
  readonly clock?: {
    readonly domainOfPoint: ArrayLike<number>;
    /** Interval [lo, hi] allowed for θ_b - θ_a (±Infinity when unbounded). */
    interval(a: number, b: number): readonly [number, number];
    name(d: number): string;
    readonly offsets: readonly DomainOffset[];
  };
  /** ICMP errors quoting each journey's packet (filled once the journeys are final). */
  readonly quoted?: ReadonlyMap<number, readonly QuotedError[]>;
  /** The row that answered each journey's packet, -1 for none (filled once the journeys are final). */
  readonly answers?: Int32Array;
  /**
   * Node index of each pod the model placed, by address key (filled once the model is built): a
   * routed cluster (host-gw, BGP without its sessions captured) gives no pod CIDR, and a pod whose
   * veth was not captured is placed by its own frames on its node's bridge.
   */
  readonly podPlacement?: ReadonlyMap<number, number>;
  /**
   * A node's own addresses inside its pod block (its tunnel device's, its bridge's), by address key
   * (filled once the model is built): the node itself sends from them and receives on them, no pod.
   */
  readonly nodeOwn?: ReadonlyMap<number, NodeOwnAddress>;
  /** The journeys (their rows in hop order once ordered): an answer's own path tells who made it. */
  readonly journeys?: JourneyIndex;
  /** TCP data sightings by point and sequence (filled once the flows are known): segmentation offload. */
  readonly offload?: OffloadIndex;
  /** Capture files with no packet named after a node and an interface of it (see EmptyPoint). */
  readonly emptyPoints?: readonly EmptyPoint[];
  /**
   * Node pairs ('min|max' indices) whose pods' packets the captures show routed natively, bare on a
   * NIC, with no tunnel packet between the two (filled once the model is built; nativePairs).
   */
  readonly nativeBetween?: ReadonlySet<string>;
}

/**
 * Node pairs that route their pods' packets natively: a packet from a pod of one to a pod of the
 * other captured bare (no tunnel header) on an underlay capture, and no tunnel packet between the
 * two nodes. A cluster that tunnels only across subnets (Calico's CrossSubnet) routes pods natively
 * between nodes of one subnet: their packets never enter the tunnel device.
 */
export function nativePairs(ctx: HopContext): Set<string> {
  const t = ctx.t;
  const out = new Set<string>();
  const isPod = (ver: number, a: number) => !ctx.nodeOfIp.has(akey(ver, a)) && !ctx.nodeOwn?.has(akey(ver, a));
  for (let r = 0; r < t.count; r++) {
    const pi = t.point[r];
    const ver = t.innerVer[r];
    if (t.tunnel[r] !== TunnelKind.NONE || (ver !== 4 && ver !== 6) || ctx.nodeOfPoint[pi] < 0 || ctx.points[pi].kind !== 'underlay')
      continue;
    const a = nodeOfAddrCached(ctx, ver, t.innerSrc[r]);
    const b = nodeOfAddrCached(ctx, ver, t.innerDst[r]);
    if (a < 0 || b < 0 || a === b || !isPod(ver, t.innerSrc[r]) || !isPod(ver, t.innerDst[r])) continue;
    const key = `${Math.min(a, b)}|${Math.max(a, b)}`;
    if (!ctx.tunnelKindBetween.has(key)) out.add(key);
  }
  return out;
}

const OUT_RANK: Record<InterfaceKind, number> = { veth: 0, loopback: 0, bridge: 1, any: 1.5, unknown: 1.5, vtep: 2, tun: 2, underlay: 3 };
const IN_RANK: Record<InterfaceKind, number> = { underlay: 4, vtep: 5, tun: 5, any: 5.5, unknown: 5.5, bridge: 6, veth: 7, loopback: 7 };

const ip6Bytes = new WeakMap<PacketTable, Map<number, Uint8Array | null>>();

const podNodes = new WeakMap<HopContext, Map<number, number>>();

/** Node of each pod address tied to a veth capture point on a known node (routed CNIs give no pod CIDR). */
function podNodeOf(ctx: HopContext, k: number): number | undefined {
  let m = podNodes.get(ctx);
  if (!m) {
    m = new Map<number, number>();
    ctx.points.forEach((p, pi) => {
      const n = ctx.nodeOfPoint[pi];
      if (p.kind !== 'veth' || n < 0) return;
      for (const ip of [p.podIp, p.podIp6 ?? -1]) if (ip >= 0) m!.set(ip, m!.has(ip) && m!.get(ip) !== n ? -1 : n);
    });
    podNodes.set(ctx, m);
  }
  const n = m.get(k);
  return n !== undefined && n >= 0 ? n : undefined;
}

/**
 * Node index owning an address: an underlay address, else the node of the pod's veth, else the
 * node the model placed the pod on, else the node holding it as its own (tunnel device, bridge),
 * else the pod CIDR containing it; -1 none.
 */
export function nodeOfAddr(ctx: HopContext, ver: number, a: number): number {
  const k = akey(ver, a);
  const d = ctx.nodeOfIp.get(k) ?? podNodeOf(ctx, k) ?? ctx.podPlacement?.get(k) ?? ctx.nodeOwn?.get(k)?.node;
  if (d !== undefined) return d;
  if (ver === 6) {
    let b = ip6Bytes.get(ctx.t)?.get(a);
    if (b === undefined) {
      let m = ip6Bytes.get(ctx.t);
      if (!m) ip6Bytes.set(ctx.t, (m = new Map<number, Uint8Array | null>()));
      b = parseIp6(ctx.t.ip6[a] ?? '');
      m.set(a, b);
    }
    if (!b) return -1;
    for (let i = 0; i < ctx.nodes.length; i++) {
      const c6 = ctx.nodes[i].cidr6;
      if (c6 && cidr6Contains(c6, b)) return i;
    }
    return -1;
  }
  if (ver !== 4) return -1;
  for (let i = 0; i < ctx.nodes.length; i++) {
    const c = ctx.nodes[i].cidr;
    if (c && cidrContains(c, a)) return i;
  }
  return -1;
}

/** The node that sent the packet: the outer source of a tunnel hop, else the owner of the inner source. */
export function senderNode(ctx: HopContext, rows: readonly number[]): number {
  const t = ctx.t;
  for (const r of rows) {
    if (t.tunnel[r] !== TunnelKind.NONE && t.outerVer[r] !== 0) {
      const n = ctx.nodeOfIp.get(akey(t.outerVer[r], t.outerSrc[r]));
      if (n !== undefined) return n;
    }
  }
  return rows.length ? nodeOfAddr(ctx, t.innerVer[rows[0]], t.innerSrc[rows[0]]) : -1;
}

/** Sightings one may move back past (a guard against floods of identical packets in one journey). */
const MAX_REORDER = 64;

/**
 * Orders one journey's rows: node sequence (sender first, then by corrected time), time, interface
 * rank; within a node, rank wins over times closer than the captures' timestamp resolution. n log n in the journey's length: a flood of identical packets (IP ID 0, retransmissions) can
 * put hundreds of thousands of sightings in one journey.
 */
export function hopOrder(ctx: HopContext): (rows: number[]) => number[] {
  const t = ctx.t;
  // Scratch reused from journey to journey: sort keys computed once per row, then one sort on them.
  let nodeKey = new Float64Array(16);
  let nodeRankOf = new Float64Array(16);
  let timeOf = new Float64Array(16);
  let rankOf = new Float64Array(16);
  let slotOf = new Uint32Array(16);
  // First (corrected) sighting per node, or per point of no node: slot = node, or nodes + point.
  // A slot is valid for the journey whose stamp it carries (no clearing between journeys).
  const firstOf = new Float64Array(ctx.nodes.length + ctx.points.length);
  const stampOf = new Uint32Array(firstOf.length);
  let stamp = 0;
  const idx: number[] = [];
  const grain = ctx.grainOfPoint;
  // Ties broken as correlate.sql breaks them, so both path finders give one order: two nodes first
  // seen at the same corrected time by node id (a point of no node by '~' and its id), two sightings
  // alike in all else by capture name, then record (a capture's rows are in record order).
  const slotOrder = byteOrder([...ctx.nodes.map((nd) => nd.id), ...ctx.points.map((p) => `~${p.id}`)]);
  const captureOrder = byteOrder(ctx.points.map((p) => p.capture));
  let rows: number[] = [];
  // A total order (the row number breaks the last tie), so any sort gives the same sequence.
  const compare = (a: number, b: number): number => {
    if (nodeRankOf[a] !== nodeRankOf[b]) return nodeRankOf[a] < nodeRankOf[b] ? -1 : 1;
    if (nodeKey[a] !== nodeKey[b]) return nodeKey[a] < nodeKey[b] ? -1 : 1;
    if (timeOf[a] !== timeOf[b]) return timeOf[a] < timeOf[b] ? -1 : 1;
    if (rankOf[a] !== rankOf[b]) return rankOf[a] < rankOf[b] ? -1 : 1;
    const ta = t.innerTtl[rows[a]];
    const tb = t.innerTtl[rows[b]];
    if (ta !== tb) return tb - ta;
    const ca = captureOrder[t.point[rows[a]]];
    const cb = captureOrder[t.point[rows[b]]];
    return ca !== cb ? ca - cb : rows[a] - rows[b];
  };
  return (journeyRows) => {
    rows = journeyRows;
    const n = rows.length;
    if (nodeKey.length < n) {
      nodeKey = new Float64Array(n * 2);
      nodeRankOf = new Float64Array(n * 2);
      timeOf = new Float64Array(n * 2);
      rankOf = new Float64Array(n * 2);
      slotOf = new Uint32Array(n * 2);
    }
    const sender = senderNode(ctx, rows);
    stamp = (stamp + 1) >>> 0 || 1;
    let untimed = false;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      const pi = t.point[r];
      const nd = ctx.nodeOfPoint[pi];
      const key = nd >= 0 ? nd : -1000 - pi;
      // A sighting with no timestamp has no time to order by: placed by the path's structure below.
      const time = t.noTime[r] ? Number.NaN : t.tNs[r] - ctx.offsetOfPoint[pi];
      timeOf[i] = time;
      const slot = nd >= 0 ? nd : ctx.nodes.length + pi;
      slotOf[i] = slot;
      nodeKey[i] = slotOrder[slot];
      if (time !== time) untimed = true;
      else if (stampOf[slot] !== stamp || time < firstOf[slot]) {
        stampOf[slot] = stamp;
        firstOf[slot] = time;
      }
      const p = ctx.points[pi];
      const src = akey(t.innerVer[r], t.innerSrc[r]);
      const dst = akey(t.innerVer[r], t.innerDst[r]);
      let rank = (key === sender ? OUT_RANK : IN_RANK)[p.kind];
      // A pod's veth: first for what its pod sends, last for what it receives; a capture inside the
      // pod (its own interface) before the host side on the way out and after it on the way in. A
      // packet neither from nor to the pod's address (link-scope chatter: a bridge's or another
      // pod's router solicitation flooded to it) goes in on a node that did not send it, out on the one that did.
      if (p.kind === 'veth' && p.podIp >= 0) {
        const own = p.podSide ? 1 : 0;
        const pod6 = p.podIp6 ?? -1;
        const out = p.podIp === src || pod6 === src || (p.podIp !== dst && pod6 !== dst && key === sender);
        rank = out ? -own : 7 + own;
      }
      rankOf[i] = rank;
    }
    // A node's place in the sequence: the sender first, the others by their first (corrected) sighting.
    // A node seen only untimed has no first sighting: after the nodes that have one.
    for (let i = 0; i < n; i++)
      nodeRankOf[i] =
        slotOf[i] === sender ? Number.NEGATIVE_INFINITY : stampOf[slotOf[i]] === stamp ? firstOf[slotOf[i]] : Number.POSITIVE_INFINITY;
    idx.length = 0;
    for (let i = 0; i < n; i++) if (timeOf[i] === timeOf[i]) idx.push(i);
    sortNumbers(idx, compare);
    // Timestamps that cannot order two sightings on one node: a microsecond capture rounds down, so
    // a sighting up to 1 µs after its time may follow one stamped later by a nanosecond capture.
    // There the path's structure orders them (veth, bridge, tunnel, NIC out; NIC, tunnel, bridge, veth in).
    for (let i = 1; i < idx.length; i++) {
      for (let j = i, moves = 0; j > 0 && moves < MAX_REORDER; j--, moves++) {
        const a = idx[j - 1];
        const b = idx[j];
        if (nodeKey[a] !== nodeKey[b] || rankOf[a] <= rankOf[b]) break;
        if (timeOf[b] >= timeOf[a] + grain[t.point[rows[a]]]) break;
        idx[j - 1] = b;
        idx[j] = a;
      }
    }
    if (untimed) for (let i = 0; i < n; i++) if (timeOf[i] !== timeOf[i]) placeByStructure(idx, i, nodeKey, nodeRankOf, rankOf);
    return idx.map((i) => rows[i]);
  };
}

/** Each string's place in byte order of its UTF-8 (how DuckDB and Spark sort text); equal strings share one. */
function byteOrder(texts: readonly string[]): Float64Array {
  const enc = new TextEncoder();
  const bytes = texts.map((x) => enc.encode(x));
  const cmp = (a: Uint8Array, b: Uint8Array): number => {
    for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  const by = texts.map((_, i) => i).sort((a, b) => cmp(bytes[a], bytes[b]));
  const out = new Float64Array(texts.length);
  for (let k = 1; k < by.length; k++) out[by[k]] = cmp(bytes[by[k - 1]], bytes[by[k]]) === 0 ? out[by[k - 1]] : k;
  return out;
}

/**
 * Puts sighting `i` (no timestamp) among the ordered ones by where it sits on its node's path: before
 * the first of its node's sightings that comes later in the path (higher rank), else after its node's
 * last; a node with no timed sighting goes after the nodes that have one, then by rank.
 */
function placeByStructure(idx: number[], i: number, nodeKey: Float64Array, nodeRankOf: Float64Array, rankOf: Float64Array): void {
  let at = -1;
  for (let k = 0; k < idx.length; k++) {
    const o = idx[k];
    if (nodeKey[o] === nodeKey[i]) {
      at = rankOf[o] > rankOf[i] ? k : k + 1;
      if (at === k) break;
    } else if (at >= 0)
      break; // past its node's run
    else if (nodeRankOf[o] > nodeRankOf[i]) {
      at = k;
      break;
    }
  }
  idx.splice(at < 0 ? idx.length : at, 0, i);
}

function info(t: PacketTable, r: number): string {
  const p = t.innerProto[r];
  if ((t.innerFrag[r] & 0x1fff) !== 0) return `fragment offset ${(t.innerFrag[r] & 0x1fff) * 8}`;
  if (p === 6) {
    const f = t.tcpFlags[r];
    const names: string[] = [];
    if (f & 0x02) names.push('SYN');
    if (f & 0x10) names.push('ACK');
    if (f & 0x08) names.push('PSH');
    if (f & 0x01) names.push('FIN');
    if (f & 0x04) names.push('RST');
    return `[${names.join(',')}] seq=${t.tcpSeq[r]} ack=${t.tcpAck[r]} win=${t.tcpWin[r]} len=${t.payLen[r]}`;
  }
  if (p === 1 || p === 58) {
    const ty = t.icmpType[r];
    if (t.icmpId[r] >= 0) {
      const kind = (p === 1 && ty === 8) || (p === 58 && ty === 128) ? 'echo-request' : 'echo-reply';
      return `${kind} id=${t.icmpId[r]} seq=${t.icmpSeq[r]}`;
    }
    return `type=${ty} code=${t.icmpCode[r]}`;
  }
  if (p === 17) return `len=${t.payLen[r]}`;
  return '';
}

export function headersAt(t: PacketTable, r: number): HopHeaders {
  const tun = t.tunnel[r];
  let encap: Encapsulation | null = null;
  if (tun !== TunnelKind.NONE && t.outerVer[r] !== 0) {
    encap = {
      type: TUNNEL_NAMES[tun] as TunnelType,
      outerSrc: t.addr(t.outerVer[r], t.outerSrc[r]),
      outerDst: t.addr(t.outerVer[r], t.outerDst[r]),
      vni: t.vni[r] >= 0 ? t.vni[r] : null,
      udpSrcPort: t.tunSport[r] >= 0 ? t.tunSport[r] : null,
      udpDstPort: t.tunDport[r] >= 0 ? t.tunDport[r] : null,
      outerTtl: t.outerTtl[r],
      outerLength: t.outerLen[r],
    };
  }
  const ported = t.sport[r] >= 0 && (t.innerFrag[r] & 0x1fff) === 0;
  return {
    protocol: protoName(t.innerProto[r]),
    src: t.addr(t.innerVer[r], t.innerSrc[r]),
    dst: t.addr(t.innerVer[r], t.innerDst[r]),
    srcPort: ported ? t.sport[r] : null,
    dstPort: ported ? t.dport[r] : null,
    ttl: t.innerTtl[r],
    ipId: t.ipId[r],
    length: t.innerLen[r],
    macSrc: t.mac(t.innerMacSrc[r]) >= 0 ? macToString(t.mac(t.innerMacSrc[r])) : null,
    macDst: t.mac(t.innerMacDst[r]) >= 0 ? macToString(t.mac(t.innerMacDst[r])) : null,
    encap,
    info: (t.innerFrag[r] & 0x5fff) === 0x4000 ? `first fragment (more follow): ${info(t, r)}` : info(t, r),
  };
}

/** NAT between two sightings of one packet: addresses/ports that changed, else null. */
export function natBetween(t: PacketTable, a: number, b: number): 'dnat' | 'snat' | 'dnat+snat' | null {
  if (t.innerVer[a] !== t.innerVer[b]) return null;
  const laterFrag = (t.innerFrag[a] & 0x1fff) !== 0 || (t.innerFrag[b] & 0x1fff) !== 0;
  const d = t.innerDst[a] !== t.innerDst[b] || (!laterFrag && t.dport[a] !== t.dport[b]);
  const s = t.innerSrc[a] !== t.innerSrc[b] || (!laterFrag && t.sport[a] !== t.sport[b] && t.innerProto[a] !== 1);
  return d && s ? 'dnat+snat' : d ? 'dnat' : s ? 'snat' : null;
}

function problemsOf(t: PacketTable, r: number): string[] {
  const out: string[] = [];
  const f = t.flags[r];
  if (f & SummaryFlag.BAD_CHECKSUM) out.push('bad-checksum');
  if (f & SummaryFlag.TRUNCATED) out.push('truncated');
  if (f & SummaryFlag.MALFORMED) out.push('malformed');
  if (f & SummaryFlag.FRAGMENT || (t.outerFrag[r] & 0x3fff) !== 0) out.push('fragment');
  return out;
}

/** A place the packet should have been seen, with the captures that would have seen it there. */
interface Expect {
  readonly node: number;
  readonly kinds: readonly InterfaceKind[];
  readonly pod: number;
  /** Capture points that would see the packet there. */
  readonly cands: readonly number[];
  /** The same points, as a membership table by point index. */
  readonly isCand: Uint8Array;
  readonly nodeId: string;
  readonly kindText: string;
}

interface PathCache {
  /** Places by key (node, kind or pod). */
  readonly places: Map<number, Expect>;
  /**
   * Expected paths by variant (bit 1: addressed to a node's own address on some hop, so no tunnel
   * between nodes; bit 2: a sender on no known node seen on another node than the destination's),
   * then the first sighting's source key, then the last one's destination key.
   */
  readonly paths: readonly Map<number, Map<number, readonly Expect[]>>[];
  /** nodeOfAddr by address key. */
  readonly nodeOf: Map<number, number>;
  /** Per node, the `-i any` capture file holding its interface-indexed points and its corrected span. */
  readonly anyOf: ({ file: number; first: number; last: number } | null)[];
}

const pathCaches = new WeakMap<HopContext, PathCache>();

function pathCache(ctx: HopContext): PathCache {
  let c = pathCaches.get(ctx);
  if (!c) {
    const anyOf: PathCache['anyOf'] = ctx.nodes.map(() => null);
    ctx.points.forEach((p, pi) => {
      const node = ctx.nodeOfPoint[pi];
      if (node < 0 || p.ifindex === null) return;
      const a = anyOf[node];
      if (a && p.file !== a.file) return;
      const first = p.firstNs - ctx.offsetOfPoint[pi];
      const last = p.lastNs - ctx.offsetOfPoint[pi];
      if (!a) anyOf[node] = { file: p.file, first, last };
      else {
        a.first = Math.min(a.first, first);
        a.last = Math.max(a.last, last);
      }
    });
    c = { places: new Map(), paths: [new Map(), new Map(), new Map(), new Map()], nodeOf: new Map(), anyOf };
    pathCaches.set(ctx, c);
  }
  return c;
}

/** nodeOfAddr, remembered per address for the analysis. */
function nodeOfAddrCached(ctx: HopContext, ver: number, a: number): number {
  if (ver !== 4 && ver !== 6) return nodeOfAddr(ctx, ver, a);
  const m = pathCache(ctx).nodeOf;
  const k = akey(ver, a);
  let n = m.get(k);
  if (n === undefined) m.set(k, (n = nodeOfAddr(ctx, ver, a)));
  return n;
}

const KIND_CODE: Record<string, number> = { veth: 0, bridge: 1, vtep: 2, tun: 2, underlay: 3 };

/** The place (node, kinds, pod) with the capture points that would see the packet there (cached per analysis). */
function place(ctx: HopContext, node: number, kinds: readonly InterfaceKind[], pod: number): Expect {
  const cache = pathCache(ctx).places;
  const key = pod >= 0 ? -((pod + 1) * 4096 + node) : node * 8 + (KIND_CODE[kinds[0]] ?? 7);
  let e = cache.get(key);
  if (!e) {
    const cands: number[] = [];
    const isCand = new Uint8Array(ctx.points.length);
    for (let pi = 0; pi < ctx.points.length; pi++) {
      const p = ctx.points[pi];
      if (ctx.nodeOfPoint[pi] !== node) continue;
      // A whole `-i any` capture (SLL without interface indexes) sees every interface of its node.
      if (!(p.kind === 'any' && p.ifindex === null)) {
        if (!kinds.includes(p.kind)) continue;
        // A dual-stack pod's veth carries both of its addresses.
        if (pod >= 0 && p.podIp !== pod && (p.podIp6 ?? -1) !== pod) continue;
      }
      cands.push(pi);
      isCand[pi] = 1;
    }
    e = { node, kinds, pod, cands, isCand, nodeId: ctx.nodes[node].id, kindText: kinds.join('/') };
    cache.set(key, e);
  }
  return e;
}

/**
 * Whether a node's bridge is captured only as an interface of `-i any` captures (cooked, with
 * interface indexes): `-i any` does not make the bridge promiscuous, so it does not see the frames
 * it forwards between two of its ports (one pod to another of the node).
 */
function anyOnlyBridge(ctx: HopContext, node: number): boolean {
  const { cands } = place(ctx, node, BRIDGE, -1);
  return (
    cands.length > 0 &&
    cands.every((pi) => ctx.points[pi].kind === 'bridge' && ctx.points[pi].ifindex !== null) &&
    emptyAt(ctx, node, BRIDGE, -1).length === 0
  );
}

/** The empty captures (EmptyPoint) of a place: none for a pod's veth (no packet ties an empty veth capture to a pod). */
function emptyAt(ctx: HopContext, node: number, kinds: readonly InterfaceKind[], pod: number): readonly EmptyPoint[] {
  if (!ctx.emptyPoints?.length || pod >= 0) return [];
  return ctx.emptyPoints.filter((x) => x.node === node && kinds.includes(x.kind));
}

const VETH: readonly InterfaceKind[] = ['veth'];
const BRIDGE: readonly InterfaceKind[] = ['bridge'];
const TUNNEL: readonly InterfaceKind[] = ['vtep', 'tun'];
const UNDERLAY: readonly InterfaceKind[] = ['underlay'];

/** Where the packet should have been seen, from the model: sender side then receiver side (cached per address pair). */
function expectedPath(ctx: HopContext, rows: readonly number[]): readonly Expect[] {
  const t = ctx.t;
  const f = rows[0];
  const l = rows[rows.length - 1];
  const ver = t.innerVer[f];
  const src = t.innerSrc[f];
  const dst = t.innerDst[l];
  const cacheable = (ver === 4 || ver === 6) && (t.innerVer[l] === 4 || t.innerVer[l] === 6);
  // Addressed to a node itself somewhere on its way (a hostNetwork server, or a pod's connection
  // SNATed to its node's address coming back): between nodes it went as it is, not through a tunnel,
  // whatever address a NAT gave it on the node.
  let toNodeAddress = false;
  for (let i = 0; i < rows.length && !toNodeAddress; i++) toNodeAddress = ctx.nodeOfIp.has(akey(t.innerVer[rows[i]], t.innerDst[rows[i]]));
  const k1 = akey(ver, src);
  const k2 = akey(t.innerVer[l], dst);
  const sn = nodeOfAddrCached(ctx, ver, src);
  const dn = nodeOfAddrCached(ctx, t.innerVer[l], dst);
  // A sender on no known node (outside the cluster, or a pod nothing places) whose packet was seen
  // on another node before the destination's: it reached the destination's node over the underlay.
  const cameAcross = sn < 0 && dn >= 0 && rows.some((r) => ctx.nodeOfPoint[t.point[r]] >= 0 && ctx.nodeOfPoint[t.point[r]] !== dn);
  const paths = pathCache(ctx).paths[(toNodeAddress ? 1 : 0) | (cameAcross ? 2 : 0)];
  if (cacheable) {
    const had = paths.get(k1)?.get(k2);
    if (had) return had;
  }
  // A node's own address on its pod network (kubelet probing from the bridge's address, the host
  // reaching a remote pod from its tunnel device's): no pod's veth or bridge on that side. The node
  // receives on it where the packet enters the node: from another node at its tunnel device, from
  // one of its pods at its bridge.
  const dstOwn = ctx.nodeOwn?.get(k2);
  const srcIsPod = sn >= 0 && !ctx.nodeOfIp.has(k1) && !ctx.nodeOwn?.has(k1);
  const dstIsPod = dn >= 0 && !ctx.nodeOfIp.has(k2) && dstOwn === undefined;
  // Bridges and tunnel devices are expected only where the network has them (Calico has no bridge,
  // its routed mode no tunnel device): some capture of that kind exists in the set.
  const bridged = ctx.kindsPresent.has('bridge');
  const tunnelled = ctx.kindsPresent.has('vtep') || ctx.kindsPresent.has('tun');
  // To a pod on another node it crosses the tunnel; to a node's own address (kubelet to the API
  // server, a pod to a hostNetwork server, SNATed to its node's address) the underlay carries it as
  // it is: the tunnel routes only pod blocks.
  // Between two nodes whose pods the captures show routed natively, the tunnel is not on the way.
  const native = sn >= 0 && dn >= 0 && !!ctx.nativeBetween?.has(`${Math.min(sn, dn)}|${Math.max(sn, dn)}`);
  const encapsulated = tunnelled && (dstIsPod || dstOwn !== undefined) && !toNodeAddress && !native;
  const out: Expect[] = [];
  if (sn >= 0 && srcIsPod) {
    out.push(place(ctx, sn, VETH, k1));
    if (bridged && !(sn === dn && dstIsPod && anyOnlyBridge(ctx, sn))) out.push(place(ctx, sn, BRIDGE, -1));
  }
  if (sn >= 0 && dn >= 0 && sn !== dn) {
    if (encapsulated) out.push(place(ctx, sn, TUNNEL, -1));
    out.push(place(ctx, sn, UNDERLAY, -1), place(ctx, dn, UNDERLAY, -1));
    if (encapsulated) out.push(place(ctx, dn, TUNNEL, -1));
  }
  if (cameAcross) {
    out.push(place(ctx, dn, UNDERLAY, -1));
    if (encapsulated) out.push(place(ctx, dn, TUNNEL, -1));
  }
  if (dn >= 0 && dstIsPod) {
    if (bridged && !(sn === dn && srcIsPod)) out.push(place(ctx, dn, BRIDGE, -1));
    out.push(place(ctx, dn, VETH, k2));
  }
  if (dn >= 0 && dstOwn !== undefined && sn === dn && srcIsPod && bridged) out.push(place(ctx, dn, BRIDGE, -1));
  if (cacheable) {
    let m = paths.get(k1);
    if (!m) paths.set(k1, (m = new Map<number, readonly Expect[]>()));
    m.set(k2, out);
  }
  return out;
}

/** Smallest and largest corrected time of the rows, of those on `node` when any is (else of all rows). */
function spanOn(ctx: HopContext, rows: readonly number[], node: number): [number, number] {
  const t = ctx.t;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let alo = Number.POSITIVE_INFINITY;
  let ahi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const pi = t.point[r];
    const c = t.tNs[r] - ctx.offsetOfPoint[pi];
    if (c < alo) alo = c;
    if (c > ahi) ahi = c;
    if (ctx.nodeOfPoint[pi] === node) {
      if (c < lo) lo = c;
      if (c > hi) hi = c;
    }
  }
  return lo <= hi ? [lo, hi] : [alo, ahi];
}

/**
 * The capture file holding a `-i any` capture (one point per interface index) of `node` that was
 * running when the journey passed the node, or null.
 */
function anyCaptureOf(ctx: HopContext, node: number, rows: readonly number[]): string | null {
  const a = pathCache(ctx).anyOf[node];
  if (!a) return null;
  const [lo, hi] = spanOn(ctx, rows, node);
  return a.first <= lo && a.last >= hi ? ctx.ids[a.file] : null;
}

export interface PathCheck {
  status: JourneyStatus;
  gaps: PathGap[];
  /** Expected places that carried the segment's bytes in other packets (segmentation offload). */
  offloaded: OffloadedHop[];
  /** The destination's node is in the model (the path's last expected place is at the destination). */
  toDestination: boolean;
  /** The point where the last expected place was seen, when it was. */
  finalPoint: string | null;
}

/** Why an expected place has no sighting (the text is made only for the journeys shown). */
const enum GapCause {
  /** No capture of that interface on the node. */
  NoCapture,
  /** None by kind, but the node's `-i any` capture was running. */
  AnyCapture,
  /** The capture there does not cover the journey's time. */
  NotCovering,
  /** The capture there was running and did not see it. */
  NotSeen,
  /** A later fragment not on a bridge that reassembles fragments. */
  Reassembled,
  /** The capture there holds tunnelled frames of that time that its snap length cut before the inner IP header. */
  SeenCut,
  /** The capture there holds no packet at all (EmptyPoint): taken to run with its node's others, it did not see it. */
  Empty,
}

interface GapDraft {
  readonly afterHop: number;
  readonly e: Expect;
  /** The capture point (or `-i any` file) that should have seen it; null when none would. */
  readonly point: string | null;
  readonly cause: GapCause;
  /** GapCause.SeenCut: the capture holding the cut frames. */
  readonly cutOn?: string;
  /**
   * GapCause.NotCovering: the capture there nearest to covering the time, whether the packet passed
   * after its last packet (else before its first), and how long after (before).
   */
  readonly outside?: { readonly point: number; readonly after: boolean; readonly ns: number };
}

/** An expected place that carried all of a TCP segment's bytes, in other packets (see offload.ts). */
interface OffloadDraft {
  readonly afterHop: number;
  readonly point: number;
  readonly rows: readonly number[];
}

interface PathDraft {
  status: JourneyStatus;
  gaps: GapDraft[];
  offloaded: readonly OffloadDraft[];
  toDestination: boolean;
  finalPoint: string | null;
  /** Made by a node in a pod's name (see madeOnNode), else null. */
  madeBy: MadeOnNode | null;
}

/** A packet a node made itself with one of its pods' addresses as source (a TCP reset a policy forges). */
interface MadeOnNode {
  readonly node: number;
  /** Its first sighting. */
  readonly row: number;
  /** Captures on the node's pod side that were running and did not see it. */
  readonly unseenOn: readonly string[];
}

/**
 * Whether a journey was made by the node it is first seen on, in the name of a pod of that node: its
 * first sighting is on the node's tunnel device (or inside a tunnel on its NIC, or on its NIC where
 * the node's captures on the pod side ran and did not see it) with an initial TTL, and its source is
 * a pod of that node. A pod's own packet reaches those places routed by its node, one TTL less.
 * `before` are the gaps of the path check before the first sighting.
 */
function madeOnNode(ctx: HopContext, rows: readonly number[], before: readonly GapDraft[]): MadeOnNode | null {
  const t = ctx.t;
  const f = rows[0];
  const pi = t.point[f];
  const node = ctx.nodeOfPoint[pi];
  const kind = ctx.points[pi].kind;
  if (node < 0 || !(kind === 'tun' || kind === 'vtep' || kind === 'underlay') || !isInitialTtl(t.innerTtl[f])) return null;
  const src = akey(t.innerVer[f], t.innerSrc[f]);
  // The node's own address (its tunnel device's, its bridge's): the node's own packet, no pod's name taken.
  if (ctx.nodeOfIp.has(src) || ctx.nodeOwn?.has(src) || nodeOfAddrCached(ctx, t.innerVer[f], t.innerSrc[f]) !== node) return null;
  const unseenOn = before.filter((g) => g.afterHop < 0 && g.e.node === node && g.cause === GapCause.NotSeen).map((g) => g.point!);
  // Unencapsulated on the NIC, a pod bridged straight onto the underlay would keep its TTL too: only
  // the node's running pod-side captures missing it tell the node made it.
  if (kind === 'underlay' && t.tunnel[f] === TunnelKind.NONE && unseenOn.length === 0) return null;
  return { node, row: f, unseenOn };
}

/**
 * Of capture points none of which ran over `lo`..`hi` (corrected), the one nearest to it: whether
 * that time is after its run (else before), and by how much.
 */
function nearestRun(ctx: HopContext, cands: readonly number[], lo: number, hi: number): NonNullable<GapDraft['outside']> {
  let best = { point: cands[0], after: true, ns: Number.POSITIVE_INFINITY };
  for (const pi of cands) {
    const off = ctx.offsetOfPoint[pi];
    const [first, last] = ctx.runSpan[pi];
    const after = hi > last - off;
    const ns = after ? hi - (last - off) : first - off - lo;
    if (ns < best.ns) best = { point: pi, after, ns };
  }
  return best;
}

/** How far in time from a journey's sightings on a node a cut frame on its NIC may be this packet. */
const CUT_FRAME_WINDOW_NS = 10_000_000;

interface CutFrames {
  /** Per capture point, its tunnelled frames whose inner IP header the snap length cut. */
  readonly rows: Map<number, number[]>;
  /** Per such point, the encapsulation overheads (outer length less inner) of its whole tunnelled frames. */
  readonly overheads: Map<number, Set<number>>;
}

const cutFrames = new WeakMap<HopContext, CutFrames>();

/**
 * The tunnelled frames whose inner IP header the snap length cut (`tcpdump -s 96` keeps an inner
 * IPv4 header whole but only 32 of an inner IPv6 header's 40 bytes): captured, but with no inner
 * addresses no journey holds them. With them, what their points' whole tunnelled frames show of the
 * encapsulation's size.
 */
function cutFramesOf(ctx: HopContext): CutFrames {
  let c = cutFrames.get(ctx);
  if (!c) {
    const rows = new Map<number, number[]>();
    const overheads = new Map<number, Set<number>>();
    const t = ctx.t;
    for (let r = 0; r < t.count; r++) {
      if (t.tunnel[r] === TunnelKind.NONE || !(t.flags[r] & SummaryFlag.TRUNCATED) || (t.ipCount[r] >= 2 && t.innerVer[r] !== 0)) continue;
      const pi = t.point[r];
      (rows.get(pi) ?? rows.set(pi, []).get(pi)!).push(r);
    }
    if (rows.size) {
      for (let r = 0; r < t.count; r++) {
        const pi = t.point[r];
        if (t.tunnel[r] === TunnelKind.NONE || t.ipCount[r] < 2 || t.innerVer[r] === 0 || !rows.has(pi)) continue;
        (overheads.get(pi) ?? overheads.set(pi, new Set()).get(pi)!).add(t.outerLen[r] - t.innerLen[r]);
      }
    }
    cutFrames.set(ctx, (c = { rows, overheads }));
  }
  return c;
}

/**
 * Whether capture point `pi`, on the NIC of `node` (an underlay place of path `exp`), holds a frame
 * cut before its inner IP header, sent from the sending node's underlay address to the receiving
 * node's, within CUT_FRAME_WINDOW_NS of the journey's sightings on that node (`lo`..`hi`, corrected)
 * and, where the point's whole tunnelled frames show the encapsulation's size, as long as the
 * packet (`len`, its IP length) so wrapped: the packet may have crossed there as that frame, so the
 * capture did not miss it for certain.
 */
function cutFrameNear(ctx: HopContext, exp: readonly Expect[], pi: number, node: number, lo: number, hi: number, len: number): boolean {
  const cut = cutFramesOf(ctx);
  const rows = cut.rows.get(pi);
  if (!rows) return false;
  const overheads = cut.overheads.get(pi);
  const under = exp.filter((x) => x.kinds === UNDERLAY);
  const to = under[under.length - 1].node;
  const from = under.length > 1 ? under[0].node : -1;
  if (node !== to && node !== from) return false;
  const t = ctx.t;
  const off = ctx.offsetOfPoint[pi];
  for (const r of rows) {
    const c = t.tNs[r] - off;
    if (c < lo - CUT_FRAME_WINDOW_NS || c > hi + CUT_FRAME_WINDOW_NS) continue;
    if (overheads && !overheads.has(t.outerLen[r] - len)) continue;
    if (ctx.nodeOfIp.get(akey(t.outerVer[r], t.outerDst[r])) !== to) continue;
    if (from >= 0 && ctx.nodeOfIp.get(akey(t.outerVer[r], t.outerSrc[r])) !== from) continue;
    return true;
  }
  return false;
}

const NO_GAPS: readonly GapDraft[] = [];
const NO_OFFLOAD: readonly OffloadDraft[] = [];

/** The path check without its text: status, and each gap as where, after which hop and why. */
function checkPath(ctx: HopContext, rows: readonly number[]): PathDraft {
  const t = ctx.t;
  const exp = expectedPath(ctx, rows);
  const l = rows[rows.length - 1];
  const toDestination = nodeOfAddrCached(ctx, t.innerVer[l], t.innerDst[l]) >= 0;
  let finalPoint: string | null = null;
  if (exp.length === 0)
    return { status: 'unknown', gaps: NO_GAPS as GapDraft[], offloaded: NO_OFFLOAD, toDestination, finalPoint, madeBy: null };
  const gaps: GapDraft[] = [];
  let offloaded: OffloadDraft[] | null = null;
  const laterFragment = (t.innerFrag[rows[0]] & 0x1fff) !== 0;
  let lastSeenHop = -1;
  let lastSeenExp = -1;
  let finalSeen = false;
  // The furthest expected place where a running capture missed the packet.
  let lastMissedExp = -1;
  for (let ei = 0; ei < exp.length; ei++) {
    const e = exp[ei];
    let hop = -1;
    for (let hi = 0; hi < rows.length; hi++) {
      if (e.isCand[t.point[rows[hi]]]) {
        hop = hi;
        break;
      }
    }
    // A pod's veth the attribution did not tie to a pod: a unicast packet to or from the pod seen on
    // a veth of the pod's node is on that pod's veth (a veth carries its own pod's traffic).
    if (hop < 0 && e.pod >= 0) {
      for (let hi = 0; hi < rows.length; hi++) {
        const pi = t.point[rows[hi]];
        const p = ctx.points[pi];
        if (p.kind === 'veth' && p.podIp < 0 && ctx.nodeOfPoint[pi] === e.node) {
          hop = hi;
          break;
        }
      }
    }
    // A later fragment exists from where the datagram was fragmented (the first place it is seen,
    // whose MTU is below the datagram's size) on: before that the datagram crossed whole.
    if (hop < 0 && laterFragment && lastSeenExp < 0) continue;
    if (hop >= 0) {
      lastSeenHop = Math.max(lastSeenHop, hop);
      lastSeenExp = ei;
      if (ei === exp.length - 1) {
        finalSeen = true;
        finalPoint = ctx.points[t.point[rows[hop]]].id;
      }
      continue;
    }
    const empties = emptyAt(ctx, e.node, e.kinds, e.pod);
    if (e.cands.length === 0 && empties.length === 0) {
      // No capture of that interface by kind, but a `tcpdump -i any` of the node running at the
      // time records every interface of it: had the packet gone there, it would show.
      const any = anyCaptureOf(ctx, e.node, rows);
      gaps.push({ afterHop: lastSeenHop, e, point: any, cause: any !== null ? GapCause.AnyCapture : GapCause.NoCapture });
      if (any !== null) lastMissedExp = ei;
      continue;
    }
    // A point covers the time it counts as capturing (its node's captures' span, a rotated piece
    // its own). When the packet was seen elsewhere on that node, that is when this point should have seen it.
    const [lo, hi] = spanOn(ctx, rows, e.node);
    let covering = -1;
    for (const pi of e.cands) {
      const off = ctx.offsetOfPoint[pi];
      const span = ctx.runSpan[pi];
      if (span[0] - off <= lo && span[1] - off >= hi) {
        covering = pi;
        break;
      }
    }
    if (covering < 0) {
      // A capture with no packet at all there (those with packets come first).
      const empty = empties.find((x) => x.runSpan[0] - x.offsetNs <= lo && x.runSpan[1] - x.offsetNs >= hi);
      if (empty) {
        gaps.push({ afterHop: lastSeenHop, e, point: empty.id, cause: GapCause.Empty });
        lastMissedExp = ei;
        continue;
      }
      gaps.push({ afterHop: lastSeenHop, e, point: null, cause: GapCause.NotCovering, outside: nearestRun(ctx, e.cands, lo, hi) });
      continue;
    }
    // A TCP segment whose bytes that point carried in other packets (cut by GSO/TSO, merged by
    // GRO): it passed there, as pieces no one-to-one match can pair with it.
    const pieces = laterFragment ? null : (ctx.offload?.carriedInPieces(rows, covering, lo, hi) ?? null);
    if (pieces) {
      (offloaded ??= []).push({ afterHop: lastSeenHop, point: covering, rows: pieces });
      lastSeenExp = ei;
      if (ei === exp.length - 1) {
        finalSeen = true;
        finalPoint = ctx.points[covering].id;
      }
      continue;
    }
    // A later fragment missing on a bridge the path crossed: bridge netfilter's conntrack reassembles
    // fragments there (the first fragment's journey shows the whole datagram on that bridge).
    const reassembled = laterFragment && e.kinds[0] === 'bridge';
    if (!reassembled && e.kinds === UNDERLAY && cutFrameNear(ctx, exp, covering, e.node, lo, hi, t.innerLen[rows[0]])) {
      gaps.push({ afterHop: lastSeenHop, e, point: null, cause: GapCause.SeenCut, cutOn: ctx.points[covering].id });
      continue;
    }
    gaps.push({ afterHop: lastSeenHop, e, point: ctx.points[covering].id, cause: reassembled ? GapCause.Reassembled : GapCause.NotSeen });
    lastMissedExp = ei;
  }
  let status: JourneyStatus = 'unknown';
  // Seen at the last place expected counts as delivered only when that place is the destination's
  // (an address outside the model ends the expected path early, at the sender's side).
  if (finalSeen && toDestination) status = 'delivered';
  // Missed by a running capture beyond the last place it was seen: it went no further.
  else if (lastMissedExp > lastSeenExp) status = 'dropped';
  // Made on the node where it is first seen: the places before it on that node are not on its way.
  const madeBy = madeOnNode(ctx, rows, gaps);
  const maker = madeBy ? madeBy.node : resetMadeOnPodSide(ctx, rows[0]);
  const onWay = maker >= 0 ? gaps.filter((g) => !(g.afterHop < 0 && g.e.node === maker)) : gaps;
  return { status, gaps: onWay, offloaded: offloaded ?? NO_OFFLOAD, toDestination, finalPoint, madeBy };
}

function gapText(ctx: HopContext, g: GapDraft): PathGap {
  const { e } = g;
  const base = { afterHop: g.afterHop, node: e.nodeId, kind: e.kinds[0], point: g.point };
  switch (g.cause) {
    case GapCause.AnyCapture:
      return {
        ...base,
        reason: `not seen on the ${e.kindText} of ${e.nodeId}: ${g.point} captured every interface of the node at the time`,
      };
    case GapCause.NoCapture: {
      const t = ctx.t;
      const pod = e.pod >= 0 ? `for pod ${t.addr(e.pod >= 4294967296 ? 6 : 4, e.pod >= 4294967296 ? e.pod - 4294967296 : e.pod)} ` : '';
      return { ...base, reason: `no capture of the ${e.kindText} ${pod}on ${e.nodeId}` };
    }
    case GapCause.NotCovering: {
      // A capture file records when its packets came, not when it stopped (nor started): its node's
      // captures' last packet is a lower bound of when they stopped, their first an upper bound of when they started.
      const o = g.outside!;
      const id = ctx.points[o.point].id;
      return {
        ...base,
        reason: o.after
          ? `not known whether ${id} was still capturing: a capture file gives no stop time, and ${e.nodeId}'s captures show it capturing only until ${duration(o.ns)} before this`
          : `not known whether ${id} had started capturing: a capture file gives no start time, and ${e.nodeId}'s captures show it capturing only from ${duration(o.ns)} after this`,
      };
    }
    case GapCause.Empty: {
      const x = ctx.emptyPoints!.find((p) => p.id === g.point)!;
      return {
        ...base,
        reason: `not seen on ${g.point}, ${e.nodeId}'s ${x.interface} by the file's name, which holds no packet at all: that capture ran (the file has its header) and saw nothing; when it ran is unknown, because a capture with no packet has no time stamp, so it is taken to run while ${e.nodeId}'s other captures did`,
      };
    }
    case GapCause.Reassembled:
      return {
        ...base,
        reason: `fragment not on ${g.point}: the datagram crossed it reassembled (conntrack defragmentation) and was fragmented again after it`,
      };
    case GapCause.SeenCut:
      return {
        ...base,
        reason: `${g.cutOn} holds tunnelled frames between these nodes at that time that its snap length cut before the inner IP header: not known whether one was this packet`,
      };
    default:
      return { ...base, reason: `not seen on ${g.point} although it was capturing` };
  }
}

function offloadText(ctx: HopContext, o: OffloadDraft): OffloadedHop {
  const t = ctx.t;
  const n = ctx.nodeOfPoint[o.point];
  const point = ctx.points[o.point].id;
  const refs = o.rows.map((r) => `#${t.index[r] + 1}`);
  const list = refs.length > 4 ? `${refs.slice(0, 3).join(', ')} … ${refs[refs.length - 1]}` : refs.join(', ');
  const shape = o.rows.length === 1 ? 'inside one larger packet' : `as ${o.rows.length} packets`;
  return {
    afterHop: o.afterHop,
    node: n >= 0 ? ctx.nodes[n].id : null,
    point,
    packets: o.rows.map((r) => ({ capture: ctx.ids[t.file[r]], index: t.index[r] })),
    reason: `${point} carried all its bytes ${shape} (${list}): segmentation offload (GSO/TSO cuts a segment at the sender's NIC, GRO merges segments at the receiver's), so no packet there is this one`,
  };
}

export function pathCheck(ctx: HopContext, rows: readonly number[]): PathCheck {
  const d = checkPath(ctx, rows);
  return {
    status: d.status,
    gaps: d.gaps.map((g) => gapText(ctx, g)),
    offloaded: d.offloaded.map((o) => offloadText(ctx, o)),
    toDestination: d.toDestination,
    finalPoint: d.finalPoint,
  };
}

/** What a journey's status rests on (see judge), decided without any text. */
const enum Basis {
  LinkScope,
  /** An ICMP error from the destination itself: refused there, so delivered. */
  Refused,
  /** An ICMP error from anyone else: dropped. */
  IcmpError,
  ReachedDestination,
  /** Last seen on the veth of its destination. */
  DestinationVeth,
  Answered,
  /** Answered in the destination's name by a node on the way (a policy's forged TCP reset): dropped there. */
  Rejected,
  /** A TCP reset the sender's own node made for an address no pod or node owns (a service address without a backend): dropped there. */
  RejectedByNode,
  /** Answered by the sender's own node for an address no pod or node owns (a service address): the node holds it, no backend. */
  AnsweredByNode,
  /** A TCP reset the sender's own node made in the name of an address not its own (a policy on the way out): dropped there. */
  ResetBySendersNode,
  Missing,
  /** A TCP SYN to a node's own address, seen where the node receives it, retransmitted and never answered: dropped on the node past that capture. */
  Unanswered,
  Undetermined,
}

const STATUS_OF: Record<Basis, JourneyStatus> = {
  [Basis.LinkScope]: 'unknown',
  [Basis.Refused]: 'delivered',
  [Basis.IcmpError]: 'dropped',
  [Basis.ReachedDestination]: 'delivered',
  [Basis.DestinationVeth]: 'delivered',
  [Basis.Answered]: 'delivered',
  [Basis.Rejected]: 'dropped',
  [Basis.RejectedByNode]: 'dropped',
  [Basis.AnsweredByNode]: 'delivered',
  [Basis.ResetBySendersNode]: 'dropped',
  [Basis.Missing]: 'dropped',
  [Basis.Unanswered]: 'dropped',
  [Basis.Undetermined]: 'unknown',
};

/**
 * The ICMP error quoting the journey that was seen first (corrected time): the one nearest where it
 * was made. The same error seen further on may carry another source (a node's conntrack rewrites
 * an error about a translated packet to come from the service address) that made nothing.
 */
function firstQuote(ctx: HopContext, k: number): QuotedError | undefined {
  const qs = ctx.quoted?.get(k);
  if (!qs || qs.length < 2) return qs?.[0];
  const at = (q: QuotedError) => ctx.t.tNs[q.row] - ctx.offsetOfPoint[ctx.t.point[q.row]];
  return qs.reduce((a, b) => (at(b) < at(a) ? b : a));
}

/** The address an ICMP error quoting the journey came from, and whether it is the packet's destination refusing it. */
function quotedBy(ctx: HopContext, rows: readonly number[], q: QuotedError): { from: string; refused: boolean } {
  const t = ctx.t;
  const f = rows[0];
  const l = rows[rows.length - 1];
  const from = t.addr(q.error.ver, t.innerSrc[q.row]);
  const toDst = from === t.addr(t.innerVer[f], t.innerDst[f]) || from === t.addr(t.innerVer[l], t.innerDst[l]);
  return { from, refused: toDst && isRefusal(q.error) };
}

/** ' (<address> is <node>'s own)' for an address a node holds itself (its underlay, tunnel device or bridge address), else ''. */
function ownerText(ctx: HopContext, ver: number, a: number): string {
  const k = akey(ver, a);
  const n = ctx.nodeOfIp.get(k) ?? ctx.nodeOwn?.get(k)?.node;
  return n === undefined ? '' : ` (${ctx.t.addr(ver, a)} is ${ctx.nodes[n].id}'s own address)`;
}

/**
 * Rows of a journey seen on another pod's veth: a veth carries its own pod's traffic, so a unicast
 * frame neither from nor to its pod reached it because the bridge flooded it to every port (its
 * destination MAC is on no port: a stale neighbour entry for a deleted pod), not on its way.
 */
export function floodedRows(ctx: HopContext, rows: readonly number[]): number[] {
  const t = ctx.t;
  return rows.filter((r) => {
    const p = ctx.points[t.point[r]];
    if (p.kind !== 'veth' || p.podSide || p.podIp < 0 || t.tunnel[r] !== TunnelKind.NONE) return false;
    const src = akey(t.innerVer[r], t.innerSrc[r]);
    const dst = akey(t.innerVer[r], t.innerDst[r]);
    const pods = [p.podIp, p.podIp6 ?? -1];
    return !pods.includes(src) && !pods.includes(dst);
  });
}

/**
 * A journey's status and why: an ICMP error quoting the packet (from the destination itself: it
 * was refused there, so delivered; from anyone else: dropped, for the reason the error names), then
 * the destination's capture seeing it, then an answer from the destination, then a running capture
 * on the way that missed it; otherwise unknown, with what is missing to tell.
 */
function basisOf(ctx: HopContext, k: number, rows: readonly number[], pc: PathDraft): Basis {
  const t = ctx.t;
  const f = rows[0];
  const l = rows[rows.length - 1];
  const q = firstQuote(ctx, k);
  if (q) return quotedBy(ctx, rows, q).refused ? Basis.Refused : Basis.IcmpError;
  if (pc.status === 'delivered') return unansweredAtNode(ctx, rows) ? Basis.Unanswered : Basis.ReachedDestination;
  // Last seen on a pod's veth after crossing other captures: a veth carries its own pod's traffic
  // only, and the sender's veth comes first, so this is the destination's (even where the model does
  // not know the destination's node, e.g. a node that only ever receives).
  const lp = ctx.points[t.point[l]];
  if (
    rows.length > 1 &&
    lp.kind === 'veth' &&
    !floodedRows(ctx, [l]).length &&
    t.point[f] !== t.point[l] &&
    (lp.podIp < 0 || lp.podIp === akey(t.innerVer[l], t.innerDst[l]) || (lp.podIp6 ?? -1) === akey(t.innerVer[l], t.innerDst[l]))
  )
    return Basis.DestinationVeth;
  const a = ctx.answers?.[k] ?? -1;
  if (a >= 0) {
    if (answerMadeBy(ctx, rows, a)) return Basis.Rejected;
    const own = answeredByOwnNode(ctx, rows, a);
    if (own >= 0) return t.innerProto[own] === 6 && t.tcpFlags[own] & 0x04 ? Basis.RejectedByNode : Basis.AnsweredByNode;
    if (resetBySendersNode(ctx, rows, a) >= 0) return Basis.ResetBySendersNode;
    return Basis.Answered;
  }
  if (pc.status === 'dropped') return Basis.Missing;
  return Basis.Undetermined;
}

const synSends = new WeakMap<HopContext, Map<string, number[]>>();

/** What a TCP SYN (no ACK) repeats when retransmitted: its addresses, ports and sequence number; null for any other packet. */
function synKey(t: PacketTable, r: number): string | null {
  if (t.innerProto[r] !== 6 || (t.tcpFlags[r] & 0x12) !== 0x02) return null;
  return `${t.innerVer[r]}|${t.innerSrc[r]}|${t.sport[r]}|${t.innerDst[r]}|${t.dport[r]}|${t.tcpSeq[r]}`;
}

/** The journeys of the same TCP SYN as the journey's first packet (its retransmissions, itself included); empty for any other packet. */
function sendsOfSyn(ctx: HopContext, rows: readonly number[]): readonly number[] {
  const j = ctx.journeys;
  const key = j ? synKey(ctx.t, rows[0]) : null;
  if (!j || key === null) return [];
  let m = synSends.get(ctx);
  if (!m) {
    m = new Map<string, number[]>();
    for (let k = 0; k < j.count; k++) {
      const kk = synKey(ctx.t, j.rows[j.start[k]]);
      if (kk !== null) (m.get(kk) ?? m.set(kk, []).get(kk)!).push(k);
    }
    synSends.set(ctx, m);
  }
  return m.get(key) ?? [];
}

/**
 * Whether a TCP SYN last seen where a node receives its own address (a NIC, its tunnel device or
 * bridge: not a pod's veth) never got there for all that: a capture there sees a packet before the
 * node's filters (netfilter's INPUT, kube-proxy dropping a NodePort without a local endpoint), not
 * that the node took it in. The SYN sent again (a retransmission: same addresses, ports and sequence
 * number) and none of its sends answered nor refused says the node did not.
 */
function unansweredAtNode(ctx: HopContext, rows: readonly number[]): boolean {
  const t = ctx.t;
  const l = rows[rows.length - 1];
  const dk = akey(t.innerVer[l], t.innerDst[l]);
  const node = ctx.nodeOfIp.get(dk) ?? ctx.nodeOwn?.get(dk)?.node;
  const kind = ctx.points[t.point[l]].kind;
  if (node === undefined || ctx.nodeOfPoint[t.point[l]] !== node || kind === 'veth' || kind === 'loopback' || !ctx.answers) return false;
  const sends = sendsOfSyn(ctx, rows);
  return sends.length >= 2 && sends.every((x) => ctx.answers![x] < 0 && !ctx.quoted?.has(x));
}

/**
 * Whether the answer (row `a`) to a journey was made by its destination's node in the destination's
 * name rather than by the destination (see madeOnNode): the answer's own path starts on that node.
 */
function answerMadeBy(ctx: HopContext, rows: readonly number[], a: number): MadeOnNode | null {
  const t = ctx.t;
  const j = ctx.journeys;
  const ka = j ? j.journeyOfRow[a] : -1;
  if (ka < 0) return null;
  const first = j!.rows[j!.start[ka]];
  // The cheap tests first: most answers start where their sender is, with its initial TTL, or routed.
  const kind = ctx.points[t.point[first]].kind;
  if (!(kind === 'tun' || kind === 'vtep' || kind === 'underlay') || !isInitialTtl(t.innerTtl[first])) return null;
  const l = rows[rows.length - 1];
  if (t.innerVer[first] !== t.innerVer[l] || t.innerSrc[first] !== t.innerDst[l]) return null;
  const answerRows: number[] = [];
  for (let i = j!.start[ka]; i < j!.start[ka + 1]; i++) answerRows.push(j!.rows[i]);
  const made = checkPath(ctx, answerRows).madeBy;
  return made && made.node === nodeOfAddrCached(ctx, t.innerVer[l], t.innerDst[l]) ? made : null;
}

/**
 * Source MACs per node of the unencapsulated IP packets on its bridge and veths that `keep` takes
 * (row, node), link-scope packets left out; made once per context and kind of MAC.
 */
function podSideMacs(
  cache: WeakMap<HopContext, Map<number, Set<number>>>,
  ctx: HopContext,
  keep: (r: number, node: number) => boolean,
): Map<number, Set<number>> {
  let m = cache.get(ctx);
  if (m) return m;
  m = new Map<number, Set<number>>();
  const t = ctx.t;
  for (let r = 0; r < t.count; r++) {
    const pi = t.point[r];
    const kind = ctx.points[pi].kind;
    const n = ctx.nodeOfPoint[pi];
    if (n < 0 || (kind !== 'bridge' && kind !== 'veth') || t.tunnel[r] !== TunnelKind.NONE) continue;
    if ((t.innerVer[r] !== 4 && t.innerVer[r] !== 6) || t.innerProto[r] === 255 || !keep(r, n)) continue;
    // Link-scope packets (neighbour discovery, MLD with hop limit 1) come from pods as well.
    if (untranslatable(t, r)) continue;
    const src = t.mac(t.innerMacSrc[r]);
    if (src < 0) continue;
    let set = m.get(n);
    if (!set) m.set(n, (set = new Set<number>()));
    set.add(src);
  }
  cache.set(ctx, m);
  return m;
}

const routingMacs = new WeakMap<HopContext, Map<number, Set<number>>>();

/**
 * Whether `mac` forwards routed packets onto a node's pod side: the source MAC of an unencapsulated
 * unicast IP packet with a TTL below the initial one on the node's bridge or a veth (the bridge's
 * own MAC, the node's routing; a pod's frames leave it with the initial TTL).
 */
function routesOntoPodSide(ctx: HopContext, node: number, mac: number): boolean {
  const m = podSideMacs(routingMacs, ctx, (r) => !isInitialTtl(ctx.t.innerTtl[r]));
  return mac >= 0 && (m.get(node)?.has(mac) ?? false);
}

/**
 * The first sighting of the answer (row `a`) when the sender's own node made it for an address no
 * pod and no node of the set owns (a service's virtual address the node holds as a local one, e.g.
 * kube-proxy's IPVS addresses on kube-ipvs0), else -1. The request was seen only on its sender's
 * node, on the pod side (never on a tunnel device or NIC), and its answer, from the address it was
 * sent to, only there too, first on the node's bridge with an initial TTL and from the MAC the node
 * routes packets onto its pods' side from: what the node's own stack sends to its pods. A backend's
 * answer arrives from the backend's address (translated back to the service's only after), or
 * routed, one TTL less; a pod on the bridge answers from its own MAC. Without a capture of the
 * node's bridge, or a routed packet there to tell the node's MAC, nothing tells.
 */
function answeredByOwnNode(ctx: HopContext, rows: readonly number[], a: number): number {
  const t = ctx.t;
  const j = ctx.journeys;
  const ka = j ? j.journeyOfRow[a] : -1;
  if (ka < 0) return -1;
  const first = j!.rows[j!.start[ka]];
  const l = rows[rows.length - 1];
  const node = ctx.nodeOfPoint[t.point[first]];
  if (
    node < 0 ||
    ctx.points[t.point[first]].kind !== 'bridge' ||
    !isInitialTtl(t.innerTtl[first]) ||
    t.innerVer[first] !== t.innerVer[l] ||
    t.innerSrc[first] !== t.innerDst[l] ||
    nodeOfAddrCached(ctx, t.innerVer[l], t.innerDst[l]) >= 0 ||
    nodeOfAddrCached(ctx, t.innerVer[rows[0]], t.innerSrc[rows[0]]) !== node ||
    !routesOntoPodSide(ctx, node, t.mac(t.innerMacSrc[first]))
  )
    return -1;
  return onlyOnPodSide(ctx, node, rows, ka) ? first : -1;
}

/** Whether the packet (`rows`) and its answer (journey `ka`) were seen only on `node`'s pod side: its veths and bridge. */
function onlyOnPodSide(ctx: HopContext, node: number, rows: readonly number[], ka: number): boolean {
  const t = ctx.t;
  const j = ctx.journeys!;
  const podSide = (r: number): boolean => {
    const pi = t.point[r];
    const kind = ctx.points[pi].kind;
    return ctx.nodeOfPoint[pi] === node && (kind === 'veth' || kind === 'bridge');
  };
  if (!rows.every(podSide)) return false;
  for (let i = j.start[ka]; i < j.start[ka + 1]; i++) if (!podSide(j.rows[i])) return false;
  return true;
}

const ownMacs = new WeakMap<HopContext, Map<number, Set<number>>>();

/**
 * Whether `mac` is the node's own on its pod side: it forwards routed packets there
 * (routesOntoPodSide), or sent an unencapsulated packet there from an address the node holds on
 * its pod network (the bridge's gateway address: an ICMP error, an ARP-resolved probe).
 */
function nodeMacOnPodSide(ctx: HopContext, node: number, mac: number): boolean {
  if (mac < 0) return false;
  if (routesOntoPodSide(ctx, node, mac)) return true;
  const t = ctx.t;
  const own = ctx.nodeOwn;
  if (!own?.size) return false;
  const m = podSideMacs(ownMacs, ctx, (r, n) => own.get(akey(t.innerVer[r], t.innerSrc[r]))?.node === n);
  return m.get(node)?.has(mac) ?? false;
}

/**
 * The node that made the TCP reset at row `r` in the name of an address not its own, when `r` is
 * such a reset's first sighting, else -1: on the node's pod side (its bridge or a pod's veth),
 * unencapsulated, with an initial TTL and from the node's own MAC there (nodeMacOnPodSide), its
 * source no address of that node. What another host sends arrives there routed by the node, one
 * TTL less; a pod of the node sends from its own MAC. (Bridge netfilter sends a reset it makes for
 * a bridged packet straight out of the port the packet came in by, from the MAC the packet was
 * sent to: the bridge device itself never carries it.)
 */
function resetMadeOnPodSide(ctx: HopContext, r: number): number {
  const t = ctx.t;
  const pi = t.point[r];
  const node = ctx.nodeOfPoint[pi];
  const kind = ctx.points[pi].kind;
  if (
    node < 0 ||
    (kind !== 'bridge' && kind !== 'veth') ||
    t.tunnel[r] !== TunnelKind.NONE ||
    t.innerProto[r] !== 6 ||
    !(t.tcpFlags[r] & 0x04) ||
    !isInitialTtl(t.innerTtl[r]) ||
    nodeOfAddrCached(ctx, t.innerVer[r], t.innerSrc[r]) === node ||
    !nodeMacOnPodSide(ctx, node, t.mac(t.innerMacSrc[r]))
  )
    return -1;
  return node;
}

/**
 * The first sighting of the answer (row `a`) when it is a TCP reset the sender's own node made in
 * the name of the address the packet was sent to (resetMadeOnPodSide: a policy on the way out
 * rejecting it, or a service address the node holds without a backend), and neither the packet nor
 * the reset was seen anywhere but on that node's pod side; else -1.
 */
function resetBySendersNode(ctx: HopContext, rows: readonly number[], a: number): number {
  const t = ctx.t;
  const j = ctx.journeys;
  const ka = j ? j.journeyOfRow[a] : -1;
  if (ka < 0) return -1;
  const first = j!.rows[j!.start[ka]];
  const l = rows[rows.length - 1];
  const node = resetMadeOnPodSide(ctx, first);
  if (
    node < 0 ||
    t.innerVer[first] !== t.innerVer[l] ||
    t.innerSrc[first] !== t.innerDst[l] ||
    nodeOfAddrCached(ctx, t.innerVer[rows[0]], t.innerSrc[rows[0]]) !== node
  )
    return -1;
  return onlyOnPodSide(ctx, node, rows, ka) ? first : -1;
}

/** A gap where a running capture (or a node's `-i any` capture) missed the packet, fragments reassembled on a bridge aside. */
export interface MissedAt {
  /** The capture point, or the `-i any` capture file, that missed it. */
  readonly point: string;
  /** The hop after which it was missed (-1: before the first). */
  readonly afterHop: number;
}

const NOT_MISSED: readonly MissedAt[] = Object.freeze([]);

/**
 * A journey's status, and where running captures missed it, without building its text: what the
 * findings need of every journey (judge gives the reasons, for the journeys shown).
 */
export function journeyOutcome(
  ctx: HopContext,
  k: number,
  rows: readonly number[],
): { status: JourneyStatus; missed: readonly MissedAt[] } {
  if (untranslatable(ctx.t, rows[0])) return { status: 'unknown', missed: NOT_MISSED };
  const pc = checkPath(ctx, rows);
  let missed: MissedAt[] | null = null;
  for (const g of pc.gaps)
    if (g.point !== null && g.cause !== GapCause.Reassembled) (missed ??= []).push({ point: g.point, afterHop: g.afterHop });
  return { status: STATUS_OF[basisOf(ctx, k, rows, pc)], missed: missed ?? NOT_MISSED };
}

/** A journey's status and the reason for it, with its path check (see basisOf). */
export function judge(
  ctx: HopContext,
  k: number,
  rows: readonly number[],
): { pc: PathCheck; status: JourneyStatus; verdict: JourneyVerdict } {
  const t = ctx.t;
  const f = rows[0];
  const l = rows[rows.length - 1];
  // Multicast, broadcast and link-local packets go to every listener of one link, not along a
  // routed path to one destination: there is no path to check them against.
  if (untranslatable(t, f)) {
    const pc: PathCheck = { status: 'unknown', gaps: [], offloaded: [], toDestination: false, finalPoint: null };
    return {
      pc,
      status: 'unknown',
      verdict: {
        code: 'link-scope',
        reason: `${t.addr(t.innerVer[f], t.innerSrc[f])} > ${t.addr(t.innerVer[f], t.innerDst[f])} is multicast, broadcast or link-local traffic: it reaches whoever listens on its link, there is no single destination to reach`,
      },
    };
  }
  const draft = checkPath(ctx, rows);
  const basis = basisOf(ctx, k, rows, draft);
  const pc: PathCheck = {
    status: draft.status,
    gaps: draft.gaps.map((g) => gapText(ctx, g)),
    offloaded: draft.offloaded.map((o) => offloadText(ctx, o)),
    toDestination: draft.toDestination,
    finalPoint: draft.finalPoint,
  };
  const status = STATUS_OF[basis];
  const dstText = t.addr(t.innerVer[l], t.innerDst[l]);
  const ref = (r: number) => ({ capture: ctx.ids[t.file[r]], index: t.index[r] });
  const refText = (r: number) => `${ctx.ids[t.file[r]]}#${t.index[r] + 1}`;
  switch (basis) {
    case Basis.Refused:
    case Basis.IcmpError: {
      const q = firstQuote(ctx, k)!;
      const e = q.error;
      const { from } = quotedBy(ctx, rows, q);
      const n = ctx.nodeOfPoint[t.point[q.row]];
      const icmpError: QuotingIcmpError = {
        packet: ref(q.row),
        from,
        type: e.type,
        code: e.code,
        name: icmpErrorName(e),
        mtu: e.mtu > 0 ? e.mtu : null,
        point: ctx.points[t.point[q.row]].id,
        node: n >= 0 ? ctx.nodes[n].id : null,
      };
      const tunnel = e.quotedTunnel
        ? ` for the tunnel packet ${t.addr(e.ver, e.quotedTunnel.src)} → ${t.addr(e.ver, e.quotedTunnel.dst)} carrying it`
        : '';
      const what = `ICMP${e.ver === 6 ? 'v6' : ''} ${icmpError.name}${icmpError.mtu !== null ? ` (next-hop MTU ${icmpError.mtu})` : ''}${tunnel}`;
      if (basis === Basis.Refused)
        return {
          pc,
          status,
          verdict: { code: 'refused', reason: `reached ${from}, which refused it: ${what} (${refText(q.row)})`, icmpError },
        };
      return {
        pc,
        status,
        verdict: {
          code: 'icmp-error',
          reason: `${from} answered ${what} (${refText(q.row)}): the packet went no further${ownerText(ctx, e.ver, t.innerSrc[q.row])}`,
          icmpError,
        },
      };
    }
    case Basis.ReachedDestination: {
      // Its bytes, not the packet itself, where the destination receives them (offload.ts).
      const pieces = pc.offloaded.find((o) => o.point === pc.finalPoint);
      const how = pieces
        ? `, ${pieces.packets.length === 1 ? 'merged into a larger packet' : `as ${pieces.packets.length} packets`} (segmentation offload)`
        : '';
      return {
        pc,
        status,
        verdict: {
          code: 'reached-destination',
          reason: `seen where ${dstText} receives it (${pc.finalPoint}${how})${fromItselfText(ctx, k, rows)}`,
        },
      };
    }
    case Basis.Unanswered: {
      const lp = ctx.points[t.point[l]];
      const n = ctx.nodeOfPoint[t.point[l]];
      const nodeId = ctx.nodes[n].id;
      const sends = sendsOfSyn(ctx, rows).length;
      return {
        pc,
        status,
        verdict: {
          code: 'unanswered',
          reason: `reached ${dstText}, ${nodeId}'s own address, at ${lp.kind === 'underlay' ? 'its NIC' : `its ${lp.kind}`} (${lp.id}), where a capture sees packets before the node's filters, not that the node took them in; sent ${sends} times, never answered: dropped or ignored on ${nodeId} after ${lp.interface ?? lp.id}`,
        },
      };
    }
    case Basis.DestinationVeth:
      return {
        pc,
        status,
        verdict: {
          code: 'reached-destination',
          reason: `seen on ${ctx.points[t.point[l]].id}, the veth of its destination ${dstText}${fromItselfText(ctx, k, rows)}`,
        },
      };
    case Basis.Answered: {
      const a = ctx.answers![k];
      return {
        pc,
        status,
        verdict: { code: 'answered', reason: `${t.addr(t.innerVer[a], t.innerSrc[a])} answered it (${refText(a)})`, answeredBy: ref(a) },
      };
    }
    case Basis.Rejected: {
      const made = answerMadeBy(ctx, rows, ctx.answers![k])!;
      const r = made.row;
      const node = ctx.nodes[made.node].id;
      const p = ctx.points[t.point[r]];
      const what = t.innerProto[r] === 6 && t.tcpFlags[r] & 0x04 ? 'the TCP reset' : 'the answer';
      const miss = nextMiss(pc, rows);
      const unseen = made.unseenOn.length
        ? `; ${made.unseenOn.join(', ')} ${made.unseenOn.length > 1 ? 'were' : 'was'} capturing and never saw it`
        : '';
      return {
        pc,
        status,
        verdict: {
          code: 'rejected',
          reason: `rejected at ${node}: ${what} from ${dstText} (${refText(r)}) was made by ${node}, not by ${dstText}: it first appears on ${node}'s ${p.interface ?? p.id} with the initial TTL ${t.innerTtl[r]}, where what ${dstText} sends arrives routed by its node, one less${unseen}; the packet went no further${miss ? `: ${miss.reason}` : ''}`,
          answeredBy: ref(r),
        },
      };
    }
    case Basis.RejectedByNode:
    case Basis.AnsweredByNode: {
      const r = answeredByOwnNode(ctx, rows, ctx.answers![k]);
      const node = ctx.nodes[ctx.nodeOfPoint[t.point[r]]].id;
      const p = ctx.points[t.point[r]];
      const holds = `an address it holds that no pod or node of the captures owns (a service's virtual address, or one of its own)`;
      const evidence = (what: string) =>
        `${what} (${refText(r)}) first appears on ${node}'s ${p.interface ?? p.id} with the initial TTL ${t.innerTtl[r]}, from ${node}'s own MAC ${macToString(t.mac(t.innerMacSrc[r]))} (the one it forwards routed packets to its pods from), and neither the packet nor ${what} was seen beyond ${node}`;
      if (basis === Basis.RejectedByNode)
        return {
          pc,
          status,
          verdict: {
            code: 'rejected',
            reason: `rejected at ${node}: the node answered for ${dstText} itself, ${holds}; no backend received it: ${evidence('the TCP reset')}`,
            answeredBy: ref(r),
          },
        };
      return {
        pc,
        status,
        verdict: {
          code: 'answered-by-node',
          reason: `answered by ${node} itself, which holds ${dstText}, an address no pod or node of the captures owns (a service's virtual address, or one of its own), not by a backend: ${evidence('the answer')}`,
          answeredBy: ref(r),
        },
      };
    }
    case Basis.ResetBySendersNode: {
      const r = resetBySendersNode(ctx, rows, ctx.answers![k]);
      const n = ctx.nodeOfPoint[t.point[r]];
      const node = ctx.nodes[n].id;
      const p = ctx.points[t.point[r]];
      const dn = nodeOfAddrCached(ctx, t.innerVer[l], t.innerDst[l]);
      const where =
        dn >= 0
          ? `${dstText} is ${ctx.nodes[dn].id}'s, where neither was seen`
          : `where ${dstText} is, the captures do not tell (no pod block, tunnel or capture of its veth ties it to a node), nor whether ${node} holds it as a service's address without a backend or a policy of ${node} rejected the packet`;
      return {
        pc,
        status,
        verdict: {
          code: 'rejected',
          reason: `rejected at ${node}, the sender's own node: the TCP reset from ${dstText} (${refText(r)}) was made by ${node}, not by ${dstText}: it first appears on ${node}'s ${p.interface ?? p.id} with the initial TTL ${t.innerTtl[r]}, from ${node}'s own MAC ${macToString(t.mac(t.innerMacSrc[r]))} (the one it sends its pods routed packets or packets from its own addresses from), where an answer from another host arrives routed by ${node}, one TTL less, and neither the packet nor the reset was seen beyond ${node}'s pod side; ${where}`,
          answeredBy: ref(r),
        },
      };
    }
    case Basis.Missing: {
      // The capture that should have seen it next (nextMiss).
      // Copies the bridge flooded to other pods' veths are not on its way: it was last seen before them.
      const flooded = new Set(floodedRows(ctx, rows));
      const onPath = rows.filter((r) => !flooded.has(r)).at(-1) ?? l;
      const miss = nextMiss(pc, rows);
      return {
        pc,
        status,
        verdict: {
          code: 'missing',
          reason: `last seen at ${ctx.points[t.point[onPath]].id}${miss ? `; ${miss.reason}` : ''}${floodedText(ctx, rows)}`,
        },
      };
    }
    default: {
      const why = !pc.toDestination
        ? unplacedText(ctx, rows, dstText)
        : pc.gaps.some((g) => g.point === null)
          ? `nothing answered it and no capture shows the rest of its path (${pc.gaps
              .filter((g) => g.point === null)
              .map((g) => g.reason)
              .join('; ')})`
          : 'nothing answered it and no capture on its way tells where it went';
      return { pc, status, verdict: { code: 'undetermined', reason: why + floodedText(ctx, rows) } };
    }
  }
}

/**
 * A delivered packet that arrived with its destination's own address as source, a NAT having made
 * its destination the sender itself (a pod calling its own service, the hairpin not masqueraded),
 * and that nothing answered: the destination drops a packet from itself. '' otherwise.
 */
function fromItselfText(ctx: HopContext, k: number, rows: readonly number[]): string {
  const t = ctx.t;
  const l = rows[rows.length - 1];
  if (t.innerSrc[l] !== t.innerDst[l] || t.innerDst[rows[0]] === t.innerDst[l] || (ctx.answers && ctx.answers[k] >= 0)) return '';
  const me = t.addr(t.innerVer[l], t.innerDst[l]);
  return `, but from ${me} itself: the destination was translated to the sender and the source was not (a hairpin its node did not masquerade), so ${me} drops it as its own, and nothing answered it`;
}

/**
 * For a packet seen only on one node's pod side (its bridge, veths): that node and its captures
 * beyond the pod side (tunnel devices, NICs, empty ones as EmptyPoint takes them) that were running
 * when it passed, none of which saw it; null when it was seen elsewhere too or none ran.
 */
function outwardRunning(ctx: HopContext, rows: readonly number[]): { node: number; captures: string[]; nic: boolean } | null {
  const t = ctx.t;
  const n = ctx.nodeOfPoint[t.point[rows[0]]];
  const podSide = (r: number) => {
    const k = ctx.points[t.point[r]].kind;
    return ctx.nodeOfPoint[t.point[r]] === n && (k === 'veth' || k === 'bridge');
  };
  if (n < 0 || !rows.every(podSide)) return null;
  const [lo, hi] = spanOn(ctx, rows, n);
  const captures: string[] = [];
  let nic = false;
  ctx.points.forEach((p, pi) => {
    const off = ctx.offsetOfPoint[pi];
    if (ctx.nodeOfPoint[pi] === n && OUTWARD.includes(p.kind) && ctx.runSpan[pi][0] - off <= lo && ctx.runSpan[pi][1] - off >= hi) {
      captures.push(p.id);
      nic ||= p.kind === 'underlay';
    }
  });
  for (const x of emptyAt(ctx, n, OUTWARD, -1))
    if (x.runSpan[0] - x.offsetNs <= lo && x.runSpan[1] - x.offsetNs >= hi) {
      captures.push(`${x.id} (no packet at all)`);
      nic ||= x.kind === 'underlay';
    }
  return captures.length ? { node: n, captures, nic } : null;
}

/**
 * Why a packet to an address no node of the captures owns is undetermined: where that address is
 * is unknown, so the way the packet should have gone is too. What can be said: where it was last
 * seen, and which captures of that node beyond its pod side ran then and never saw it.
 */
function unplacedText(ctx: HopContext, rows: readonly number[], dstText: string): string {
  const out = outwardRunning(ctx, rows);
  const node = out ? ctx.nodes[out.node].id : '';
  const beyond = out
    ? `; ${node}'s captures beyond its pod side (${out.captures.join(', ')}) were capturing and never saw it, but whether it had to leave ${node} at all is unknown`
    : '';
  return (
    `where ${dstText} is, the captures do not tell (no node's address, pod block, tunnel or capture of its veth ties it to a node), ` +
    `so neither is the way it should have gone: last seen at ${ctx.points[ctx.t.point[rows[rows.length - 1]]].id}${beyond}; nothing answered it`
  );
}

/**
 * A journey whose fate is unknown because its destination is placed on no node, seen only on one
 * node's pod side while that node's captures beyond it, its NIC's among them (every way off the
 * node crosses a NIC), ran and never saw it (outwardRunning): the node and those captures, else
 * null. The node dropped it or sent it where nothing was captured. Only a packet that expects an
 * answer (not a bare TCP acknowledgement or reset) counts: nothing answering it says something.
 */
export function unseenLeaving(ctx: HopContext, rows: readonly number[]): { node: string; captures: readonly string[] } | null {
  const t = ctx.t;
  const f = rows[0];
  const l = rows[rows.length - 1];
  if (untranslatable(t, f) || nodeOfAddrCached(ctx, t.innerVer[l], t.innerDst[l]) >= 0) return null;
  if (t.innerProto[f] === 6 && (t.tcpFlags[f] & 0x04 || (!(t.tcpFlags[f] & 0x03) && t.payLen[f] === 0))) return null;
  const out = outwardRunning(ctx, rows);
  return out?.nic ? { node: ctx.nodes[out.node].id, captures: out.captures } : null;
}

const OUTWARD: readonly InterfaceKind[] = ['vtep', 'tun', 'underlay'];

/** The capture that should have seen the packet next: the one missing it after its last hop, else the first. */
function nextMiss(pc: PathCheck, rows: readonly number[]): PathGap | undefined {
  return pc.gaps.find((g) => g.point !== null && g.afterHop === rows.length - 1) ?? pc.gaps.find((g) => g.point !== null);
}

/** '; flooded by the bridge to …' when some of the journey's sightings are flooded copies on other pods' veths, else ''. */
export function floodedText(ctx: HopContext, rows: readonly number[]): string {
  const t = ctx.t;
  const fl = floodedRows(ctx, rows);
  if (fl.length === 0) return '';
  const mac = t.mac(t.innerMacDst[fl[0]]);
  const where = [...new Set(fl.map((r) => ctx.points[t.point[r]].id))].join(', ');
  return `; flooded by the bridge to other pods' veths (${where}), none of them its destination: no bridge port holds its destination MAC${mac >= 0 ? ` ${macToString(mac)}` : ''} (no pod behind the bridge has it now), and nothing answered it`;
}

/** Bytes a tunnel adds to the inner IP packet (outer IPv4 + UDP + header [+ inner Ethernet]). */
const TUNNEL_OVERHEAD: Record<number, number> = {
  [TunnelKind.VXLAN]: 50,
  [TunnelKind.GENEVE]: 50,
  [TunnelKind.FLANNEL_UDP]: 28,
  [TunnelKind.IPIP]: 20,
  [TunnelKind.IP6IN4]: 20,
  [TunnelKind.GRE]: 24,
  [TunnelKind.WIREGUARD]: 60,
};

/**
 * MTU trouble of a journey. `offloaded`: its bytes were carried in other packets somewhere on its
 * way (a GSO super-packet cut at the NIC): its size on the sender's own interfaces is no MTU's.
 */
function mtuIssues(ctx: HopContext, rows: readonly number[], status: JourneyStatus, offloaded: boolean): MtuIssue[] {
  const t = ctx.t;
  const out: MtuIssue[] = [];
  const fragAt: string[] = [];
  let firstFrag = -1;
  let outerFrag = false;
  rows.forEach((r, i) => {
    const inner = (t.innerFrag[r] & 0x3fff) !== 0;
    const outer = t.ipCount[r] > 1 && (t.outerFrag[r] & 0x3fff) !== 0;
    if (inner || outer) {
      if (firstFrag < 0) firstFrag = i;
      outerFrag ||= outer;
      fragAt.push(ctx.points[t.point[r]].id);
    }
  });
  if (firstFrag >= 0) {
    out.push({
      code: 'fragmented',
      hop: firstFrag,
      message: `${outerFrag ? 'the tunnel (outer) packet' : 'the IP packet'} is a fragment at ${fragAt.join(', ')}`,
    });
  }
  const f = rows[0];
  if (t.innerVer[f] === 4) {
    const tb = ctx.tooBig.get(`${t.innerSrc[f]}|${t.innerDst[f]}|${t.ipId[f] & 0xffff}`);
    if (tb) {
      out.push({
        code: 'icmp-frag-needed',
        hop: rows.length - 1,
        message: `an ICMP fragmentation-needed (MTU ${tb.mtu}) quotes this packet (${ctx.ids[t.file[tb.row]]}#${t.index[tb.row] + 1})`,
      });
    }
    const reachedUnderlay = rows.some((r) => ctx.points[t.point[r]].kind === 'underlay');
    const maxLen = rows.reduce((m, r) => Math.max(m, t.innerLen[r]), 0);
    const df = rows.some((r) => (t.innerFrag[r] & 0x8000) !== 0);
    const sn = nodeOfAddr(ctx, 4, t.innerSrc[f]);
    const dn = nodeOfAddr(ctx, 4, t.innerDst[rows[rows.length - 1]]);
    const kind =
      sn >= 0 && dn >= 0 ? (ctx.tunnelKindBetween.get(`${Math.min(sn, dn)}|${Math.max(sn, dn)}`) ?? TunnelKind.VXLAN) : TunnelKind.VXLAN;
    const room = ctx.underlayMtu - (TUNNEL_OVERHEAD[kind] ?? 50);
    // A TCP packet larger than the underlay's own MTU on the sending host left its stack as one
    // GSO/TSO super-packet, which the NIC cuts into MSS-sized packets (a pod's interface has no
    // larger MTU than the underlay): its own size is no MTU's business. Only when a running capture
    // after it missed it (and nothing there carried its bytes in pieces) did those pieces not fit.
    const gso = t.innerProto[f] === 6 && maxLen > ctx.underlayMtu;
    const tooBig = status !== 'delivered' && !reachedUnderlay && sn >= 0 && dn >= 0 && sn !== dn && df && maxLen > room && !offloaded;
    if (tooBig && !gso) {
      out.push({
        code: 'too-big-for-tunnel',
        hop: rows.length - 1,
        message: `${maxLen}-byte packet with DF set exceeds what a ${TUNNEL_NAMES[kind]} tunnel over a ${ctx.underlayMtu}-byte underlay carries (${room})`,
      });
    } else if (tooBig && status === 'dropped') {
      out.push({
        code: 'too-big-for-tunnel',
        hop: rows.length - 1,
        message: `${maxLen}-byte TCP segment with DF set, a GSO super-packet the NIC cuts into MSS-sized packets, never reached the underlay: a path MTU below those packets plus the ${TUNNEL_NAMES[kind]} header drops them there (the tunnel carries ${room} over a ${ctx.underlayMtu}-byte underlay, less where a smaller path MTU was learned)`,
      });
    }
  }
  return out;
}

export function materialize(ctx: HopContext, j: JourneyIndex, k: number, flowIds: readonly string[], flowOfRow: Int32Array): Journey {
  const t = ctx.t;
  const rows: number[] = [];
  for (let i = j.start[k]; i < j.start[k + 1]; i++) rows.push(j.rows[i]);
  const hops: Hop[] = [];
  const nat: NatRewrite[] = [];
  const flows: string[] = [];
  const problems = new Set<string>();
  rows.forEach((r, i) => {
    const pi = t.point[r];
    const p = ctx.points[pi];
    const n = ctx.nodeOfPoint[pi];
    const corrected = t.tNs[r] - ctx.offsetOfPoint[pi];
    const prev = i > 0 ? rows[i - 1] : -1;
    const timing = prev >= 0 ? hopLatency(ctx, prev, r) : null;
    let rewrite: NatRewrite | null = null;
    if (prev >= 0) {
      const kind = natBetween(t, prev, r);
      if (kind) {
        const pn = ctx.nodeOfPoint[t.point[prev]];
        const hp = headersAt(t, prev);
        const hc = headersAt(t, r);
        rewrite = {
          hop: i,
          node: n >= 0 ? ctx.nodes[n].id : pn >= 0 ? ctx.nodes[pn].id : null,
          between: [ctx.points[t.point[prev]].id, p.id],
          kind,
          before: { src: hp.src, srcPort: hp.srcPort, dst: hp.dst, dstPort: hp.dstPort },
          after: { src: hc.src, srcPort: hc.srcPort, dst: hc.dst, dstPort: hc.dstPort },
        };
        nat.push(rewrite);
      }
    }
    const fl = flowOfRow[r];
    if (fl >= 0 && !flows.includes(flowIds[fl])) flows.push(flowIds[fl]);
    const pr = problemsOf(t, r);
    pr.forEach((x) => problems.add(x));
    hops.push({
      index: i,
      point: p.id,
      packet: { capture: ctx.ids[t.file[r]], index: t.index[r] },
      node: n >= 0 ? ctx.nodes[n].id : null,
      interface: p.interface,
      // On a whole `-i any` capture the packet itself tells some interfaces apart.
      kind:
        p.kind === 'any' && p.ifindex === null
          ? t.tunnel[r] !== TunnelKind.NONE
            ? 'underlay'
            : t.outerVer[r] !== 0 && t.mac(t.outerMacSrc[r]) < 0
              ? 'tun'
              : 'any'
          : p.kind,
      tNs: t.tNs[r],
      correctedNs: corrected,
      ts: t.epochSec + t.tNs[r] / 1e9,
      ...(t.noTime[r] ? { noTime: true as const } : {}),
      latencyNs: timing ? timing.latencyNs : null,
      ...(timing?.range ? { latencyRangeNs: timing.range } : {}),
      ...(timing?.note ? { latencyNote: timing.note } : {}),
      ttlDelta: i > 0 ? t.innerTtl[r] - t.innerTtl[prev] : null,
      headers: headersAt(t, r),
      nat: rewrite,
      problems: pr,
    });
  });
  const { pc, status, verdict } = judge(ctx, k, rows);
  const gaps = pc.gaps;
  const mtu = mtuIssues(ctx, rows, status, pc.offloaded.length > 0);
  return {
    id: k,
    flow: flows[0] ?? '',
    flows,
    hops,
    status,
    lastSeen: hops[hops.length - 1],
    gaps,
    ...(pc.offloaded.length ? { offloaded: pc.offloaded } : {}),
    nat,
    mtu,
    problems: [...problems],
    totalLatencyNs: timedSpan(hops),
    verdict,
  };
}

/** First to last corrected time of the hops that have a timestamp (0 with fewer than two). */
function timedSpan(hops: readonly Hop[]): number {
  let first = -1;
  let last = -1;
  for (let i = 0; i < hops.length; i++) {
    if (hops[i].noTime) continue;
    if (first < 0) first = i;
    last = i;
  }
  return first >= 0 && last > first ? Math.max(0, hops[last].correctedNs - hops[first].correctedNs) : 0;
}

/**
 * Latency between two sightings on one clock: exact, unless a microsecond timestamp (rounded down)
 * leaves its sign open; then the interval the two resolutions allow, never below zero (the path's
 * structure ordered them).
 */
function sameClock(
  ctx: HopContext,
  a: number,
  b: number,
  latency: number,
): { latencyNs: number; range?: readonly [number, number]; note?: string } {
  const grain = ctx.grainOfPoint;
  const ga = grain[ctx.t.point[a]];
  const gb = grain[ctx.t.point[b]];
  // Two nanosecond timestamps are exact, even equal; a microsecond one is exact a grain apart.
  if ((ga === 1 && gb === 1) || latency >= ga) return { latencyNs: latency };
  return {
    latencyNs: Math.max(0, latency),
    range: [Math.max(0, latency - ga + 1), Math.max(0, latency + gb - 1)],
    note: 'microsecond timestamps: the two sightings are closer than the captures can tell apart',
  };
}

/**
 * Latency from sighting `a` to the next hop `b`. On one clock it is exact. Across two clocks it is
 * the corrected difference, with the interval the packets allow for it; when the correction would
 * make it negative (this packet contradicts the others' bounds) or nothing relates the two clocks,
 * it is not given, and the note says why.
 */
export function hopLatency(
  ctx: HopContext,
  a: number,
  b: number,
): { latencyNs: number | null; range?: readonly [number, number | null]; note?: string } {
  const t = ctx.t;
  const pa = t.point[a];
  const pb = t.point[b];
  if (t.noTime[a] || t.noTime[b]) {
    const which = t.noTime[b] ? 'this sighting' : 'the sighting before';
    return { latencyNs: null, note: `unknown: ${which} has no timestamp (its capture recorded none: a pcapng Simple Packet Block)` };
  }
  const latency = t.tNs[b] - ctx.offsetOfPoint[pb] - (t.tNs[a] - ctx.offsetOfPoint[pa]);
  const c = ctx.clock;
  if (!c) return sameClock(ctx, a, b, latency);
  const da = c.domainOfPoint[pa];
  const db = c.domainOfPoint[pb];
  if (da === db) return sameClock(ctx, a, b, latency);
  const [lo, hi] = c.interval(da, db);
  const raw = t.tNs[b] - t.tNs[a];
  const names = `${c.name(da)} and ${c.name(db)}`;
  if (!Number.isFinite(lo) && !Number.isFinite(hi)) {
    return { latencyNs: null, note: `unknown: no packet seen on both ${names} tells how their clocks differ` };
  }
  // This packet's own bound keeps the minimum at or above zero when it was one of the constraints.
  const min = Number.isFinite(hi) ? Math.max(0, raw - hi) : 0;
  if (latency < 0) {
    return {
      latencyNs: null,
      note: `unknown: with the clock offset the other packets allow, this one would arrive before it was sent (mismatched, or the captures on ${names} do not keep one clock each)`,
    };
  }
  const range: readonly [number, number | null] = [min, Number.isFinite(lo) ? raw - lo : null];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    return {
      latencyNs: latency,
      range,
      note: `the clocks of ${names} are not pinned down (packets one way only): the latency is at least ${(range[0] / 1e3).toFixed(1)} µs${range[1] === null ? ', how much more is unknown' : ` and at most ${(range[1] / 1e3).toFixed(1)} µs`}`,
    };
  }
  return { latencyNs: latency, range };
}
