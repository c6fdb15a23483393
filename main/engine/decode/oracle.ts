// The "oracle" view of a decoded packet: the same JSON shape as the tshark oracle files
// (oracle.sh v1, see the public captures' SOURCES.md), so any capture can be checked against
// tshark with one diff. Built from the decoded Layer/Field trees, never from a second decoder.
import type { CaptureInterface, RawPacket } from '../types';
import { epochText } from '../readers/time';
import { SummaryFlag, type DecodedPacket, type Field, type Layer } from './types';

export type OracleIp = Record<string, unknown>;

export interface OracleFrame {
  number: number;
  /** null when the record has no timestamp (a pcapng Simple Packet Block), as tshark prints it. */
  time_epoch: string | null;
  cap_len: number;
  len: number;
  section?: number;
  interface_id?: number;
  linktype: number;
  ip: OracleIp[];
  l4: Record<string, unknown>[];
  icmp?: Record<string, unknown>[];
  vlan?: { tpid: string; id: number }[];
  vxlan_vni?: number[];
  geneve_vni?: number[];
  comments?: string[];
  malformed: boolean;
  truncated: boolean;
}

/** Field values by name (first occurrence; nested children included). */
function values(fields: readonly Field[], out = new Map<string, Field['value']>()): Map<string, Field['value']> {
  for (const f of fields) {
    if (!out.has(f.name)) out.set(f.name, f.value);
    if (f.children && !f.name.startsWith('ipv6.')) values(f.children, out);
  }
  return out;
}

function pick(v: Map<string, Field['value']>, pairs: [string, string][]): OracleIp {
  const o: OracleIp = {};
  for (const [key, name] of pairs) if (v.has(name)) o[key] = v.get(name);
  return o;
}

const V4: [string, string][] = [
  ['version', 'ip.version'],
  ['src', 'ip.src'],
  ['dst', 'ip.dst'],
  ['proto', 'ip.proto'],
  ['ttl', 'ip.ttl'],
  ['hdr_len', 'ip.hdr_len'],
  ['total_len', 'ip.len'],
  ['id', 'ip.id'],
  ['df', 'ip.flags.df'],
  ['mf', 'ip.flags.mf'],
  ['frag_offset', 'ip.frag_offset'],
];
const V6: [string, string][] = [
  ['version', 'ipv6.version'],
  ['src', 'ipv6.src'],
  ['dst', 'ipv6.dst'],
  ['proto', 'ipv6.nxt'],
  ['ttl', 'ipv6.hlim'],
  ['payload_len', 'ipv6.plen'],
];

/** One IPv4/IPv6 header's oracle entry from its fields (a cut header gives only what is there). */
export function oracleIp(version: 4 | 6, fields: readonly Field[]): OracleIp {
  if (version === 4) return pick(values(fields), V4);
  const o = pick(values(fields), V6);
  const ext: Record<string, unknown>[] = [];
  for (const f of fields) {
    if (!f.name.startsWith('ipv6.') || !f.children) continue;
    const type = f.name.slice(5);
    const cv = values(f.children);
    const h: Record<string, unknown> = { type, nxt: cv.get(`ipv6.${type}.nxt`) };
    if (type === 'fraghdr') {
      h.offset = cv.get('ipv6.fraghdr.offset');
      h.more = cv.get('ipv6.fraghdr.more');
      h.ident = cv.get('ipv6.fraghdr.ident');
    }
    ext.push(h);
  }
  if (ext.length) o.ext_headers = ext;
  return o;
}

function field(layer: Layer, name: string): Field['value'] | undefined {
  return values(layer.fields).get(name);
}

export function oracleFrame(p: RawPacket, d: DecodedPacket, iface: CaptureInterface | undefined, pcapng: boolean): OracleFrame {
  // Keys in the oracle files' order (only matters to people diffing the two).
  const f = { number: p.index + 1, time_epoch: epochText(p), cap_len: p.capLen, len: p.origLen } as OracleFrame;
  if (pcapng && iface) {
    f.section = iface.section + 1;
    f.interface_id = iface.interfaceId;
  }
  f.linktype = p.linktype;
  f.ip = [];
  f.l4 = [];
  const icmp: Record<string, unknown>[] = [],
    vlan: { tpid: string; id: number }[] = [],
    vx: number[] = [],
    gen: number[] = [];
  for (const l of d.layers) {
    switch (l.proto) {
      case 'ip':
        f.ip.push(oracleIp(4, l.fields));
        break;
      case 'ipv6':
        f.ip.push(oracleIp(6, l.fields));
        break;
      case 'udp':
        f.l4.push({ proto: 'udp', src: field(l, 'udp.srcport'), dst: field(l, 'udp.dstport'), length: field(l, 'udp.length') });
        break;
      case 'tcp':
        f.l4.push({ proto: 'tcp', src: field(l, 'tcp.srcport'), dst: field(l, 'tcp.dstport'), flags: field(l, 'tcp.flags') });
        break;
      case 'icmp':
      case 'icmpv6': {
        const e: Record<string, unknown> = { proto: l.proto, type: field(l, `${l.proto}.type`), code: field(l, `${l.proto}.code`) };
        const q = l.fields.find((x) => x.name === 'icmp.ip' || x.name === 'icmpv6.ipv6');
        if (q?.children?.length) e.embedded_ip = [oracleIp(l.proto === 'icmp' ? 4 : 6, q.children)];
        icmp.push(e);
        break;
      }
      case 'vlan':
        vlan.push({ tpid: field(l, 'vlan.tpid') === 0x88a8 ? '88a8' : '8100', id: field(l, 'vlan.id') as number });
        break;
      case 'vxlan':
        vx.push(field(l, 'vxlan.vni') as number);
        break;
      case 'geneve':
        gen.push(field(l, 'geneve.vni') as number);
        break;
      default:
        break;
    }
  }
  if (icmp.length) f.icmp = icmp;
  if (vlan.length) f.vlan = vlan;
  if (vx.length) f.vxlan_vni = vx;
  if (gen.length) f.geneve_vni = gen;
  if (p.comments?.length) f.comments = [...p.comments];
  f.malformed = (d.summary.flags & SummaryFlag.MALFORMED) !== 0;
  f.truncated = (d.summary.flags & SummaryFlag.TRUNCATED) !== 0;
  return f;
}

/** JSON with Python's default separators (", " and ": "), as the oracle files are written. */
export function pyJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[' + v.map(pyJson).join(', ') + ']';
  if (typeof v === 'object')
    return (
      '{' +
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`)
        .join(', ') +
      '}'
    );
  return JSON.stringify(v);
}
