// The display filter's values, read straight from the store's typed columns (no per-packet objects),
// and the per-row labels (node, interface, kind, protocol, encapsulation) the list shows.
import { PROTO_IDS, SummaryFlag, TunnelKind, TUNNEL_NAMES } from '../engine/decode/types';
import { ip4ToString, macToString } from '../topology/addr';
import type { FilterResolver, Level, NumGetter, StrGetter } from '../../common/filter';
import type { PacketStore } from './store';
import { communityIdOfRow } from '../engine/flow/community-id';

/** Where a capture point was taken, as the list and the filter name it. */
export interface PointLabel {
  readonly node: string;
  readonly iface: string;
  readonly kind: string;
  readonly capture: string;
}

/** Labels that come from the analysis (or from file names before it is done). */
export interface RowLabels {
  /** A row's index into `points` (labels are kept per capture point, not per row). */
  pointOf(row: number): number;
  /** What name labels were made from (the set's capture points and files read: PacketStore.labelStamp), null for final ones. */
  readonly stamp: string | null;
  readonly points: readonly PointLabel[];
  /** Pod name (or IP when unnamed) by IPv4 address. */
  readonly podOfIp: ReadonlyMap<number, string>;
}

const NONE = Number.NaN;
const UDP_TUNNELS = new Set<number>([TunnelKind.VXLAN, TunnelKind.FLANNEL_UDP, TunnelKind.GENEVE, TunnelKind.WIREGUARD]);
export const BAD = SummaryFlag.MALFORMED | SummaryFlag.TRUNCATED | SummaryFlag.BAD_CHECKSUM | SummaryFlag.UNDECODED;
const PROTO_INDEX = new Map(PROTO_IDS.map((p, i) => [p, i]));

export function protocolName(s: PacketStore, r: number): string {
  return protocolText(PROTO_IDS[s.protoId[r]], s.table.innerProto[r]);
}

/** The Protocol column from the innermost decoded layer's name and the inner IP protocol (255: none). */
export function protocolText(proto: string | undefined, innerProto: number): string {
  const p = proto ?? 'data';
  if (
    p === 'dns' ||
    p === 'arp' ||
    p === 'tcp' ||
    p === 'udp' ||
    p === 'icmp' ||
    p === 'icmpv6' ||
    p === 'ipv6' ||
    p === 'vxlan' ||
    p === 'geneve' ||
    p === 'gre' ||
    p === 'wireguard' ||
    p === 'bgp' ||
    p === 'erspan' ||
    p === 'flannel'
  )
    return p === 'icmpv6' ? 'ICMPv6' : p === 'flannel' ? 'flannel' : p === 'wireguard' ? 'WireGuard' : p.toUpperCase();
  if (p === 'ip') return innerProto === 255 ? 'IPv4' : `IPv4/${innerProto}`;
  if (p === 'data') return innerProto !== 255 ? `IP/${innerProto}` : 'Data';
  return p.toUpperCase();
}

export function encapLabel(s: PacketStore, r: number): string {
  return encapText(s.table.tunnel[r], s.table.vni[r]);
}

/** The Encapsulation column of a tunnel kind (TunnelKind) and VNI (-1: none). */
export function encapText(k: number, vni: number): string {
  if (k === TunnelKind.NONE) return '';
  const name =
    k === TunnelKind.VXLAN
      ? 'VXLAN'
      : k === TunnelKind.GENEVE
        ? 'Geneve'
        : k === TunnelKind.FLANNEL_UDP
          ? 'flannel-udp'
          : k === TunnelKind.IPIP
            ? 'IP-in-IP'
            : (TUNNEL_NAMES[k] ?? 'tunnel');
  return vni >= 0 && (k === TunnelKind.VXLAN || k === TunnelKind.GENEVE || k === TunnelKind.GRE) ? `${name} ${vni}` : name;
}

export function colorOf(s: PacketStore, r: number): string {
  const t = s.table;
  return colorName(t.flags[r], t.tunnel[r], PROTO_IDS[s.protoId[r]], t.innerProto[r]);
}

/** The colour rule of a row from its summary flags, tunnel kind, innermost layer's name and inner IP protocol. */
export function colorName(flags: number, tunnel: number, proto: string | undefined, innerProto: number): string {
  if (flags & BAD) return 'error';
  switch (tunnel) {
    case TunnelKind.VXLAN:
      return 'vxlan';
    case TunnelKind.GENEVE:
      return 'geneve';
    case TunnelKind.FLANNEL_UDP:
      return 'flannel';
    case TunnelKind.IPIP:
    case TunnelKind.IP6IN4:
      return 'ipip';
  }
  if (proto === 'dns' || proto === 'arp') return proto;
  const ip = innerProto;
  return ip === 6 ? 'tcp' : ip === 17 ? 'udp' : ip === 1 || ip === 58 ? 'icmp' : 'other';
}

/** Source and destination as the list shows them: innermost IP addresses, else MACs. */
export function endpoints(s: PacketStore, r: number): [string, string] {
  const t = s.table;
  if (t.innerVer[r]) return [t.addr(t.innerVer[r], t.innerSrc[r]), t.addr(t.innerVer[r], t.innerDst[r])];
  if (t.mac(t.innerMacSrc[r]) < 0 && t.outerVer[r]) return [t.addr(t.outerVer[r], t.outerSrc[r]), t.addr(t.outerVer[r], t.outerDst[r])];
  const src = t.mac(t.innerMacSrc[r]) >= 0 ? t.mac(t.innerMacSrc[r]) : t.mac(t.outerMacSrc[r]);
  const dst = t.mac(t.innerMacDst[r]) >= 0 ? t.mac(t.innerMacDst[r]) : t.mac(t.outerMacDst[r]);
  return [src >= 0 ? macToString(src) : '', dst >= 0 ? macToString(dst) : ''];
}

export function resolver(s: PacketStore, labels: RowLabels): FilterResolver {
  const t = s.table;
  // A packet with one IP header: its outer and inner levels are the same header.
  const single = (r: number) => t.ipCount[r] <= 1;
  const lv = (level: Level, outer: NumGetter, inner: NumGetter): NumGetter =>
    level === 'outer' ? (r) => (single(r) ? inner(r) : outer(r)) : inner;
  const isTcp = (r: number) => t.innerProto[r] === 6;
  const isUdp = (r: number) => t.innerProto[r] === 17;
  const outerUdp = (r: number) => UDP_TUNNELS.has(t.tunnel[r]);
  const point = (r: number) => labels.points[labels.pointOf(r)];
  const has = (p: string) => {
    const id = PROTO_INDEX.get(p as never) ?? -1;
    return (r: number) => (s.protoId[r] === id ? 1 : 0);
  };

  const nums: Record<string, (level: Level) => NumGetter> = {
    'ip.src': (l) =>
      lv(
        l,
        (r) => (t.outerVer[r] === 4 ? t.outerSrc[r] : NONE),
        (r) => (t.innerVer[r] === 4 ? t.innerSrc[r] : NONE),
      ),
    'ip.dst': (l) =>
      lv(
        l,
        (r) => (t.outerVer[r] === 4 ? t.outerDst[r] : NONE),
        (r) => (t.innerVer[r] === 4 ? t.innerDst[r] : NONE),
      ),
    'ip.proto': (l) =>
      lv(
        l,
        (r) => (t.outerProto[r] === 255 ? NONE : t.outerProto[r]),
        (r) => (t.innerProto[r] === 255 ? NONE : t.innerProto[r]),
      ),
    'ip.ttl': (l) =>
      lv(
        l,
        (r) => (t.outerVer[r] ? t.outerTtl[r] : NONE),
        (r) => (t.innerVer[r] ? t.innerTtl[r] : NONE),
      ),
    'ip.id': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (t.innerVer[r] === 4 ? t.ipId[r] : NONE),
      ),
    'ip.len': (l) =>
      lv(
        l,
        (r) => (t.outerVer[r] ? t.outerLen[r] : NONE),
        (r) => (t.innerVer[r] ? t.innerLen[r] : NONE),
      ),
    'tcp.srcport': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (isTcp(r) ? t.sport[r] : NONE),
      ),
    'tcp.dstport': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (isTcp(r) ? t.dport[r] : NONE),
      ),
    'tcp.seq': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (isTcp(r) ? t.tcpSeq[r] : NONE),
      ),
    'tcp.ack': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (isTcp(r) ? t.tcpAck[r] : NONE),
      ),
    'tcp.window': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (isTcp(r) ? t.tcpWin[r] : NONE),
      ),
    'tcp.flags': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (isTcp(r) ? t.tcpFlags[r] : NONE),
      ),
    'tcp.flags.syn': (l) =>
      lv(
        l,
        () => 0,
        (r) => (isTcp(r) && t.tcpFlags[r] & 0x02 ? 1 : 0),
      ),
    'tcp.flags.ack': (l) =>
      lv(
        l,
        () => 0,
        (r) => (isTcp(r) && t.tcpFlags[r] & 0x10 ? 1 : 0),
      ),
    'tcp.flags.fin': (l) =>
      lv(
        l,
        () => 0,
        (r) => (isTcp(r) && t.tcpFlags[r] & 0x01 ? 1 : 0),
      ),
    'tcp.flags.rst': (l) =>
      lv(
        l,
        () => 0,
        (r) => (isTcp(r) && t.tcpFlags[r] & 0x04 ? 1 : 0),
      ),
    'udp.srcport': (l) =>
      lv(
        l,
        (r) => (outerUdp(r) ? t.tunSport[r] : NONE),
        (r) => (isUdp(r) ? t.sport[r] : NONE),
      ),
    'udp.dstport': (l) =>
      lv(
        l,
        (r) => (outerUdp(r) ? t.tunDport[r] : NONE),
        (r) => (isUdp(r) ? t.dport[r] : NONE),
      ),
    'icmp.type': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (t.icmpType[r] >= 0 ? t.icmpType[r] : NONE),
      ),
    'icmp.code': (l) =>
      lv(
        l,
        () => NONE,
        (r) => (t.icmpCode[r] >= 0 ? t.icmpCode[r] : NONE),
      ),
    'vxlan.vni': () => (r) => (t.tunnel[r] === TunnelKind.VXLAN && t.vni[r] >= 0 ? t.vni[r] : NONE),
    'geneve.vni': () => (r) => (t.tunnel[r] === TunnelKind.GENEVE && t.vni[r] >= 0 ? t.vni[r] : NONE),
    'frame.len': () => (r) => t.origLen[r],
    'frame.cap_len': () => (r) => s.capLen[r],
    'frame.number': () => (r) => s.no(r),
    malformed: () => (r) => (t.flags[r] & BAD ? 1 : 0),
    'has.eth': () => (r) => (t.mac(t.outerMacSrc[r]) >= 0 ? 1 : 0),
    'has.arp': () => has('arp'),
    'has.dns': () => has('dns'),
    'has.ip': () => (r) => (t.outerVer[r] === 4 || t.innerVer[r] === 4 ? 1 : 0),
    'has.ipv6': () => (r) => (t.outerVer[r] === 6 || t.innerVer[r] === 6 ? 1 : 0),
    'has.tcp': () => (r) => (isTcp(r) ? 1 : 0),
    'has.udp': () => (r) => (isUdp(r) || outerUdp(r) ? 1 : 0),
    'has.icmp': () => (r) => (t.innerProto[r] === 1 || t.innerProto[r] === 58 ? 1 : 0),
    'has.vxlan': () => (r) => (t.tunnel[r] === TunnelKind.VXLAN ? 1 : 0),
    'has.geneve': () => (r) => (t.tunnel[r] === TunnelKind.GENEVE ? 1 : 0),
    'has.flannel': () => (r) => (t.tunnel[r] === TunnelKind.FLANNEL_UDP ? 1 : 0),
    'has.ipip': () => (r) => (t.tunnel[r] === TunnelKind.IPIP ? 1 : 0),
    'has.gre': () => (r) => (t.tunnel[r] === TunnelKind.GRE ? 1 : 0),
    'has.wireguard': () => (r) => (t.tunnel[r] === TunnelKind.WIREGUARD ? 1 : 0),
  };
  const ip6 =
    (ver: Uint8Array, col: Uint32Array): StrGetter =>
    (r) =>
      ver[r] === 6 ? (t.ip6[col[r]] ?? null) : null;
  const strs: Record<string, (level: Level) => StrGetter> = {
    'ipv6.src': (l) => (l === 'outer' ? ip6(t.outerVer, t.outerSrc) : ip6(t.innerVer, t.innerSrc)),
    'ipv6.dst': (l) => (l === 'outer' ? ip6(t.outerVer, t.outerDst) : ip6(t.innerVer, t.innerDst)),
    tunnel: () => (r) => TUNNEL_NAMES[t.tunnel[r]] ?? null,
    node: () => (r) => point(r)?.node ?? null,
    iface: () => (r) => point(r)?.iface ?? null,
    kind: () => (r) => point(r)?.kind ?? null,
    capture: () => (r) => point(r)?.capture ?? null,
    'pod.src': () => (r) => (t.innerVer[r] === 4 ? (labels.podOfIp.get(t.innerSrc[r]) ?? null) : null),
    'pod.dst': () => (r) => (t.innerVer[r] === 4 ? (labels.podOfIp.get(t.innerDst[r]) ?? null) : null),
    protocol: () => (r) => protocolName(s, r),
    community_id: () => communityIdOfRow(t),
  };
  return {
    num(slot, level) {
      const make = nums[slot];
      return make ? make(level) : () => NONE;
    },
    str(slot, level) {
      const make = strs[slot];
      return make ? make(level) : () => null;
    },
  };
}

export { ip4ToString };
