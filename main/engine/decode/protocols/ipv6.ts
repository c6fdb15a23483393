// Internet Protocol version 6 (RFC 8200) with its extension header chain: hop-by-hop options (0),
// routing (43), fragment (44), destination options (60), authentication header (51), mobility (135).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version| Traffic Class |              Flow Label               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Payload Length        |  Next Header  |   Hop Limit   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                Source Address (16 bytes)                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |              Destination Address (16 bytes)                   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Extension header: | Next Header | Hdr Ext Len (8-byte units, not counting the first 8) | ...
// Fragment header:  | Next Header | Reserved | Offset (13 bits) |Res|M| Identification (32) |
import { Next, fld, hex, ipv6Text, protoId, u16, u32, type DecodeContext } from '../context';
import { register, makeEntry, registerDecodeAs } from '../registry';
import { SummaryFlag, TunnelKind, type Field } from '../types';
import { ipProtoText } from './ipv4';
import { ipHeaderPresent } from './ip-common';

const PID6 = protoId('ipv6');
/** Extension header types and their field prefix (as tshark names them). */
const EXT: ReadonlyMap<number, string> = new Map([
  [0, 'hopopts'],
  [43, 'routing'],
  [44, 'fraghdr'],
  [60, 'dstopts'],
  [51, 'ah'],
  [135, 'mobility'],
]);
const MAX_EXT_HEADERS = 256;

/** Fixed-header fields lying wholly before `limit` (shared with ICMPv6's quoted header). */
export function ipv6Fields(d: Uint8Array, off: number, limit: number): Field[] {
  const out: Field[] = [];
  if (off + 1 > limit) return out;
  out.push(fld('ipv6.version', 'Version', d[off] >> 4, off, 1));
  if (off + 0 + 4 <= limit) {
    out.push(fld('ipv6.tclass', 'Traffic Class', (u16(d, off) >> 4) & 0xff, off, 2, hex((u16(d, off) >> 4) & 0xff, 2)));
    out.push(fld('ipv6.flow', 'Flow Label', u32(d, off) & 0xfffff, off + 1, 3, hex(u32(d, off) & 0xfffff, 5)));
  }
  if (off + 4 + 2 <= limit) out.push(fld('ipv6.plen', 'Payload Length', u16(d, off + 4), off + 4, 2));
  if (off + 6 + 1 <= limit) out.push(fld('ipv6.nxt', 'Next Header', d[off + 6], off + 6, 1, ipProtoText(d[off + 6])));
  if (off + 7 + 1 <= limit) out.push(fld('ipv6.hlim', 'Hop Limit', d[off + 7], off + 7, 1));
  if (off + 8 + 16 <= limit) out.push(fld('ipv6.src', 'Source Address', ipv6Text(d, off + 8), off + 8, 16));
  if (off + 24 + 16 <= limit) out.push(fld('ipv6.dst', 'Destination Address', ipv6Text(d, off + 24), off + 24, 16));
  return out;
}

export function decodeIpv6(c: DecodeContext, off: number): number {
  const d = c.data;
  if (!c.need('ipv6', off, 1)) return -1;
  const cur = c.beginIp();
  c.enter(PID6);
  if (!ipHeaderPresent(c, off, 6, 40, ipv6Fields)) return -1;
  const rawPlen = u16(d, off + 4);
  // Payload length 0: a jumbogram or a GSO/BIG TCP super-frame captured before segmentation; the frame gives the length.
  const tso = rawPlen === 0 && c.end - off > 40;
  const plen = tso ? c.end - off - 40 : rawPlen;
  let nxt = d[off + 6];
  cur.version = 6;
  cur.ipOffset = off;
  cur.srcOffset = off + 8;
  cur.dstOffset = off + 24;
  cur.ttl = d[off + 7];
  cur.ipId = u32(d, off) & 0xfffff;
  cur.totalLength = plen + 40;
  cur.proto = nxt;
  let fields: Field[] | null = null;
  if (c.full) {
    fields = ipv6Fields(d, off, off + 40);
    if (tso) {
      const i = fields.findIndex((f) => f.name === 'ipv6.plen');
      fields[i] = fld('ipv6.plen', 'Payload Length', plen, off + 4, 2, `0 (jumbogram or segmentation offload: ${plen} bytes in the frame)`);
    }
  }
  const claimed = off + 40 + plen;
  c.claimedEnd = claimed;
  let lengthProblem = 0;
  if (claimed > c.end) lengthProblem = claimed > d.length ? 1 : 2;
  else c.end = claimed;

  // Extension header chain.
  let p = off + 40;
  let count = 0;
  let nonFirstFragment = false;
  let stopped = false;
  while (EXT.has(nxt)) {
    if (++count > MAX_EXT_HEADERS) {
      c.anomaly('ext-header-limit', 'ipv6', p, c.text ? `more than ${MAX_EXT_HEADERS} IPv6 extension headers` : '');
      stopped = true;
      break;
    }
    const type = EXT.get(nxt)!;
    if (!c.need('ipv6', p, 8)) {
      stopped = true;
      break;
    }
    const hnxt = d[p];
    const len = nxt === 44 ? 8 : nxt === 51 ? (d[p + 1] + 2) * 4 : (d[p + 1] + 1) * 8;
    if (!c.need('ipv6', p, len)) {
      stopped = true;
      break;
    }
    let children: Field[] | undefined;
    if (nxt === 44) {
      const w = u16(d, p + 2);
      cur.fragOffset = w >> 3;
      cur.mf = w & 1;
      cur.ipId = u32(d, p + 4);
      c.s.flags |= SummaryFlag.FRAGMENT;
      if (cur.fragOffset !== 0) nonFirstFragment = true;
      else if (cur.mf) c.fragmentStart = true;
      if (fields)
        children = [
          fld('ipv6.fraghdr.nxt', 'Next header', hnxt, p, 1, ipProtoText(hnxt)),
          fld('ipv6.fraghdr.offset', 'Offset', w >> 3, p + 2, 2),
          fld('ipv6.fraghdr.more', 'More Fragments', w & 1, p + 3, 1),
          fld('ipv6.fraghdr.ident', 'Identification', u32(d, p + 4), p + 4, 4, hex(u32(d, p + 4), 8)),
        ];
    } else if (fields) {
      children = [
        fld(`ipv6.${type}.nxt`, 'Next header', hnxt, p, 1, ipProtoText(hnxt)),
        fld(`ipv6.${type}.len`, 'Length', d[p + 1], p + 1, 1),
      ];
      if (nxt === 43)
        children.push(
          fld('ipv6.routing.type', 'Type', d[p + 2], p + 2, 1),
          fld('ipv6.routing.segleft', 'Segments Left', d[p + 3], p + 3, 1),
        );
    }
    if (fields) fields.push(fld(`ipv6.${type}`, type, nxt, p, len, undefined, children));
    nxt = hnxt;
    p += len;
    if (nonFirstFragment) break;
  }
  cur.proto = nxt;
  if (c.full) {
    c.layer(
      'ipv6',
      'Internet Protocol Version 6',
      off,
      p - off,
      fields!,
      `Src: ${ipv6Text(d, off + 8)}, Dst: ${ipv6Text(d, off + 24)}`,
      'IPv6',
    );
  }
  if (lengthProblem === 1) {
    c.anomaly(
      'truncated',
      'ipv6',
      off + 4,
      c.text ? `IPv6 payload length ${plen}, only ${d.length - off - 40} bytes captured` : '',
      plen,
      d.length - off - 40,
    );
  } else if (lengthProblem === 2) {
    c.anomaly(
      'bad-length',
      'ipv6',
      off + 4,
      c.text ? `IPv6 payload length ${plen} runs past the enclosing payload` : '',
      plen,
      c.end - off - 40,
    );
  }
  if (stopped) return -1;
  c.payload(p);
  if (nonFirstFragment) {
    if (c.text) c.info = `IPv6 fragment (off=${cur.fragOffset * 8} more=${cur.mf ? 'y' : 'n'} ident=${hex(cur.ipId, 8)} nxt=${nxt})`;
    return p;
  }
  if (nxt !== 59) c.setNext(Next.IPPROTO, nxt);
  return p;
}

register(Next.ETHERTYPE, 0x86dd, 'ipv6', decodeIpv6);
register(Next.IPVERSION, 6, 'ipv6', decodeIpv6);
register(Next.IPPROTO, 41, 'ipv6', decodeIpv6, TunnelKind.IP6IN4); // 6in4 / IPv6-in-IPv6
registerDecodeAs(makeEntry('ipv6', decodeIpv6, TunnelKind.FLANNEL_UDP), 'ipv6');
