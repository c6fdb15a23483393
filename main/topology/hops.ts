// A journey's hops: the order they happened in (node sequence, then each node's own clock, then
// where the interface sits on the way out or in), what the packet looked like at each, NAT between
// hops, encapsulation, TTL change, MTU trouble, and where the path was expected to go but has no
// capture (a gap) or a capture that did not see it (the drop point).

import { SummaryFlag, TUNNEL_NAMES, TunnelKind } from '../engine/decode/types';
import { cidr6Contains, cidrContains, macToString, parseIp6 } from './addr';
import { akey, type PointDraft } from './attribution';
import type { IcmpTooBig, PacketTable } from './table';
import type { NodeDraft } from './model';
import { protoName } from './model';
import type { Encapsulation, Hop, HopHeaders, InterfaceKind, Journey, JourneyStatus, MtuIssue, NatRewrite, PathGap, TunnelType } from './types';
import type { JourneyIndex } from './journeys';

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
  /** Raw [first, last] packet time over all points of each node. */
  readonly nodeSpan: readonly (readonly [number, number])[];
}

const OUT_RANK: Record<InterfaceKind, number> = { veth: 0, loopback: 0, bridge: 1, any: 1.5, unknown: 1.5, vtep: 2, tun: 2, underlay: 3 };
const IN_RANK: Record<InterfaceKind, number> = { underlay: 4, vtep: 5, tun: 5, any: 5.5, unknown: 5.5, bridge: 6, veth: 7, loopback: 7 };

const ip6Bytes = new WeakMap<PacketTable, Map<number, Uint8Array | null>>();

/** Node index owning an address: an underlay address, else the pod CIDR containing it; -1 none. */
export function nodeOfAddr(ctx: HopContext, ver: number, a: number): number {
  const k = akey(ver, a);
  const d = ctx.nodeOfIp.get(k);
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

/**
 * Orders one journey's rows: node sequence (sender first, then by corrected time), time, interface
 * rank. n log n in the journey's length: a flood of identical packets (IP ID 0, retransmissions) can
 * put hundreds of thousands of sightings in one journey.
 */
export function hopOrder(ctx: HopContext): (rows: number[]) => number[] {
  const t = ctx.t;
  // Scratch reused from journey to journey: sort keys computed once per row, then one sort on them.
  let nodeKey = new Float64Array(16);
  let nodeRankOf = new Float64Array(16);
  let timeOf = new Float64Array(16);
  let rankOf = new Float64Array(16);
  const firstOfNode = new Map<number, number>();
  const idx: number[] = [];
  return (rows) => {
    const n = rows.length;
    if (nodeKey.length < n) {
      nodeKey = new Float64Array(n * 2);
      nodeRankOf = new Float64Array(n * 2);
      timeOf = new Float64Array(n * 2);
      rankOf = new Float64Array(n * 2);
    }
    const sender = senderNode(ctx, rows);
    firstOfNode.clear();
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      const pi = t.point[r];
      const nd = ctx.nodeOfPoint[pi];
      const key = nd >= 0 ? nd : -1000 - pi;
      nodeKey[i] = key;
      const time = t.tNs[r] - ctx.offsetOfPoint[pi];
      timeOf[i] = time;
      const first = firstOfNode.get(key);
      if (first === undefined || time < first) firstOfNode.set(key, time);
      const p = ctx.points[pi];
      const src = akey(t.innerVer[r], t.innerSrc[r]);
      const dst = akey(t.innerVer[r], t.innerDst[r]);
      let rank = (key === sender ? OUT_RANK : IN_RANK)[p.kind];
      if (p.kind === 'veth' && p.podIp >= 0) rank = p.podIp === src ? 0 : p.podIp === dst ? 7 : rank;
      rankOf[i] = rank;
    }
    // A node's place in the sequence: the sender first, the others by their first (corrected) sighting.
    for (let i = 0; i < n; i++) nodeRankOf[i] = nodeKey[i] === sender ? Number.NEGATIVE_INFINITY : firstOfNode.get(nodeKey[i])!;
    // A total order (the row number breaks the last tie), so any sort gives the same sequence.
    const compare = (a: number, b: number): number => {
      if (nodeRankOf[a] !== nodeRankOf[b]) return nodeRankOf[a] < nodeRankOf[b] ? -1 : 1;
      if (nodeKey[a] !== nodeKey[b]) return nodeKey[a] < nodeKey[b] ? -1 : 1;
      if (timeOf[a] !== timeOf[b]) return timeOf[a] < timeOf[b] ? -1 : 1;
      if (rankOf[a] !== rankOf[b]) return rankOf[a] < rankOf[b] ? -1 : 1;
      const ta = t.innerTtl[rows[a]];
      const tb = t.innerTtl[rows[b]];
      return ta !== tb ? tb - ta : rows[a] - rows[b];
    };
    idx.length = n;
    for (let i = 0; i < n; i++) idx[i] = i;
    idx.sort(compare);
    return idx.map((i) => rows[i]);
  };
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
    macSrc: t.innerMacSrc[r] >= 0 ? macToString(t.innerMacSrc[r]) : null,
    macDst: t.innerMacDst[r] >= 0 ? macToString(t.innerMacDst[r]) : null,
    encap,
    info: info(t, r),
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
  if ((f & SummaryFlag.FRAGMENT) || (t.outerFrag[r] & 0x3fff) !== 0) out.push('fragment');
  return out;
}

interface Expect {
  node: number;
  kinds: InterfaceKind[];
  pod: number;
}

/** Where the packet should have been seen, from the model: sender side then receiver side. */
function expectedPath(ctx: HopContext, rows: readonly number[]): Expect[] {
  const t = ctx.t;
  const f = rows[0];
  const l = rows[rows.length - 1];
  const ver = t.innerVer[f];
  const src = t.innerSrc[f];
  const dst = t.innerDst[l];
  const sn = nodeOfAddr(ctx, ver, src);
  const dn = nodeOfAddr(ctx, t.innerVer[l], dst);
  const srcIsPod = sn >= 0 && !ctx.nodeOfIp.has(akey(ver, src));
  const dstIsPod = dn >= 0 && !ctx.nodeOfIp.has(akey(t.innerVer[l], dst));
  // Bridges and tunnel devices are expected only where the network has them (Calico has no bridge,
  // its routed mode no tunnel device): some capture of that kind exists in the set.
  const bridged = ctx.kindsPresent.has('bridge');
  const tunnelled = ctx.kindsPresent.has('vtep') || ctx.kindsPresent.has('tun');
  const out: Expect[] = [];
  if (sn >= 0 && srcIsPod) {
    out.push({ node: sn, kinds: ['veth'], pod: akey(ver, src) });
    if (bridged) out.push({ node: sn, kinds: ['bridge'], pod: -1 });
  }
  if (sn >= 0 && dn >= 0 && sn !== dn) {
    if (tunnelled) out.push({ node: sn, kinds: ['vtep', 'tun'], pod: -1 });
    out.push({ node: sn, kinds: ['underlay'], pod: -1 }, { node: dn, kinds: ['underlay'], pod: -1 });
    if (tunnelled) out.push({ node: dn, kinds: ['vtep', 'tun'], pod: -1 });
  }
  if (dn >= 0 && dstIsPod) {
    if (bridged && !(sn === dn && srcIsPod)) out.push({ node: dn, kinds: ['bridge'], pod: -1 });
    out.push({ node: dn, kinds: ['veth'], pod: akey(t.innerVer[l], dst) });
  }
  return out;
}

const candidateCache = new WeakMap<HopContext, Map<number, number[]>>();
const KIND_CODE: Record<string, number> = { veth: 0, bridge: 1, vtep: 2, tun: 2, underlay: 3 };

/** Capture points that would see the packet at an expected place (cached per analysis). */
function candidates(ctx: HopContext, e: Expect): number[] {
  let cache = candidateCache.get(ctx);
  if (!cache) {
    cache = new Map();
    candidateCache.set(ctx, cache);
  }
  const key = e.pod >= 0 ? -((e.pod + 1) * 4096 + e.node) : e.node * 8 + (KIND_CODE[e.kinds[0]] ?? 7);
  let c = cache.get(key);
  if (!c) {
    c = [];
    for (let pi = 0; pi < ctx.points.length; pi++) {
      const p = ctx.points[pi];
      if (ctx.nodeOfPoint[pi] !== e.node) continue;
      // A whole `-i any` capture (SLL without interface indexes) sees every interface of its node.
      if (p.kind === 'any' && p.ifindex === null) {
        c.push(pi);
        continue;
      }
      if (!e.kinds.includes(p.kind)) continue;
      if (e.pod >= 0 && p.podIp !== e.pod) continue;
      c.push(pi);
    }
    cache.set(key, c);
  }
  return c;
}

export function pathCheck(ctx: HopContext, rows: readonly number[]): { status: JourneyStatus; gaps: PathGap[] } {
  const t = ctx.t;
  const exp = expectedPath(ctx, rows);
  const gaps: PathGap[] = [];
  if (exp.length === 0) return { status: 'unknown', gaps };
  const corrected = rows.map((r) => t.tNs[r] - ctx.offsetOfPoint[t.point[r]]);
  const laterFragment = (t.innerFrag[rows[0]] & 0x1fff) !== 0;
  const tMin = Math.min(...corrected);
  const tMax = Math.max(...corrected);
  let lastSeenHop = -1;
  let lastSeenExp = -1;
  let finalSeen = false;
  const missing: { exp: number; gap: PathGap }[] = [];
  exp.forEach((e, ei) => {
    const cands = candidates(ctx, e);
    let hop = -1;
    rows.forEach((r, hi) => {
      if (cands.includes(t.point[r]) && hop < 0) hop = hi;
    });
    const nodeId = ctx.nodes[e.node].id;
    const kindText = e.kinds.join('/');
    if (hop >= 0) {
      lastSeenHop = Math.max(lastSeenHop, hop);
      lastSeenExp = ei;
      if (ei === exp.length - 1) finalSeen = true;
      return;
    }
    if (cands.length === 0) {
      gaps.push({ afterHop: lastSeenHop, node: nodeId, kind: e.kinds[0], point: null, reason: `no capture of the ${kindText} ${e.pod >= 0 ? `for pod ${t.addr(e.pod >= 4294967296 ? 6 : 4, e.pod >= 4294967296 ? e.pod - 4294967296 : e.pod)} ` : ''}on ${nodeId}` });
      return;
    }
    // Captures on one node run together: a point covers the time its node's captures span.
    // When the packet was seen elsewhere on that node, that is when this point should have seen it.
    const span = ctx.nodeSpan[e.node];
    let lo = tMin;
    let hi = tMax;
    const onNode = rows.filter((r) => ctx.nodeOfPoint[t.point[r]] === e.node);
    if (onNode.length) {
      lo = Math.min(...onNode.map((r) => t.tNs[r] - ctx.offsetOfPoint[t.point[r]]));
      hi = Math.max(...onNode.map((r) => t.tNs[r] - ctx.offsetOfPoint[t.point[r]]));
    }
    const covering = cands.filter((pi) => {
      const off = ctx.offsetOfPoint[pi];
      return span[0] - off <= lo && span[1] - off >= hi;
    });
    if (covering.length === 0) {
      gaps.push({ afterHop: lastSeenHop, node: nodeId, kind: e.kinds[0], point: null, reason: `the ${kindText} capture on ${nodeId} does not cover this time` });
      return;
    }
    const pid = ctx.points[covering[0]].id;
    // A later fragment missing on a bridge the path crossed: bridge netfilter's conntrack reassembles
    // fragments there (the first fragment's journey shows the whole datagram on that bridge).
    const reassembled = laterFragment && e.kinds[0] === 'bridge';
    const reason = reassembled
      ? `fragment not on ${pid}: the datagram crossed it reassembled (conntrack defragmentation) and was fragmented again after it`
      : `not seen on ${pid} although it was capturing`;
    const g: PathGap = { afterHop: lastSeenHop, node: nodeId, kind: e.kinds[0], point: pid, reason };
    gaps.push(g);
    missing.push({ exp: ei, gap: g });
  });
  let status: JourneyStatus = 'unknown';
  if (finalSeen) status = 'delivered';
  else if (missing.some((m) => m.exp > lastSeenExp)) status = 'dropped';
  return { status, gaps };
}

/** Bytes a tunnel adds to the inner IP packet (outer IPv4 + UDP + header [+ inner Ethernet]). */
const TUNNEL_OVERHEAD: Record<number, number> = {
  [TunnelKind.VXLAN]: 50, [TunnelKind.GENEVE]: 50, [TunnelKind.FLANNEL_UDP]: 28, [TunnelKind.IPIP]: 20,
  [TunnelKind.IP6IN4]: 20, [TunnelKind.GRE]: 24, [TunnelKind.WIREGUARD]: 60,
};

function mtuIssues(ctx: HopContext, rows: readonly number[], status: JourneyStatus): MtuIssue[] {
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
    out.push({ code: 'fragmented', hop: firstFrag, message: `${outerFrag ? 'the tunnel (outer) packet' : 'the IP packet'} is a fragment at ${fragAt.join(', ')}` });
  }
  const f = rows[0];
  if (t.innerVer[f] === 4) {
    const tb = ctx.tooBig.get(`${t.innerSrc[f]}|${t.innerDst[f]}|${t.ipId[f] & 0xffff}`);
    if (tb) {
      out.push({ code: 'icmp-frag-needed', hop: rows.length - 1, message: `an ICMP fragmentation-needed (MTU ${tb.mtu}) quotes this packet (${ctx.ids[t.file[tb.row]]}#${t.index[tb.row] + 1})` });
    }
    const reachedUnderlay = rows.some((r) => ctx.points[t.point[r]].kind === 'underlay');
    const maxLen = rows.reduce((m, r) => Math.max(m, t.innerLen[r]), 0);
    const df = rows.some((r) => (t.innerFrag[r] & 0x8000) !== 0);
    const sn = nodeOfAddr(ctx, 4, t.innerSrc[f]);
    const dn = nodeOfAddr(ctx, 4, t.innerDst[rows[rows.length - 1]]);
    const kind = sn >= 0 && dn >= 0 ? (ctx.tunnelKindBetween.get(`${Math.min(sn, dn)}|${Math.max(sn, dn)}`) ?? TunnelKind.VXLAN) : TunnelKind.VXLAN;
    const room = ctx.underlayMtu - (TUNNEL_OVERHEAD[kind] ?? 50);
    if (status !== 'delivered' && !reachedUnderlay && sn >= 0 && dn >= 0 && sn !== dn && df && maxLen > room) {
      out.push({ code: 'too-big-for-tunnel', hop: rows.length - 1, message: `${maxLen}-byte packet with DF set exceeds what a ${TUNNEL_NAMES[kind]} tunnel over a ${ctx.underlayMtu}-byte underlay carries (${room})` });
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
      kind: p.kind === 'any' && p.ifindex === null ? (t.tunnel[r] !== TunnelKind.NONE ? 'underlay' : t.outerVer[r] !== 0 && t.outerMacSrc[r] < 0 ? 'tun' : 'any') : p.kind,
      tNs: t.tNs[r],
      correctedNs: corrected,
      ts: t.epochSec + t.tNs[r] / 1e9,
      latencyNs: i > 0 ? corrected - hops[i - 1].correctedNs : null,
      ttlDelta: i > 0 ? t.innerTtl[r] - t.innerTtl[prev] : null,
      headers: headersAt(t, r),
      nat: rewrite,
      problems: pr,
    });
  });
  const { status, gaps } = pathCheck(ctx, rows);
  const mtu = mtuIssues(ctx, rows, status);
  return {
    id: k,
    flow: flows[0] ?? '',
    flows,
    hops,
    status,
    lastSeen: hops[hops.length - 1],
    gaps,
    nat,
    mtu,
    problems: [...problems],
    totalLatencyNs: hops.length > 1 ? hops[hops.length - 1].correctedNs - hops[0].correctedNs : 0,
  };
}
