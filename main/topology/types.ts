// Public data model of a capture-set analysis: captures and where they were taken, the inferred
// cluster model (every fact with its evidence), flows, journeys (one packet followed hop by hop),
// clock offsets and findings. Plain readonly, JSON-serialisable objects (no Node types): the app,
// the browser-mode server, the renderer (type-only) and the reports use them as they are.
//
// Conventions
// - Addresses are text ('10.42.0.5', 'fe80::1'), MACs lower-case 'aa:bb:cc:dd:ee:ff'.
// - A packet is named by PacketRef { capture, index }: CaptureFile.id and the 0-based record number
//   in that file (RawPacket.index). Text forms (CLI, reports) use Wireshark's 1-based frame number:
//   'node1-eth0.pcap#12' is { capture: 'node1-eth0.pcap', index: 11 }.
// - Times: `tNs` is nanoseconds since Analysis.epochSec (exact); `ts` is epoch seconds (display).
//   A hop's `tNs` is as captured, `correctedNs` has its node's clock offset removed.

import type { ReadError } from '../engine/types';
import type { BgpRouting } from './calico/bgp-routes';

export interface PacketRef {
  readonly capture: string;
  /** 0-based record number in the capture file. */
  readonly index: number;
}

/** Why a fact is believed: a sentence and the packets (a sample of at most a few) that show it. */
export interface Evidence {
  readonly reason: string;
  readonly packets: readonly PacketRef[];
  /** How many packets support it in all (the `packets` list is a sample). */
  readonly count: number;
}

/**
 * Why facts of an element are unknown, by field name: `{ gatewayIp: 'no ARP or IP packet of …' }`.
 * Every field of a model element the captures cannot show (null, an empty list, kind 'unknown') has
 * its reason here, one sentence of what is missing; absent when every fact is known.
 */
export type Unknowns<K extends string> = { readonly [F in K]?: string };

export type InterfaceKind = 'veth' | 'bridge' | 'vtep' | 'tun' | 'underlay' | 'loopback' | 'any' | 'unknown';

/** Where an attribution came from, strongest first. */
export type AttributionSource = 'user' | 'pcapng' | 'sll' | 'file-name' | 'traffic' | 'none';

/** One capture file of the set. */
export interface CaptureFile {
  /** Unique in the set: the file name, with as much of its path as tells apart files of the same name ('worker-2/eth0.pcap'). */
  readonly id: string;
  readonly path: string;
  readonly format: string;
  readonly packetCount: number;
  readonly linktypes: readonly number[];
  /** Epoch seconds of the first / last packet (null when empty). */
  readonly firstTs: number | null;
  readonly lastTs: number | null;
  readonly errors: readonly ReadError[];
  /** CapturePoint ids of this file (several for a multi-interface pcapng or an SLL2 `any` capture). */
  readonly points: readonly string[];
}

/**
 * One place packets were captured: a whole pcap file, one interface of a pcapng file, or one
 * interface index of a Linux cooked (`-i any`) capture. Attached to a node and an interface.
 */
export interface CapturePoint {
  /** 'node1-eth0.pcap', 'node1.pcapng#cni0', 'all.pcap#if7'. */
  readonly id: string;
  readonly capture: string;
  /** Which packets of the file: pcapng interface key and/or SLL/SLL2 interface index. */
  readonly iface: number | null;
  readonly ifindex: number | null;
  readonly node: string | null;
  readonly nodeSource: AttributionSource;
  readonly interface: string | null;
  readonly interfaceSource: AttributionSource;
  readonly kind: InterfaceKind;
  readonly kindSource: AttributionSource;
  readonly packetCount: number;
  /** A capture taken inside a pod (its own eth0, its `lo`): the pod's name, or its address when no name is known. */
  readonly pod?: string;
  /** The point whose capture of the same interface at the same time this one repeats: the frames both hold are that one's sightings. */
  readonly twinOf?: string;
  /** Why the node / interface / kind were chosen (traffic inference cites packets). */
  readonly evidence: readonly Evidence[];
  /** In a set whose captures form separate clusters (each analysed on its own), the number of its cluster, from 1. */
  readonly cluster?: number;
  /** Why the node, the interface name or the kind is not known (null / 'unknown'). */
  readonly unknown?: Unknowns<'node' | 'interface' | 'kind'>;
}

/** Explicit attribution given by the user (wins over everything else). Match by point or capture id. */
export interface PointOverride {
  readonly point?: string;
  readonly capture?: string;
  readonly node?: string;
  readonly interface?: string;
  readonly kind?: InterfaceKind;
}

export type TunnelType = 'vxlan' | 'flannel-udp' | 'geneve' | 'ipip' | 'ip6in4' | 'gre' | 'wireguard';

export interface ClusterNode {
  /** Node name when known (file names, pcapng, enrichment), else 'node-<underlay IP>'. */
  readonly id: string;
  readonly name: string | null;
  readonly underlayIps: readonly string[];
  /** In a set whose captures form separate clusters (each analysed on its own), the number of its cluster, from 1. */
  readonly cluster?: number;
  readonly underlayMacs: readonly string[];
  /** The node's pod block (IPv4 when it has one), null when the traffic does not show it. */
  readonly podCidr: string | null;
  /** Every pod block of the node (IPv4 and IPv6 on a dual-stack cluster); the inference always sets it. */
  readonly podCidrs?: readonly string[];
  /** The tunnel device's MAC (the one it sent from last when it changed: vtepMacs). */
  readonly vtepMac: string | null;
  /**
   * Present when the tunnel device changed its MAC while the captures ran (recreated): each MAC it
   * sent from, in order, with its first and last sighting on the node's own captures (epoch seconds).
   */
  readonly vtepMacs?: readonly { readonly mac: string; readonly first: number; readonly last: number }[];
  /** Address of the tunnel device (flannel: the .0 of the pod CIDR). */
  readonly vtepIp: string | null;
  readonly points: readonly string[];
  readonly evidence: readonly Evidence[];
  /** Why the pod CIDR, the underlay addresses or MACs, or the tunnel device's MAC or address are not known. */
  readonly unknown?: Unknowns<'podCidr' | 'underlayIps' | 'underlayMacs' | 'vtepMac' | 'vtepIp'>;
}

export interface Bridge {
  /** '<node>/<name>'. */
  readonly id: string;
  readonly node: string;
  readonly name: string;
  readonly gatewayIp: string | null;
  readonly gatewayMac: string | null;
  readonly point: string | null;
  readonly evidence: readonly Evidence[];
  /** Why the gateway's address or MAC is not known. */
  readonly unknown?: Unknowns<'gatewayIp' | 'gatewayMac'>;
}

export interface Veth {
  /** '<node>/<name>'. */
  readonly id: string;
  readonly node: string;
  readonly name: string;
  readonly pod: string | null;
  readonly point: string;
  readonly evidence: readonly Evidence[];
}

export interface Pod {
  /** The pod IP (the key the traffic knows it by). */
  readonly id: string;
  readonly ip: string;
  readonly mac: string | null;
  readonly node: string | null;
  readonly veth: string | null;
  /** Capture points taken inside the pod (its own eth0, as `kubectl debug` / ksniff capture), when any. */
  readonly ownPoints?: readonly string[];
  /** The veths (and MACs) the address was behind before `veth`, oldest first: the pod restarted on a new veth, or the address went to a new pod. */
  readonly earlier?: readonly { readonly veth: string | null; readonly mac: string | null }[];
  /** From enrichment (kubectl output), when given. */
  readonly name: string | null;
  readonly namespace: string | null;
  readonly evidence: readonly Evidence[];
  /** In a set whose captures form separate clusters (each analysed on its own), the number of its cluster, from 1. */
  readonly cluster?: number;
  /** Why the pod's MAC, node or host-side veth is not known. */
  readonly unknown?: Unknowns<'mac' | 'node' | 'veth'>;
}

export interface Tunnel {
  /** '<nodeA>~<nodeB>' with the two node ids sorted; '<nodeA>~<nodeB>#<type>:<vni>[,<vni>...]' when the pair has several. */
  readonly id: string;
  readonly nodes: readonly [string, string];
  readonly type: TunnelType;
  /** VXLAN VNI / Geneve VNI / GRE key, null when the type has none or it varies per sender (vnis). */
  readonly vni: number | null;
  /**
   * Present when the VNI varies per sender (Cilium puts the source's security identity there): every
   * VNI the tunnel carried, ascending. One tunnel all the same, not one per VNI.
   */
  readonly vnis?: readonly number[];
  readonly vniBySource?: boolean;
  /** UDP destination port of the encapsulation (8472, 4789, 8285, 6081), null when not UDP. */
  readonly port: number | null;
  readonly packets: number;
  readonly evidence: readonly Evidence[];
}

export interface ServiceBackend {
  readonly ip: string;
  readonly port: number | null;
  readonly pod: string | null;
}

export interface Service {
  /** '<proto> <ip>:<port>'. */
  readonly id: string;
  readonly ip: string;
  readonly port: number | null;
  readonly protocol: string;
  readonly backends: readonly ServiceBackend[];
  /** Nodes where the translation was seen happening. */
  readonly natNodes: readonly string[];
  readonly name: string | null;
  readonly namespace: string | null;
  readonly evidence: readonly Evidence[];
  /** Why no node is known for the translation. */
  readonly unknown?: Unknowns<'natNodes'>;
}

export interface ClusterModel {
  readonly nodes: readonly ClusterNode[];
  readonly bridges: readonly Bridge[];
  readonly veths: readonly Veth[];
  readonly pods: readonly Pod[];
  readonly tunnels: readonly Tunnel[];
  readonly services: readonly Service[];
  /** BGP sessions and pod blocks (Calico routed mode), when the captures hold BGP (TCP 179). */
  readonly bgp?: BgpRouting;
}

export interface Endpoint {
  readonly ip: string;
  /** Port, or ICMP echo identifier; null for port-less protocols. */
  readonly port: number | null;
}

export interface DirectionStats {
  /** Distinct packets (a packet seen in five captures counts once). */
  readonly packets: number;
  readonly bytes: number;
}

export interface FlowCaptureStats {
  readonly point: string;
  readonly aToB: DirectionStats;
  readonly bToA: DirectionStats;
}

export interface TcpState {
  readonly syn: boolean;
  readonly synAck: boolean;
  /** The three-way handshake completed (SYN, SYN-ACK, ACK). */
  readonly established: boolean;
  readonly dataAToB: number;
  readonly dataBToA: number;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly retransmissions: number;
  readonly zeroWindows: number;
  /** 'handshake' | 'established' | 'closing' | 'closed' | 'reset' | 'midstream'. */
  readonly state: string;
}

/** A bidirectional conversation on the innermost 5-tuple (through any tunnel). */
export interface Flow {
  /** 'tcp 10.42.0.5:40000 > 10.42.1.7:80' (client first: the side that spoke first / sent the SYN). */
  readonly id: string;
  readonly protocol: string;
  readonly protoNumber: number;
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly firstTs: number;
  readonly lastTs: number;
  readonly aToB: DirectionStats;
  readonly bToA: DirectionStats;
  readonly perCapture: readonly FlowCaptureStats[];
  readonly tcp: TcpState | null;
  /** Flows that are the same conversation seen through NAT (the other side of a DNAT/SNAT). */
  readonly natPeers: readonly string[];
  readonly journeyCount: number;
  /** Community ID v1 (seed 0) of the flow, as Zeek/Suricata/Wireshark log it; null when not hashable. */
  readonly communityId?: string | null;
  /** Names of the endpoints when the capture set came with a name history (Kubeshark), as they were at the flow's start. */
  readonly aName?: string | null;
  readonly bName?: string | null;
}

export interface Encapsulation {
  readonly type: TunnelType;
  readonly outerSrc: string;
  readonly outerDst: string;
  readonly vni: number | null;
  readonly udpSrcPort: number | null;
  readonly udpDstPort: number | null;
  readonly outerTtl: number;
  readonly outerLength: number;
}

/** The packet as seen at one hop (innermost headers; the tunnel in `encap`). */
export interface HopHeaders {
  readonly protocol: string;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number | null;
  readonly dstPort: number | null;
  readonly ttl: number;
  readonly ipId: number;
  readonly length: number;
  readonly macSrc: string | null;
  readonly macDst: string | null;
  readonly encap: Encapsulation | null;
  /** TCP 'SYN,ACK' etc. / ICMP 'echo-request id=.. seq=..' (short text). */
  readonly info: string;
}

export interface NatRewrite {
  /** Hop index where the rewritten packet is first seen. */
  readonly hop: number;
  /** Node where it happened (both hops' node when they agree, else the later hop's node). */
  readonly node: string | null;
  readonly between: readonly [string, string];
  readonly kind: 'dnat' | 'snat' | 'dnat+snat';
  readonly before: { readonly src: string; readonly srcPort: number | null; readonly dst: string; readonly dstPort: number | null };
  readonly after: { readonly src: string; readonly srcPort: number | null; readonly dst: string; readonly dstPort: number | null };
}

export interface Hop {
  readonly index: number;
  readonly point: string;
  readonly packet: PacketRef;
  readonly node: string | null;
  readonly interface: string | null;
  readonly kind: InterfaceKind;
  readonly tNs: number;
  readonly correctedNs: number;
  readonly ts: number;
  /** The sighting's record has no timestamp (a pcapng Simple Packet Block): tNs, correctedNs and ts only keep file order, and its latencies are unknown. */
  readonly noTime?: true;
  /** Corrected time since the previous hop (null on the first hop). */
  readonly latencyNs: number | null;
  /** Inner TTL change from the previous hop (0 = unchanged, -1 = one routing step; null on the first). */
  readonly ttlDelta: number | null;
  readonly headers: HopHeaders;
  readonly nat: NatRewrite | null;
  /** 'bad-checksum' | 'truncated' | 'malformed' | 'fragment' codes seen on this hop. */
  readonly problems: readonly string[];
  /**
   * Between hops on two nodes whose clocks are corrected: the interval the true latency lies in,
   * given what the packets tell about the two clocks ([min, max], max null when unbounded). On one
   * clock, present only when a microsecond timestamp leaves the order of the two sightings open (the
   * interval the two resolutions allow, from 0); otherwise absent (the latency is exact).
   */
  readonly latencyRangeNs?: readonly [number, number | null];
  /** Why `latencyNs` is null on a hop after the first (the clock correction cannot time it), or only a bound. */
  readonly latencyNote?: string;
}

/** An expected place the path crosses where there is no capture (or where the capture did not see it). */
export interface PathGap {
  /** Gap lies after this hop index (-1: before the first hop). */
  readonly afterHop: number;
  readonly node: string | null;
  readonly kind: InterfaceKind;
  /** A capture point that covered the time and did NOT see the packet (drop evidence), else null. */
  readonly point: string | null;
  readonly reason: string;
}

/**
 * An expected place where no packet matched the journey's TCP segment one to one, but packets of
 * the same connection there carried all its bytes: segmentation offload (GSO/TSO cut a segment into
 * pieces at the sender's NIC, GRO merges pieces at the receiver's), not a drop.
 */
export interface OffloadedHop {
  /** It lies after this hop index (-1: before the first hop). */
  readonly afterHop: number;
  readonly node: string | null;
  readonly point: string;
  /** The packets there that carried the segment's bytes, in sequence order. */
  readonly packets: readonly PacketRef[];
  readonly reason: string;
}

export interface MtuIssue {
  readonly code: 'too-big-for-tunnel' | 'fragmented' | 'icmp-frag-needed';
  readonly hop: number;
  readonly message: string;
}

export type JourneyStatus = 'delivered' | 'dropped' | 'unknown';

/** What decided a journey's status. */
export type VerdictCode =
  | 'reached-destination' // seen where the destination receives it
  | 'answered' // the destination answered it (echo reply, TCP acknowledgement, UDP response)
  | 'refused' // the destination itself answered with an ICMP error (port / protocol unreachable)
  | 'icmp-error' // a router or node answered with an ICMP error about it
  | 'rejected' // a node on the way answered in the destination's name (a policy's forged TCP reset, a service address without a backend): it went no further
  | 'answered-by-node' // the sender's own node answered for an address no pod or node owns (a service address it holds): no backend saw it
  | 'missing' // a capture that was running where the path leads next did not see it
  | 'unanswered' // reached a node's own address at a capture taken before the node's filters (its NIC), sent again and again, never answered: dropped or ignored on the node after that capture
  | 'link-scope' // multicast, broadcast or link-local: no single destination to judge it by
  | 'undetermined';

/** An ICMP (or ICMPv6) error that quotes the journey's packet. */
export interface QuotingIcmpError {
  readonly packet: PacketRef;
  /** Source of the error: who says the packet could not go on. */
  readonly from: string;
  readonly type: number;
  readonly code: number;
  /** 'net unreachable', 'fragmentation needed', 'TTL exceeded in transit', 'administratively prohibited'... */
  readonly name: string;
  /** Next-hop MTU (fragmentation needed / packet too big). */
  readonly mtu: number | null;
  /** Capture point and node where the error is first seen. */
  readonly point: string;
  readonly node: string | null;
}

export interface JourneyVerdict {
  readonly code: VerdictCode;
  /** One sentence: why the status is what it is. */
  readonly reason: string;
  readonly icmpError?: QuotingIcmpError;
  /** The packet that answered it (codes 'answered', 'answered-by-node'; for 'rejected', the answer the node made). */
  readonly answeredBy?: PacketRef;
}

export interface Journey {
  readonly id: number;
  /** Flow id of the first hop (the flow after NAT can differ: see `nat`). */
  readonly flow: string;
  readonly flows: readonly string[];
  readonly hops: readonly Hop[];
  readonly status: JourneyStatus;
  /** The last hop (where it was last seen). */
  readonly lastSeen: Hop;
  readonly gaps: readonly PathGap[];
  /** Places that carried the segment's bytes in other packets (segmentation offload); absent when none. */
  readonly offloaded?: readonly OffloadedHop[];
  readonly nat: readonly NatRewrite[];
  readonly mtu: readonly MtuIssue[];
  readonly problems: readonly string[];
  readonly totalLatencyNs: number;
  /** Why the status is what it is (always set by the analysis). */
  readonly verdict?: JourneyVerdict;
}

export interface ClockOffset {
  readonly node: string;
  /** The node whose clock is the reference (offset 0). */
  readonly reference: string;
  /** Node clock minus reference clock; subtract from the node's timestamps. */
  readonly offsetNs: number;
  /** Half-width of the interval the offset is known to lie in (null: the interval is unbounded). */
  readonly uncertaintyNs: number | null;
  readonly samples: number;
  readonly method: 'reference' | 'two-way' | 'one-way' | 'none';
  /**
   * The interval every matched packet allows for the offset (a packet cannot arrive before it was
   * sent): [lowerNs, upperNs], null on an unbounded side. The offset chosen lies inside it.
   */
  readonly lowerNs?: number | null;
  readonly upperNs?: number | null;
  /** False when the packets do not pin the offset down (one direction only, or none). */
  readonly pinned?: boolean;
  /** What the offset rests on, or why it is not known, in one sentence. */
  readonly note?: string;
}

export type FindingCode =
  | 'dropped'
  | 'path-gap'
  | 'nat'
  | 'nat-not-reversed'
  | 'hairpin-not-masqueraded'
  | 'tunnel-not-decapsulated'
  | 'not-seen-leaving'
  | 'too-big-for-tunnel'
  | 'fragmented'
  | 'icmp-frag-needed'
  | 'bad-checksum'
  | 'truncated'
  | 'malformed'
  | 'retransmission'
  | 'zero-window'
  | 'tcp-reset'
  | 'enrichment-disagreement'
  | 'stale-vtep-mac'
  | 'attribution'
  | 'read-error'
  | 'clock-offset';

export interface Finding {
  readonly code: FindingCode;
  readonly severity: 'info' | 'warning' | 'problem';
  readonly message: string;
  readonly packets: readonly PacketRef[];
  readonly flow?: string;
  readonly journey?: number;
  readonly node?: string;
}

/** The serialisable part of an analysis (what `Analysis.toJSON()` returns). */
export interface AnalysisData {
  readonly epochSec: number;
  readonly captures: readonly CaptureFile[];
  readonly points: readonly CapturePoint[];
  readonly model: ClusterModel;
  readonly flows: readonly Flow[];
  readonly journeyCount: number;
  readonly clockOffsets: readonly ClockOffset[];
  readonly findings: readonly Finding[];
  readonly packetCount: number;
}
