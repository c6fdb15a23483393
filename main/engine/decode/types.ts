// Types of the packet decoder: the full decode (DecodedPacket with Field trees and byte ranges)
// and the allocation-free fast path (PacketSummary). Plain TypeScript, no Node types: the renderer
// may import these (type-only).

/** One decoded field. `offset`/`length` are byte positions in the packet (for hex highlighting). */
export interface Field {
  /** Filter key, e.g. 'ip.src', 'vxlan.vni', 'tcp.flags.syn'. */
  readonly name: string;
  /** Human label, e.g. 'Source Address'. */
  readonly label: string;
  readonly value: string | number | boolean | null;
  /** Display text when it differs from String(value), e.g. '0x0800 (IPv4)'. */
  readonly display?: string;
  readonly offset: number;
  readonly length: number;
  readonly children?: Field[];
}

/** Protocol names used as Layer.proto (stable, lower-case; also the filter prefix). */
export type LayerProto =
  | 'eth'
  | 'sll'
  | 'sll2'
  | 'null'
  | 'raw'
  | 'vlan'
  | 'arp'
  | 'ip'
  | 'ipv6'
  | 'icmp'
  | 'icmpv6'
  | 'udp'
  | 'tcp'
  | 'dns'
  | 'vxlan'
  | 'geneve'
  | 'gre'
  | 'erspan'
  | 'flannel'
  | 'wireguard'
  | 'bgp'
  | 'data';

export interface Layer {
  readonly proto: LayerProto;
  /** Display name, e.g. 'Internet Protocol Version 4'. */
  readonly name: string;
  /** Byte range of this layer's header (payload excluded) in the packet. */
  readonly offset: number;
  readonly length: number;
  /** 0 = outermost; +1 after each tunnel layer (VXLAN, Geneve, GRE, flannel, IP-in-IP...). */
  readonly level: number;
  readonly fields: Field[];
  /** One-line summary of this layer, e.g. 'Src: 10.0.0.1, Dst: 10.0.0.2'. */
  readonly summary: string;
}

/** Stable anomaly codes (never renamed: filters, reports and tests use them). */
export type AnomalyCode =
  | 'truncated' // captured bytes end before a header (or a length it announces)
  | 'bad-checksum' // IPv4 header checksum wrong
  | 'bad-length' // a length field contradicts the bytes (e.g. IPv4 total length < header)
  | 'fragment-continues' // in a first IP fragment, a header or payload runs on into the next fragments (no error)
  | 'bad-header-length' // header length field below the minimum (IPv4 IHL < 5, TCP offset < 5...)
  | 'bad-version' // IP version nibble not what the link layer / tunnel announced
  | 'unknown-next-protocol' // a type/port/proto has no decoder: the rest is shown as data
  | 'unknown-link-type' // the frame's link type has no decoder: frame listed as undecoded
  | 'tunnel-depth-exceeded' // more nested tunnels than DecodeOptions.maxTunnelDepth
  | 'empty-tunnel' // a tunnel header with no inner packet (e.g. VXLAN with no inner frame)
  | 'bad-option' // an option (IPv4/TCP/Geneve/IPv6 ext) runs past its header
  | 'ext-header-limit' // too many IPv6 extension headers (decoding stopped)
  | 'internal-error'; // a decoder failed unexpectedly (a bug): layers so far are kept

export interface Anomaly {
  readonly code: AnomalyCode;
  /** Layer.proto of the layer where the problem is. */
  readonly layer: string;
  /** Byte offset in the packet where the problem is. */
  readonly offset: number;
  /** Bytes the header needed / bytes that were available, when the problem is a length. */
  readonly needed?: number;
  readonly available?: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export interface DecodedPacket {
  /** Layers outer to inner (a malformed packet keeps every layer decoded before the fault). */
  layers: Layer[];
  anomalies: Anomaly[];
  /** Number of levels: 1 + tunnels crossed (Layer.level goes 0 .. levels-1). */
  levels: number;
  /** One-line summary like Wireshark's Info column (of the innermost decoded protocol). */
  info: string;
  /** Protocol column: name of the innermost decoded layer, e.g. 'TCP', 'DNS', 'VXLAN'. */
  protocol: string;
  /** Set when the frame could not be decoded at all (e.g. unknown link type), with the reason. */
  undecoded?: string;
  /** The fast-path summary of the same decode (same decoder code path). */
  summary: PacketSummary;
}

/** Protocols a port can be decoded as (Wireshark's "Decode As"). 'flannel-udp' = 'flannel'. */
export type DecodeAsProto = 'vxlan' | 'flannel' | 'flannel-udp' | 'geneve' | 'wireguard' | 'dns' | 'ip' | 'ipv4' | 'ipv6' | 'eth' | 'data';

export interface DecodeAsEntry {
  readonly layer: 'udp' | 'tcp';
  readonly port: number;
  readonly proto: DecodeAsProto;
}

/** User entries; they take precedence over the built-in port tables. */
export type DecodeAsTable = readonly DecodeAsEntry[];

export interface DecodeOptions {
  decodeAs?: DecodeAsTable;
  /** Maximum number of nested tunnels decoded (default 8); beyond: anomaly 'tunnel-depth-exceeded'. */
  maxTunnelDepth?: number;
}

/** Kind of a tunnel (PacketSummary.tunnel, index encapsulation column). */
export const TunnelKind = {
  NONE: 0,
  VXLAN: 1,
  FLANNEL_UDP: 2,
  GENEVE: 3,
  IPIP: 4,
  IP6IN4: 5,
  GRE: 6,
  WIREGUARD: 7,
} as const;
export type TunnelKind = (typeof TunnelKind)[keyof typeof TunnelKind];
export const TUNNEL_NAMES: readonly string[] = ['none', 'vxlan', 'flannel-udp', 'geneve', 'ipip', 'ip6in4', 'gre', 'wireguard'];

/** Bits of PacketSummary.flags (also the index flags column). */
export const SummaryFlag = {
  /** Some header is malformed (bad length, bad header length, bad version...). */
  MALFORMED: 1 << 0,
  /** The capture stops before a header that was expected (snaplen or corrupt length). */
  TRUNCATED: 1 << 1,
  /** IPv4 header checksum wrong (a NIC with checksum offload also gives this on sent packets). */
  BAD_CHECKSUM: 1 << 2,
  /** The innermost IP packet is a fragment (first or not); a non-first fragment is not decoded further. */
  FRAGMENT: 1 << 3,
  /** Some protocol had no decoder (unknown ethertype, IP protocol, link type...). */
  UNKNOWN_PROTOCOL: 1 << 4,
  /** More nested tunnels than allowed. */
  TUNNEL_DEPTH_EXCEEDED: 1 << 5,
  /** WireGuard (encrypted) payload. */
  ENCRYPTED: 1 << 6,
  /** Link type not decodable at all: nothing decoded. */
  UNDECODED: 1 << 7,
  /** The snap length cut the innermost TCP header: its ports (and sequence numbers when captured) only, no flags or window. */
  TRANSPORT_CUT: 1 << 8,
  /** The snap length cut the payload bytes the packet table hashes (set by the table, not the decoder). */
  PAYLOAD_CUT: 1 << 9,
} as const;

/** Protocol ids of the PacketSummary: the innermost layer's proto as a small integer (index column). */
export const PROTO_IDS: readonly LayerProto[] = [
  'data',
  'eth',
  'sll',
  'sll2',
  'null',
  'raw',
  'vlan',
  'arp',
  'ip',
  'ipv6',
  'icmp',
  'icmpv6',
  'udp',
  'tcp',
  'dns',
  'vxlan',
  'geneve',
  'gre',
  'erspan',
  'flannel',
  'wireguard',
  'bgp',
];

/**
 * The facts of ONE IP level (outermost or innermost IP header and what sits right on it).
 * All numbers; -1 / 0 when absent as documented per field.
 */
export class IpLevelSummary {
  /** 4 or 6; 0 = no IP header at this level. */
  version = 0;
  /** Byte offset of the IP header in the packet. */
  ipOffset = -1;
  /** IPv4 source/destination as unsigned 32-bit numbers (0 for IPv6: use srcOffset/dstOffset). */
  src4 = 0;
  dst4 = 0;
  /** Byte offset of the source/destination address in the packet (4 bytes for IPv4, 16 for IPv6). */
  srcOffset = -1;
  dstOffset = -1;
  /** Transport protocol: IPv4 protocol, or IPv6 next header after the extension headers. */
  proto = -1;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl = 0;
  /** IPv4 identification / IPv6 flow label (or, for an IPv6 fragment, the fragment header's identification). */
  ipId = 0;
  /** IPv4 total length / IPv6 payload length + 40 (as announced by the header). */
  totalLength = 0;
  /** IPv4 DF and MF flags (IPv6: MF of the fragment header; DF 0). */
  df = 0;
  mf = 0;
  /** Fragment offset in 8-byte units (raw 13-bit field; IPv6 from the fragment header). */
  fragOffset = 0;
  /** UDP/TCP ports (-1 when no UDP/TCP header was decoded at this level). */
  srcPort = -1;
  dstPort = -1;
  /** TCP only (0 otherwise). seq/ack as unsigned 32-bit numbers, flags as the 12-bit field. */
  tcpSeq = 0;
  tcpAck = 0;
  tcpFlags = 0;
  tcpWindow = 0;
  /** ICMP/ICMPv6 type and code (-1 absent); echo identifier and sequence (-1 unless echo). */
  icmpType = -1;
  icmpCode = -1;
  icmpId = -1;
  icmpSeq = -1;
  /** L4 payload (after UDP/TCP/ICMP header, or after IP when no L4 decoder) offset and length, for hashing. */
  payloadOffset = -1;
  payloadLength = 0;

  reset(): void {
    this.version = 0;
    this.ipOffset = -1;
    this.src4 = 0;
    this.dst4 = 0;
    this.srcOffset = -1;
    this.dstOffset = -1;
    this.proto = -1;
    this.ttl = 0;
    this.ipId = 0;
    this.totalLength = 0;
    this.df = 0;
    this.mf = 0;
    this.fragOffset = 0;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpFlags = 0;
    this.tcpWindow = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.icmpId = -1;
    this.icmpSeq = -1;
    this.payloadOffset = -1;
    this.payloadLength = 0;
  }

  copyFrom(o: IpLevelSummary): void {
    this.version = o.version;
    this.ipOffset = o.ipOffset;
    this.src4 = o.src4;
    this.dst4 = o.dst4;
    this.srcOffset = o.srcOffset;
    this.dstOffset = o.dstOffset;
    this.proto = o.proto;
    this.ttl = o.ttl;
    this.ipId = o.ipId;
    this.totalLength = o.totalLength;
    this.df = o.df;
    this.mf = o.mf;
    this.fragOffset = o.fragOffset;
    this.srcPort = o.srcPort;
    this.dstPort = o.dstPort;
    this.tcpSeq = o.tcpSeq;
    this.tcpAck = o.tcpAck;
    this.tcpFlags = o.tcpFlags;
    this.tcpWindow = o.tcpWindow;
    this.icmpType = o.icmpType;
    this.icmpCode = o.icmpCode;
    this.icmpId = o.icmpId;
    this.icmpSeq = o.icmpSeq;
    this.payloadOffset = o.payloadOffset;
    this.payloadLength = o.payloadLength;
  }
}

/**
 * Fast-path result of `summarize(data, linktype, out, opts)`: one reusable object, numbers only,
 * filled with no allocation. Offsets point into the `data` passed to summarize (valid while it is).
 * `outer` is the outermost IP level, `inner` the innermost; with a single IP header both hold it.
 */
export class PacketSummary {
  linktype = 0;
  /** Number of layers decoded. */
  layerCount = 0;
  /** Levels: 1 + tunnels crossed. */
  levels = 0;
  /** Number of IP headers in the packet stack (ICMP-quoted headers NOT counted). */
  ipCount = 0;
  /** Index into PROTO_IDS of the innermost decoded layer (the "Protocol" column). */
  protoId = 0;
  /** SummaryFlag bits. */
  flags = 0;

  /** Outermost tunnel kind (TunnelKind) and how many tunnels were crossed. */
  tunnel: TunnelKind = TunnelKind.NONE;
  tunnelCount = 0;
  /** VNI of the outermost VXLAN/Geneve, or GRE key; -1 when none. */
  vni = -1;
  /** Innermost tunnel kind and VNI/key (equal to the outermost ones with a single tunnel). */
  innerTunnel: TunnelKind = TunnelKind.NONE;
  innerVni = -1;
  /** UDP source port of the outermost UDP-based tunnel (VXLAN/Geneve/flannel/WireGuard); -1 when none. */
  tunnelSrcPort = -1;

  /** Outermost Ethernet header (offset -1 when none); MACs as high 16 bits + low 32 bits. */
  outerEthOffset = -1;
  outerMacSrcHi = 0;
  outerMacSrcLo = 0;
  outerMacDstHi = 0;
  outerMacDstLo = 0;
  /** Innermost Ethernet header (same as outer when there is only one). */
  innerEthOffset = -1;
  innerMacSrcHi = 0;
  innerMacSrcLo = 0;
  innerMacDstHi = 0;
  innerMacDstLo = 0;
  /** First (outermost) VLAN id, -1 when none; number of VLAN tags over the whole packet. */
  vlanId = -1;
  vlanCount = 0;

  /**
   * Linux cooked capture (SLL/SLL2, `tcpdump -i any`): packet type (0 to us, 1 broadcast, 2 multicast,
   * 3 to another host, 4 sent by us), ARPHRD type, SLL2 interface index; -1 when absent.
   * Source link-layer address as hi16/lo32 when it is a 6-byte MAC (0 otherwise).
   */
  cookedPktType = -1;
  cookedHatype = -1;
  cookedIfIndex = -1;
  cookedSrcHi = 0;
  cookedSrcLo = 0;

  readonly outer = new IpLevelSummary();
  readonly inner = new IpLevelSummary();

  /** ARP (innermost): opcode (-1 none), sender/target IPv4 as uint32, sender MAC hi16/lo32. */
  arpOp = -1;
  arpSenderIp = 0;
  arpTargetIp = 0;
  arpSenderMacHi = 0;
  arpSenderMacLo = 0;

  /** DNS (innermost): transaction id (-1 none), QR bit (1 = response), rcode, question/answer counts. */
  dnsId = -1;
  dnsQr = 0;
  dnsRcode = 0;
  dnsQdCount = 0;
  dnsAnCount = 0;

  reset(linktype: number): void {
    this.linktype = linktype;
    this.layerCount = 0;
    this.levels = 1;
    this.ipCount = 0;
    this.protoId = 0;
    this.flags = 0;
    this.tunnel = TunnelKind.NONE;
    this.tunnelCount = 0;
    this.vni = -1;
    this.innerTunnel = TunnelKind.NONE;
    this.innerVni = -1;
    this.tunnelSrcPort = -1;
    this.outerEthOffset = -1;
    this.outerMacSrcHi = 0;
    this.outerMacSrcLo = 0;
    this.outerMacDstHi = 0;
    this.outerMacDstLo = 0;
    this.innerEthOffset = -1;
    this.innerMacSrcHi = 0;
    this.innerMacSrcLo = 0;
    this.innerMacDstHi = 0;
    this.innerMacDstLo = 0;
    this.vlanId = -1;
    this.vlanCount = 0;
    this.cookedPktType = -1;
    this.cookedHatype = -1;
    this.cookedIfIndex = -1;
    this.cookedSrcHi = 0;
    this.cookedSrcLo = 0;
    this.outer.reset();
    this.inner.reset();
    this.arpOp = -1;
    this.arpSenderIp = 0;
    this.arpTargetIp = 0;
    this.arpSenderMacHi = 0;
    this.arpSenderMacLo = 0;
    this.dnsId = -1;
    this.dnsQr = 0;
    this.dnsRcode = 0;
    this.dnsQdCount = 0;
    this.dnsAnCount = 0;
  }
}
