// Which node and interface each capture point belongs to: user override, pcapng/SLL interface
// names, file names, then the traffic itself (tunnel packets -> underlay NIC; raw IP -> TUN;
// frames between VTEP MACs -> VXLAN device; one pod's address only -> veth; several -> bridge;
// node by the underlay address / pod CIDR every packet touches).

import { TunnelKind } from '../engine/decode/types';
import { LinkType } from '../engine/types';
import {
  cidr6,
  cidrContains,
  cidr6Contains,
  ip4ToString,
  macIsGroup,
  macToString,
  commonPrefixLen,
  commonPrefixLen6,
  parseIp6,
  prefixMask,
  type Cidr4,
  type Cidr6,
} from './addr';
import { EvidenceAcc, evidence } from './evidence';
import {
  attributionFromFileName,
  baseName,
  interfaceKindFromName,
  isAmbiguousInterfaceName,
  isAntreaVethName,
  isInterfaceLikeName,
  nameShape,
  nodeBeforeNamedPod,
  nodeBeforeOnlyPod,
  nodeBeforePod,
  nodesFromDirectories,
  nodePrefixOf,
  podFromFileName,
  workloadOf,
} from './naming';
import { cite, conflictText, decide, WEIGHT, type Claim } from './solve';
import { PKTTYPE_OUTGOING, PKTTYPE_UNKNOWN, type PacketTable } from './table';
import type { AttributionSource, Evidence, InterfaceKind, PointOverride } from './types';

/** Numeric address key: IPv4 value, or 2^32 + interned id for IPv6. */
export function akey(ver: number, v: number): number {
  return ver === 6 ? 4294967296 + v : v;
}

export const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;
export const ARPHRD_NONE = 0xfffe;
export const ARPHRD_IPGRE = 778;
export const ARPHRD_TUNNEL = 768;

export interface PointDraft {
  id: string;
  capture: string;
  file: number;
  path: string;
  iface: number | null;
  ifindex: number | null;
  /** Interface name recorded in the capture (pcapng if_name). */
  ifName: string | null;
  /** SLL/SLL2 ARPHRD type of the interface, null when not a cooked capture. */
  arphrd: number | null;
  linktype: number;
  count: number;
  node: string | null;
  nodeSource: AttributionSource;
  interface: string | null;
  interfaceSource: AttributionSource;
  kind: InterfaceKind;
  kindSource: AttributionSource;
  evidence: Evidence[];
  /** For a veth: the pod's address key and MAC (-1 none). */
  podIp: number;
  podMac: number;
  /** A dual-stack pod's IPv6 address key, when podIp is its IPv4 one (-1 or absent: none). */
  podIp6?: number;
  /** A pod's own interface, captured inside its network namespace (its host-side veth is another point). */
  podSide?: boolean;
  /** Time range of the point's packets (raw ns). */
  firstNs: number;
  lastNs: number;
  /** Another point that is the same interface captured at the same time (same frames, same timestamps): its twin's sightings stand for it. */
  twinOf?: number;
  /** For a veth whose pod was chosen among addresses on every packet alike (a tie): those addresses. */
  podTied?: number[];
}

/** What the names say, beyond the node and interface they set: kind claims, how surely the node is named, node addresses. */
export interface NameFacts {
  /** Per point: kind claims from names and the user. */
  readonly kind: Claim<InterfaceKind>[][];
  /** Per point: weight of the node name (user > '<node>-<iface>' > a prefix other captures give > a pcapng's file stem), 0 none. */
  readonly nodeWeight: number[];
  /** Per point: the node's address when the file is named after it ('node-10.0.0.5.pcap'). */
  readonly nodeIp: (string | null)[];
}

const noEvidence = (reason: string): Evidence => ({ reason, packets: [], count: 0 });

/**
 * Names: override > pcapng/SLL interface name > file name for the interface and node; the kind
 * they suggest becomes a claim weighed against the traffic's (inferKinds decides).
 */
export function attributeByName(points: PointDraft[], overrides: readonly PointOverride[]): NameFacts {
  const facts: NameFacts = { kind: points.map(() => []), nodeWeight: points.map(() => 0), nodeIp: points.map(() => null) };
  const fromFiles = points.map((p) => attributionFromFileName(p.path));
  points.forEach((p, i) => {
    const fromFile = fromFiles[i];
    const multi = p.iface !== null || p.ifindex !== null;
    if (p.ifName && p.ifName !== 'any') {
      p.interface = p.ifName;
      p.interfaceSource = p.ifindex !== null ? 'sll' : 'pcapng';
    } else if (fromFile.interface && (!multi || fromFile.interface !== 'any') && p.ifindex === null) {
      p.interface = fromFile.interface;
      p.interfaceSource = 'file-name';
    } else if (p.ifName === 'any' && p.ifindex === null) {
      p.interface = 'any';
      p.interfaceSource = 'pcapng';
    }
    if (fromFile.nodeIp) facts.nodeIp[i] = fromFile.nodeIp;
    if (fromFile.node) {
      p.node = fromFile.node;
      p.nodeSource = 'file-name';
      facts.nodeWeight[i] = WEIGHT.fileName;
      const what = fromFile.nodeIp ? ` (by its address ${fromFile.nodeIp})` : '';
      p.evidence.push(
        noEvidence(
          `the file name '${baseName(p.path)}' names the node ${fromFile.node}${what}${fromFile.interface ? ` and the interface ${fromFile.interface}` : ''}`,
        ),
      );
    } else if (fromFile.generic) {
      p.evidence.push(
        noEvidence(
          `the file name '${baseName(p.path)}' is a generic capture name and names no node: the traffic places it (a node whose name is not known is named after its address)`,
        ),
      );
    } else if (!fromFile.interface && p.ifName) {
      // 'node2.pcapng' holding named interfaces: the file is probably named after the node.
      p.node = fromFile.stem;
      p.nodeSource = 'file-name';
      facts.nodeWeight[i] = WEIGHT.weakTraffic;
      p.evidence.push(
        noEvidence(
          `the file '${baseName(p.path)}' holds named interfaces: its name is taken as the node's until the traffic names the node otherwise`,
        ),
      );
    }
    nameKind(p, facts.kind[i]);
  });
  // One directory per node ('worker-2/eth0.pcap'): the directory names the node the file name does not.
  nodesFromDirectories(points.map((p) => p.path)).forEach((d, i) => {
    const p = points[i];
    if (!d || (p.node !== null && p.nodeSource === 'file-name' && facts.nodeWeight[i] >= WEIGHT.fileName)) return;
    p.node = d.node;
    p.nodeSource = 'file-name';
    facts.nodeWeight[i] = WEIGHT.fileName;
    if (d.nodeIp) facts.nodeIp[i] = d.nodeIp;
    p.evidence.push(
      noEvidence(`the capture lies in the directory '${d.directory}', beside other nodes' directories of the set: the node ${d.node}`),
    );
  });
  // A file name that starts with a node name other captures give: that node, the rest names a pod.
  const named = new Set(points.filter((p) => p.node !== null && p.nodeSource === 'file-name').map((p) => p.node!));
  points.forEach((p, i) => {
    if (p.node !== null) return;
    const n = nodePrefixOf(fromFiles[i].stem, named);
    if (!n) return;
    p.node = n;
    p.nodeSource = 'file-name';
    facts.nodeWeight[i] = WEIGHT.fileName - 1;
    // The rest may be Antrea's name for the pod's host-side veth ('k8s-node-03-frontend-3a1c2e').
    const rest = fromFiles[i].stem.slice(n.length + 1);
    const free = p.interface === null && p.ifindex === null;
    const antrea = free && isAntreaVethName(rest);
    const iface = antrea || (free && isInterfaceLikeName(rest)) ? rest : null;
    p.evidence.push(
      noEvidence(
        `the file name '${baseName(p.path)}' starts with the node name ${n} that other captures' names give` +
          (antrea
            ? `; the rest, '${rest}', is an interface's name as Antrea names a pod's host-side veth (the pod name's start, '-' and 6 hex digits)`
            : iface
              ? `; the rest, '${rest}', has an interface name's form (15 characters at most, with a digit, no pod's name): the interface, its kind not told by the name`
              : ''),
      ),
    );
    if (iface === null) return;
    p.interface = iface;
    p.interfaceSource = 'file-name';
    nameKind(p, facts.kind[i]);
  });
  // '<node>-<pod>' where the pod's workload names other captures ('coredns-46a2c3a0f-rwvms.pcap').
  const filesOf = new Map<string, Set<number>>();
  const numberedAs = new Map<string, number>();
  for (const n of named) numberedAs.set(nameShape(n), (numberedAs.get(nameShape(n)) ?? 0) + 1);
  points.forEach((p, i) => {
    const w = p.node === null && !fromFiles[i].interface ? workloadOf(fromFiles[i].stem) : null;
    if (w !== null) (filesOf.get(w) ?? filesOf.set(w, new Set()).get(w)!).add(p.file);
  });
  // Pods that captures taken inside them are named after ('nginx-309aba7bf-qzc96-eth0.pcap'), with the file.
  const podFiles = new Map<string, string>();
  points.forEach((p, i) => {
    const iface = fromFiles[i].interface;
    // Its own name is among the nodes' here (the file name read as '<node>-eth0'): not a node it names.
    const others = [...named].filter((n) => n !== fromFiles[i].node);
    const pod = iface && isAmbiguousInterfaceName(iface) ? podFromFileName(p.path, others) : null;
    if (pod) podFiles.set(pod.pod, baseName(p.path));
  });
  points.forEach((p, i) => {
    if (p.node !== null || fromFiles[i].interface || p.ifName) return;
    const stem = fromFiles[i].stem;
    const podSplit = nodeBeforeNamedPod(stem, podFiles.keys());
    if (podSplit) {
      p.node = podSplit.node;
      p.nodeSource = 'file-name';
      facts.nodeWeight[i] = WEIGHT.fileName - 1;
      p.evidence.push(
        noEvidence(
          `the file name '${baseName(p.path)}' is ${podSplit.node} followed by the pod ${podSplit.pod}, which the capture '${podFiles.get(podSplit.pod)}' was taken inside: the node ${podSplit.node}`,
        ),
      );
      return;
    }
    // Workloads of the other files; a name that is itself a pod of one of them is that pod's.
    const workloads = new Set([...filesOf].filter(([, f]) => f.size > 1 || !f.has(p.file)).map(([w]) => w));
    // Unless the node part is numbered as two or more named nodes are ('node6' beside node1..node5).
    const own = workloadOf(stem) ?? '';
    const numbered = (n: string | null) => n !== null && (numberedAs.get(nameShape(n)) ?? 0) >= 2;
    const split = nodeBeforePod(stem, workloads);
    const beside = !workloads.has(own) || numbered(split) ? split : null;
    const n = beside ?? nodeBeforeOnlyPod(stem);
    if (!n) return;
    p.node = n;
    p.nodeSource = 'file-name';
    facts.nodeWeight[i] = WEIGHT.fileName - 1;
    p.evidence.push(
      noEvidence(
        beside
          ? `the file name '${baseName(p.path)}' is ${n} followed by a pod of a workload other captures are named after: the node ${n}`
          : `the file name '${baseName(p.path)}' reads only one way as a node's name followed by a pod's: the node ${n}`,
      ),
    );
  });
  points.forEach((p, i) => {
    const multi = p.iface !== null || p.ifindex !== null;
    for (const o of overrides) {
      if (o.point !== p.id && o.capture !== p.capture) continue;
      if (o.capture !== undefined && o.point === undefined && multi && o.interface !== undefined) continue;
      if (o.node !== undefined) {
        p.node = o.node;
        p.nodeSource = 'user';
        p.evidence.push(noEvidence(`you placed it on ${o.node}`));
        facts.nodeWeight[i] = WEIGHT.user;
        facts.nodeIp[i] = null;
      }
      if (o.interface !== undefined) {
        p.interface = o.interface;
        p.interfaceSource = 'user';
        const k = interfaceKindFromName(o.interface);
        if (k !== 'unknown' && o.kind === undefined) {
          p.kind = k;
          p.kindSource = 'user';
          facts.kind[i].push({
            value: k,
            weight: WEIGHT.user,
            source: 'user',
            evidence: noEvidence(`you named the interface '${o.interface}'`),
          });
        }
      }
      if (o.kind !== undefined) {
        p.kind = o.kind;
        p.kindSource = 'user';
        facts.kind[i].push({ value: o.kind, weight: WEIGHT.user, source: 'user', evidence: noEvidence(`you set the kind to ${o.kind}`) });
      }
    }
  });
  return facts;
}

/** The kind an interface's name gives, as a claim weighed against the traffic's. */
function nameKind(p: PointDraft, claims: Claim<InterfaceKind>[]): void {
  if (!p.interface) return;
  const k = interfaceKindFromName(p.interface);
  if (k === 'unknown') return;
  // A TUN device has no link layer: frames with an Ethernet header were not captured on one, whatever it is called.
  if (k === 'tun' && (p.linktype === LinkType.ETHERNET || p.arphrd === ARPHRD_ETHER)) {
    p.evidence.push(
      noEvidence(
        `the interface is named '${p.interface}' (${p.interfaceSource}), a TUN device's name, but its frames have Ethernet headers, which a TUN device has not: the name does not tell the kind`,
      ),
    );
    return;
  }
  p.kind = k;
  p.kindSource = p.interfaceSource;
  const recorded = p.interfaceSource !== 'file-name';
  const vague = isAmbiguousInterfaceName(p.interface);
  const weight = recorded
    ? vague
      ? WEIGHT.ambiguousRecordedName
      : WEIGHT.recordedName
    : vague
      ? WEIGHT.ambiguousFileName
      : WEIGHT.fileName;
  claims.push({
    value: k,
    weight,
    source: p.interfaceSource,
    evidence: noEvidence(
      `the interface is named '${p.interface}' (${p.interfaceSource}): a ${k} name${vague ? ' (pods have one too)' : ''}`,
    ),
  });
}

export interface TunnelPair {
  readonly src: number;
  readonly dst: number;
  readonly type: number;
  readonly vni: number;
  readonly dport: number;
  readonly acc: EvidenceAcc;
  /** Inner source and destination addresses (akey) of its packets, up to PAIR_INNER_CAP; only for tunnels with a VNI or key. */
  readonly innerSrcs: Set<number>;
  readonly innerDsts: Set<number>;
}

/** Inner addresses kept per tunnel pair: enough to tell whether two VNIs carry the same endpoints. */
const PAIR_INNER_CAP = 256;

/** What tunnel packets say, independent of where they were captured. */
export interface TunnelFacts {
  /** Outer addresses of tunnel packets (node underlay IPs) -> packets. */
  readonly nodeIps: Map<number, EvidenceAcc>;
  /** Outer source -> inner addresses it encapsulates (IPv4 sources, or destinations it receives for). */
  readonly innerOf: Map<number, Map<number, EvidenceAcc>>;
  /** Outer source -> inner Ethernet source MAC (the sending VTEP's MAC). */
  readonly vtepMacOf: Map<number, Map<number, EvidenceAcc>>;
  /** Outer (src,dst,type,vni,port) combinations. */
  readonly pairs: Map<string, TunnelPair>;
  /** Every VTEP MAC seen. */
  readonly vtepMacs: Set<number>;
  /**
   * Inner sources (address keys) of bridged (L2) tunnel segments, sent unrouted: hosts of an overlay
   * that stretches one subnet over the nodes (no pod block tells them), each with the outer sources
   * that encapsulated its frames (the node it sits behind).
   */
  readonly bridgedHosts: Map<number, Map<number, EvidenceAcc>>;
}

function accOf<K>(m: Map<K, EvidenceAcc>, k: K): EvidenceAcc {
  let a = m.get(k);
  if (!a) {
    a = new EvidenceAcc();
    m.set(k, a);
  }
  return a;
}

function mapOf<K, V>(m: Map<K, Map<number, V>>, k: K): Map<number, V> {
  let a = m.get(k);
  if (!a) {
    a = new Map();
    m.set(k, a);
  }
  return a;
}

export function tunnelFacts(t: PacketTable): TunnelFacts {
  const nodeIps = new Map<number, EvidenceAcc>();
  const innerOf = new Map<number, Map<number, EvidenceAcc>>();
  const vtepMacOf = new Map<number, Map<number, EvidenceAcc>>();
  const pairs = new Map<string, TunnelPair>();
  const pairsBySrc = new Map<number, Map<number, TunnelPair[]>>();
  const vtepMacs = new Set<number>();
  const bridgedHosts = new Map<number, Map<number, EvidenceAcc>>();
  const bridged = bridgedSegments(t);
  let last: TunnelPair | undefined;
  // The entries of the last outer pair seen (maps fetched when first needed, as the first use creates them).
  let ends: {
    s: number;
    d: number;
    src: EvidenceAcc;
    dst: EvidenceAcc;
    innerOfS: Map<number, EvidenceAcc> | null;
    innerOfD: Map<number, EvidenceAcc> | null;
    macsOfS: Map<number, EvidenceAcc> | null;
  } = { s: -1, d: -1, src: new EvidenceAcc(), dst: new EvidenceAcc(), innerOfS: null, innerOfD: null, macsOfS: null };
  for (let r = 0; r < t.count; r++) {
    const tun = t.tunnel[r];
    if (tun === TunnelKind.NONE || t.outerVer[r] === 0 || tun === TunnelKind.WIREGUARD) continue;
    if (t.ipCount[r] < 2 && tun !== TunnelKind.VXLAN && tun !== TunnelKind.GENEVE) continue;
    const s = akey(t.outerVer[r], t.outerSrc[r]);
    const d = akey(t.outerVer[r], t.outerDst[r]);
    // Consecutive tunnel packets mostly go between the same two nodes: look their entries up once.
    if (s !== ends.s || d !== ends.d) {
      const src = accOf(nodeIps, s);
      const dst = accOf(nodeIps, d);
      ends = { s, d, src, dst, innerOfS: null, innerOfD: null, macsOfS: null };
    }
    ends.src.add(r);
    ends.dst.add(r);
    // A bridged segment's frames are the pods' own, not a VTEP's: no node's pod block, no VTEP MAC.
    const own = bridged.size === 0 || !bridged.has(segmentKey(t, r));
    if (!own && (t.innerVer[r] === 4 || t.innerVer[r] === 6) && isInitialTtl(t.innerTtl[r]))
      accOf(mapOf(bridgedHosts, akey(t.innerVer[r], t.innerSrc[r])), s).add(r);
    if (own && (t.innerVer[r] === 4 || t.innerVer[r] === 6) && (t.innerFrag[r] & 0x1fff) === 0) {
      accOf((ends.innerOfS ??= mapOf(innerOf, s)), akey(t.innerVer[r], t.innerSrc[r])).add(r);
      // The destination node receives for the inner destination (unless it is a service VIP:
      // NAT happens before encapsulation, so the inner destination is already the pod).
      accOf((ends.innerOfD ??= mapOf(innerOf, d)), DST_KEY + akey(t.innerVer[r], t.innerDst[r])).add(r);
    }
    if (own && (tun === TunnelKind.VXLAN || tun === TunnelKind.GENEVE) && t.mac(t.innerMacSrc[r]) >= 0) {
      accOf((ends.macsOfS ??= mapOf(vtepMacOf, s)), t.mac(t.innerMacSrc[r])).add(r);
      vtepMacs.add(t.mac(t.innerMacSrc[r]));
      if (t.mac(t.innerMacDst[r]) >= 0) vtepMacs.add(t.mac(t.innerMacDst[r]));
    }
    // Consecutive tunnel packets mostly belong to the same pair: skip the keyed lookup then.
    let p = last;
    const vni = t.vni[r];
    const dport = t.tunDport[r];
    if (!p || p.src !== s || p.dst !== d || p.type !== tun || p.vni !== vni || p.dport !== dport) {
      // By outer addresses, then among their few (type, VNI, port) combinations: no key text per packet.
      const ofPair = mapOf(pairsBySrc, s);
      let list = ofPair.get(d);
      if (!list) ofPair.set(d, (list = []));
      p = list.find((x) => x.type === tun && x.vni === vni && x.dport === dport);
      if (!p) {
        p = { src: s, dst: d, type: tun, vni, dport, acc: new EvidenceAcc(), innerSrcs: new Set(), innerDsts: new Set() };
        list.push(p);
        pairs.set(`${s}|${d}|${tun}|${vni}|${dport}`, p);
      }
      last = p;
    }
    p.acc.add(r);
    if (
      vni >= 0 &&
      p.innerSrcs.size + p.innerDsts.size < PAIR_INNER_CAP &&
      (t.innerVer[r] === 4 || t.innerVer[r] === 6) &&
      t.ipCount[r] >= 2
    ) {
      p.innerSrcs.add(akey(t.innerVer[r], t.innerSrc[r]));
      p.innerDsts.add(akey(t.innerVer[r], t.innerDst[r]));
    }
  }
  for (const s of mirrorSources(t)) {
    innerOf.delete(s);
    vtepMacOf.delete(s);
  }
  return { nodeIps, innerOf, vtepMacOf, pairs, vtepMacs, bridgedHosts };
}

/** A tunnel packet's segment: its type, VNI and UDP port. */
const segmentKey = (t: PacketTable, r: number): string => `${t.tunnel[r]}|${t.vni[r]}|${t.tunDport[r]}`;

/**
 * Tunnel segments (type, VNI, port) that carry ARP inside: a bridged (L2) overlay, such as a
 * secondary network's bridge + VXLAN device or Weave's, which stretches one subnet over the nodes.
 * Routed overlays (flannel, Calico, Cilium, Antrea) answer ARP on the node and route, so their
 * inner frames are a VTEP's, their inner sources the sending node's pods; a bridged segment's inner
 * frames are the pods' own (their MACs, their initial TTL) and tell neither a VTEP MAC nor a pod block.
 */
function bridgedSegments(t: PacketTable): Set<string> {
  const out = new Set<string>();
  for (const a of t.arp) {
    const k = t.tunnel[a.row];
    if (k === TunnelKind.VXLAN || k === TunnelKind.GENEVE) out.add(segmentKey(t, a.row));
  }
  return out;
}

/**
 * Outer sources that encapsulate both directions of one inner conversation (A to B and B to A)
 * and receive no tunnel packet back: a mirror (SPAN/ERSPAN-like) session copying traffic to a
 * collector, not a node's tunnel device. A VTEP encapsulates what its own pods send; their
 * answers come back encapsulated by the other end. What such a source carries says nothing of
 * pods or VTEP MACs.
 */
function mirrorSources(t: PacketTable): number[] {
  /** Outer source -> inner source -> inner destinations it encapsulated (numbers only: no per-row allocation once seen). */
  const sent = new Map<number, Map<number, Set<number>>>();
  const receives = new Set<number>();
  let lastOuter = -1;
  let bySrc: Map<number, Set<number>> | undefined;
  for (let r = 0; r < t.count; r++) {
    if (t.tunnel[r] === TunnelKind.NONE || t.outerVer[r] !== 4 || t.innerVer[r] !== 4) continue;
    receives.add(t.outerDst[r]);
    if (t.outerSrc[r] !== lastOuter || !bySrc) {
      lastOuter = t.outerSrc[r];
      bySrc = sent.get(lastOuter) ?? sent.set(lastOuter, new Map()).get(lastOuter)!;
    }
    let dsts = bySrc.get(t.innerSrc[r]);
    if (!dsts) bySrc.set(t.innerSrc[r], (dsts = new Set()));
    dsts.add(t.innerDst[r]);
  }
  const out: number[] = [];
  for (const [s, m] of sent) {
    if (receives.has(s)) continue;
    let both = false;
    for (const [a, dsts] of m) for (const b of dsts) if (a !== b && m.get(b)?.has(a)) both = true;
    if (both) out.push(s);
  }
  return out;
}

/** Key offset used in TunnelFacts.innerOf for addresses learned as destinations. */
export const DST_KEY = 0x100000000 * 2;

/**
 * IPv6 pod CIDR of each node underlay IP: the common prefix of the inner IPv6 addresses it sends,
 * /64 (the usual per-node IPv6 pod block) unless the traffic spans a wider one; none when two
 * nodes' blocks would overlap.
 */
export function podCidrs6(f: TunnelFacts, ip6: readonly string[]): Map<number, Cidr6> {
  const out = new Map<number, Cidr6>();
  const own = new Map<number, Cidr6>();
  for (const [nodeIp, inner] of f.innerOf) {
    let first: Uint8Array | null = null;
    let len = 128;
    let src = 0;
    for (const k of inner.keys()) {
      const a = k >= DST_KEY ? k - DST_KEY : k;
      if (a < 4294967296 || f.nodeIps.has(a)) continue;
      const b = parseIp6(ip6[a - 4294967296] ?? '');
      if (!b) continue;
      if (k < DST_KEY) src++;
      if (!first) first = b;
      else len = Math.min(len, commonPrefixLen6(first, b));
    }
    if (first && src > 0) {
      out.set(nodeIp, cidr6(first, Math.min(len, 64)));
      own.set(nodeIp, cidr6(first, len));
    }
  }
  const same = (x: Cidr6 | undefined, y: Cidr6 | undefined) => !!x && !!y && x.len === y.len && commonPrefixLen6(x.bytes, y.bytes) >= x.len;
  const list = [...out.entries()];
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      const [a, ca] = list[i];
      const [b, cb] = list[j];
      if (same(ca, cb) && same(own.get(a), own.get(b))) continue; // one node, two addresses
      if (commonPrefixLen6(ca.bytes, cb.bytes) >= Math.min(ca.len, cb.len)) {
        out.delete(a);
        out.delete(b);
      }
    }
  return out;
}

/**
 * Pod CIDR of each node underlay IP: the common prefix of the inner IPv4 addresses it sends (and
 * receives for), flannel-style /24 unless the traffic spans a wider block. Node addresses themselves
 * (inner source = another node's underlay IP) are ignored.
 */
export function podCidrs(f: TunnelFacts, narrowed?: Set<number>): Map<number, Cidr4> {
  const out = new Map<number, Cidr4>();
  for (const [nodeIp, inner] of f.innerOf) {
    let base = -1;
    let len = 32;
    let strongSrc = 0;
    const addrs: number[] = [];
    for (const [k, acc] of inner) {
      const ip = k >= DST_KEY ? k - DST_KEY : k;
      if (ip >= 4294967296 || f.nodeIps.has(ip)) continue;
      if (k < DST_KEY) strongSrc += acc.count;
      addrs.push(ip);
    }
    if (addrs.length === 0 || strongSrc === 0) continue;
    for (const ip of addrs) {
      if (base < 0) base = ip;
      else len = Math.min(len, commonPrefixLen(base, ip));
    }
    len = Math.min(len, 24);
    out.set(nodeIp, { base: (base & prefixMask(len)) >>> 0, len });
  }
  // Two nodes whose blocks overlap cannot both be right: narrow each to what its own sources span;
  // when even that overlaps the traffic does not tell the blocks apart (no CIDR rather than a wrong one).
  const own = new Map<number, Cidr4>();
  for (const [nodeIp, inner] of f.innerOf) {
    let base = -1;
    let len = 32;
    for (const k of inner.keys()) {
      if (k >= DST_KEY || k >= 4294967296 || f.nodeIps.has(k)) continue;
      if (base < 0) base = k;
      else len = Math.min(len, commonPrefixLen(base, k));
    }
    if (base >= 0) own.set(nodeIp, { base: (base & prefixMask(len)) >>> 0, len });
  }
  const overlaps = (x: Cidr4, y: Cidr4) => ((x.base ^ y.base) & prefixMask(Math.min(x.len, y.len))) === 0;
  for (let pass = 0; pass < 2; pass++) {
    const list = [...out.entries()];
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const [a, ca] = list[i];
        const [b, cb] = list[j];
        // The same addresses behind two underlay addresses: one node with two (IPv4 and IPv6).
        const oa = own.get(a);
        const ob = own.get(b);
        if (ca.base === cb.base && ca.len === cb.len && oa && ob && oa.base === ob.base && oa.len === ob.len) continue;
        if (!out.has(a) || !out.has(b) || !overlaps(ca, cb)) continue;
        if (pass === 0) {
          out.set(a, own.get(a) ?? ca);
          out.set(b, own.get(b) ?? cb);
          narrowed?.add(a).add(b);
        } else {
          out.delete(a);
          out.delete(b);
        }
      }
  }
  return out;
}

/** Calico's VXLAN device (vxlan.calico) defaults: VNI 4096 on UDP 4789. */
const CALICO_VXLAN_VNI = 4096;
const CALICO_VXLAN_PORT = 4789;

/**
 * Node underlay addresses whose IPv4 block (podCidrs) the tunnel packets do not bound, each with
 * why: the block is then a working guess the path finder places addresses by, never a stated fact.
 * A flannel-style /24 narrowed to the span of the node's own sources (two nodes' /24s overlap: the
 * blocks are smaller, of a size no address gives); and every node whose tunnel packets are all
 * IP-in-IP or Calico-style VXLAN (VNI 4096 on 4789): Calico hands out blocks (/26 by default) of
 * any size, and its tunnel device's address is an ordinary address of one, so neither the
 * addresses nor the device's address give a prefix length.
 */
export function unboundedBlocks(f: TunnelFacts, cidrs: ReadonlyMap<number, Cidr4>, narrowed: ReadonlySet<number>): Map<number, string> {
  const kinds = new Map<number, { ipip: number; calicoVxlan: number; other: number }>();
  for (const p of f.pairs.values()) {
    const k = kinds.get(p.src) ?? kinds.set(p.src, { ipip: 0, calicoVxlan: 0, other: 0 }).get(p.src)!;
    if (p.type === TunnelKind.IPIP) k.ipip++;
    else if (p.type === TunnelKind.VXLAN && p.vni === CALICO_VXLAN_VNI && p.dport === CALICO_VXLAN_PORT) k.calicoVxlan++;
    else k.other++;
  }
  const out = new Map<number, string>();
  for (const ip of cidrs.keys()) {
    const k = kinds.get(ip);
    if (k && k.other === 0 && k.ipip > 0)
      out.set(
        ip,
        `its tunnel packets are IP-in-IP, which carry addresses only; Calico-style IPAM gives a node blocks of any size (/26 by default), so no prefix length is on the wire`,
      );
    else if (k && k.other === 0 && k.calicoVxlan > 0)
      out.set(
        ip,
        `its tunnel packets are VXLAN VNI ${CALICO_VXLAN_VNI} on UDP ${CALICO_VXLAN_PORT} (Calico's vxlan.calico), whose IPAM gives a node blocks of any size (/26 by default): the addresses carry no prefix length`,
      );
    else if (narrowed.has(ip))
      out.set(
        ip,
        `its pod addresses and another node's share the /24 a flannel-style block would be: the blocks are smaller, and the tunnel packets carry addresses, no prefix length`,
      );
  }
  return out;
}

export interface PointStats {
  ip: number;
  tunnel: number;
  noEth: number;
  /** Frames between all-zero MACs: a loopback device captured as Ethernet. */
  zeroMac: number;
  vtepFrames: number;
  /** Cooked captures: frames received (not PACKET_OUTGOING) and those for another host (a bridge port). */
  incoming: number;
  otherHost: number;
  /**
   * Of `incoming`: those sent to one host (this one or another), not to a group address: only these
   * say whose MAC a port receives for (a veth receives its pod's multicast as any interface does).
   */
  unicastIn: number;
  /** Cooked captures: address key -> received frames it sent. */
  rxSrc: Map<number, number>;
  /** Address key -> packets it sent / sent with an initial TTL (64, 128, 255: not routed yet). */
  srcCount: Map<number, number>;
  initTtl: Map<number, number>;
  /** Unicast IP packets (no multicast, broadcast or link-local address): what a pod's veth carries for its pod. */
  unicast: number;
  /** Unencapsulated packets between two node addresses (kubelet to API server, a node's ping): the underlay's own traffic. */
  nodeToNode: number;
  nodeAcc: EvidenceAcc;
  /** Of `tunnel`: later fragments of tunnel packets fragmented on the underlay (plain IP after the first). */
  tunnelFrags: number;
  /** Unencapsulated IP packets to or from a multicast, broadcast or link-local address (chatter on every segment). */
  linkScope: number;
  /** Of which IPv6. */
  unicast6: number;
  /** Address key -> unicast packets touching it (inner src or dst); node addresses are never a pod, so not counted. */
  addrs: Map<number, number>;
  /** Address key -> MAC of a frame it sent itself (initial TTL: on its own segment, not routed to it). */
  macOf: Map<number, number>;
  /** Address key -> unicast packets between it and a node address, when it is outside every pod block the tunnels show. */
  hostPeer: Map<number, number>;
  /** Unicast packets sent with an initial TTL (not routed yet), by source then destination address key. */
  unrouted: Map<number, Map<number, number>>;
  /** Source MACs of routed frames (TTL decremented, not encapsulated): the routers of the segment. */
  routedMacs: Set<number>;
  /**
   * Addresses outside every pod block the tunnels show that send unicast here unrouted (initial
   * TTL), each with the MAC it sent from: hosts on the captured segment itself, no pod.
   */
  lanHosts: Map<number, number>;
  lanAcc: EvidenceAcc;
  /** Unicast packets sent here unrouted by hosts of a bridged overlay (TunnelFacts.bridgedHosts), and by anyone. */
  overlayUnrouted: number;
  unroutedN: number;
  overlayAcc: EvidenceAcc;
  /**
   * ARP here giving an address outside every pod block the tunnels show (not link-local): sender
   * MAC -> the address, and the ARP's row. A pod's gateway gives one in its pod block (or a link-local one).
   */
  arpOutside: Map<number, { ip: number; row: number }>;
  tunnelAcc: EvidenceAcc;
  /** Every packet of the point (a sample for evidence that cites the point as a whole). */
  allAcc: EvidenceAcc;
  rawAcc: EvidenceAcc;
  vtepAcc: EvidenceAcc;
  routedAcc: EvidenceAcc;
  addrAcc: Map<number, EvidenceAcc>;
}

/**
 * Later fragments of tunnel packets fragmented on the way (a node's NIC MTU below its tunnel
 * device's plus the overhead): plain IP, between the same outer addresses and with the same
 * protocol as a first fragment that is a tunnel packet, on the same capture point right after it
 * (a host sends a datagram's fragments back to back; the table keeps only the inner IP ID of a
 * tunnel packet, so adjacency stands for the outer ID). Rows, by number.
 */
export function tunnelFragments(t: PacketTable): Set<number> {
  const out = new Set<number>();
  // Per point and outer address pair: time of the last tunnel packet that was a first fragment.
  const open = new Map<string, number>();
  for (let r = 0; r < t.count; r++) {
    if (t.outerVer[r] !== 4) continue;
    const f = t.outerFrag[r];
    if (t.tunnel[r] !== TunnelKind.NONE) {
      if ((f & 0x4000) !== 0 && (f & 0x1fff) === 0)
        open.set(`${t.point[r]}|${t.outerSrc[r]}|${t.outerDst[r]}|${t.outerProto[r]}`, t.tNs[r]);
      continue;
    }
    if ((f & 0x1fff) === 0) continue;
    const first = open.get(`${t.point[r]}|${t.outerSrc[r]}|${t.outerDst[r]}|${t.outerProto[r]}`);
    if (first !== undefined && t.tNs[r] - first <= 10e6 && t.tNs[r] >= first) out.add(r);
  }
  return out;
}

/**
 * Whether an address key is inside one of the pod blocks the tunnels show (IPv4 or IPv6 by the
 * key), null when no block of its family is known.
 */
export function podBlockTest(
  t: PacketTable,
  cidrs: ReadonlyMap<number, Cidr4>,
  cidrs6: ReadonlyMap<number, Cidr6>,
): (key: number) => boolean | null {
  const v4 = [...cidrs.values()];
  const v6 = [...cidrs6.values()];
  return (k) => {
    if (k < 4294967296) return v4.length ? v4.some((c) => cidrContains(c, k)) : null;
    if (!v6.length) return null;
    const b = parseIp6(t.ip6[k - 4294967296] ?? '');
    return b ? v6.some((c) => cidr6Contains(c, b)) : null;
  };
}

/** TTL / hop limit a host sends with (64, 128, 255): the packet has not been routed yet. */
export const isInitialTtl = (ttl: number): boolean => ttl === 64 || ttl === 128 || ttl === 255;

export function pointStats(
  t: PacketTable,
  points: readonly PointDraft[],
  vtepMacs: Set<number>,
  nodeIps: ReadonlyMap<number, unknown>,
  inPodBlock: (key: number) => boolean | null = () => null,
  bridgedHosts: ReadonlyMap<number, unknown> = new Map(),
): PointStats[] {
  const st: PointStats[] = points.map(() => ({
    ip: 0,
    tunnel: 0,
    noEth: 0,
    zeroMac: 0,
    vtepFrames: 0,
    incoming: 0,
    otherHost: 0,
    unicastIn: 0,
    rxSrc: new Map(),
    srcCount: new Map(),
    initTtl: new Map(),
    unicast: 0,
    nodeToNode: 0,
    nodeAcc: new EvidenceAcc(),
    tunnelFrags: 0,
    linkScope: 0,
    addrs: new Map(),
    macOf: new Map(),
    hostPeer: new Map(),
    unrouted: new Map(),
    unicast6: 0,
    routedMacs: new Set(),
    lanHosts: new Map(),
    lanAcc: new EvidenceAcc(),
    overlayUnrouted: 0,
    unroutedN: 0,
    overlayAcc: new EvidenceAcc(),
    arpOutside: new Map(),
    tunnelAcc: new EvidenceAcc(),
    allAcc: new EvidenceAcc(),
    rawAcc: new EvidenceAcc(),
    vtepAcc: new EvidenceAcc(),
    routedAcc: new EvidenceAcc(),
    addrAcc: new Map(),
  }));
  // IPv6 addresses that are multicast or link-local, by interned id (decided once per address).
  const local6 = new Map<number, boolean>();
  const isLocal6 = (id: number) => {
    let v = local6.get(id);
    if (v === undefined) local6.set(id, (v = /^(ff|fe[89ab])/i.test(t.ip6[id] ?? '')));
    return v;
  };
  const fragOfTunnel = tunnelFragments(t);
  for (let r = 0; r < t.count; r++) {
    const p = t.point[r];
    const s = st[p];
    const tt = t.tNs[r];
    const d = points[p];
    if (tt < d.firstNs) d.firstNs = tt;
    if (tt > d.lastNs) d.lastNs = tt;
    s.allAcc.add(r);
    if (t.outerVer[r] === 0) continue;
    s.ip++;
    if (t.tunnel[r] !== TunnelKind.NONE || fragOfTunnel.has(r)) {
      s.tunnel++;
      if (t.tunnel[r] === TunnelKind.NONE) s.tunnelFrags++;
      s.tunnelAcc.add(r);
      continue;
    }
    const pt = t.pktType[r];
    if (pt !== PKTTYPE_UNKNOWN && pt !== PKTTYPE_OUTGOING) {
      s.incoming++;
      if (pt === 3) s.otherHost++;
      if (pt === 0 || pt === 3) s.unicastIn++;
    }
    if (t.mac(t.outerMacSrc[r]) < 0) {
      s.noEth++;
      s.rawAcc.add(r);
    } else if (t.mac(t.outerMacSrc[r]) === 0 && t.mac(t.outerMacDst[r]) === 0) {
      s.zeroMac++;
    } else if (vtepMacs.has(t.mac(t.outerMacSrc[r])) && (t.mac(t.outerMacDst[r]) < 0 || vtepMacs.has(t.mac(t.outerMacDst[r])))) {
      // (A cooked capture has the source MAC only.)
      s.vtepFrames++;
      s.vtepAcc.add(r);
    }
    const v = t.innerVer[r];
    const a = akey(v, t.innerSrc[r]);
    const b = akey(v, t.innerDst[r]);
    if (pt !== PKTTYPE_UNKNOWN && pt !== PKTTYPE_OUTGOING) s.rxSrc.set(a, (s.rxSrc.get(a) ?? 0) + 1);
    s.srcCount.set(a, (s.srcCount.get(a) ?? 0) + 1);
    const init = isInitialTtl(t.innerTtl[r]);
    if (init) s.initTtl.set(a, (s.initTtl.get(a) ?? 0) + 1);
    accOf(s.addrAcc, a).add(r);
    const unicast =
      v === 4
        ? t.innerSrc[r] !== 0 && t.innerDst[r] < 0xe0000000 && t.innerSrc[r] >>> 16 !== 0xa9fe
        : v === 6 && !isLocal6(t.innerSrc[r]) && !isLocal6(t.innerDst[r]);
    if (unicast && nodeIps.has(a) && nodeIps.has(b)) {
      s.nodeToNode++;
      s.nodeAcc.add(r);
    } else if (!unicast) s.linkScope++;
    else {
      s.unicast++;
      if (v === 6) s.unicast6++;
      if (init) {
        const m = s.unrouted.get(a) ?? s.unrouted.set(a, new Map()).get(a)!;
        m.set(b, (m.get(b) ?? 0) + 1);
        s.unroutedN++;
        if (bridgedHosts.has(a)) {
          s.overlayUnrouted++;
          s.overlayAcc.add(r);
        }
      }
      if (!nodeIps.has(a)) s.addrs.set(a, (s.addrs.get(a) ?? 0) + 1);
      if (b !== a && !nodeIps.has(b)) s.addrs.set(b, (s.addrs.get(b) ?? 0) + 1);
      const peer = nodeIps.has(a) ? b : nodeIps.has(b) ? a : -1;
      if (peer >= 0 && !nodeIps.has(peer) && inPodBlock(peer) === false) s.hostPeer.set(peer, (s.hostPeer.get(peer) ?? 0) + 1);
    }
    const mac = t.mac(t.innerMacSrc[r]);
    if (mac >= 0 && !macIsGroup(mac)) {
      if (init && unicast && !s.lanHosts.has(a) && inPodBlock(a) === false && !bridgedHosts.has(a)) {
        s.lanHosts.set(a, mac);
        s.lanAcc.add(r);
      }
      if (init && !s.macOf.has(a)) s.macOf.set(a, mac);
      else if (!init && unicast && s.routedMacs.size < 64) {
        s.routedMacs.add(mac);
        s.routedAcc.add(r);
      }
    }
  }
  for (const a of t.arp) {
    const ip = a.senderIp >>> 0;
    if (ip === 0 || ip >>> 16 === 0xa9fe || macIsGroup(a.senderMac) || inPodBlock(ip) !== false) continue;
    const m = st[t.point[a.row]].arpOutside;
    if (!m.has(a.senderMac)) m.set(a.senderMac, { ip, row: a.row });
  }
  return st;
}

const addr = (t: PacketTable, k: number) => (k >= 4294967296 ? (t.ip6[k - 4294967296] ?? '?') : ip4ToString(k));

/** Fewest IP packets whose shares (one address on every packet, frames between VTEP MACs...) say a kind. */
const MIN_TRAFFIC_SHARE_PACKETS = 2;

/** Cooked captures: most unicast frames the interface receives are for other hosts' MACs, as a bridge port's are. */
function isBridgePort(s: PointStats): boolean {
  return s.unicastIn > 0 && s.otherHost >= 0.5 * s.unicastIn;
}

/** The traffic's claim about a point's kind (none when it carries no IP or is a whole `any` capture). */
function trafficKind(t: PacketTable, p: PointDraft, s: PointStats, ids: readonly string[]): Claim<InterfaceKind> | null {
  if (s.ip === 0 || (p.kind === 'any' && p.ifindex === null)) return null;
  const claim = (value: InterfaceKind, weight: number, reason: string, acc: EvidenceAcc | null): Claim<InterfaceKind> => ({
    value,
    weight,
    source: 'traffic',
    evidence: evidence(t, ids, reason, acc),
  });
  if (s.tunnel >= 0.5 * s.ip)
    return claim(
      'underlay',
      WEIGHT.strongTraffic,
      `${s.tunnel} of ${s.ip} IP packets are tunnel-encapsulated between node addresses: the node's NIC`,
      s.tunnelAcc,
    );
  // Besides the tunnels, the nodes' own traffic (kubelet to the API server, a node's ping): both
  // ends are node addresses, sent with the hosts' own TTL on their shared segment. Pods never have
  // a node's address, so this is the underlay, not a pod's veth.
  // Tunnel packets fragmented on the underlay: the later fragments are plain IP between the same
  // node addresses. Link-scope chatter (router solicitations, MLD) is on every segment and says nothing.
  if ((s.nodeToNode > 0 || s.tunnelFrags > 0) && s.tunnel + s.nodeToNode >= 0.5 * (s.ip - s.linkScope)) {
    const acc = new EvidenceAcc();
    acc.merge(s.nodeAcc);
    acc.merge(s.tunnelAcc);
    const parts = [
      s.tunnel > 0
        ? `${s.tunnel} are tunnel-encapsulated between node addresses${s.tunnelFrags > 0 ? ` (${s.tunnelFrags} of them later fragments of tunnel packets fragmented on the way)` : ''}`
        : '',
      s.nodeToNode > 0 ? `${s.nodeToNode} go between node addresses (tunnel endpoints) unencapsulated` : '',
    ].filter(Boolean);
    return claim(
      'underlay',
      s.tunnel > 0 ? WEIGHT.strongTraffic : WEIGHT.traffic,
      `of ${s.ip - s.linkScope} unicast IP packets, ${parts.join(' and ')}: the node's NIC on the underlay`,
      acc,
    );
  }
  if (
    p.arphrd === ARPHRD_NONE ||
    p.arphrd === ARPHRD_TUNNEL ||
    p.arphrd === ARPHRD_IPGRE ||
    p.linktype === LinkType.RAW ||
    p.linktype === LinkType.IPV4 ||
    p.linktype === LinkType.IPV6
  ) {
    return claim(
      'tun',
      WEIGHT.linkType,
      `${s.noEth} of ${s.ip} packets are bare IP with no link header (the link type says so): a TUN device (flannel0, tunl0)`,
      s.rawAcc,
    );
  }
  if (p.arphrd === null && s.noEth >= 0.9 * s.ip)
    return claim(
      'tun',
      WEIGHT.traffic,
      `${s.noEth} of ${s.ip} packets are bare IP with no link header: a TUN device (flannel0, tunl0)`,
      s.rawAcc,
    );
  if (p.arphrd === ARPHRD_LOOPBACK) return claim('loopback', WEIGHT.linkType, 'the cooked header says loopback', s.allAcc);
  // What follows reads shares of the traffic: one packet makes any share (one UDP packet is
  // "every unicast packet"). Too few says so, below any name.
  if (s.ip < MIN_TRAFFIC_SHARE_PACKETS)
    return claim(
      'unknown',
      1,
      `only ${s.ip} IP packet${s.ip === 1 ? '' : 's'}: too few for the traffic to tell the interface's kind`,
      s.allAcc,
    );
  if (s.zeroMac >= 0.9 * s.ip)
    return claim('loopback', WEIGHT.strongTraffic, `${s.zeroMac} of ${s.ip} frames go between all-zero MACs: a loopback device`, s.allAcc);
  if (s.vtepFrames >= 0.5 * s.ip)
    return claim(
      'vtep',
      WEIGHT.traffic + 1,
      `${s.vtepFrames} of ${s.ip} frames go between VTEP MACs seen inside VXLAN: the VXLAN device`,
      s.vtepAcc,
    );
  // A pod's interface never carries tunnel packets between node addresses (the host encapsulates
  // after the veth) nor packets between two node addresses (a pod has no node's address; SNAT to
  // the node's address happens after the veth too): a few of them, even among a majority of the
  // host's own traffic with an address outside the cluster, make this the node's NIC.
  const nodeTraffic = s.tunnel + s.nodeToNode;
  if (nodeTraffic >= MIN_TRAFFIC_SHARE_PACKETS) {
    const acc = new EvidenceAcc();
    acc.merge(s.tunnelAcc);
    acc.merge(s.nodeAcc);
    const rest = p.podIp >= 0 ? `; the rest is to or from ${addr(t, p.podIp)}, an address outside every pod's interface` : '';
    return claim(
      'underlay',
      WEIGHT.traffic + 1,
      `${nodeTraffic} of ${s.ip} IP packets are tunnel-encapsulated or go between node addresses, which no pod's interface carries${rest}: the node's NIC`,
      acc,
    );
  }
  if (isBridgePort(s)) {
    return claim(
      'veth',
      WEIGHT.traffic,
      `${s.otherHost} of ${s.unicastIn} received unicast frames are addressed to another host's MAC: a bridge port (a pod's veth)`,
      s.addrAcc.get(p.podIp) ?? null,
    );
  }
  if (s.routedMacs.size >= 2) {
    // Nothing but routed IP (no ARP, no host sending unrouted) is what a VXLAN device shows as well,
    // its peers' VTEP MACs being the senders, when no capture of the set shows them inside VXLAN:
    // then the traffic cannot tell the two apart and weighs little.
    const onlyRouted = p.count === s.ip && s.unrouted.size === 0;
    return claim(
      'underlay',
      onlyRouted ? WEIGHT.weakTraffic : WEIGHT.traffic,
      onlyRouted
        ? `routed packets (TTL decremented, not encapsulated) arrive from ${s.routedMacs.size} different MACs and nothing else does: several routers on one segment, or a VXLAN device whose peers' MACs no capture shows inside VXLAN (the traffic cannot tell)`
        : `routed packets (TTL decremented, not encapsulated) arrive from ${s.routedMacs.size} different MACs: several routers on one segment, the nodes' network`,
      s.routedAcc,
    );
  }
  // A node's own address talking to an address outside every pod block on every packet: the host's
  // traffic with a machine on its network (a client, a registry), on the node's NIC. A pod's veth
  // shows a node address only with its pod, which is in a pod block.
  const peerN = p.podIp >= 0 ? (s.hostPeer.get(p.podIp) ?? 0) : 0;
  if (peerN > 0 && peerN === (s.addrs.get(p.podIp) ?? 0))
    return claim(
      'underlay',
      WEIGHT.traffic + 1,
      `every unicast IP packet is between a node address and ${addr(t, p.podIp)}, which is outside every pod block the tunnels show: the host's own traffic with a machine on its network, on the node's NIC`,
      s.addrAcc.get(p.podIp) ?? null,
    );
  // Hosts of a bridged (L2) overlay, the only ones sending here unrouted: their frames cross the
  // nodes inside the tunnel as they are (their own MACs and TTL, ARP with them), so they sit behind
  // the overlay's bridge ports, not on a network of the node's NIC. This is a port of that bridge: a
  // pod's veth, or the bridge or its VXLAN device, which carry the same frames (their names tell).
  if (p.podIp >= 0 && s.overlayUnrouted > 0 && s.overlayUnrouted === s.unroutedN && s.unrouted.has(p.podIp))
    return {
      ...claim(
        'veth',
        WEIGHT.traffic,
        `every packet sent here unrouted (initial TTL) is from ${[...s.unrouted.keys()].map((a) => addr(t, a)).join(', ')}, hosts of a bridged overlay whose own frames (their MACs, ARP with them) cross between the nodes inside the tunnel: a port of that overlay's bridge, a pod's veth (or the bridge itself, or its VXLAN device)`,
        s.overlayAcc,
      ),
      alsoFits: ['bridge', 'vtep'],
    };
  // Two hosts outside every pod block, each sending here unrouted from a MAC of its own: they share
  // this segment. A pod's interface shows one unrouted sender outside the pod blocks at most (the
  // pod's peers arrive routed, by the gateway, unless they are pods on its own bridge), so this is a
  // NIC of the node on a network of hosts (a second NIC beside the underlay: management, storage).
  const lan = p.podIp >= 0 ? s.lanHosts.get(p.podIp) : undefined;
  if (lan !== undefined) {
    const others = [...s.lanHosts].filter(([a, m]) => a !== p.podIp && m !== lan);
    if (others.length > 0)
      return claim(
        'underlay',
        WEIGHT.traffic + 1,
        `${addr(t, p.podIp)} and ${others.map(([a]) => addr(t, a)).join(', ')} send here unrouted (initial TTL), each from a MAC of its own, and none is in a pod block the tunnels show: hosts sharing one segment, so this is a NIC of the node (a network beside the pods'), not a pod's interface`,
        s.lanAcc,
      );
  }
  // The one host sending here unrouted is outside every pod block, and the MAC the routed packets
  // here come from gives an address outside every pod block too in ARP: a pod's gateway has an
  // address of its pod block (or a link-local one), so this is a network of hosts beside the pods'
  // (a node's second NIC, NodePort clients behind it) and that MAC the node's, not a pod's gateway.
  if (lan !== undefined) {
    for (const [mac, a] of s.arpOutside) {
      if (mac === lan || a.ip === p.podIp || !s.routedMacs.has(mac)) continue;
      const acc = new EvidenceAcc();
      acc.add(a.row);
      acc.merge(s.routedAcc);
      return claim(
        'underlay',
        WEIGHT.traffic + 1,
        `${addr(t, p.podIp)} sends here unrouted from a MAC of its own but is in no pod block the tunnels show, and ${macToString(mac)}, which the routed packets here come from, gives ${ip4ToString(a.ip)} in ARP, outside every pod block too, where a pod's gateway has an address of its pod block: a NIC of the node on a network beside the pods' (${ip4ToString(a.ip)} its address there), not a pod's interface`,
        acc,
      );
    }
  }
  if (p.podIp >= 0) {
    const acc = s.addrAcc.get(p.podIp) ?? null;
    const own = s.initTtl.get(p.podIp) ?? 0;
    const sent = s.srcCount.get(p.podIp) ?? 0;
    const on = s.addrs.get(p.podIp) ?? 0;
    const total = p.podIp >= 4294967296 ? s.unicast6 : s.unicast - s.unicast6;
    if (own > 0 && on < total)
      return claim(
        'veth',
        WEIGHT.traffic,
        `${on} of ${total} unicast IP packets are to or from ${addr(t, p.podIp)}, which sends here with an initial TTL from a MAC of its own, and every packet sent here unrouted is to or from it; the others are routed frames for other addresses, which a bridge floods to every port: its veth`,
        acc,
      );
    // A bridge holding that one pod carries the same: a name saying bridge is no conflict with it.
    if (own > 0)
      return {
        ...claim(
          'veth',
          WEIGHT.traffic,
          `every unicast IP packet is to or from ${addr(t, p.podIp)}, which sends here with an initial TTL: its veth (or its own interface, or a bridge holding only it)`,
          acc,
        ),
        alsoFits: ['bridge'],
      };
    // The one address is always seen routed: one pod's traffic crossing a node's NIC.
    if (sent > 0)
      return claim(
        'underlay',
        WEIGHT.traffic - 1,
        `every unicast IP packet is to or from ${addr(t, p.podIp)}, but it is always seen routed (TTL decremented): a node's NIC carrying one pod's traffic`,
        acc,
      );
    return claim(
      'veth',
      WEIGHT.weakTraffic,
      `every unicast IP packet goes to ${addr(t, p.podIp)}, which never sends: a pod's veth (or a NIC carrying traffic to one pod)`,
      acc,
    );
  }
  if (s.incoming > 0 && p.arphrd === ARPHRD_ETHER)
    return claim(
      'bridge',
      WEIGHT.traffic - 1,
      `received frames are addressed to this interface: a bridge holding the pods' gateway`,
      s.allAcc,
    );
  return claim(
    'bridge',
    WEIGHT.weakTraffic,
    `frames of several pods' addresses, routed ones all from one gateway MAC: the node's bridge`,
    s.allAcc,
  );
}

/**
 * The kind of every point: the traffic's claim weighed against the names' (a file called eth0 that
 * only ever carries one pod's address is that pod's interface; a named cni0 stays a bridge).
 * Also picks each point's pod (the one address on every unicast packet) and the pod's MAC.
 */
export function inferKinds(
  t: PacketTable,
  points: PointDraft[],
  st: readonly PointStats[],
  ids: readonly string[],
  names: NameFacts,
  conflict: (message: string, rows: Evidence) => void,
): void {
  // A veth's pod: the one address on every unicast IP packet (multicast and link-local chatter
  // reach a pod's veth too). Both ends of a single conversation are on every packet, so ties are
  // broken by: an address another veth already owns is not this pod; the pod sends with an initial
  // TTL (remote senders arrive routed, TTL decremented), with a MAC of its own (remote addresses
  // arrive with the gateway's MAC) and, in cooked captures, is the source of the frames the host side receives.
  // Each address family on its own: a dual-stack pod has one of each.
  /** Address -> points it is the one address of. */
  const claimed = new Map<number, number[]>();
  const claim = (a: number, i: number) => (claimed.get(a) ?? claimed.set(a, []).get(a)!).push(i);
  const tiedOf = new Map<string, number[]>();
  const chosen = points.map(() => [-1, -1]);
  // Points where one family's unicast packets hold several addresses with no flooded port among them:
  // several pods' traffic (a bridge, a NIC), so the other family's one address is no pod of the point.
  const several = new Set<number>();
  st.forEach((s, i) => {
    for (const fam of [0, 1]) {
      const total = fam === 0 ? s.unicast - s.unicast6 : s.unicast6;
      let topN = 0;
      for (const [a, n] of s.addrs) if ((a >= 4294967296 ? 1 : 0) === fam && n > topN) topN = n;
      if (topN === 0 || total === 0) continue;
      if (topN < 0.98 * total) {
        const a = floodedPort(s, fam, total);
        if (a !== null) {
          chosen[i][fam] = a;
          claim(a, i);
        } else several.add(i);
        continue;
      }
      const tied = [...s.addrs.entries()].filter(([a, n]) => n === topN && (a >= 4294967296 ? 1 : 0) === fam).map(([a]) => a);
      if (tied.length === 1) {
        const a = (s.initTtl.get(tied[0]) ?? 0) === 0 ? (floodedPort(s, fam, total) ?? tied[0]) : tied[0];
        chosen[i][fam] = a;
        // An address that sends here but only ever routed is one pod's traffic crossing a NIC or
        // tunnel device (trafficKind says so), not this point's pod: it owns no veth here, and a
        // veth of its own node carrying it with someone else is not thereby someone else's.
        if ((s.initTtl.get(a) ?? 0) > 0 || (s.srcCount.get(a) ?? 0) === 0) claim(a, i);
      } else tiedOf.set(`${i}|${fam}`, tied);
    }
  });
  for (const [a, at] of claimed)
    claimed.set(
      a,
      at.filter((i) => !several.has(i)),
    );
  for (const [key, tied0] of tiedOf) {
    const [i, fam] = key.split('|').map(Number);
    const s = st[i];
    // Only while that veth was captured too: a restarted pod keeps its address on a new veth once
    // the old one is gone, so captures that do not overlap in time may both be its.
    const overlaps = (j: number) => points[j].firstNs <= points[i].lastNs && points[i].firstNs <= points[j].lastNs;
    const tied = tied0.filter((a) => !(claimed.get(a) ?? []).some(overlaps));
    const cands = tied.length ? tied : tied0;
    const macUse = new Map<number, number>();
    for (const m of s.macOf.values()) macUse.set(m, (macUse.get(m) ?? 0) + 1);
    const score = (a: number) => {
      const m = s.macOf.get(a);
      return (
        (2 * (s.initTtl.get(a) ?? 0)) / Math.max(1, s.srcCount.get(a) ?? 0) +
        (m !== undefined && macUse.get(m) === 1 ? 1 : 0) +
        (s.rxSrc.get(a) ?? 0) / Math.max(1, s.incoming)
      );
    };
    cands.sort((a, b) => score(b) - score(a));
    chosen[i][fam] = cands[0];
    if (fam === 0 || chosen[i][0] < 0) points[i].podTied = cands;
  }
  points.forEach((p, i) => {
    if (several.has(i)) return;
    const [v4, v6] = chosen[i];
    p.podIp = v4 >= 0 ? v4 : v6;
    if (v4 >= 0 && v6 >= 0) p.podIp6 = v6;
    if (p.podIp >= 0) p.podMac = st[i].macOf.get(p.podIp) ?? (v6 >= 0 ? (st[i].macOf.get(v6) ?? -1) : -1);
  });
  points.forEach((p, i) => {
    const claims = [...names.kind[i]];
    const tc = trafficKind(t, p, st[i], ids);
    if (tc) claims.push(tc);
    const d = decide(claims);
    if (!d) return;
    p.kind = d.value;
    p.kindSource = d.source;
    for (const c of d.support) p.evidence.push(cite(c));
    if (d.against.length > 0) conflict(conflictText(p.id, 'kind', d), d.against[0].evidence);
    if (p.kind !== 'veth') {
      p.podIp = -1;
      p.podIp6 = -1;
    }
  });
}

/** Least share of a veth's unicast packets its pod is on, when the bridge floods it others' frames too. */
const FLOODED_PORT_SHARE = 0.75;

/**
 * A pod's veth is a bridge port: besides its pod's traffic it carries the frames the bridge floods to
 * every port (a frame for a MAC the bridge has not learnt, as a stale neighbour entry for a deleted
 * pod sends), so a remote address can be on every packet while the pod is not, or the pod on
 * all but a few. The pod is then the address on most packets among those that send here unrouted
 * (initial TTL) from a MAC of its own, when every unrouted packet is to or from it and it is on
 * three quarters of the unicast packets at least; the others are routed frames for other
 * addresses. Null when no address fits.
 */
function floodedPort(s: PointStats, fam: number, total: number): number | null {
  // The address on most packets among those that send here unrouted from a MAC of their own.
  let a = -1;
  for (const x of s.unrouted.keys())
    if ((x >= 4294967296 ? 1 : 0) === fam && s.macOf.has(x) && (s.addrs.get(x) ?? 0) > (s.addrs.get(a) ?? 0)) a = x;
  if (a < 0 || (s.addrs.get(a) ?? 0) < FLOODED_PORT_SHARE * total) return null;
  // Every unrouted packet is to or from it: the rest reached the segment routed (through the bridge).
  for (const [src, dsts] of s.unrouted) if (src !== a && (dsts.size > 1 || !dsts.has(a))) return null;
  return a;
}

/** The address that sends most with an initial TTL among the unicast ones: a pod interface's pod (-1 none). */
function podOf(s: PointStats): number {
  let pod = -1;
  let best = -1;
  for (const [a, n] of s.initTtl) {
    if (!s.addrs.has(a)) continue; // multicast / link-local chatter is no pod
    const share = n / Math.max(1, s.srcCount.get(a) ?? 0);
    if (share > best) [pod, best] = [a, share];
  }
  return pod;
}

/**
 * Addresses that send unrouted (initial TTL) on the pod-side points (veth, bridge) of exactly one
 * node: that node's pods (or its gateway). Address key -> node index, -1 when several nodes show it.
 */
export function localSenders(
  points: readonly PointDraft[],
  st: readonly PointStats[],
  nodeOfPoint: ArrayLike<number>,
): Map<number, number> {
  const out = new Map<number, number>();
  points.forEach((p, i) => {
    const n = nodeOfPoint[i];
    if (n < 0 || (p.kind !== 'veth' && p.kind !== 'bridge')) return;
    for (const a of st[i].initTtl.keys()) {
      if (!st[i].addrs.has(a)) continue; // link-local and multicast senders are on every segment
      const prev = out.get(a);
      out.set(a, prev === undefined || prev === n ? n : -1);
    }
  });
  return out;
}

/** Link header bytes by link type: a frame's length without them is the same on any capture of it. */
const LINK_HEADER: Readonly<Record<number, number>> = {
  [LinkType.ETHERNET]: 14,
  [LinkType.LINUX_SLL]: 16,
  [LinkType.LINUX_SLL2]: 20,
};

/**
 * Two captures of one interface by two sockets (a `tcpdump -i any` beside a `tcpdump -i eth0`): when
 * no clock reading is shared, each socket stamps its own copy, and the kernel hands every frame to the
 * sockets in one order (those of every interface before those of the device), so one capture's stamps
 * are never after the other's, for frames sent and received alike. Two interfaces on a path (a NIC and
 * the bridge holding it) see received frames in one order and sent ones in the other. Needs a cooked
 * capture's packet types to tell sent from received, and frames of both. Returns the side whose stamps
 * are later (0: `mx`'s, 1: `my`'s) with the counts, or null.
 */
function socketOrder(
  t: PacketTable,
  mx: Map<string, number[]>,
  my: Map<string, number[]>,
  from: number,
  to: number,
  grain: number,
  twinIn: (r: number, other: Map<string, number[]>) => boolean,
): { later: 0 | 1; out: number; in: number } | null {
  let out = 0;
  let inn = 0;
  let xLater = 0;
  let yLater = 0;
  for (const [k, rs] of mx)
    for (const r of rs) {
      if (t.tNs[r] < from || t.tNs[r] > to || !twinIn(r, my)) continue;
      const o = my.get(k)!.reduce((a, b) => (Math.abs(t.tNs[b] - t.tNs[r]) < Math.abs(t.tNs[a] - t.tNs[r]) ? b : a));
      const pt = t.pktType[r] !== PKTTYPE_UNKNOWN ? t.pktType[r] : t.pktType[o];
      if (pt === PKTTYPE_UNKNOWN) return null;
      if (pt === PKTTYPE_OUTGOING) out++;
      else inn++;
      const d = t.tNs[o] - t.tNs[r];
      if (d >= grain) yLater++;
      else if (-d >= grain) xLater++;
    }
  if (out === 0 || inn === 0 || (xLater > 0 && yLater > 0) || xLater + yLater === 0) return null;
  return { later: yLater > 0 ? 1 : 0, out, in: inn };
}

/** Shares of frames two captures of one interface have in common, at least (both ways, over the time both ran). */
const TWIN_SHARE = 0.95;
/** How far apart two sockets may stamp one frame (tcpdump's stamps of one frame on two sockets differ by a few µs at most). */
const TWIN_SKEW_NS = 50_000;

/**
 * Each point's timestamp grain in ns: 1000 for a capture whose every stamp is a whole microsecond
 * (a microsecond pcap, or a pcapng written at that resolution), else 1.
 */
export function stampGrains(t: PacketTable, points: number): Float64Array {
  const whole = new Uint8Array(points).fill(1);
  for (let r = 0; r < t.count; r++) if (t.tNs[r] % 1000 !== 0) whole[t.point[r]] = 0;
  return Float64Array.from(whole, (w) => (w ? 1000 : 1));
}

/**
 * Two captures of one node holding the same frames at the same times (within microseconds), each way over the time both ran, are one interface captured twice (two operators, or one capture
 * started late): a pod's veth and its bridge see the same frames microseconds apart, and the
 * bridge frames of other pods the veth never sees. The later-starting (or smaller) one is the
 * twin: it takes the other's interface and kind, and the frames it shares are one sighting, not a
 * hop. Returns the twins' rows that the other capture holds too.
 */
export function twinCaptures(
  t: PacketTable,
  points: PointDraft[],
  nodeOfPoint: ArrayLike<number>,
  ids: readonly string[],
  grain: ArrayLike<number>,
): Uint8Array {
  const twinRows = new Uint8Array(t.count);
  const byNode = new Map<number, number[]>();
  points.forEach((p, i) => {
    if (nodeOfPoint[i] >= 0 && p.count > 0 && !(p.kind === 'any' && p.ifindex === null))
      byNode.set(nodeOfPoint[i], [...(byNode.get(nodeOfPoint[i]) ?? []), i]);
  });
  const pairs: [number, number][] = [];
  for (const list of byNode.values())
    for (let x = 0; x < list.length; x++)
      for (let y = x + 1; y < list.length; y++) {
        const [a, b] = [points[list[x]], points[list[y]]];
        // Two different interface names are two interfaces (a pod's eth0 and its host-side veth see
        // the same frames too); two kinds the traffic tells apart (one pod's veth, the bridge of several) as well.
        const named = a.interface !== null && b.interface !== null && a.interface !== b.interface;
        // Interfaces of one file (an `any` capture, a pcapng) are different interfaces; a pod's own
        // interface and its host-side veth carry the same frames microseconds apart (podSideInterfaces).
        if (!named && a.file !== b.file && a.kind === b.kind && a.kind !== 'veth' && a.firstNs <= b.lastNs && b.firstNs <= a.lastNs)
          pairs.push([list[x], list[y]]);
      }
  if (pairs.length === 0) return twinRows;
  const want = new Set(pairs.flat());
  // Frame -> its rows on each point (the stamps of one frame on two sockets may differ by microseconds).
  // Its length without the link header: a cooked (`-i any`) copy and an Ethernet one of a frame differ there.
  const l3Len = (r: number) => (t.outerVer[r] !== 0 ? t.outerLen[r] : t.origLen[r] - (LINK_HEADER[points[t.point[r]].linktype] ?? 0));
  const key = (r: number) => `${l3Len(r)}|${t.payHash[r]}|${t.ipId[r]}|${t.innerSrc[r]}|${t.innerDst[r]}|${t.tcpSeq[r]}`;
  const rowsOf = new Map<number, Map<string, number[]>>();
  for (const i of want) rowsOf.set(i, new Map());
  for (let r = 0; r < t.count; r++) {
    const m = rowsOf.get(t.point[r]);
    if (!m) continue;
    const k = key(r);
    (m.get(k) ?? m.set(k, []).get(k)!).push(r);
  }
  const twinIn = (r: number, other: Map<string, number[]>) =>
    other.get(key(r))?.some((o) => Math.abs(t.tNs[o] - t.tNs[r]) <= TWIN_SKEW_NS) ?? false;
  for (const [x, y] of pairs) {
    if (points[x].twinOf !== undefined || points[y].twinOf !== undefined) continue;
    const from = Math.max(points[x].firstNs, points[y].firstNs);
    const to = Math.min(points[x].lastNs, points[y].lastNs);
    const [mx, my] = [rowsOf.get(x)!, rowsOf.get(y)!];
    // One stamp read at two precisions (tcpdump --time-stamp-precision=nano beside a microsecond
    // capture): the same at the coarser one (a microsecond stamp is the nanosecond one cut down).
    const g = Math.max(grain[x], grain[y]);
    const count = (m: Map<string, number[]>, other: Map<string, number[]>, acc: EvidenceAcc | null) => {
      let all = 0;
      let both = 0;
      let same = 0;
      for (const [k, rs] of m)
        for (const r of rs) {
          if (t.tNs[r] < from || t.tNs[r] > to) continue;
          all++;
          if (!twinIn(r, other)) continue;
          both++;
          if (other.get(k)!.some((o) => Math.floor(t.tNs[o] / g) === Math.floor(t.tNs[r] / g))) same++;
          acc?.add(r);
        }
      return { all, both, same };
    };
    const shared = new EvidenceAcc();
    const cx = count(mx, my, null);
    const cy = count(my, mx, shared);
    if (cx.both < MIN_TRAFFIC_SHARE_PACKETS || cx.both < TWIN_SHARE * cx.all || cy.both < TWIN_SHARE * cy.all) continue;
    // Most frames carry the very same stamp (the kernel stamped the frame once for every socket), or
    // each socket stamped its own copy, one always first, whichever way the frame went.
    const order = 2 * cx.same < cx.both ? socketOrder(t, mx, my, from, to, g, twinIn) : null;
    if (2 * cx.same < cx.both && order === null) continue;
    // The twin is the one with no interface name, else the one that started later, else the one holding fewer frames.
    const rank = (i: number) => [points[i].interface === null ? 1 : 0, points[i].firstNs, -points[i].count];
    const [rx, ry] = [rank(x), rank(y)];
    const yTwin = rx[0] !== ry[0] ? ry[0] > rx[0] : rx[1] !== ry[1] ? ry[1] > rx[1] : ry[2] >= rx[2];
    const [main, twin] = yTwin ? [x, y] : [y, x];
    const m = points[main];
    const tw = points[twin];
    tw.twinOf = main;
    if (tw.interface === null && m.interface !== null) {
      tw.interface = m.interface;
      tw.interfaceSource = 'traffic';
    }
    tw.kind = m.kind;
    tw.podIp = m.podIp;
    tw.podMac = m.podMac;
    tw.podIp6 = m.podIp6;
    const c = main === x ? cy : cx;
    tw.evidence.push(
      evidence(
        t,
        ids,
        `${c.both} of its ${c.all} frames while both ran are ${m.id}'s, ${c.same} with the very same timestamp${g > 1 ? ' (to the microsecond)' : ''} and the others within ${TWIN_SKEW_NS / 1000} µs` +
          (order === null
            ? ''
            : ` (of ${order.out} sent and ${order.in} received, none stamped earlier on ${points[order.later === 0 ? x : y].id} than on ${points[order.later === 0 ? y : x].id}: each socket stamps its own copy, in the order the kernel hands them out, where two interfaces on a path would see sent and received frames in opposite orders)`) +
          `, and the other way round: the same interface (${m.interface ?? m.kind}) captured twice; the shared frames count once, as ${m.id}'s [traffic]`,
        shared,
      ),
    );
    for (const rs of (main === x ? my : mx).values()) for (const r of rs) if (twinIn(r, main === x ? mx : my)) twinRows[r] = 1;
  }
  return twinRows;
}

/**
 * A node has one bridge: when the traffic alone made several of a node's points bridges, the one
 * with the most local senders (initial TTL) stays; the others are pod interfaces whose pod also
 * talks to its neighbours (their best-scoring sender is the pod).
 */
export function oneBridgePerNode(
  t: PacketTable,
  points: PointDraft[],
  st: readonly PointStats[],
  nodeOfPoint: ArrayLike<number>,
  ids: readonly string[],
): void {
  // Cooked (-i any) captures say which frames a host-side veth receives for other hosts' MACs: the
  // veth is a bridge port, so its node has a bridge, and the interface receiving frames for its own
  // MAC is it. A node whose cooked captures show no bridge port has no bridge (routed pod networks).
  const isPort = (i: number) => isBridgePort(st[i]);
  const ownRx = (i: number) => points[i].arphrd === ARPHRD_ETHER && st[i].incoming > 0 && !isPort(i);
  const nodePoints = new Map<number, number[]>();
  points.forEach((_, i) => nodeOfPoint[i] >= 0 && nodePoints.set(nodeOfPoint[i], [...(nodePoints.get(nodeOfPoint[i]) ?? []), i]));
  for (const list of nodePoints.values()) {
    const ports = list.filter(isPort);
    const bridges = list.filter((i) => points[i].kind === 'bridge');
    if (ports.length > 0 && bridges.length === 0) {
      const cands = list.filter((i) => ownRx(i) && points[i].kind === 'veth' && points[i].kindSource === 'traffic');
      if (cands.length === 0) continue;
      const b = cands.reduce((x, y) => (st[y].incoming > st[x].incoming ? y : x));
      points[b].kind = 'bridge';
      points[b].podIp = -1;
      points[b].evidence.push(
        evidence(
          t,
          ids,
          `${ports.length} of its node's interfaces receive frames for other hosts' MACs (bridge ports); this one receives ${st[b].incoming} for its own MAC: their bridge [traffic]`,
          st[b].allAcc,
        ),
      );
    } else if (
      ports.length === 0 &&
      bridges.length > 0 &&
      bridges.every((i) => points[i].kindSource === 'traffic' && points[i].arphrd !== null)
    ) {
      for (const i of bridges) {
        points[i].kind = 'veth';
        points[i].podIp = podOf(st[i]);
        points[i].podMac = st[i].macOf.get(points[i].podIp) ?? -1;
        points[i].evidence.push(
          evidence(
            t,
            ids,
            `no interface of its node receives frames for other hosts' MACs (no bridge ports): a routed pod interface, not a bridge [traffic]`,
            st[i].allAcc,
          ),
        );
      }
    }
  }
  const byNode = new Map<number, number[]>();
  points.forEach((p, i) => {
    if (p.kind === 'bridge' && nodeOfPoint[i] >= 0 && p.twinOf === undefined)
      byNode.set(nodeOfPoint[i], [...(byNode.get(nodeOfPoint[i]) ?? []), i]);
  });
  for (const list of byNode.values()) {
    if (list.length < 2) continue;
    const senders = (i: number) => [...st[i].initTtl.keys()].length;
    const named = list.filter((i) => points[i].kindSource !== 'traffic');
    const keep = (named.length ? named : list).reduce((a, b) => (senders(b) > senders(a) ? b : a));
    for (const i of list) {
      if (i === keep || points[i].kindSource !== 'traffic') continue;
      const s = st[i];
      const pod = podOf(s);
      if (pod < 0) continue;
      points[i].kind = 'veth';
      points[i].podIp = pod;
      points[i].podMac = s.macOf.get(pod) ?? -1;
      points[i].evidence.push(
        evidence(
          t,
          ids,
          `its node already has a bridge (${points[keep].id}, more local senders): this is a pod's interface, and the pod is the address that sends most with an initial TTL [traffic]`,
          s.addrAcc.get(pod) ?? null,
        ),
      );
    }
  }
  singlePodBridges(t, points, nodeOfPoint, ids);
}

/**
 * A veth whose pod was a tie between hosts of a bridged (L2) overlay (its pod and a remote host it
 * talks to both send unrouted from MACs of their own) is settled by the tunnel: each host's frames
 * are encapsulated by the node it sits behind. Of the tied addresses, those only other nodes
 * encapsulate are remote; one left is the pod. Its tie is then over (`podTied` holds the pod).
 */
export function tiedPodsByTunnel(
  t: PacketTable,
  points: PointDraft[],
  st: readonly PointStats[],
  nodeOfPoint: ArrayLike<number>,
  nodeOfIp: ReadonlyMap<number, number>,
  bridgedHosts: ReadonlyMap<number, ReadonlyMap<number, EvidenceAcc>>,
  ids: readonly string[],
): void {
  if (bridgedHosts.size === 0) return;
  points.forEach((p, i) => {
    const n = nodeOfPoint[i];
    if (p.kind !== 'veth' || p.podSide || n < 0 || !p.podTied || p.podTied.length < 2) return;
    const remote: { a: number; acc: EvidenceAcc }[] = [];
    const left: number[] = [];
    for (const a of p.podTied) {
      const by = bridgedHosts.get(a);
      const nodes = by ? [...by.keys()].map((ip) => nodeOfIp.get(ip) ?? -1) : [];
      if (nodes.length > 0 && nodes.every((m) => m >= 0 && m !== n)) remote.push({ a, acc: [...by!.values()][0] });
      else left.push(a);
    }
    if (left.length !== 1 || remote.length === 0) return;
    const [pod] = left;
    const was = p.podIp;
    p.podIp = pod;
    p.podMac = st[i].macOf.get(pod) ?? -1;
    p.podTied = [pod];
    const acc = new EvidenceAcc();
    for (const x of remote) acc.merge(x.acc);
    p.evidence.push(
      evidence(
        t,
        ids,
        `${[pod, ...remote.map((x) => x.a)].map((a) => addr(t, a)).join(' and ')} are on every packet here, each sending with an initial TTL; ` +
          `${remote.map((x) => addr(t, x.a)).join(' and ')} ${remote.length > 1 ? 'are hosts' : 'is a host'} of a bridged overlay whose frames only other nodes encapsulate: ` +
          `remote, not behind this veth: the pod is ${addr(t, pod)}${was !== pod ? ` (not ${addr(t, was)}, which merely came first)` : ''} [traffic]`,
        acc,
      ),
    );
  });
}

/**
 * A veth whose pod was a tie (two addresses on every packet, both sending with an initial TTL from
 * a MAC of their own: the node's host talking to its pod from the bridge's address, as kubelet's
 * probes do, or two pods of one bridge) is settled by time on its node's bridge capture: the pod's
 * packets reach its veth before the bridge and the packets to it the bridge first, while what the
 * node sends from the bridge itself shows on the bridge first. An address the bridge sees first both
 * ways is on the bridge's side, not behind this veth; one address left is the pod.
 * Where the bridge does not settle it (a bridged overlay's frames pass the bridge port to port, and
 * its capture stamps them after forwarding), the node's tunnel device does: a remote host's packets
 * come out of it before they reach the veth, and the pod's go into it after.
 */
export function tiedPodsByTime(
  t: PacketTable,
  points: PointDraft[],
  st: readonly PointStats[],
  nodeOfPoint: ArrayLike<number>,
  ids: readonly string[],
): void {
  points.forEach((p, i) => {
    const n = nodeOfPoint[i];
    if (p.kind !== 'veth' || p.podSide || n < 0 || !p.podTied || p.podTied.length < 2) return;
    const refs = (kind: InterfaceKind) =>
      points
        .map((b, j) => j)
        .filter((j) => {
          const b = points[j];
          return nodeOfPoint[j] === n && b.kind === kind && b.twinOf === undefined && b.firstNs <= p.lastNs && p.firstNs <= b.lastNs;
        });
    // The node's first bridge, as before; then its tunnel devices.
    const bridges = refs('bridge').slice(0, 1);
    for (const ref of [...bridges, ...refs('vtep')]) if (settleByTime(t, p, i, st[i], ref, points[ref], ids)) return;
  });
}

/** One tied veth settled against one reference point of its node (a bridge, or a tunnel device); false when time does not tell. */
function settleByTime(
  t: PacketTable,
  p: PointDraft,
  i: number,
  s: PointStats,
  ref: number,
  r: PointDraft,
  ids: readonly string[],
): boolean {
  const refSide: { a: number; votes: number; matched: number; acc: EvidenceAcc }[] = [];
  const left: number[] = [];
  for (const a of p.podTied!) {
    const byTime = podSideByTime(t, a, i, ref);
    if (byTime && !byTime.first) refSide.push({ a, ...byTime });
    else left.push(a);
  }
  if (left.length !== 1 || refSide.length === 0) return false;
  const [pod] = left;
  const was = p.podIp;
  p.podIp = pod;
  p.podMac = s.macOf.get(pod) ?? -1;
  const acc = new EvidenceAcc();
  for (const x of refSide) acc.merge(x.acc);
  const side =
    r.kind === 'bridge'
      ? `it sends from the bridge's side, not from behind this veth`
      : `it comes through the tunnel device from beyond the node, not from behind this veth`;
  p.evidence.push(
    evidence(
      t,
      ids,
      `${[pod, ...refSide.map((x) => x.a)].map((a) => addr(t, a)).join(' and ')} are on every packet here, each sending with an initial TTL; ` +
        refSide
          .map(
            (x) =>
              `of ${x.matched} packets of ${addr(t, x.a)} also seen on ${r.id}, ${x.votes} show its packets there first and those to it here first: ${side}`,
          )
          .join('; ') +
        `: the pod is ${addr(t, pod)}${was !== pod ? ` (not ${addr(t, was)}, which merely came first)` : ''} [traffic]`,
      acc,
    ),
  );
  return true;
}

/**
 * A bridge holding one pod carries the same frames as that pod's veth, save one thing: a host-side
 * veth sends frames of its own (IPv6 router solicitations, MLD reports from its own MAC) into the
 * pod, which never cross the bridge. Two captures of one node that both carry one and the same pod,
 * on a node with no bridge capture, where only one shows such frames from a MAC the other never
 * shows: that one is the veth, the other the bridge. (A pod-side capture and its host veth see the
 * same frames both ways, so they are never told apart this way.)
 */
function singlePodBridges(t: PacketTable, points: PointDraft[], nodeOfPoint: ArrayLike<number>, ids: readonly string[]): void {
  const byPod = new Map<string, number[]>();
  const bridged = new Set<number>();
  points.forEach((p, i) => {
    const n = nodeOfPoint[i];
    if (n < 0) return;
    if (p.kind === 'bridge') bridged.add(n);
    if (p.kind === 'veth' && p.kindSource === 'traffic' && p.podIp >= 0)
      byPod.set(`${n}|${p.podIp}`, [...(byPod.get(`${n}|${p.podIp}`) ?? []), i]);
  });
  const pairs = [...byPod.entries()].filter(([k, l]) => l.length === 2 && !bridged.has(Number(k.split('|')[0])));
  if (pairs.length === 0) return;
  const want = new Set(pairs.flatMap(([, l]) => l));
  // Per point: unicast source MACs, and source MACs of frames to group addresses only, with a sample.
  const unicastSrc = new Map<number, Set<number>>();
  const groupSrc = new Map<number, Map<number, EvidenceAcc>>();
  for (const i of want) {
    unicastSrc.set(i, new Set());
    groupSrc.set(i, new Map());
  }
  for (let r = 0; r < t.count; r++) {
    const pi = t.point[r];
    if (!want.has(pi) || t.tunnel[r] !== TunnelKind.NONE || t.mac(t.innerMacSrc[r]) < 0) continue;
    const mac = t.mac(t.innerMacSrc[r]);
    if (t.mac(t.innerMacDst[r]) >= 0 && macIsGroup(t.mac(t.innerMacDst[r]))) {
      const m = groupSrc.get(pi)!;
      (m.get(mac) ?? m.set(mac, new EvidenceAcc()).get(mac)!).add(r);
    } else unicastSrc.get(pi)!.add(mac);
  }
  const all = (i: number) => new Set([...unicastSrc.get(i)!, ...groupSrc.get(i)!.keys()]);
  // Frames of the point's own interface: group frames from a MAC the other point never shows.
  const own = (i: number, other: number) =>
    [...groupSrc.get(i)!.entries()].filter(([mac]) => !all(other).has(mac) && !unicastSrc.get(i)!.has(mac));
  for (const [, [a, b]] of pairs) {
    const ownA = own(a, b);
    const ownB = own(b, a);
    if (ownA.length > 0 === ownB.length > 0) continue;
    const [veth, bridge, frames] = ownA.length > 0 ? [a, b, ownA] : [b, a, ownB];
    const acc = new EvidenceAcc();
    for (const [, x] of frames) acc.merge(x);
    points[bridge].kind = 'bridge';
    points[bridge].podIp = -1;
    points[bridge].podMac = -1;
    points[bridge].evidence.push(
      evidence(
        t,
        ids,
        `it carries the same pod as ${points[veth].id}, which alone shows frames its own interface sent (from ${frames.map(([m]) => macToString(m)).join(', ')}): that one is the pod's veth, this its bridge [traffic]`,
        acc,
      ),
    );
    points[veth].evidence.push(
      evidence(
        t,
        ids,
        `it shows frames its own interface sent into the pod (from ${frames.map(([m]) => macToString(m)).join(', ')}), which ${points[bridge].id} never shows: the pod's veth [traffic]`,
        acc,
      ),
    );
  }
}

export interface NodeVote {
  /** Node underlay address key -> packets that touch it (outer address or pod CIDR). */
  readonly votes: Map<number, number>;
  readonly total: number;
}

/** Per point: how many packets touch each node (by underlay address for tunnels, pod CIDR otherwise). */
export function nodeVotes(
  t: PacketTable,
  points: readonly PointDraft[],
  cidrs: Map<number, Cidr4>,
  nodeIps: Map<number, unknown>,
  cidrs6: ReadonlyMap<number, Cidr6> = new Map(),
): NodeVote[] {
  const votes = points.map(() => new Map<number, number>());
  const totals = new Float64Array(points.length);
  const cidrList = [...cidrs.entries()];
  const cidr6List = [...cidrs6.entries()];
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  // IPv6 addresses by interned id -> the node underlay keys whose pod block holds it (decided once per address).
  const blocks6 = new Map<number, number[]>();
  const nodesOf6 = (id: number): number[] => {
    let v = blocks6.get(id);
    if (v === undefined) {
      const b = parseIp6(t.ip6[id] ?? '');
      blocks6.set(id, (v = b ? cidr6List.filter(([, c]) => cidr6Contains(c, b)).map(([n]) => n) : []));
    }
    return v;
  };
  for (let r = 0; r < t.count; r++) {
    if (t.outerVer[r] === 0) continue;
    const p = t.point[r];
    const m = votes[p];
    if (t.tunnel[r] !== TunnelKind.NONE) {
      const s = akey(t.outerVer[r], t.outerSrc[r]);
      const d = akey(t.outerVer[r], t.outerDst[r]);
      if (nodeIps.has(s)) bump(m, s);
      if (d !== s && nodeIps.has(d)) bump(m, d);
      totals[p]++;
      continue;
    }
    if (t.innerVer[r] === 6 && cidr6List.length > 0) {
      // The same votes as IPv4's below, by the IPv6 pod blocks and node addresses.
      const a = t.innerSrc[r];
      const b = t.innerDst[r];
      const kind = points[p].kind;
      if (kind === 'veth' || kind === 'bridge') {
        if (!isInitialTtl(t.innerTtl[r])) continue;
        totals[p]++;
        for (const n of nodesOf6(a)) bump(m, n);
        continue;
      }
      totals[p]++;
      const ka = akey(6, a);
      const kb = akey(6, b);
      const hitA = new Set([...nodesOf6(a), ...(nodeIps.has(ka) ? [ka] : [])]);
      for (const n of hitA) bump(m, n);
      for (const n of new Set([...nodesOf6(b), ...(nodeIps.has(kb) ? [kb] : [])])) if (!hitA.has(n)) bump(m, n);
      continue;
    }
    if (t.innerVer[r] !== 4) continue;
    const a = t.innerSrc[r];
    const b = t.innerDst[r];
    const kind = points[p].kind;
    if (kind === 'veth' || kind === 'bridge') {
      // Only what local pods send counts: it has not been routed yet (initial TTL). Packets from
      // remote pods cross the bridge too, but routed (TTL decremented).
      const ttl = t.innerTtl[r];
      if (ttl !== 64 && ttl !== 128 && ttl !== 255) continue;
      totals[p]++;
      for (const [n, c] of cidrList) if (cidrContains(c, a)) bump(m, n);
      continue;
    }
    totals[p]++;
    let hitA = -1;
    for (const [n, c] of cidrList) {
      if (cidrContains(c, a) || (nodeIps.has(a) && a === n)) {
        bump(m, n);
        hitA = n;
      }
    }
    for (const [n, c] of cidrList) if (n !== hitA && (cidrContains(c, b) || (nodeIps.has(b) && b === n))) bump(m, n);
    // A node address with no pod CIDR known (routed clusters) still votes for itself.
    if (nodeIps.has(a) && !cidrs.has(a)) bump(m, a);
    if (b !== a && nodeIps.has(b) && !cidrs.has(b)) bump(m, b);
  }
  // ARP: the sender address of a request or reply is on the segment of the capture.
  for (const a of t.arp) {
    const p = a.row < t.count ? t.point[a.row] : -1;
    if (p < 0 || (totals[p] > 0 && votes[p].size > 0)) continue;
    for (const [n, c] of cidrList)
      if (cidrContains(c, a.senderIp)) {
        bump(votes[p], n);
        totals[p]++;
      }
  }
  return votes.map((v, i) => ({ votes: v, total: totals[i] }));
}

/** The node a vote designates: a unique best with at least `share` of the packets, else null. */
export function voteWinner(v: NodeVote, share = 0.8): { winner: number | null; tied: number[] } {
  let best = -1;
  let bestN = 0;
  for (const [k, n] of v.votes) if (n > bestN) [best, bestN] = [k, n];
  if (best < 0 || bestN < share * v.total) return { winner: null, tied: [] };
  const tied = [...v.votes.entries()].filter(([, n]) => n === bestN).map(([k]) => k);
  return tied.length === 1 ? { winner: best, tied } : { winner: null, tied };
}

/**
 * A pod's own interface (its eth0, captured inside its network namespace as `kubectl debug` and
 * ksniff do) and its host-side veth carry the same frames: the two ends of one veth pair. Two veth
 * points of one node with the same pod are told apart by their names (a veth*, cali* or lxc* name is
 * the host side, an eth* name the pod's side), else by time, which both share (one node's clock):
 * the pod's own interface sees what the pod sends before the host side does, and what it receives
 * after. The pod's side is marked `podSide`; the host side stays the pod's veth.
 *
 * A point beside a host-side veth whose name says nothing is not inside the pod for that alone: a
 * bridge holding only that pod carries the same frames (`nodes`' names, which name no pod, serve to
 * read a pod's name in its file name). Time tells: the pod's own interface sees the pod's packets
 * before the host veth, the bridge after it. When time cannot tell, a file named after a pod (or
 * taken by ksniff) is inside it; any other is of unknown kind, with why.
 */
export function podSideInterfaces(
  t: PacketTable,
  points: PointDraft[],
  nodeOfPoint: ArrayLike<number>,
  ids: readonly string[],
  nodes: readonly string[] = [],
): void {
  const byPod = new Map<string, number[]>();
  const bridged = new Set<number>();
  points.forEach((p, i) => {
    if (nodeOfPoint[i] >= 0 && p.kind === 'bridge') bridged.add(nodeOfPoint[i]);
    if (nodeOfPoint[i] < 0 || p.kind !== 'veth' || p.podIp < 0) return;
    const k = `${nodeOfPoint[i]}|${p.podIp}`;
    byPod.set(k, [...(byPod.get(k) ?? []), i]);
  });
  for (const list of byPod.values()) {
    if (list.length !== 2) continue;
    const [a, b] = list;
    if (points[a].file === points[b].file && points[a].ifindex !== null && points[b].ifindex !== null) {
      oneNamespacePair(t, points, ids, a, b, bridged.has(nodeOfPoint[a]));
      continue;
    }
    const byName = podSideByName(points[a], points[b]);
    if (byName?.hostOnly) {
      beyondHostVeth(t, points, ids, byName.first ? b : a, byName.first ? a : b, bridged.has(nodeOfPoint[a]), nodes);
      continue;
    }
    const byTime = byName ? null : podSideByTime(t, points[a].podIp, a, b);
    const first = byName?.first ?? byTime?.first;
    if (first === undefined) continue;
    const [pod, host] = first ? [a, b] : [b, a];
    points[pod].podSide = true;
    points[pod].evidence.push(
      evidence(
        t,
        ids,
        byName
          ? `it and ${points[host].id} carry the same pod; ${byName.why}: this is the pod's own interface (inside its network namespace), that one its host-side veth [${byName.source}]`
          : `it and ${points[host].id} carry the same pod, and of ${byTime!.matched} packets seen on both, ${byTime!.votes} show the pod's packets here first and the packets to the pod here last: the pod's own interface (inside its network namespace), that one its host-side veth [traffic]`,
        byTime?.acc ?? null,
      ),
    );
  }
}

/**
 * Point `o`, whose name says nothing, carries the same one pod as `host`, a host-side veth by its
 * name: `o` is the pod's own interface when it sees the pod's packets first, the bridge holding
 * only that pod when it sees them after the veth (unless its node has a bridge already: then its
 * kind is unknown). Time silent: a file named after the pod is inside it, any other is unknown.
 */
function beyondHostVeth(
  t: PacketTable,
  points: PointDraft[],
  ids: readonly string[],
  host: number,
  o: number,
  bridged: boolean,
  nodes: readonly string[],
): void {
  const p = points[o];
  const h = points[host];
  const byTime = podSideByTime(t, p.podIp, o, host);
  const both = `it and ${h.id} carry the same pod ${addr(t, p.podIp)}, and ${h.id} is named '${h.interface}', a host-side veth name`;
  if (byTime?.first === true || (byTime === null && (/^ksniff[-_]/i.test(baseName(p.path)) || podFromFileName(p.path, nodes) !== null))) {
    p.podSide = true;
    p.evidence.push(
      evidence(
        t,
        ids,
        byTime
          ? `${both}; of ${byTime.matched} packets seen on both, ${byTime.votes} show the pod's packets here first and the packets to the pod here last: the pod's own interface (inside its network namespace) [traffic]`
          : `${both}; time cannot order the two, and the file is named after the pod: the pod's own interface (inside its network namespace) [file-name]`,
        byTime?.acc ?? null,
      ),
    );
    return;
  }
  notInsidePod(t, p, ids, byTime, both, bridged);
}

/**
 * Two interfaces of one `-i any` capture that carry the same one pod are of one network namespace,
 * so neither is the pod's own interface (a pod's namespace holds that one and lo): the one that sees
 * the pod's packets first is its host-side veth, the other is beyond it (the bridge holding only that
 * pod, or of unknown kind when its node has a bridge already). Time silent: both stay as they are.
 */
function oneNamespacePair(t: PacketTable, points: PointDraft[], ids: readonly string[], a: number, b: number, bridged: boolean): void {
  const byTime = podSideByTime(t, points[a].podIp, a, b);
  if (byTime === null) return;
  const [host, o] = byTime.first ? [a, b] : [b, a];
  const both = `it and ${points[host].id} carry the same pod ${addr(t, points[o].podIp)}, and one \`-i any\` capture holds both, so they are of one network namespace and neither is the pod's own interface (a pod's namespace holds that one and lo): ${points[host].id} is its host-side veth`;
  notInsidePod(t, points[o], ids, byTime, both, bridged);
}

/** A point carrying the same one pod as that pod's host-side veth, and not inside the pod: the bridge holding only that pod, or of unknown kind. */
function notInsidePod(
  t: PacketTable,
  p: PointDraft,
  ids: readonly string[],
  byTime: { votes: number; matched: number; acc: EvidenceAcc } | null,
  both: string,
  bridged: boolean,
): void {
  const kind: InterfaceKind = byTime !== null && !bridged ? 'bridge' : 'unknown';
  p.kind = kind;
  p.kindSource = 'traffic';
  p.podIp = -1;
  p.podIp6 = -1;
  p.podMac = -1;
  p.evidence.push(
    evidence(
      t,
      ids,
      byTime === null
        ? `${both}; time cannot order the two and the name says nothing: this is the pod's own interface or a bridge holding only that pod, which carry the same frames (kind unknown) [traffic]`
        : kind === 'bridge'
          ? `${both}; of ${byTime.matched} packets seen on both, ${byTime.votes} show the pod's packets there first and the packets to the pod there last, so this is beyond the veth, not inside the pod: the bridge holding only that pod [traffic]`
          : `${both}; of ${byTime.matched} packets seen on both, ${byTime.votes} show the pod's packets there first, so this is beyond the veth, not inside the pod, and the node has a bridge already (kind unknown) [traffic]`,
      byTime?.acc ?? null,
    ),
  );
}

/**
 * Whether the names put the first of two points of one pod inside the pod (true), the second (false), or neither (null).
 * `hostOnly`: only one is named, as a host-side veth, and the other says nothing (it may be the pod's side or a bridge).
 */
function podSideByName(a: PointDraft, b: PointDraft): { first: boolean; why: string; source: AttributionSource; hostOnly: boolean } | null {
  const hostNamed = (p: PointDraft) => p.interface !== null && interfaceKindFromName(p.interface) === 'veth';
  const podNamed = (p: PointDraft) => p.interface !== null && isAmbiguousInterfaceName(p.interface);
  const says = (p: PointDraft) => hostNamed(p) || podNamed(p);
  // One says which end it is, and the other says nothing or the opposite.
  if (says(a) && !(says(b) && hostNamed(a) === hostNamed(b)) && (says(b) || b.interface === null)) {
    const first = podNamed(a);
    return {
      first,
      why: `${a.id} is named '${a.interface}', ${first ? "the name of a pod's interface" : 'a host-side veth name'}`,
      source: a.interfaceSource,
      hostOnly: !says(b),
    };
  }
  if (says(b) && a.interface === null) {
    const first = !podNamed(b);
    return {
      first,
      why: `${b.id} is named '${b.interface}', ${first ? 'a host-side veth name' : "the name of a pod's interface"}`,
      source: b.interfaceSource,
      hostOnly: !podNamed(b),
    };
  }
  return null;
}

/** Whether time puts point `a` inside the pod (first: true) or `b`: the pod's own interface sees its packets first, and packets to it last. */
export function podSideByTime(
  t: PacketTable,
  pod: number,
  a: number,
  b: number,
): { first: boolean; votes: number; matched: number; acc: EvidenceAcc } | null {
  const key = (r: number) =>
    `${t.innerVer[r]}|${t.innerSrc[r]}|${t.innerDst[r]}|${t.innerProto[r]}|${t.ipId[r]}|${t.innerLen[r]}|${t.payHash[r]}|${t.tcpSeq[r]}|${t.icmpSeq[r]}|${t.sport[r]}|${t.dport[r]}`;
  const rows = [new Map<string, number>(), new Map<string, number>()];
  const twice = new Set<string>();
  for (let r = 0; r < t.count; r++) {
    const side = t.point[r] === a ? 0 : t.point[r] === b ? 1 : -1;
    if (side < 0 || t.tunnel[r] !== TunnelKind.NONE || (t.innerVer[r] !== 4 && t.innerVer[r] !== 6)) continue;
    const src = akey(t.innerVer[r], t.innerSrc[r]);
    const dst = akey(t.innerVer[r], t.innerDst[r]);
    if (src !== pod && dst !== pod) continue;
    const k = key(r);
    if (rows[side].has(k)) twice.add(k);
    rows[side].set(k, r);
  }
  // A capture of microsecond precision truncates: its packet happened within the µs after its stamp.
  const res = [1000, 1000];
  for (const side of [0, 1]) for (const r of rows[side].values()) if (t.tNs[r] % 1000 !== 0) res[side] = 1;
  let forA = 0;
  let forB = 0;
  let matched = 0;
  const accA = new EvidenceAcc();
  const accB = new EvidenceAcc();
  for (const [k, ra] of rows[0]) {
    const rb = rows[1].get(k);
    if (rb === undefined || twice.has(k)) continue;
    matched++;
    // Only an order the precision of both captures makes sure counts.
    const aFirst = t.tNs[ra] + res[0] <= t.tNs[rb];
    const bFirst = t.tNs[rb] + res[1] <= t.tNs[ra];
    if (!aFirst && !bFirst) continue;
    const fromPod = akey(t.innerVer[ra], t.innerSrc[ra]) === pod;
    // a is the pod's side when it saw the pod's packet first, or the packet to the pod last.
    if (aFirst === fromPod) {
      forA++;
      accA.add(ra);
    } else {
      forB++;
      accB.add(rb);
    }
  }
  const votes = Math.max(forA, forB);
  if (votes < 3 || votes < 0.9 * (forA + forB)) return null;
  return { first: forA > forB, votes, matched, acc: forA > forB ? accA : accB };
}

/**
 * A file named '<X>-eth0' whose traffic is one pod's own (kind veth, against the name's NIC) was
 * taken inside a pod, and users name such files after the pod: when no other capture names a node
 * X, and X has a pod name's shape ('kafka-be35373f4e-wwwzs', 'redis-0') or the pod's address lies in
 * a pod block the cluster's traffic shows (a pod, not a node, sends there), X is the pod, not a
 * node. The point is then placed by its traffic, as '<pod>.pcap' is: on the node whose pod block
 * holds the pod, named after its address when no capture names it.
 */
export function podNamedFiles(points: PointDraft[], names: NameFacts, t: PacketTable, inPodBlock: (key: number) => boolean | null): void {
  const nodeNames = new Map<string, number>();
  for (const p of points) if (p.node !== null) nodeNames.set(p.node, (nodeNames.get(p.node) ?? 0) + 1);
  points.forEach((p, i) => {
    if (
      p.kind !== 'veth' ||
      p.nodeSource !== 'file-name' ||
      p.node === null ||
      p.interfaceSource !== 'file-name' ||
      p.interface === null ||
      !isAmbiguousInterfaceName(p.interface) ||
      names.nodeWeight[i] !== WEIGHT.fileName ||
      nodeNames.get(p.node) !== 1
    )
      return;
    const shaped = workloadOf(p.node) !== null;
    if (!shaped && (p.podIp < 0 || inPodBlock(p.podIp) !== true)) return;
    const why = shaped
      ? `'${p.node}' has the shape of a pod's name`
      : `${addr(t, p.podIp)}, the one address sending here, lies in a pod block the traffic shows: a pod's own interface, not a node's NIC`;
    p.evidence.push(
      noEvidence(
        `${why}, no other capture names a node '${p.node}', and the traffic shows a pod's own interface: the file is named after the pod, so the traffic places it [file-name]`,
      ),
    );
    p.node = null;
    p.nodeSource = 'none';
    names.nodeWeight[i] = 0;
  });
}

/** A capture point of one pod's veth pair: the pod's address, the name and namespace the file gives it, and whether the point is inside the pod. */
export interface InPod {
  readonly podIp: number;
  readonly name: string | null;
  readonly namespace: string | null;
  /** Captured inside the pod's network namespace (its own interface, its lo), not on the node's side. */
  readonly inside: boolean;
}

/**
 * Captures of one pod's veth pair whose other end is not captured (podSideInterfaces tells the two
 * ends apart when both are). Such a veth point is the pod's own interface when it is named like a
 * pod's interface (eth0: a host-side veth is named veth*, cali* or lxc*), when ksniff took it (it
 * captures inside the pod), or when its `-i any` file holds nothing but it and a loopback (one veth
 * end and lo: a pod's network namespace, never a node's); it is then marked `podSide`, and the
 * loopback beside it is the pod's own lo. A file named after the pod alone ('web-0.pcap') does not
 * tell the end: operators name host-side veth captures after the pod too. Returns, per point of a
 * pod's veth pair (and its lo), the pod with the name the file gives it (`nodes`: the node names,
 * which name no pod).
 */
export function podOwnInterfaces(
  t: PacketTable,
  points: PointDraft[],
  nodeOfPoint: ArrayLike<number>,
  nodes: readonly string[],
): Map<number, InPod> {
  const out = new Map<number, InPod>();
  const ends = new Map<string, number>();
  const ofFile = new Map<number, number[]>();
  const endKey = (i: number) => `${nodeOfPoint[i]}|${points[i].podIp}`;
  points.forEach((p, i) => {
    ofFile.set(p.file, [...(ofFile.get(p.file) ?? []), i]);
    if (p.kind === 'veth' && p.podIp >= 0 && nodeOfPoint[i] >= 0) ends.set(endKey(i), (ends.get(endKey(i)) ?? 0) + 1);
  });
  points.forEach((p, i) => {
    if (p.kind !== 'veth' || p.podIp < 0 || p.twinOf !== undefined) return;
    const alone = nodeOfPoint[i] < 0 || ends.get(endKey(i)) === 1;
    if (!alone && !p.podSide) return;
    const named = podFromFileName(p.path, nodes);
    const others = ofFile.get(p.file)!.filter((j) => j !== i);
    const namespaceOfLo = p.ifindex !== null && others.length > 0 && others.every((j) => points[j].kind === 'loopback');
    if (!p.podSide) {
      const why =
        p.interface !== null && isAmbiguousInterfaceName(p.interface)
          ? `it is named '${p.interface}' (${p.interfaceSource}), the name of a pod's interface, where a host-side veth is named veth*, cali* or lxc*`
          : /^ksniff[-_]/i.test(baseName(p.path))
            ? 'ksniff took it, and ksniff captures inside the pod'
            : namespaceOfLo
              ? "its file holds only it and a loopback: one veth end and lo, the interfaces of a pod's network namespace, never of a node"
              : null;
      if (why !== null) {
        p.podSide = true;
        p.evidence.push(
          noEvidence(
            `the only capture of ${addr(t, p.podIp)}'s veth pair, and ${why}: the pod's own interface, inside its network namespace (its host-side veth is not captured)`,
          ),
        );
      }
    }
    const inside = p.podSide === true;
    if (!inside && named === null) return;
    const pod: InPod = { podIp: p.podIp, name: named?.pod ?? null, namespace: named?.namespace ?? null, inside };
    out.set(i, pod);
    if (!inside || !namespaceOfLo) return;
    for (const j of others) {
      const lo = points[j];
      if (lo.interface === null) {
        lo.interface = 'lo';
        lo.interfaceSource = 'traffic';
      }
      lo.evidence.push(
        noEvidence(
          `the same \`-i any\` capture holds ${p.id}, the pod ${named?.pod ?? addr(t, p.podIp)}'s own interface, and only a loopback beside it: the pod's own lo (a network namespace has one loopback, lo), not the node's`,
        ),
      );
      out.set(j, pod);
    }
  });
  return out;
}

/** A NIC capture's host, as `nicHosts` finds it. */
export interface NicHost {
  /** The node address (an `akey`) the host's MAC sends with an initial TTL. */
  readonly ip: number;
  readonly mac: number;
  readonly acc: EvidenceAcc;
  /** 'arp': the address is no known node's; the host's MAC gives it in its ARP (a node no capture names). */
  readonly by: 'ip' | 'arp';
}

/**
 * The host each of `which` NIC captures was taken on, where its frames tell: a NIC sees only its
 * own host's unicast frames, so one MAC is on every one of them (as source or destination). When
 * that MAC sends one node address with an initial TTL (not routed yet: the host's own packets), the
 * capture is that node's NIC. A gateway's MAC can be on every frame too (all traffic routed), but it
 * forwards others' packets, TTL decremented, so it names no node. The MAC must also receive: a host
 * that only sends (a mirror session) is on every frame of its receiver's NIC as well. Several such
 * MACs or addresses: none. A host that sends no node's address but gives one address that is no
 * known node's in its ARP is a node no capture names, at that address (`by: 'arp'`).
 */
export function nicHosts(t: PacketTable, which: ReadonlySet<number>, nodeIps: ReadonlyMap<number, unknown>): Map<number, NicHost> {
  const unicast = new Map<number, number>();
  const onMac = new Map<number, Map<number, number>>();
  const receives = new Map<number, Set<number>>();
  const sends = new Map<number, Map<number, Map<number, EvidenceAcc>>>();
  for (let r = 0; r < t.count; r++) {
    const p = t.point[r];
    if (!which.has(p)) continue;
    const s = t.outerMacSrc[r];
    const d = t.outerMacDst[r];
    if (s < 0 || d < 0 || macIsGroup(t.macs[d])) continue;
    unicast.set(p, (unicast.get(p) ?? 0) + 1);
    const m = mapOf(onMac, p);
    m.set(s, (m.get(s) ?? 0) + 1);
    if (d !== s) m.set(d, (m.get(d) ?? 0) + 1);
    (receives.get(p) ?? receives.set(p, new Set()).get(p)!).add(d);
    if (t.outerVer[r] === 0 || !isInitialTtl(t.outerTtl[r])) continue;
    const ip = akey(t.outerVer[r], t.outerSrc[r]);
    if (!nodeIps.has(ip)) continue;
    const bySrc = mapOf(sends, p);
    const ips = bySrc.get(s) ?? bySrc.set(s, new Map()).get(s)!;
    (ips.get(ip) ?? ips.set(ip, new EvidenceAcc()).get(ip)!).add(r);
  }
  // ARP senders per point: MAC number -> IPv4 addresses it gives as its own.
  const arps = new Map<number, Map<number, Map<number, EvidenceAcc>>>();
  for (const a of t.arp) {
    const p = a.row < t.count ? t.point[a.row] : -1;
    if (!which.has(p) || a.senderIp === 0) continue;
    const byMac = mapOf(arps, p);
    const ips = byMac.get(a.senderMac) ?? byMac.set(a.senderMac, new Map()).get(a.senderMac)!;
    (ips.get(a.senderIp) ?? ips.set(a.senderIp, new EvidenceAcc()).get(a.senderIp)!).add(a.row);
  }
  const out = new Map<number, NicHost>();
  for (const [p, n] of unicast) {
    const hosts: NicHost[] = [];
    const unnamed: NicHost[] = [];
    for (const [mac, c] of onMac.get(p) ?? []) {
      if (n < 3 || c < 0.98 * n || !receives.get(p)!.has(mac)) continue;
      for (const [ip, acc] of sends.get(p)?.get(mac) ?? []) hosts.push({ ip, mac, acc, by: 'ip' });
      for (const [ip, acc] of arps.get(p)?.get(t.macs[mac]) ?? []) if (!nodeIps.has(ip)) unnamed.push({ ip, mac, acc, by: 'arp' });
    }
    if (hosts.length === 1) out.set(p, hosts[0]);
    else if (hosts.length === 0 && unnamed.length === 1) out.set(p, unnamed[0]);
  }
  return out;
}
