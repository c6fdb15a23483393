// A routed pod network without BGP in the captures (Calico with the BGP session not captured, or any
// CNI that routes pod traffic unencapsulated): the node that carries a pod's traffic on the wire is
// known by its MAC. A packet from a pod of node X, seen on an underlay capture with no tunnel, was
// sent by X's NIC: its source MAC is X's. ARP on the underlay then ties that MAC to X's address.
// With Calico's cali* veths the node's pods lie in its /26 IPAM blocks: the /26 around them is taken
// as the node's block when they all fit in one (Calico's default block size).

import type { PacketTable } from '../table';
import type { JourneyIndex } from '../journeys';
import { isInitialTtl, type PointDraft } from '../attribution';
import type { ClusterModel, ClusterNode, Evidence } from '../types';
import { EvidenceAcc } from '../evidence';
import { ip4ToString, macIsGroup, macToString, parseIp4 } from '../addr';

const BLOCK = 26;

/** A node's underlay address as the routed traffic shows it: its NIC's MAC and the ARP that names it. */
export interface RoutedAddress {
  readonly ip: number;
  readonly mac: number;
  readonly reason: string;
  readonly acc: EvidenceAcc;
}

/**
 * Before the nodes are built: the underlay address of each named node whose pods are known (the
 * addresses that send unrouted on its pod-side captures). Their packets leave on the underlay from
 * the node's MAC; ARP on the underlay gives that MAC's address. Names with no such evidence are absent.
 */
export function routedNodeAddresses(
  t: PacketTable,
  points: readonly PointDraft[],
  podNode: ReadonlyMap<number, string>,
): Map<string, RoutedAddress> {
  return nicAddresses(
    t,
    points,
    (r) => podNode.get(t.innerVer[r] === 6 ? 4294967296 + t.innerSrc[r] : t.innerSrc[r]),
    (node, count, mac, ip) =>
      `${count} packets of ${node}'s pods leave on the underlay from MAC ${macToString(mac)}, which ARP on the underlay gives ${ip4ToString(ip)}`,
  );
}

/**
 * The underlay address of the node that first routed each of `addrs`' packets (routed clusters): the
 * source MAC of its packets on underlay captures one routing step after it sent them, no tunnel, which
 * ARP on the underlay names. A packet is its by its source address with TTL 63, 127 or 254, or, through
 * `journeys`, as the same packet one TTL below the one it had where `addrs`' own captures (`podPoints`)
 * saw it leave: a packet its node's NAT rewrote (a masqueraded egress) counts too. `addrs` are IPv4
 * address keys; absent: not seen so.
 */
export function firstRouterOf(
  t: PacketTable,
  points: readonly PointDraft[],
  addrs: ReadonlySet<number>,
  journeys: JourneyIndex,
  podPoints: ReadonlySet<number>,
): Map<number, RoutedAddress> {
  // Journey -> the pod that sent it, and the TTL it left with.
  const sentBy = new Map<number, { a: number; ttl: number }>();
  for (let r = 0; r < t.count; r++) {
    if (!podPoints.has(t.point[r]) || t.innerVer[r] !== 4 || !addrs.has(t.innerSrc[r]) || !isInitialTtl(t.innerTtl[r])) continue;
    const j = journeys.journeyOfRow[r];
    if (j >= 0) sentBy.set(j, { a: t.innerSrc[r], ttl: t.innerTtl[r] });
  }
  const byText = nicAddresses(
    t,
    points,
    (r) => {
      if (t.innerVer[r] !== 4) return undefined;
      if (addrs.has(t.innerSrc[r]) && [63, 127, 254].includes(t.innerTtl[r])) return String(t.innerSrc[r]);
      const s = sentBy.get(journeys.journeyOfRow[r]);
      return s && t.innerTtl[r] === s.ttl - 1 ? String(s.a) : undefined;
    },
    (a, count, mac, ip) =>
      `${count} packets ${ip4ToString(Number(a))} sent leave on the underlay one routing step later (its own address, or the same packet after its node's NAT), from MAC ${macToString(mac)}, which ARP on the underlay gives ${ip4ToString(ip)}: its node routed them`,
  );
  return new Map([...byText].map(([a, ra]) => [Number(a), ra]));
}

/** Share of a NIC capture's unicast frames its own MAC must be on (a switch floods a few unknown-unicast frames). */
const OWN_MAC_SHARE = 0.95;
/** Fewer unicast frames than this say nothing about whose NIC it is. */
const OWN_MAC_MIN_FRAMES = 4;

/**
 * Nodes' underlay addresses from their own NIC captures alone (a routed cluster's node none of whose
 * pods is captured, so `routedNodeAddresses` has nothing to go on): a NIC sees the unicast frames to
 * and from its own MAC only, so the one MAC on (nearly) every unicast frame of a name's underlay
 * points is its NIC's own, unless ARP gives that MAC an address in `othersIps` (the peer's, when every
 * frame is between the two). ARP on the underlay names its address. `nameOf` names the node of each
 * point to look at (undefined: skip it); names with no single such MAC, or no ARP for it, are absent.
 */
export function ownNicAddresses(
  t: PacketTable,
  points: readonly PointDraft[],
  nameOf: (point: number) => string | undefined,
  othersIps: ReadonlySet<number>,
): Map<string, RoutedAddress> {
  const onFrames = new Map<string, { total: number; macs: Map<number, EvidenceAcc> }>();
  for (let r = 0; r < t.count; r++) {
    if (points[t.point[r]]?.kind !== 'underlay') continue;
    const name = nameOf(t.point[r]);
    const src = t.mac(t.outerMacSrc[r]);
    const dst = t.mac(t.outerMacDst[r]);
    if (name === undefined || src < 0 || dst < 0 || macIsGroup(dst)) continue;
    let seen = onFrames.get(name);
    if (!seen) onFrames.set(name, (seen = { total: 0, macs: new Map() }));
    seen.total++;
    for (const m of src === dst ? [src] : [src, dst]) {
      let acc = seen.macs.get(m);
      if (!acc) seen.macs.set(m, (acc = new EvidenceAcc()));
      acc.add(r);
    }
  }
  const ipOfMac = underlayArp(t, points);
  const out = new Map<string, RoutedAddress>();
  for (const [name, { total, macs }] of onFrames) {
    if (total < OWN_MAC_MIN_FRAMES) continue;
    const cands = [...macs].filter(([m, acc]) => acc.count >= OWN_MAC_SHARE * total && !othersIps.has(ipOfMac.get(m)?.ip ?? -1));
    const arp = cands.length === 1 ? ipOfMac.get(cands[0][0]) : undefined;
    if (!arp) continue;
    const [mac, frames] = cands[0];
    const acc = new EvidenceAcc();
    acc.add(arp.row);
    acc.merge(frames);
    out.set(name, {
      ip: arp.ip,
      mac,
      acc,
      reason: `${frames.count} of the ${total} unicast frames on its NIC captures are to or from MAC ${macToString(mac)} (a NIC sees its own frames), which ARP on the underlay gives ${ip4ToString(arp.ip)}: its own address`,
    });
  }
  return out;
}

/** Per key (`keyOf` of the rows it sent): the top source MAC of its unencapsulated underlay packets, and the address ARP gives that MAC. */
function nicAddresses(
  t: PacketTable,
  points: readonly PointDraft[],
  keyOf: (r: number) => string | undefined,
  reason: (key: string, count: number, mac: number, ip: number) => string,
): Map<string, RoutedAddress> {
  const votes = nicMacVotes(t, points, keyOf);
  const ipOfMac = underlayArp(t, points);
  const out = new Map<string, RoutedAddress>();
  for (const [key, m] of votes) {
    const [mac, acc] = topMac(m);
    const ip = ipOfMac.get(mac)?.ip;
    if (ip !== undefined) out.set(key, { ip, mac, acc, reason: reason(key, acc.count, mac, ip) });
  }
  return out;
}

/**
 * MAC votes per node, from pod packets on underlay captures with no tunnel: `nodeOf` names the node
 * of the pod that sent row r (undefined: not a known pod), and the row's source MAC is that node's NIC.
 */
function nicMacVotes(
  t: PacketTable,
  points: readonly PointDraft[],
  nodeOf: (r: number) => string | undefined,
): Map<string, Map<number, EvidenceAcc>> {
  const votes = new Map<string, Map<number, EvidenceAcc>>();
  for (let r = 0; r < t.count; r++) {
    if (t.tunnel[r] !== 0 || (t.innerVer[r] !== 4 && t.innerVer[r] !== 6) || t.mac(t.outerMacSrc[r]) < 0) continue;
    if (points[t.point[r]]?.kind !== 'underlay') continue;
    const node = nodeOf(r);
    if (!node) continue;
    let m = votes.get(node);
    if (!m) votes.set(node, (m = new Map<number, EvidenceAcc>()));
    let acc = m.get(t.mac(t.outerMacSrc[r]));
    if (!acc) m.set(t.mac(t.outerMacSrc[r]), (acc = new EvidenceAcc()));
    acc.add(r);
  }
  return votes;
}

/** The MAC with the most votes, and its packets. */
const topMac = (m: Map<number, EvidenceAcc>): [number, EvidenceAcc] => [...m.entries()].sort((x, y) => y[1].count - x[1].count)[0];

/** ARP on underlay captures: sender MAC -> the first address it gave, and the row that gave it. */
function underlayArp(t: PacketTable, points: readonly PointDraft[]): Map<number, { ip: number; row: number }> {
  const ipOfMac = new Map<number, { ip: number; row: number }>();
  for (const a of t.arp) {
    if (points[t.point[a.row]]?.kind === 'underlay' && a.senderIp !== 0 && !ipOfMac.has(a.senderMac))
      ipOfMac.set(a.senderMac, { ip: a.senderIp, row: a.row });
  }
  return ipOfMac;
}

export function routedNodeFacts(
  t: PacketTable,
  points: readonly PointDraft[],
  model: ClusterModel,
  ref: (row: number) => Evidence['packets'][number],
): ClusterModel {
  const lacks = (n: ClusterNode) => n.underlayIps.length === 0 || n.underlayMacs.length === 0 || n.podCidr === null;
  const need = model.nodes.filter(lacks);
  if (need.length === 0 || model.tunnels.length > 0) return model;
  const nodeOfPod = new Map<number, string>();
  for (const p of model.pods) {
    const ip = parseIp4(p.ip);
    if (ip !== null && p.node) nodeOfPod.set(ip, p.node);
  }
  const votes = nicMacVotes(t, points, (r) => (t.innerVer[r] === 4 ? nodeOfPod.get(t.innerSrc[r]) : undefined));
  const ipOfMac = underlayArp(t, points);
  const caliNodes = new Set(model.veths.filter((v) => /^cali/.test(v.name)).map((v) => v.node));
  /** A node with an address but none of its pods' packets seen: the MAC ARP on the underlay gives that address. */
  const macByArp = (n: ClusterNode): ClusterNode => {
    const ip = parseIp4(n.underlayIps[0] ?? '');
    const hit = ip === null ? undefined : [...ipOfMac].find(([, a]) => a.ip === ip);
    if (!hit) return n;
    const reason = `ARP on the underlay: ${n.underlayIps[0]} is at ${macToString(hit[0])}`;
    return { ...n, underlayMacs: [macToString(hit[0])], evidence: [...n.evidence, { reason, packets: [ref(hit[1].row)], count: 1 }] };
  };
  const nodes: ClusterNode[] = model.nodes.map((n) => {
    if (!lacks(n)) return n;
    const m = votes.get(n.id);
    if (!m) return n.underlayMacs.length ? n : macByArp(n);
    const [mac, acc] = topMac(m);
    const evidence: Evidence[] = [
      ...n.evidence,
      {
        reason: `${acc.count} packets of ${n.id}'s pods leave its NIC unencapsulated from MAC ${macToString(mac)}`,
        packets: acc.rows.map(ref),
        count: acc.count,
      },
    ];
    const arp = ipOfMac.get(mac);
    if (arp)
      evidence.push({ reason: `ARP on the underlay: ${ip4ToString(arp.ip)} is at ${macToString(mac)}`, packets: [ref(arp.row)], count: 1 });
    let podCidr = n.podCidr;
    if (podCidr === null && caliNodes.has(n.id)) {
      const ips = [...nodeOfPod.entries()].filter(([, x]) => x === n.id).map(([ip]) => ip);
      const base = (ips[0] & (0xffffffff << (32 - BLOCK))) >>> 0;
      if (ips.every((ip) => (ip & (0xffffffff << (32 - BLOCK))) >>> 0 === base)) {
        podCidr = `${ip4ToString(base)}/${BLOCK}`;
        evidence.push({
          reason: `its pods (cali* veths) lie in ${podCidr}: taken as its Calico IPAM block (default size /${BLOCK}; BGP in the captures would say for sure)`,
          packets: [],
          count: 0,
        });
      }
    }
    return {
      ...n,
      underlayMacs: n.underlayMacs.length ? n.underlayMacs : [macToString(mac)],
      underlayIps: n.underlayIps.length || !arp ? n.underlayIps : [ip4ToString(arp.ip)],
      podCidr,
      evidence,
    };
  });
  return { ...model, nodes };
}
