// The cluster model from the traffic: nodes (underlay IPs and MACs, pod CIDR, VTEP), bridges with
// their gateway, veths and the pod behind each, pods, tunnels per node pair and ClusterIP services
// (from the DNAT seen along journeys). Every fact keeps the packets that show it.

import { TUNNEL_NAMES, TunnelKind } from '../engine/decode/types';
import {
  cidr6Contains,
  cidr6ToString,
  cidrContains,
  cidrToString,
  commonPrefixLen,
  ip4ToString,
  macIsGroup,
  macToString,
  parseIp4,
  parseIp6,
  prefixMask,
  type Cidr4,
  type Cidr6,
} from './addr';
import { akey, DST_KEY, isInitialTtl, podSideByTime, type InPod, type PointDraft, type TunnelFacts } from './attribution';
import { EvidenceAcc, evidence } from './evidence';
import type { PacketTable } from './table';
import { vtepMacChanges, type VtepMacChange } from './vtep-mac';
import type { Bridge, ClusterModel, ClusterNode, Evidence, Pod, Service, ServiceBackend, Tunnel, TunnelType, Veth } from './types';

/** A node while inferring: name and/or underlay addresses, its points and evidence. */
export interface NodeDraft {
  id: string;
  name: string | null;
  /** Underlay address keys. */
  ips: number[];
  cidr: Cidr4 | null;
  /**
   * Why `cidr` is a working guess the traffic does not bound (unboundedBlocks): the path finder
   * places addresses by it, the model states the pod CIDR unknown.
   */
  cidrUnknown?: string;
  /** IPv6 pod block (dual-stack / IPv6 clusters). */
  cidr6?: Cidr6 | null;
  points: number[];
  evidence: Evidence[];
}

export interface NatObservation {
  readonly proto: number;
  readonly vip: number;
  readonly vipPort: number;
  readonly backend: number;
  readonly backendPort: number;
  readonly node: string | null;
  readonly acc: EvidenceAcc;
}

export interface ModelInput {
  readonly t: PacketTable;
  readonly ids: readonly string[];
  readonly points: readonly PointDraft[];
  readonly nodes: readonly NodeDraft[];
  readonly facts: TunnelFacts;
  readonly nat: readonly NatObservation[];
  /** Address keys a NAT gave a packet's source on its way (a node's masquerade address, a VIP): no pods. */
  readonly natSources?: ReadonlySet<number>;
  /** Node index of each point (-1 none). */
  readonly nodeOfPoint: ArrayLike<number>;
  /** Points captured inside a pod (its own interface, its lo), with the pod's name when the file gives it. */
  readonly inPod?: ReadonlyMap<number, InPod>;
}

export interface BuiltModel {
  readonly nodes: ClusterNode[];
  readonly bridges: Bridge[];
  readonly veths: Veth[];
  readonly pods: Pod[];
  readonly tunnels: Tunnel[];
  readonly services: Service[];
  /** Node index of each placed pod, by address key (the same placement as `pods`). */
  readonly nodeOfPod: ReadonlyMap<number, number>;
  /** A node's own addresses inside its pod block, by address key: its tunnel device's and its bridge's (the gateway). */
  readonly nodeOwn: ReadonlyMap<number, NodeOwnAddress>;
  /** Nodes whose tunnel device changed its MAC while the captures ran (vtep-mac.ts). */
  readonly vtepChanges: readonly VtepMacChange[];
}

/** An address a node holds on its pod network: its tunnel device's ('vtep': flannel.1's) or its bridge's ('bridge': the gateway). */
export interface NodeOwnAddress {
  readonly node: number;
  readonly at: 'vtep' | 'bridge';
}

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp', 47: 'gre', 4: 'ipip' };
export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? `ip-proto-${p}`;
}

function tunnelType(k: number): TunnelType {
  return (TUNNEL_NAMES[k] ?? 'vxlan') as TunnelType;
}

/** Interface name of a point: its name, 'if<index>' for a cooked capture's interface, else the point id. */
export function pointName(p: PointDraft): string {
  return p.interface ?? (p.ifindex !== null ? `if${p.ifindex}` : p.id);
}

/**
 * Per node, the address its host sends from on its bridge, found by time where no pod sends off its
 * subnet (so no frame names the gateway's MAC): an address of the node's pod block on a veth's
 * packets to its pod, unrouted, that the node's bridge capture sees before the veth both ways (its
 * packets there first, the pod's answers there last). A frame bridged from another pod reaches the
 * bridge device after the destination's veth, so such an address is no pod: the node's own stack on
 * the bridge. Null where no such address, or several, show, and for the nodes not `wanted` (their
 * gateway known already: each candidate costs a pass over the table).
 */
function nodeSendsOnBridge(
  t: PacketTable,
  points: readonly PointDraft[],
  nodeOfPoint: ArrayLike<number>,
  nodeCount: number,
  inBlock: (n: number, ver: number, a: number) => boolean,
  wanted: (n: number) => boolean,
): ({ ip: number; mac: number; acc: EvidenceAcc } | null)[] {
  const out = Array.from({ length: nodeCount }, (): { ip: number; mac: number; acc: EvidenceAcc } | null => null);
  const bridgeOf = new Map<number, number>();
  points.forEach((p, i) => {
    const n = nodeOfPoint[i];
    if (n >= 0 && wanted(n) && p.kind === 'bridge' && p.twinOf === undefined && !bridgeOf.has(n)) bridgeOf.set(n, i);
  });
  if (bridgeOf.size === 0) return out;
  // Per veth point of a bridged node: unicast senders to its pod, unrouted, from inside the node's block.
  const senders = new Map<number, Map<number, number>>();
  for (let r = 0; r < t.count; r++) {
    const pi = t.point[r];
    const p = points[pi];
    const n = nodeOfPoint[pi];
    if (p.kind !== 'veth' || p.podSide || p.podIp < 0 || n < 0 || !bridgeOf.has(n) || t.tunnel[r] !== TunnelKind.NONE) continue;
    const ver = t.innerVer[r];
    if ((ver !== 4 && ver !== 6) || !isInitialTtl(t.innerTtl[r]) || akey(ver, t.innerDst[r]) !== p.podIp) continue;
    const src = akey(ver, t.innerSrc[r]);
    const mac = t.mac(t.innerMacSrc[r]);
    if (src === p.podIp || mac < 0 || macIsGroup(mac) || !inBlock(n, ver, t.innerSrc[r])) continue;
    const m = senders.get(pi) ?? senders.set(pi, new Map()).get(pi)!;
    if (!m.has(src)) m.set(src, mac);
  }
  const found = new Map<number, { ip: number; mac: number; acc: EvidenceAcc }[]>();
  for (const [pi, m] of senders) {
    const n = nodeOfPoint[pi];
    for (const [ip, mac] of m) {
      const byTime = podSideByTime(t, ip, pi, bridgeOf.get(n)!);
      if (byTime && !byTime.first) found.set(n, [...(found.get(n) ?? []), { ip, mac, acc: byTime.acc }]);
    }
  }
  for (const [n, list] of found) if (list.every((x) => x.ip === list[0].ip && x.mac === list[0].mac)) out[n] = list[0];
  return out;
}

export function buildModel(m: ModelInput): BuiltModel {
  const { t, ids, points, nodes, facts } = m;
  const addrText = (k: number) => (k >= 4294967296 ? (t.ip6[k - 4294967296] ?? '?') : ip4ToString(k));
  const nodeOfIp = new Map<number, number>();
  nodes.forEach((n, i) => n.ips.forEach((ip) => nodeOfIp.set(ip, i)));
  const nodeOfAddr = (ip: number): number => {
    const direct = nodeOfIp.get(ip);
    if (direct !== undefined) return direct;
    const b6 = ip >= 4294967296 ? parseIp6(t.ip6[ip - 4294967296] ?? '') : null;
    for (let i = 0; i < nodes.length; i++) {
      const c = nodes[i].cidr;
      if (c && ip < 4294967296 && cidrContains(c, ip)) return i;
      const c6 = nodes[i].cidr6;
      if (c6 && b6 && cidr6Contains(c6, b6)) return i;
    }
    return -1;
  };

  /**
   * A packet a node sent into its tunnel itself: encapsulated from a node's address with the inner
   * header's initial TTL. A pod's packets reach the tunnel forwarded by its node, one hop less.
   */
  const ownTunnelPacket = (r: number): boolean =>
    t.tunnel[r] !== TunnelKind.NONE &&
    t.outerVer[r] !== 0 &&
    nodeOfIp.has(akey(t.outerVer[r], t.outerSrc[r])) &&
    isInitialTtl(t.innerTtl[r]);
  const fixedTtl = fixedTtlSenders(t);
  /**
   * A tunnel packet as its sender put it on the wire: the outer TTL is still the initial one, or, for
   * IP-in-IP and GRE, the inner one copied ('ttl inherit', their devices' default; a VXLAN or Geneve
   * device sends with the initial TTL). One a router forwarded (nodes in different subnets) has one
   * less, and its source MAC is the router's, not the node's.
   */
  const unroutedOuter = (r: number): boolean =>
    isInitialTtl(t.outerTtl[r]) ||
    (t.tunnel[r] !== TunnelKind.VXLAN &&
      t.tunnel[r] !== TunnelKind.GENEVE &&
      t.innerVer[r] !== 0 &&
      t.outerTtl[r] === t.innerTtl[r] &&
      !fixedTtl.has(akey(t.outerVer[r], t.outerSrc[r])));
  // Underlay MACs (outer source MAC of tunnel packets sent unrouted from the node's address), VTEP IP.
  const underlayMac = nodes.map(() => new Map<number, EvidenceAcc>());
  const vtepIp = nodes.map(() => new Map<number, EvidenceAcc>());
  // No tunnel device's address: a pod's (behind a captured veth), or one whose packets enter the
  // tunnel routed (a pod's own packets, forwarded by its node; a TCP reset a node's policy forges in
  // the pod's name enters it unrouted and would otherwise make the pod's address look the node's).
  const notVtep = new Set<number>();
  for (const p of points) if (p.kind === 'veth' && p.podIp >= 0) notVtep.add(p.podIp);
  for (let r = 0; r < t.count; r++)
    if (t.tunnel[r] !== TunnelKind.NONE && t.outerVer[r] !== 0 && t.innerVer[r] === 4 && !isInitialTtl(t.innerTtl[r]))
      notVtep.add(t.innerSrc[r]);
  for (let r = 0; r < t.count; r++) {
    if (t.tunnel[r] === TunnelKind.NONE || t.outerVer[r] === 0) continue;
    const n = nodeOfIp.get(akey(t.outerVer[r], t.outerSrc[r]));
    if (n === undefined) continue;
    if (t.mac(t.outerMacSrc[r]) >= 0 && unroutedOuter(r)) {
      const acc = underlayMac[n].get(t.mac(t.outerMacSrc[r])) ?? new EvidenceAcc();
      acc.add(r);
      underlayMac[n].set(t.mac(t.outerMacSrc[r]), acc);
    }
    const c = nodes[n].cidr;
    // The tunnel device's address: the pod CIDR's network address (flannel.1), or any address of the
    // node's pod network the node sends into the tunnel itself, unrouted (vxlan.calico's block address).
    if (
      c &&
      t.innerVer[r] === 4 &&
      c.len <= 30 &&
      // The block's network address is no pod's: a node's own, also on packets it forwarded after SNAT to it (a NodePort's).
      (t.innerSrc[r] === c.base || (!notVtep.has(t.innerSrc[r]) && ownTunnelPacket(r) && cidrContains(c, t.innerSrc[r])))
    ) {
      const acc = vtepIp[n].get(t.innerSrc[r]) ?? new EvidenceAcc();
      acc.add(r);
      vtepIp[n].set(t.innerSrc[r], acc);
    }
  }
  // A NIC's MAC is one node's: a MAC that sends the tunnel packets of two nodes is a router's (nodes
  // in two subnets), whatever the TTLs made its frames look like.
  const macNodes = new Map<number, number>();
  underlayMac.forEach((macs, n) => macs.forEach((_, mac) => macNodes.set(mac, macNodes.has(mac) && macNodes.get(mac) !== n ? -1 : n)));
  for (const [mac, n] of macNodes) if (n < 0) for (const macs of underlayMac) macs.delete(mac);

  // A node of a tunnelled cluster that sent no tunnel packet (no pod of its talked to another
  // node's): the source MAC of packets from its address on its own NIC captures, which it sent
  // itself (its own traffic, or its pods' after its masquerade): a NIC sends from its own MAC. (A
  // routed cluster's nodes get theirs from their pods' routed packets and ARP: calico/routed.ts.)
  const looked =
    underlayMac.some((macs) => macs.size === 0) &&
    [...facts.pairs.values()].some((p) => {
      const [a, b] = [nodeOfIp.get(p.src), nodeOfIp.get(p.dst)];
      return a !== undefined && b !== undefined && a !== b;
    });
  const ownSent = nodes.map(() => new Map<number, EvidenceAcc>());
  for (let r = 0; r < (looked ? t.count : 0); r++) {
    if (t.tunnel[r] !== TunnelKind.NONE || t.outerVer[r] === 0) continue;
    const n = nodeOfIp.get(akey(t.outerVer[r], t.outerSrc[r]));
    const mac = t.mac(t.outerMacSrc[r]);
    if (n === undefined || underlayMac[n].size > 0 || mac < 0 || macIsGroup(mac)) continue;
    if (m.nodeOfPoint[t.point[r]] !== n || points[t.point[r]].kind !== 'underlay') continue;
    const acc = ownSent[n].get(mac) ?? new EvidenceAcc();
    acc.add(r);
    ownSent[n].set(mac, acc);
  }

  // Gateways: on bridge/veth points, the destination MAC of packets a local pod sends off its
  // subnet is the gateway's; the gateway's IP is what that MAC answers ARP with or sends from.
  // A cooked capture (`-i any`) keeps only the source MAC: there, the source MAC of packets from
  // off the subnet to a local pod (routed in, or sent by the node itself) is the gateway's.
  // Whether an address (IPv4, or IPv6 by interned id) is inside node n's pod block of its family.
  const bytes6 = new Map<number, Uint8Array | null>();
  const inBlock = (n: number, ver: number, a: number): boolean => {
    if (ver === 4) return nodes[n].cidr ? cidrContains(nodes[n].cidr, a) : false;
    const c6 = nodes[n].cidr6;
    if (!c6) return false;
    let b = bytes6.get(a);
    if (b === undefined) bytes6.set(a, (b = parseIp6(t.ip6[a] ?? '')));
    return b !== null && cidr6Contains(c6, b);
  };
  // ICMP errors only routers send (unreachable other than port, redirect, time exceeded, parameter
  // problem, too big): their source is a gateway or node, not a pod (a pod answers port unreachable).
  const routerError = (r: number): boolean => {
    const ty = t.icmpType[r];
    const code = t.icmpCode[r];
    if (t.innerProto[r] === 1) return (ty === 3 && code !== 3) || ty === 5 || ty === 11 || ty === 12;
    if (t.innerProto[r] === 58) return (ty === 1 && code !== 4) || ty === 2 || ty === 3;
    return false;
  };
  const gwMac = nodes.map(() => new Map<number, EvidenceAcc>());
  for (let r = 0; r < t.count; r++) {
    const p = points[t.point[r]];
    if (p.kind !== 'bridge' && p.kind !== 'veth') continue;
    const ver = t.innerVer[r];
    if ((ver !== 4 && ver !== 6) || t.tunnel[r] !== TunnelKind.NONE) continue;
    const n = m.nodeOfPoint[t.point[r]];
    if (n < 0) continue;
    // IPv6 link-local and multicast are neighbour discovery on the segment, not routed traffic (an
    // MLD report's hop limit is 1 from its sender); IPv4 multicast and broadcast likewise (IGMP's TTL 1).
    if (ver === 6 && (/^(fe80:|ff)/.test(t.ip6[t.innerSrc[r]] ?? '') || /^(fe80:|ff)/.test(t.ip6[t.innerDst[r]] ?? ''))) continue;
    if (ver === 4 && (t.innerDst[r] >>> 28 === 14 || t.innerDst[r] >>> 0 === 0xffffffff)) continue;
    if (!(ver === 4 ? nodes[n].cidr : nodes[n].cidr6)) {
      // No pod block known (a routed cluster: the mask is not on the wire, or no packet left the
      // nodes): a frame routed onto the bridge (TTL below the initial) was sent by the node's routing
      // through the bridge, from its MAC, and so was an ICMP error only a router sends (a policy's
      // 'administratively prohibited' for a pod's packet).
      const src = t.mac(t.innerMacSrc[r]);
      if (src >= 0 && !macIsGroup(src) && ((p.kind === 'bridge' && !isInitialTtl(t.innerTtl[r])) || routerError(r))) {
        const acc = gwMac[n].get(src) ?? new EvidenceAcc();
        acc.add(r);
        gwMac[n].set(src, acc);
      }
      continue;
    }
    const srcIn = inBlock(n, ver, t.innerSrc[r]);
    const dstIn = inBlock(n, ver, t.innerDst[r]);
    const macSrc = t.mac(t.innerMacSrc[r]);
    const macDst = t.mac(t.innerMacDst[r]);
    const cooked = macDst < 0;
    if (cooked && (macSrc < 0 || srcIn || !dstIn)) continue;
    if (!cooked && (!srcIn || dstIn)) continue;
    const mac = cooked ? macSrc : macDst;
    if (macIsGroup(mac)) continue;
    const acc = gwMac[n].get(mac) ?? new EvidenceAcc();
    acc.add(r);
    gwMac[n].set(mac, acc);
  }
  const best = <K>(mp: Map<K, EvidenceAcc>): [K, EvidenceAcc] | null => {
    let b: [K, EvidenceAcc] | null = null;
    for (const e of mp) if (!b || e[1].count > b[1].count) b = e;
    return b;
  };
  const gatewayOf = nodes.map((_, i) => best(gwMac[i]));
  const gatewayIp = nodes.map(() => null as [number, EvidenceAcc] | null);
  const bridgeSideSenders = nodeSendsOnBridge(t, points, m.nodeOfPoint, nodes.length, inBlock, (n) => gatewayOf[n] === null);
  const gatewayByTime = new Set<number>();
  bridgeSideSenders.forEach((s, n) => {
    if (gatewayOf[n] || !s) return;
    gatewayOf[n] = [s.mac, s.acc];
    gatewayIp[n] = [s.ip, s.acc];
    gatewayByTime.add(n);
  });
  for (const a of t.arp) {
    const n = m.nodeOfPoint[t.point[a.row]];
    if (n < 0) continue;
    const g = gatewayOf[n];
    // A device with no address of its own (a proxy-ARP veth end, Cilium's lxc) asks ARP from any of
    // the host's addresses (a second NIC's): with the pod block known, only an address in it is the gateway's.
    if (g && a.senderMac === g[0] && a.senderIp !== 0 && (!nodes[n].cidr || inBlock(n, 4, a.senderIp >>> 0))) {
      if (!gatewayIp[n]) gatewayIp[n] = [a.senderIp, new EvidenceAcc()];
      if (gatewayIp[n][0] === a.senderIp) gatewayIp[n][1].add(a.row);
    }
  }
  for (let r = 0; r < t.count; r++) {
    const n = m.nodeOfPoint[t.point[r]];
    const ver = t.innerVer[r];
    if (n < 0 || gatewayIp[n] || !gatewayOf[n] || (ver !== 4 && ver !== 6) || t.tunnel[r] !== TunnelKind.NONE) continue;
    if (t.mac(t.innerMacSrc[r]) === gatewayOf[n][0] && inBlock(n, ver, t.innerSrc[r])) {
      gatewayIp[n] = [akey(ver, t.innerSrc[r]), new EvidenceAcc()];
      gatewayIp[n][1].add(r);
    }
  }
  const gwIps = new Set(gatewayIp.filter((g) => g !== null).map((g) => g[0]));
  const vtepIps = new Set<number>();
  vtepIp.forEach((mp) => mp.forEach((_, ip) => vtepIps.add(ip)));

  // Why a node's gateway is unknown: what would have shown it, and is not in the captures.
  const blockText = (n: number): string | null => {
    const c = nodes[n].cidr;
    const c6 = nodes[n].cidr6;
    return [c ? cidrToString(c) : null, c6 ? cidr6ToString(c6) : null].filter(Boolean).join(' or ') || null;
  };
  const gatewayMacWhy = (n: number): string => {
    const block = blockText(n);
    return block
      ? `no packet from a pod of ${block} to an address outside it was captured on ${nodes[n].id}'s bridge or veths: the gateway's MAC is the destination MAC of such packets`
      : `${nodes[n].id}'s pod CIDR is unknown and no frame routed onto its bridge (TTL below the initial) was captured: the gateway's MAC is the destination of a pod's off-subnet packets, or the source of routed ones`;
  };
  const gatewayIpWhy = (n: number): string => {
    const g = gatewayOf[n];
    if (!g) return `the gateway's MAC is unknown, and ARP or an IP packet would be tied to the gateway by it`;
    const block = blockText(n);
    return block
      ? `no ARP or IP packet of the gateway in the captures: nothing from its MAC ${macToString(g[0])} gives an address of ${block}`
      : `no ARP from the gateway's MAC ${macToString(g[0])} in the captures, and with ${nodes[n].id}'s pod CIDR unknown no IP packet from that MAC can be told to be sent from the gateway's own address`;
  };

  // Nodes.
  const vtepChanges = vtepMacChanges(t, facts, nodes, points, m.nodeOfPoint);
  const changeOf = new Map(vtepChanges.map((c) => [c.node, c]));
  const epochNs = (ns: number) => t.epochSec + ns / 1e9;
  const outNodes: ClusterNode[] = nodes.map((n, i) => {
    const ev = [...n.evidence];
    const ul = [...underlayMac[i].entries()].sort((a, b) => b[1].count - a[1].count);
    const vm = best(facts.vtepMacOf.get(n.ips[0] ?? -1) ?? new Map<number, EvidenceAcc>());
    if (vm) ev.push(evidence(t, ids, `inner source MAC of the VXLAN packets this node sends: its VTEP (flannel.1) MAC`, vm[1]));
    // A VTEP that changed its MAC: the one it sent from last is its MAC, each one listed with its times.
    const change = changeOf.get(i);
    const spans = change?.spans ?? [];
    for (const [k, s] of spans.entries()) {
      const acc = new EvidenceAcc();
      acc.add(s.firstRow);
      if (s.lastRow !== s.firstRow) acc.add(s.lastRow);
      ev.push(
        evidence(
          t,
          ids,
          k === 0
            ? `its tunnel device sent from ${macToString(s.mac)} first, until the packet shown last`
            : `then its tunnel device sent from ${macToString(s.mac)} (from the packet shown first on): the device got a new MAC (recreated) while the captures ran`,
          acc,
        ),
      );
    }
    const vi = best(vtepIp[i]);
    if (vi) ev.push(evidence(t, ids, `the network address of the pod CIDR sends encapsulated traffic: the tunnel device's address`, vi[1]));
    for (const [mac, acc] of ul)
      ev.push(
        evidence(t, ids, `outer source MAC ${macToString(mac)} of tunnel packets from this node, not yet routed (initial outer TTL)`, acc),
      );
    // One MAC only: a NIC sends its own frames from its own MAC.
    const own = ul.length === 0 && ownSent[i].size === 1 ? [...ownSent[i].entries()][0] : null;
    if (own) {
      ul.push(own);
      ev.push(
        evidence(
          t,
          ids,
          `source MAC ${macToString(own[0])} of the packets from this node's own address on its NIC captures, which it sent itself: its NIC's MAC`,
          own[1],
        ),
      );
    }
    const stated = n.cidrUnknown === undefined ? n.cidr : null;
    return {
      id: n.id,
      name: n.name,
      underlayIps: n.ips.map(addrText),
      underlayMacs: ul.map(([mac]) => macToString(mac)),
      podCidr: stated ? cidrToString(stated) : n.cidr6 ? cidr6ToString(n.cidr6) : null,
      podCidrs: [...(stated ? [cidrToString(stated)] : []), ...(n.cidr6 ? [cidr6ToString(n.cidr6)] : [])],
      vtepMac: spans.length ? macToString(spans[spans.length - 1].mac) : vm ? macToString(vm[0]) : null,
      ...(spans.length
        ? { vtepMacs: spans.map((s) => ({ mac: macToString(s.mac), first: epochNs(s.firstNs), last: epochNs(s.lastNs) })) }
        : {}),
      vtepIp: vi ? ip4ToString(vi[0]) : null,
      points: n.points.map((p) => points[p].id),
      evidence: ev,
    };
  });

  // Bridges: captured bridge points, plus the gateway facts of their node. A node with several
  // bridges (a second network beside the pods': Multus, a bridged overlay) gives its gateway only to
  // those whose capture holds a frame from or to the gateway's MAC (all of them when none does).
  const bridges: Bridge[] = [];
  const bridgeSeen = new Set<string>();
  const bridgesOf = new Map<number, number>();
  points.forEach((p, pi) => {
    const n = m.nodeOfPoint[pi];
    if (p.kind === 'bridge' && n >= 0) bridgesOf.set(n, (bridgesOf.get(n) ?? 0) + 1);
  });
  const gatewayHere = new Set<number>();
  if ([...bridgesOf.values()].some((c) => c > 1))
    for (let r = 0; r < t.count; r++) {
      const pi = t.point[r];
      const n = m.nodeOfPoint[pi];
      const g = n >= 0 ? gatewayOf[n] : null;
      if (!g || points[pi].kind !== 'bridge' || (bridgesOf.get(n) ?? 0) < 2 || gatewayHere.has(pi)) continue;
      if ([t.innerMacSrc[r], t.innerMacDst[r], t.outerMacSrc[r], t.outerMacDst[r]].some((x) => t.mac(x) === g[0])) gatewayHere.add(pi);
    }
  const gatewayShown = new Set([...gatewayHere].map((pi) => m.nodeOfPoint[pi]));
  points.forEach((p, pi) => {
    if (p.kind !== 'bridge') return;
    const n = m.nodeOfPoint[pi];
    if (n < 0) return; // a bridge on no known node would be a phantom node's; the point stays listed
    const node = nodes[n].id;
    const name = pointName(p);
    const id = `${node}/${name}`;
    if (bridgeSeen.has(id)) return;
    bridgeSeen.add(id);
    const elsewhere = gatewayShown.has(n) && !gatewayHere.has(pi) ? gatewayOf[n] : null;
    const g = elsewhere ? null : gatewayOf[n];
    const gi = elsewhere ? null : gatewayIp[n];
    const ev: Evidence[] = [...p.evidence];
    if (g && gatewayByTime.has(n))
      ev.push(
        evidence(
          t,
          ids,
          `${addrText(gi![0])} (MAC ${macToString(g[0])}) sends to the node's pods with an initial TTL, and the bridge sees its packets before the pods' veths and the pods' answers after them: the node sends from the bridge itself, so this is the bridge's own address, the gateway (no pod sends off its subnet here)`,
          g[1],
        ),
      );
    else {
      if (g) ev.push(evidence(t, ids, `pods send off-subnet traffic to this MAC: the bridge's gateway`, g[1]));
      if (gi) ev.push(evidence(t, ids, `the gateway MAC answers ARP / sends from this address`, gi[1]));
    }
    bridges.push({
      id,
      node,
      name,
      gatewayIp: gi ? addrText(gi[0]) : null,
      gatewayMac: g ? macToString(g[0]) : null,
      point: p.id,
      evidence: ev,
      ...unknowns(
        elsewhere
          ? {
              gatewayMac: `the node's pod gateway ${macToString(elsewhere[0])} is on another of its bridges, and no frame from or to it is on this one: a bridge of another network, its gateway not seen`,
              gatewayIp: `no frame of a gateway is on this bridge's capture (the node's pod gateway is on another of its bridges)`,
            }
          : { gatewayMac: g ? null : gatewayMacWhy(n), gatewayIp: gi ? null : gatewayIpWhy(n) },
      ),
    });
  });

  // Pods: behind a veth, or seen sending from inside a node's pod CIDR (bridge captures, tunnels).
  interface PodDraft {
    ip: number;
    mac: number;
    node: number;
    veth: string | null;
    acc: EvidenceAcc;
    reason: string;
    /** The point of its veth, and the veths it had before (a restarted pod keeps its address on a new veth). */
    point?: number;
    earlier?: { veth: string; mac: number; point: number }[];
    /** MACs it sent from before `mac`, one after the other, when no veth of it was captured twice (oldest first). */
    macsBefore?: { mac: number; acc: EvidenceAcc }[];
  }
  const pods = new Map<number, PodDraft>();
  const veths: Veth[] = [];
  /** Pod address -> capture points taken inside the pod. */
  const ownPoints = new Map<number, string[]>();
  points.forEach((p, pi) => {
    if (p.kind !== 'veth') return;
    const n = m.nodeOfPoint[pi];
    const node = n >= 0 ? nodes[n].id : '?';
    const name = pointName(p);
    const vid = `${node}/${name}`;
    if (p.podIp < 0) {
      const acc = new EvidenceAcc();
      for (let r = 0; r < t.count && acc.count < 5; r++) if (t.point[r] === pi) acc.add(r);
      veths.push({
        id: vid,
        node,
        name,
        pod: null,
        point: p.id,
        evidence: [...p.evidence, evidence(t, ids, `captured on ${p.id}; no pod sends through it`, acc)],
      });
      return;
    }
    const acc = new EvidenceAcc();
    for (let r = 0; r < t.count && acc.count < 50; r++) if (t.point[r] === pi && akey(t.innerVer[r], t.innerSrc[r]) === p.podIp) acc.add(r);
    const ip = p.podIp;
    // The pod's own interface, captured inside it (its host-side veth is another point): part of the pod, no veth.
    if (p.podSide) {
      ownPoints.set(ip, [...(ownPoints.get(ip) ?? []), p.id]);
      if (p.podIp6 !== undefined && p.podIp6 >= 0) ownPoints.set(p.podIp6, [...(ownPoints.get(p.podIp6) ?? []), p.id]);
      // Its host-side veth not captured: the pod is known from inside, behind a veth whose name is not.
      if (!pods.has(ip))
        pods.set(ip, {
          ip,
          mac: p.podMac,
          node: n,
          veth: null,
          acc,
          reason: `the only address on ${p.id}, its own interface captured inside it`,
        });
      return;
    }
    const draft: PodDraft = {
      ip,
      mac: p.podMac,
      node: n,
      veth: vid,
      acc,
      reason: `the only address on ${p.id}: the pod behind this veth`,
      point: pi,
    };
    // The same address behind two veths of one node captured one after the other: one pod restarted
    // on a new veth (or the address given to a new pod); the later veth is its own now.
    const prev = pods.get(ip);
    const prevPoint = prev?.point === undefined ? null : points[prev.point];
    if (prev && prevPoint && prev.node === n && (prevPoint.lastNs < p.firstNs || p.lastNs < prevPoint.firstNs)) {
      const [old, cur] = prevPoint.lastNs < p.firstNs ? [prev, draft] : [draft, prev];
      cur.earlier = [...(old.earlier ?? []), { veth: old.veth!, mac: old.mac, point: old.point! }];
      pods.set(ip, cur);
    } else pods.set(ip, draft);
    const ip6 = p.podIp6 ?? -1;
    if (ip6 >= 0) {
      const acc6 = new EvidenceAcc();
      for (let r = 0; r < t.count && acc6.count < 50; r++) if (t.point[r] === pi && akey(t.innerVer[r], t.innerSrc[r]) === ip6) acc6.add(r);
      pods.set(ip6, {
        ip: ip6,
        mac: p.podMac,
        node: n,
        veth: vid,
        acc: acc6,
        reason: `the only IPv6 address on ${p.id}: the same pod's second address (dual stack)`,
      });
    }
    veths.push({
      id: vid,
      node,
      name,
      pod: addrText(ip),
      point: p.id,
      evidence: [...p.evidence, evidence(t, ids, `every packet on this veth is to or from ${addrText(ip)}`, acc)],
    });
  });
  // A pod's MAC: the source MAC of a frame it sent itself on its own segment (unencapsulated, with
  // an initial TTL: not yet routed). Frames that reach a segment routed carry a router's MAC (the
  // gateway's, a node's, a VTEP's), never the pod's.
  // MACs that forward routed frames onto pod segments (gateways, proxy-ARP veth ends): no pod's.
  const routerMacs = new Set<number>();
  for (let r = 0; r < t.count; r++) {
    const k = points[t.point[r]].kind;
    if (
      (k === 'bridge' || k === 'veth') &&
      t.tunnel[r] === TunnelKind.NONE &&
      t.mac(t.innerMacSrc[r]) >= 0 &&
      t.outerVer[r] !== 0 &&
      !isInitialTtl(t.innerTtl[r])
    )
      routerMacs.add(t.mac(t.innerMacSrc[r]));
  }
  const ownFrame = (r: number) =>
    t.tunnel[r] === TunnelKind.NONE && t.mac(t.innerMacSrc[r]) >= 0 && !macIsGroup(t.mac(t.innerMacSrc[r])) && isInitialTtl(t.innerTtl[r]);
  for (let r = 0; r < t.count; r++) {
    if ((t.innerVer[r] !== 4 && t.innerVer[r] !== 6) || t.innerProto[r] === 255) continue;
    const src = akey(t.innerVer[r], t.innerSrc[r]);
    const known = pods.get(src);
    if (known) {
      const k = points[t.point[r]].kind;
      if (known.mac < 0 && ownFrame(r) && (k === 'bridge' || k === 'veth' || k === 'any')) known.mac = t.mac(t.innerMacSrc[r]);
      continue;
    }
    if (gwIps.has(src) || vtepIps.has(src) || nodeOfIp.has(src) || m.natSources?.has(src) || routerError(r)) continue;
    // Sent into the tunnel by a node itself (unrouted): its tunnel device's address, never a pod.
    if (ownTunnelPacket(r)) continue;
    // Multicast and broadcast (a bridge's IGMP join, mDNS) come from bridges and nodes as well as
    // pods: only unicast makes a pod (a pod that also sends multicast is found by its unicast).
    if (
      t.innerVer[r] === 4
        ? t.innerDst[r] >>> 28 === 14 || t.innerDst[r] >>> 0 === 0xffffffff
        : (t.ip6[t.innerDst[r]] ?? '').startsWith('ff')
    )
      continue;
    // IPv6 link-local and multicast sources are no pods.
    if (t.innerVer[r] === 6 && /^(fe80:|ff)/.test(t.ip6[t.innerSrc[r]] ?? '')) continue;
    const kind = points[t.point[r]].kind;
    const inTunnel = t.tunnel[r] !== TunnelKind.NONE;
    // On a routed cluster's underlay a pod's packets cross unencapsulated, one routing step on (its
    // node's): an address of a node's pod block sending so is a pod even where no veth of it was captured.
    const routedOnUnderlay = !inTunnel && kind === 'underlay' && !isInitialTtl(t.innerTtl[r]);
    if (!inTunnel && kind !== 'bridge' && kind !== 'veth' && kind !== 'any' && !routedOnUnderlay) continue;
    let n = nodeOfAddr(src);
    let onSegment = false;
    if (n < 0) {
      // No pod block known (a routed cluster without BGP in the captures): an address that sends
      // unrouted on a node's pod-side capture, from a MAC that never forwards routed frames, is a pod of that node.
      const pn = m.nodeOfPoint[t.point[r]];
      if (pn < 0 || (kind !== 'bridge' && kind !== 'veth') || !ownFrame(r) || routerMacs.has(t.mac(t.innerMacSrc[r]))) continue;
      n = pn;
      onSegment = true;
    }
    const gw = gatewayOf[n];
    if (!inTunnel && gw && t.mac(t.innerMacSrc[r]) === gw[0]) continue;
    const c = nodes[n].cidr;
    if (t.innerVer[r] === 4 && c && c.len <= 30 && (src === c.base || src === (c.base | ((1 << (32 - c.len)) - 1)) >>> 0)) continue;
    const acc = new EvidenceAcc();
    acc.add(r);
    pods.set(src, {
      ip: src,
      mac: ownFrame(r) ? t.mac(t.innerMacSrc[r]) : -1,
      node: n,
      veth: null,
      acc,
      reason: onSegment
        ? `sends unrouted (initial TTL) on ${nodes[n].id}'s ${kind} from a MAC of its own: a pod of that node`
        : inTunnel
          ? `sends from inside ${nodes[n].id}'s pod CIDR (seen encapsulated)`
          : routedOnUnderlay
            ? `sends from inside ${nodes[n].id}'s pod CIDR, routed unencapsulated onto the underlay (TTL ${t.innerTtl[r]})`
            : `sends from inside ${nodes[n].id}'s pod CIDR on its bridge`,
    });
  }
  for (const d of tunnelledToSilentNode(
    t,
    nodes,
    nodeOfIp,
    nodeOfAddr,
    pods,
    (k) => gwIps.has(k) || vtepIps.has(k) || !!m.natSources?.has(k),
    (k) => facts.innerOf.has(k),
  ))
    pods.set(d.ip, {
      ip: d.ip,
      mac: -1,
      node: d.node,
      veth: null,
      acc: d.acc,
      reason: `every tunnel packet for it goes to ${nodes[d.node].id} (outer destination ${addrText(d.outer)}), which sends none the captures show, so no pod block of it is known: a pod of that node`,
    });
  // A pod that sent its own frames from one MAC, then only from another: a new interface with the
  // same address (restarted, or the address given to a new pod), even where no veth of it was captured.
  const macSpans = new Map<number, Map<number, { first: number; last: number; acc: EvidenceAcc }>>();
  for (let r = 0; r < t.count; r++) {
    if ((t.innerVer[r] !== 4 && t.innerVer[r] !== 6) || !ownFrame(r)) continue;
    const k = points[t.point[r]].kind;
    if (k !== 'bridge' && k !== 'veth' && k !== 'any') continue;
    const src = akey(t.innerVer[r], t.innerSrc[r]);
    const pod = pods.get(src);
    if (!pod || pod.earlier) continue;
    const spans = macSpans.get(src) ?? macSpans.set(src, new Map()).get(src)!;
    const mac = t.mac(t.innerMacSrc[r]);
    const sp = spans.get(mac) ?? spans.set(mac, { first: t.tNs[r], last: t.tNs[r], acc: new EvidenceAcc() }).get(mac)!;
    sp.first = Math.min(sp.first, t.tNs[r]);
    sp.last = Math.max(sp.last, t.tNs[r]);
    sp.acc.add(r);
  }
  for (const [ip, spans] of macSpans) {
    if (spans.size < 2) continue;
    const list = [...spans.entries()].sort((a, b) => a[1].first - b[1].first);
    if (list.some(([, sp], i) => i > 0 && list[i - 1][1].last >= sp.first)) continue; // used at once: no succession
    const pod = pods.get(ip)!;
    pod.mac = list[list.length - 1][0];
    pod.macsBefore = list.slice(0, -1).map(([mac, sp]) => ({ mac, acc: sp.acc }));
  }

  // Captures inside a pod: its lo is the pod's too, and a file named after the pod gives its name.
  const fileName = new Map<number, InPod & { point: string }>();
  for (const [pi, inside] of m.inPod ?? []) {
    const p = points[pi];
    if (p.kind === 'loopback' && inside.inside) ownPoints.set(inside.podIp, [...(ownPoints.get(inside.podIp) ?? []), p.id]);
    if (inside.name !== null && !fileName.has(inside.podIp)) fileName.set(inside.podIp, { ...inside, point: p.id });
  }

  const outPods: Pod[] = [...pods.values()]
    .sort((a, b) => a.ip - b.ip)
    .map((p) => ({
      id: addrText(p.ip),
      ip: addrText(p.ip),
      mac: p.mac >= 0 ? macToString(p.mac) : null,
      node: p.node >= 0 ? nodes[p.node].id : null,
      veth: p.veth,
      ...(ownPoints.has(p.ip) ? { ownPoints: ownPoints.get(p.ip)! } : {}),
      ...(p.earlier ? { earlier: p.earlier.map((e) => ({ veth: e.veth, mac: e.mac >= 0 ? macToString(e.mac) : null })) } : {}),
      ...(p.macsBefore ? { earlier: p.macsBefore.map((e) => ({ veth: null, mac: macToString(e.mac) })) } : {}),
      name: fileName.get(p.ip)?.name ?? null,
      namespace: fileName.get(p.ip)?.namespace ?? null,
      ...unknowns({
        mac:
          p.mac >= 0
            ? null
            : `no frame it sent itself with an Ethernet header (unencapsulated, initial TTL, on its veth, its bridge or a cooked capture) is in the captures: frames of it routed or tunnelled carry a router's or tunnel device's MAC`,
        node:
          p.node >= 0 ? null : `the capture it was found on${p.point !== undefined ? `, ${points[p.point].id},` : ''} is on no known node`,
        veth: p.veth
          ? null
          : ownPoints.has(p.ip)
            ? `its host-side veth was not captured, only its own interface inside the pod (${ownPoints.get(p.ip)!.join(', ')})`
            : `none of the captures is of its host-side veth (the one interface that carries only this pod's traffic)`,
      }),
      evidence: [
        evidence(t, ids, p.reason, p.acc),
        ...(fileName.has(p.ip)
          ? [
              {
                reason: `the file of ${fileName.get(p.ip)!.point}, ${fileName.get(p.ip)!.inside ? 'captured inside the pod' : "a capture of the pod's veth pair"}, is named after the pod ${fileName.get(p.ip)!.name}${fileName.get(p.ip)!.namespace ? ` (namespace ${fileName.get(p.ip)!.namespace})` : ''} [file-name]`,
                packets: [],
                count: 0,
              },
            ]
          : []),
        ...(p.earlier ?? []).map((e) =>
          evidence(
            t,
            ids,
            `before, it was behind ${e.veth} (${points[e.point].id}, MAC ${e.mac >= 0 ? macToString(e.mac) : 'unknown'}), whose capture ends before ${p.veth}'s begins: the pod was restarted on a new veth, or its address was given to a new pod`,
            null,
          ),
        ),
        ...(p.macsBefore ?? []).map((e) =>
          evidence(
            t,
            ids,
            `before, it sent its own frames from MAC ${macToString(e.mac)}, and after its last one only from ${macToString(p.mac)}: a new interface with the same address (the pod was restarted, or its address was given to a new pod)`,
            e.acc,
          ),
        ),
      ],
    }));

  const outTunnels = tunnelsOf(t, ids, facts, nodes, nodeOfIp);

  // Services from DNAT: a destination rewritten from a VIP to a pod.
  const svc = new Map<
    string,
    { proto: number; vip: number; port: number; backends: Map<string, ServiceBackend>; nodes: Set<string>; acc: EvidenceAcc }
  >();
  for (const o of m.nat) {
    // A pod's own address rewritten to another is no service (a pod is never a VIP).
    if (pods.has(o.vip)) continue;
    const id = `${protoName(o.proto)} ${addrText(o.vip)}:${o.vipPort}`;
    let s = svc.get(id);
    if (!s) {
      s = { proto: o.proto, vip: o.vip, port: o.vipPort, backends: new Map(), nodes: new Set(), acc: new EvidenceAcc() };
      svc.set(id, s);
    }
    const bip = addrText(o.backend);
    s.backends.set(`${bip}:${o.backendPort}`, {
      ip: bip,
      port: o.backendPort >= 0 ? o.backendPort : null,
      pod: pods.has(o.backend) ? bip : null,
    });
    if (o.node) s.nodes.add(o.node);
    s.acc.merge(o.acc);
  }
  const services: Service[] = [...svc.entries()].map(([id, s]) => ({
    id,
    ip: addrText(s.vip),
    port: s.port >= 0 ? s.port : null,
    protocol: protoName(s.proto),
    backends: [...s.backends.values()],
    natNodes: [...s.nodes],
    name: null,
    namespace: null,
    evidence: [evidence(t, ids, `packets addressed to ${addrText(s.vip)}:${s.port} leave the node addressed to a pod (DNAT)`, s.acc)],
    ...unknowns({ natNodes: s.nodes.size ? null : `the packets before and after the translation were captured on no known node` }),
  }));
  const nodeOfPod = new Map<number, number>();
  for (const p of pods.values()) if (p.node >= 0) nodeOfPod.set(p.ip, p.node);

  const nodeOwn = new Map<number, NodeOwnAddress>();
  vtepIp.forEach((mp, n) => {
    const v = best(mp);
    if (v && !pods.has(v[0])) nodeOwn.set(v[0], { node: n, at: 'vtep' });
  });
  gatewayIp.forEach((g, n) => {
    if (g && !pods.has(g[0]) && !nodeOwn.has(g[0])) nodeOwn.set(g[0], { node: n, at: 'bridge' });
  });

  // Why a node's facts are unknown (now that its pods and tunnels are known).
  let tunnelSenders: { routed: number; noEthernet: number }[] | undefined;
  const podsOf = nodes.map(() => [] as number[]);
  for (const p of pods.values()) if (p.node >= 0) podsOf[p.node].push(p.ip);
  const withWhy = outNodes.map((o, i) => {
    const n = nodes[i];
    const tunnelOf = outTunnels.filter((x) => x.nodes.includes(n.id));
    const hasDevice = tunnelOf.length > 0 || n.points.some((p) => points[p].kind === 'vtep' || points[p].kind === 'tun');
    const vxlan = tunnelOf.some((x) => x.type === 'vxlan' || x.type === 'geneve') || n.points.some((p) => points[p].kind === 'vtep');
    return {
      ...o,
      ...unknowns({
        podCidr: o.podCidr === null ? podCidrWhy(i, podsOf[i], o.vtepIp) : null,
        underlayIps: n.ips.length ? null : `no tunnel packet and no ARP of its NIC's own MAC in the captures ties an address to it`,
        underlayMacs: o.underlayMacs.length ? null : n.ips.length ? underlayMacWhy(i) : `its underlay address is unknown`,
        vtepMac:
          o.vtepMac !== null || !vxlan
            ? null
            : n.ips.length
              ? `no VXLAN or Geneve packet sent from ${addrText(n.ips[0])} is in the captures: the VTEP's MAC is their inner source MAC`
              : `its underlay address is unknown, and the VTEP's MAC is the inner source MAC of the VXLAN packets sent from it`,
        vtepIp:
          o.vtepIp !== null || !hasDevice
            ? null
            : n.cidr && n.cidrUnknown === undefined
              ? `no packet it sent into the tunnel itself from an address of ${cidrToString(n.cidr)} (its network address, or unrouted) is in the captures; the tunnel device may also have no address`
              : `its IPv4 pod CIDR is unknown, and the tunnel device's address is found as an address of that block (its network address, or one the node sends into the tunnel from itself)`,
      }),
    };
  });
  return { nodes: withWhy, bridges, veths, pods: outPods, tunnels: outTunnels, services, nodeOfPod, nodeOwn, vtepChanges };

  /** Per node, in one pass: tunnel packets from its addresses routed on their way, and without an Ethernet header. */
  function tunnelSendersByNode(): { routed: number; noEthernet: number }[] {
    const out = nodes.map(() => ({ routed: 0, noEthernet: 0 }));
    for (let r = 0; r < t.count; r++) {
      if (t.tunnel[r] === TunnelKind.NONE || t.outerVer[r] === 0) continue;
      const n = nodeOfIp.get(akey(t.outerVer[r], t.outerSrc[r]));
      if (n === undefined) continue;
      if (t.mac(t.outerMacSrc[r]) < 0) out[n].noEthernet++;
      else if (!unroutedOuter(r)) out[n].routed++;
    }
    return out;
  }

  /** Why node i's pod CIDR is unknown, given the address keys of the pods placed on it. */
  function podCidrWhy(i: number, podKeys: readonly number[], tunnelIp: string | null): string {
    const n = nodes[i];
    if (n.cidrUnknown !== undefined) {
      // The tunnel device's address is one of the block's too (Calico's tunl0 / vxlan.calico).
      const dev = tunnelIp !== null ? parseIp4(tunnelIp) : null;
      return blockOfAddresses(n.cidrUnknown, podKeys, dev !== null && !podKeys.includes(dev) ? dev : null, `its tunnel device`);
    }
    let sent = 0;
    let received = 0;
    let tunnelPackets = 0;
    for (const ip of n.ips) {
      tunnelPackets += facts.nodeIps.get(ip)?.count ?? 0;
      for (const [k, acc] of facts.innerOf.get(ip) ?? []) {
        const a = k >= DST_KEY ? k - DST_KEY : k;
        if (facts.nodeIps.has(a)) continue;
        if (k >= DST_KEY) received += acc.count;
        else sent += acc.count;
      }
    }
    const why = !n.ips.length
      ? `no underlay address of it is known, and a pod CIDR is read from the tunnel packets a node's address sends`
      : sent > 0
        ? `the pod addresses it sends into the tunnel overlap another node's: the traffic does not tell the two blocks apart`
        : received > 0
          ? `the tunnel packets in the captures carry pod addresses to it but none from it, and a block is read from the addresses a node sends`
          : tunnelPackets > 0
            ? `no tunnel packet of it in the captures carries a pod's address, and a block is read from those`
            : `no tunnel packet to or from it is in the captures, and no route names its block`;
    const g = gatewayIp[i];
    return blockOfAddresses(why, podKeys, g && g[0] < 4294967296 && !podKeys.includes(g[0]) ? g[0] : null, `its bridge's gateway`);
  }

  /** `why`, then what is known of the block and why that is not enough: addresses give no prefix length. */
  function blockOfAddresses(why: string, podKeys: readonly number[], own: number | null, ownName: string): string {
    const v4 = podKeys.filter((k) => k < 4294967296).sort((x, y) => x - y);
    if (!v4.length) return why;
    const all = own !== null ? [...v4, own] : v4;
    let len = 32;
    for (const a of all) len = Math.min(len, commonPrefixLen(all[0], a));
    const wider = cidrToString({ base: (all[0] & prefixMask(len)) >>> 0, len });
    return `${why}; its pods ${v4.map(addrText).join(', ')}${own !== null ? ` and ${ownName} ${addrText(own)}` : ''} are known, but addresses alone do not give the block's prefix length (a block holding ${all.length > 1 ? 'them all' : 'it'} is ${wider} or wider)`;
  }

  /** Why node i's underlay MAC is unknown: what the tunnel packets from its addresses were like. */
  function underlayMacWhy(i: number): string {
    const { routed, noEthernet } = (tunnelSenders ??= tunnelSendersByNode())[i];
    const ips = nodes[i].ips.map(addrText).join(', ');
    if (routed > 0)
      return `every tunnel packet from ${ips} in the captures with an Ethernet header was routed on its way (outer TTL below the initial): its source MAC is a router's, not the node's`;
    if (noEthernet > 0)
      return `the tunnel packets from ${ips} in the captures have no Ethernet header (a cooked or tunnel-device capture), and no other frame shows its NIC's MAC`;
    return outTunnels.length
      ? `no tunnel packet from ${ips} is in the captures (their outer source MAC is the node's NIC's)`
      : `no packet of its pods was captured leaving its NIC unencapsulated (their source MAC is the NIC's), and no ARP on a NIC capture gives ${ips}'s MAC`;
  }
}

/** `{ unknown: reasons }` of the fields that have one, or nothing when every fact is known. */
/**
 * Outer sources of IP-in-IP or GRE packets that set their own outer TTL (an initial one over a
 * lower inner TTL, on a capture before any router) rather than copying the inner one: their outer
 * TTL equal to the inner says nothing of the frame being unrouted (a router took one off the initial).
 */
function fixedTtlSenders(t: PacketTable): Set<number> {
  const out = new Set<number>();
  for (let r = 0; r < t.count; r++) {
    const k = t.tunnel[r];
    if (k === TunnelKind.NONE || k === TunnelKind.VXLAN || k === TunnelKind.GENEVE || t.outerVer[r] === 0 || t.innerVer[r] === 0) continue;
    if (isInitialTtl(t.outerTtl[r]) && t.innerTtl[r] !== t.outerTtl[r]) out.add(akey(t.outerVer[r], t.outerSrc[r]));
  }
  return out;
}

/** Text of an address key (IPv4 number, or an IPv6 id past 2^32). */
const addrKeyText =
  (t: PacketTable) =>
  (k: number): string =>
    k >= 4294967296 ? (t.ip6[k - 4294967296] ?? '?') : ip4ToString(k);

/**
 * Tunnels per unordered node pair, kind and port. Each VNI (or GRE key) is a tunnel of its own (a
 * second overlay beside the cluster's, with its own device and addresses), except VNIs that name the
 * sender rather than a network: VNIs of one pair, kind and port that carry the same endpoints'
 * packets while each sender always uses one VNI are one tunnel whose VNI varies per source. Cilium
 * puts the sending endpoint's security identity in the VNI, so one pod's packets to another go with
 * one VNI and the answers with another; a second overlay's VNI carries its own addresses, and a
 * sender using two VNIs to the same endpoints is in two networks.
 */
function tunnelsOf(
  t: PacketTable,
  ids: readonly string[],
  facts: TunnelFacts,
  nodes: readonly NodeDraft[],
  nodeOfIp: ReadonlyMap<number, number>,
): Tunnel[] {
  interface Seg {
    nodes: [string, string];
    type: number;
    vni: number;
    port: number;
    acc: EvidenceAcc;
    ways: Set<string>;
    srcs: Set<number>;
    all: Set<number>;
    group: number;
  }
  const segs = new Map<string, Seg>();
  for (const p of facts.pairs.values()) {
    const a = nodeOfIp.get(p.src);
    const b = nodeOfIp.get(p.dst);
    if (a === undefined || b === undefined || a === b) continue;
    const pair = [nodes[a].id, nodes[b].id].sort() as [string, string];
    const id = `${pair[0]}~${pair[1]}|${p.type}|${p.vni}|${p.dport}`;
    let e = segs.get(id);
    if (!e) {
      e = {
        nodes: pair,
        type: p.type,
        vni: p.vni,
        port: p.dport,
        acc: new EvidenceAcc(),
        ways: new Set(),
        srcs: new Set(),
        all: new Set(),
        group: segs.size,
      };
      segs.set(id, e);
    }
    e.acc.merge(p.acc);
    e.ways.add(nodes[a].id);
    for (const x of p.innerSrcs) {
      e.srcs.add(x);
      e.all.add(x);
    }
    for (const x of p.innerDsts) e.all.add(x);
  }
  // VNIs of one pair, kind and port joined when they name senders (see above): union by shared
  // endpoints, as long as no sender of one group sends in the other.
  const list = [...segs.values()];
  const root = (i: number): number => (list[i].group === i ? i : (list[i].group = root(list[i].group)));
  const srcsOf = new Map(list.map((e, i) => [i, new Set(e.srcs)]));
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      const x = list[i],
        y = list[j];
      if (x.vni < 0 || y.vni < 0 || x.nodes.join('~') !== y.nodes.join('~') || x.type !== y.type || x.port !== y.port) continue;
      const [ri, rj] = [root(i), root(j)];
      if (ri === rj || ![...x.all].some((k) => y.all.has(k))) continue;
      const [si, sj] = [srcsOf.get(ri)!, srcsOf.get(rj)!];
      if ([...sj].some((k) => si.has(k))) continue;
      for (const k of sj) si.add(k);
      list[rj].group = ri;
    }
  const groups = new Map<number, Seg[]>();
  list.forEach((e, i) => (groups.get(root(i)) ?? groups.set(root(i), []).get(root(i))!).push(e));
  const perPair = new Map<string, number>();
  for (const g of groups.values()) perPair.set(g[0].nodes.join('~'), (perPair.get(g[0].nodes.join('~')) ?? 0) + 1);
  return [...groups.values()].map((g) => {
    g.sort((x, y) => x.vni - y.vni);
    const e = g[0];
    const vnis = g.map((x) => x.vni);
    const acc = new EvidenceAcc();
    for (const x of g) acc.merge(x.acc);
    const bySource = vnis.length > 1;
    const name = TUNNEL_NAMES[e.type];
    const tag = bySource ? `${name}:${vnis.join(',')}` : `${name}${e.vni >= 0 ? `:${e.vni}` : ''}`;
    return {
      // '<a>~<b>'; when one pair has several tunnels (kinds or VNIs): '<a>~<b>#<kind>:<vni>[,<vni>...]'.
      id: perPair.get(e.nodes.join('~'))! > 1 ? `${e.nodes[0]}~${e.nodes[1]}#${tag}` : `${e.nodes[0]}~${e.nodes[1]}`,
      nodes: e.nodes,
      type: tunnelType(e.type),
      vni: bySource ? null : e.vni >= 0 ? e.vni : null,
      ...(bySource ? { vnis, vniBySource: true } : {}),
      port: e.port >= 0 ? e.port : null,
      packets: acc.count,
      evidence: [
        evidence(t, ids, `${name} packets between the two nodes' underlay addresses`, acc),
        ...(bySource
          ? [
              evidence(
                t,
                ids,
                `VNIs ${vnis.join(', ')} carry packets between the same endpoints, each sender always with one of them (${g
                  .map(
                    (x) => `${x.vni} from ${[...x.srcs].map(addrKeyText(t)).join(', ')}${x.ways.size === 1 ? ` on ${[...x.ways][0]}` : ''}`,
                  )
                  .join(
                    '; ',
                  )}): the VNI names the sender, not a network (Cilium puts the source's security identity there), so they are one tunnel`,
                null,
              ),
            ]
          : []),
      ],
    };
  });
}

function unknowns<K extends string>(why: { readonly [F in K]: string | null }): { unknown?: { [F in K]?: string } } {
  const u: { [F in K]?: string } = {};
  for (const k of Object.keys(why) as K[]) if (why[k] !== null) u[k] = why[k];
  return Object.keys(u).length ? { unknown: u } : {};
}

/** Whether a field holds a fact: neither null, nor an empty list, nor the kind 'unknown'. */
const known = (v: unknown): boolean => v !== null && v !== undefined && v !== 'unknown' && !(Array.isArray(v) && v.length === 0);

/** The element without the reasons of fields that are known now (filled in after the traffic: leases, kubectl, ARP of a routed node). */
export function settled<T extends { readonly unknown?: { readonly [k: string]: string | undefined } }>(x: T): T {
  if (!x.unknown) return x;
  const rec = x as unknown as Record<string, unknown>;
  const left = Object.entries(x.unknown).filter(([k, v]) => v !== undefined && !known(rec[k]));
  if (left.length === Object.keys(x.unknown).length) return x;
  const { unknown: _, ...rest } = x;
  return (left.length ? { ...rest, unknown: Object.fromEntries(left) } : rest) as unknown as T;
}

/** The model with every reason of a fact found after the traffic's inference dropped. */
export function settleUnknowns(m: ClusterModel): ClusterModel {
  return {
    ...m,
    nodes: m.nodes.map(settled),
    bridges: m.bridges.map(settled),
    pods: m.pods.map(settled),
    services: m.services.map(settled),
  };
}

/**
 * Addresses the tunnels carry to a node that sends no tunnel packet itself (its pod block unknown):
 * a node routes a pod block into the tunnel to the node holding it (NAT happens before
 * encapsulation), so an inner destination every tunnel packet takes to one such node is that node's
 * pod. Not a node's address, a gateway's or VTEP's, a pod already placed, an address inside a known
 * block, nor a block's first address (flannel's VTEP address); unicast only.
 */
function tunnelledToSilentNode(
  t: PacketTable,
  nodes: readonly { cidr?: Cidr4 | null; cidr6?: Cidr6 | null }[],
  nodeOfIp: ReadonlyMap<number, number>,
  nodeOfAddr: (k: number) => number,
  placed: ReadonlyMap<number, unknown>,
  notPod: (k: number) => boolean,
  /** Outer sources that are tunnel ends (a mirror session's copies say nothing of pods: tunnelFacts drops them). */
  tunnelEnd: (k: number) => boolean,
): { ip: number; node: number; outer: number; acc: EvidenceAcc }[] {
  const sends = new Set<number>();
  for (let r = 0; r < t.count; r++)
    if (t.tunnel[r] !== TunnelKind.NONE && t.outerVer[r] !== 0) {
      const n = nodeOfIp.get(akey(t.outerVer[r], t.outerSrc[r]));
      if (n !== undefined) sends.add(n);
    }
  const to = new Map<number, { node: number; outer: number; acc: EvidenceAcc } | null>();
  for (let r = 0; r < t.count; r++) {
    if (t.tunnel[r] === TunnelKind.NONE || t.outerVer[r] === 0 || t.innerVer[r] !== 4 || (t.innerFrag[r] & 0x1fff) !== 0) continue;
    if (!tunnelEnd(akey(t.outerVer[r], t.outerSrc[r]))) continue;
    const d = t.innerDst[r];
    if (d >>> 28 >= 14 || (d & 0xff) === 0 || d >>> 24 === 127 || d >>> 16 === 0xa9fe) continue;
    const outer = akey(t.outerVer[r], t.outerDst[r]);
    const n = nodeOfIp.get(outer);
    const k = akey(4, d);
    const had = to.get(k);
    if (had === null) continue;
    if (n === undefined || sends.has(n) || nodes[n].cidr || nodeOfIp.has(k) || placed.has(k) || notPod(k) || nodeOfAddr(k) >= 0) {
      to.set(k, null);
      continue;
    }
    if (had && had.node !== n) {
      to.set(k, null);
      continue;
    }
    const e = had ?? { node: n, outer, acc: new EvidenceAcc() };
    e.acc.add(r);
    to.set(k, e);
  }
  const out: { ip: number; node: number; outer: number; acc: EvidenceAcc }[] = [];
  for (const [ip, e] of to) if (e) out.push({ ip, ...e });
  return out;
}
