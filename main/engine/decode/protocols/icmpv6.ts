// ICMP for IPv6 (RFC 4443) including Neighbor Discovery (RFC 4861), next header 58.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |     Code      |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Echo (128/129): Identifier | Sequence;  errors (1-4): quoted IPv6 packet after 4 more bytes
// | NS/NA (135/136): flags(4) | Target Address (16) | options (type, length in 8-byte units, ...)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, hex, ipv6Text, macText, protoId, u16, type DecodeContext } from '../context';
import { register } from '../registry';
import type { Field } from '../types';
import { ipv6Fields } from './ipv6';
import { quotedPorts } from './icmp';

const PID = protoId('icmpv6');

const TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'Destination Unreachable'],
  [2, 'Packet Too Big'],
  [3, 'Time Exceeded'],
  [4, 'Parameter Problem'],
  [128, 'Echo (ping) request'],
  [129, 'Echo (ping) reply'],
  [130, 'Multicast Listener Query'],
  [131, 'Multicast Listener Report'],
  [132, 'Multicast Listener Done'],
  [133, 'Router Solicitation'],
  [134, 'Router Advertisement'],
  [135, 'Neighbor Solicitation'],
  [136, 'Neighbor Advertisement'],
  [137, 'Redirect'],
  [143, 'Multicast Listener Report Message v2'],
]);
const ND_OPTS: ReadonlyMap<number, string> = new Map([
  [1, 'Source link-layer address'],
  [2, 'Target link-layer address'],
  [3, 'Prefix information'],
  [4, 'Redirected header'],
  [5, 'MTU'],
]);

export function decodeIcmpv6(c: DecodeContext, off: number): number {
  if (!c.need('icmpv6', off, 4)) return -1;
  const d = c.data;
  c.enter(PID);
  const type = d[off],
    code = d[off + 1];
  const cur = c.cur;
  cur.icmpType = type;
  cur.icmpCode = code;
  const echo = type === 128 || type === 129;
  if (echo && off + 8 <= c.end) {
    cur.icmpId = u16(d, off + 4);
    cur.icmpSeq = u16(d, off + 6);
  }
  const hlen = Math.min(echo || type < 128 ? 8 : 4, c.end - off);
  c.payload(off + hlen);
  // Errors quote the offending packet and ND messages carry options: both belong to this layer.
  const layerEnd = type < 128 || (type >= 133 && type <= 137) ? c.end : off + hlen;
  // Where the Neighbor Discovery options start (-1: none); they are checked in both modes.
  const nd = type === 135 || type === 136 || type === 137;
  const optStart = nd ? (off + 24 <= c.end ? off + (type === 137 ? 40 : 24) : -1) : type === 133 ? off + 8 : type === 134 ? off + 16 : -1;
  const fields: Field[] | null = c.text ? [] : null;
  let info = '';
  if (fields) {
    const name = TYPES.get(type) ?? `Type ${type}`;
    fields.push(
      fld('icmpv6.type', 'Type', type, off, 1, `${name} (${type})`),
      fld('icmpv6.code', 'Code', code, off + 1, 1),
      fld('icmpv6.checksum', 'Checksum', u16(d, off + 2), off + 2, 2, hex(u16(d, off + 2), 4)),
    );
    info = name;
    if (echo && cur.icmpId >= 0) {
      fields.push(
        fld('icmpv6.echo.identifier', 'Identifier', cur.icmpId, off + 4, 2, hex(cur.icmpId, 4)),
        fld('icmpv6.echo.sequence_number', 'Sequence', cur.icmpSeq, off + 6, 2),
      );
      info += ` id=${hex(cur.icmpId, 4)}, seq=${cur.icmpSeq}, hop limit=${cur.ttl}`;
    }
    if (type >= 1 && type <= 4 && off + 8 < c.end) {
      const q = off + 8;
      const qf = ipv6Fields(d, q, c.end);
      if (q + 40 <= c.end) qf.push(...quotedPorts(d, q + 40, c.end, d[q + 6], 'icmpv6.'));
      fields.push(fld('icmpv6.ipv6', 'Quoted IPv6 header', null, q, c.end - q, undefined, qf));
    }
    if (nd && optStart >= 0) {
      const target = ipv6Text(d, off + 8);
      fields.push(fld('icmpv6.nd.target', 'Target Address', target, off + 8, 16));
      info += type === 135 ? ` for ${target}` : ` ${target}`;
    }
  }
  for (let p = optStart; p >= 0 && p + 2 <= c.end;) {
    const ot = d[p],
      ol = d[p + 1] * 8;
    if (ol === 0 || p + ol > c.end) {
      c.anomaly('bad-option', 'icmpv6', p, 'a Neighbor Discovery option has length 0 or runs past the packet');
      break;
    }
    if (fields) {
      const oname = ND_OPTS.get(ot) ?? `Option ${ot}`;
      if ((ot === 1 || ot === 2) && ol >= 8) {
        const mac = macText(d, p + 2);
        fields.push(fld(ot === 1 ? 'icmpv6.opt.src_linkaddr' : 'icmpv6.opt.target_linkaddr', oname, mac, p, ol));
        if (type === 135 || type === 136) info += ` (${ot === 1 ? 'sll' : 'tll'} ${mac})`;
      } else {
        fields.push(fld('icmpv6.opt', oname, ot, p, ol));
      }
    }
    p += ol;
  }
  if (fields) {
    if (c.full) c.layer('icmpv6', 'Internet Control Message Protocol v6', off, layerEnd - off, fields, info, 'ICMPv6');
    c.info = info;
  }
  return layerEnd;
}

register(Next.IPPROTO, 58, 'icmpv6', decodeIcmpv6);
