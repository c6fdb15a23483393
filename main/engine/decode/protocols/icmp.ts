// Internet Control Message Protocol (RFC 792), IP protocol 1.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |     Code      |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Identifier (echo)            |     Sequence number (echo)    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Errors (3, 4, 5, 11, 12): the IP header + 8 bytes of the packet that caused it
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// The quoted header is shown as fields of the ICMP layer (icmp.ip), NOT as an IP layer of the
// packet: it is not the packet's own path (Wireshark's ip listing does the same).
import { Next, fld, hex, ipv4Text, protoId, u16, u32, type DecodeContext } from '../context';
import { register } from '../registry';
import type { Field } from '../types';
import { ipv4Fields } from './ipv4';

const PID = protoId('icmp');

const TYPES: ReadonlyMap<number, string> = new Map([
  [0, 'Echo (ping) reply'],
  [3, 'Destination unreachable'],
  [4, 'Source quench'],
  [5, 'Redirect'],
  [8, 'Echo (ping) request'],
  [9, 'Router advertisement'],
  [10, 'Router solicitation'],
  [11, 'Time-to-live exceeded'],
  [12, 'Parameter problem'],
  [13, 'Timestamp request'],
  [14, 'Timestamp reply'],
]);
const UNREACH = [
  'Network unreachable',
  'Host unreachable',
  'Protocol unreachable',
  'Port unreachable',
  'Fragmentation needed',
  'Source route failed',
  'Network unknown',
  'Host unknown',
  'Source host isolated',
  'Network administratively prohibited',
  'Host administratively prohibited',
  'Network unreachable for TOS',
  'Host unreachable for TOS',
  'Communication administratively filtered',
];

/** The first 4 bytes of a quoted transport header (ports), when the quoted packet is UDP/TCP. */
export function quotedPorts(d: Uint8Array, off: number, limit: number, proto: number, prefix: string): Field[] {
  if ((proto !== 6 && proto !== 17) || off + 4 > limit) return [];
  const p = proto === 6 ? 'tcp' : 'udp';
  return [
    fld(`${prefix}${p}.srcport`, 'Source Port', u16(d, off), off, 2),
    fld(`${prefix}${p}.dstport`, 'Destination Port', u16(d, off + 2), off + 2, 2),
  ];
}

export function decodeIcmp(c: DecodeContext, off: number): number {
  if (!c.need('icmp', off, 4)) return -1;
  const d = c.data;
  c.enter(PID);
  const type = d[off],
    code = d[off + 1];
  const cur = c.cur;
  cur.icmpType = type;
  cur.icmpCode = code;
  const echo = type === 0 || type === 8 || type === 13 || type === 14;
  const hasId = echo && off + 8 <= c.end;
  if (hasId) {
    cur.icmpId = u16(d, off + 4);
    cur.icmpSeq = u16(d, off + 6);
  }
  const hlen = Math.min(8, c.end - off);
  c.payload(off + hlen);
  // An error quotes the offending packet: it belongs to this layer (not decoded as the packet's own layers).
  const quoted = type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  const layerEnd = quoted ? c.end : off + hlen;
  if (c.text) {
    const name = TYPES.get(type) ?? `Type ${type}`;
    const fields: Field[] = [
      fld('icmp.type', 'Type', type, off, 1, `${type} (${name})`),
      fld('icmp.code', 'Code', code, off + 1, 1, type === 3 && UNREACH[code] ? `${code} (${UNREACH[code]})` : String(code)),
      fld('icmp.checksum', 'Checksum', u16(d, off + 2), off + 2, 2, hex(u16(d, off + 2), 4)),
    ];
    let info = type === 3 && UNREACH[code] ? `${name} (${UNREACH[code]})` : name;
    if (hasId) {
      fields.push(
        fld('icmp.ident', 'Identifier', cur.icmpId, off + 4, 2, hex(cur.icmpId, 4)),
        fld('icmp.seq', 'Sequence Number', cur.icmpSeq, off + 6, 2),
      );
      info += `  id=${hex(cur.icmpId, 4)}, seq=${cur.icmpSeq}`;
      if (cur.version === 4) info += `, ttl=${cur.ttl}`;
    }
    if (type === 5 && off + 8 <= c.end) fields.push(fld('icmp.redir_gw', 'Gateway Address', ipv4Text(u32(d, off + 4)), off + 4, 4));
    if (quoted && off + 8 < c.end) {
      const q = off + 8;
      const qf = ipv4Fields(d, q, c.end);
      const ihl = (d[q] & 15) * 4;
      if (q + 20 <= c.end && ihl >= 20) qf.push(...quotedPorts(d, q + ihl, c.end, d[q + 9], 'icmp.'));
      fields.push(fld('icmp.ip', 'Quoted IPv4 header', null, q, c.end - q, undefined, qf));
    }
    if (c.full) c.layer('icmp', 'Internet Control Message Protocol', off, layerEnd - off, fields, info, 'ICMP');
    c.info = info;
  }
  return layerEnd;
}

register(Next.IPPROTO, 1, 'icmp', decodeIcmp);
