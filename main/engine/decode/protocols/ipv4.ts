// Internet Protocol version 4 (RFC 791).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version|  IHL  |    DSCP   |ECN|          Total Length         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Identification        |R|D|M|      Fragment Offset    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Time to Live |    Protocol   |         Header Checksum       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Source Address                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Destination Address                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Options (IHL > 5)                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// A fragment with a non-zero offset is not decoded further (no reassembly).
import { Next, fld, hex, ipv4Text, protoId, u16, u32, type DecodeContext } from '../context';
import { makeEntry, register, registerDecodeAs } from '../registry';
import { TunnelKind, SummaryFlag, type Field } from '../types';
import { decodeIpv6 } from './ipv6';
import { ipHeaderPresent } from './ip-common';

const PID = protoId('ip');

export const IP_PROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'HOPOPT'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPIP'],
  [6, 'TCP'],
  [17, 'UDP'],
  [41, 'IPv6'],
  [43, 'IPv6-Route'],
  [44, 'IPv6-Frag'],
  [47, 'GRE'],
  [50, 'ESP'],
  [51, 'AH'],
  [58, 'ICMPv6'],
  [59, 'IPv6-NoNxt'],
  [60, 'IPv6-Opts'],
  [89, 'OSPF'],
  [103, 'PIM'],
  [112, 'VRRP'],
  [132, 'SCTP'],
]);
export function ipProtoText(p: number): string {
  const n = IP_PROTO_NAMES.get(p);
  return n ? `${n} (${p})` : String(p);
}

const OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'End of Options List'],
  [1, 'No-Operation'],
  [7, 'Record Route'],
  [68, 'Time Stamp'],
  [130, 'Security'],
  [131, 'Loose Source Route'],
  [137, 'Strict Source Route'],
  [148, 'Router Alert'],
]);

/**
 * The fields of an IPv4 header at `off`, only those lying wholly before `limit` (a cut header
 * keeps what is there). Shared with ICMP, which shows the quoted header of an error.
 */
export function ipv4Fields(d: Uint8Array, off: number, limit: number): Field[] {
  const out: Field[] = [];
  if (off + 1 > limit) return out;
  out.push(fld('ip.version', 'Version', d[off] >> 4, off, 1));
  out.push(fld('ip.hdr_len', 'Header Length', (d[off] & 15) * 4, off, 1));
  if (off + 1 + 1 <= limit) out.push(fld('ip.dsfield', 'Differentiated Services Field', d[off + 1], off + 1, 1, hex(d[off + 1], 2)));
  if (off + 2 + 2 <= limit) out.push(fld('ip.len', 'Total Length', u16(d, off + 2), off + 2, 2));
  if (off + 4 + 2 <= limit)
    out.push(fld('ip.id', 'Identification', u16(d, off + 4), off + 4, 2, `${hex(u16(d, off + 4), 4)} (${u16(d, off + 4)})`));
  if (off + 6 + 2 <= limit) {
    const w = u16(d, off + 6);
    out.push(
      fld('ip.flags', 'Flags', w >> 13, off + 6, 1, hex(w >> 13, 1), [
        fld('ip.flags.rb', 'Reserved bit', (w >> 15) & 1, off + 6, 1),
        fld('ip.flags.df', "Don't fragment", (w >> 14) & 1, off + 6, 1),
        fld('ip.flags.mf', 'More fragments', (w >> 13) & 1, off + 6, 1),
      ]),
    );
    out.push(fld('ip.frag_offset', 'Fragment Offset', w & 0x1fff, off + 6, 2));
  }
  if (off + 8 + 1 <= limit) out.push(fld('ip.ttl', 'Time to Live', d[off + 8], off + 8, 1));
  if (off + 9 + 1 <= limit) out.push(fld('ip.proto', 'Protocol', d[off + 9], off + 9, 1, ipProtoText(d[off + 9])));
  if (off + 10 + 2 <= limit) out.push(fld('ip.checksum', 'Header Checksum', u16(d, off + 10), off + 10, 2, hex(u16(d, off + 10), 4)));
  if (off + 12 + 4 <= limit) out.push(fld('ip.src', 'Source Address', ipv4Text(u32(d, off + 12)), off + 12, 4));
  if (off + 16 + 4 <= limit) out.push(fld('ip.dst', 'Destination Address', ipv4Text(u32(d, off + 16)), off + 16, 4));
  return out;
}

/** Walks the options (as fields when `out` is given); returns false when one runs past the header. */
function optionFields(d: Uint8Array, off: number, end: number, out: Field[] | null): boolean {
  let p = off;
  while (p < end) {
    const t = d[p];
    if (t === 0) {
      out?.push(fld('ip.opt.type', OPTION_NAMES.get(0)!, 0, p, end - p));
      return true;
    }
    if (t === 1) {
      out?.push(fld('ip.opt.type', OPTION_NAMES.get(1)!, 1, p, 1));
      p++;
      continue;
    }
    if (p + 2 > end) return false;
    const len = d[p + 1];
    if (len < 2 || p + len > end) return false;
    out?.push(fld('ip.opt.type', OPTION_NAMES.get(t) ?? `Option ${t}`, t, p, len));
    p += len;
  }
  return true;
}

function checksumOk(d: Uint8Array, off: number, len: number): boolean {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (d[off + i] << 8) | d[off + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

export function decodeIpv4(c: DecodeContext, off: number): number {
  const d = c.data;
  if (!c.need('ip', off, 1)) return -1;
  const version = d[off] >> 4;
  if (version === 6) {
    // A v4-only link type (228) or IP protocol 4 holding IPv6: decode what is there, as tshark does.
    c.anomaly('bad-version', 'ip', off, c.text ? 'IPv6 packet where IPv4 was announced' : '', -1, -1, false);
    return decodeIpv6(c, off);
  }
  const cur = c.beginIp();
  c.enter(PID);
  if (!ipHeaderPresent(c, off, 4, 20, ipv4Fields)) return -1;
  const avail = c.end - off;
  const ihl = (d[off] & 15) * 4;
  const rawTotal = u16(d, off + 2);
  // Total length 0: a TSO/GSO super-frame captured before segmentation; the frame gives the length (as tshark does).
  const tso = rawTotal === 0 && ihl >= 20;
  const total = tso ? Math.min(c.end - off, 0xffff) : rawTotal;
  const w = u16(d, off + 6);
  const proto = d[off + 9];
  const src = u32(d, off + 12),
    dst = u32(d, off + 16);
  cur.version = 4;
  cur.ipOffset = off;
  cur.src4 = src;
  cur.dst4 = dst;
  cur.srcOffset = off + 12;
  cur.dstOffset = off + 16;
  cur.proto = proto;
  cur.ttl = d[off + 8];
  cur.ipId = u16(d, off + 4);
  cur.totalLength = total;
  cur.df = (w >> 14) & 1;
  cur.mf = (w >> 13) & 1;
  cur.fragOffset = w & 0x1fff;
  const hlen = ihl < 20 ? 20 : Math.min(ihl, avail);
  let fields: Field[] | null = null;
  if (c.full) {
    fields = ipv4Fields(d, off, off + 20);
    if (tso) {
      const i = fields.findIndex((f) => f.name === 'ip.len');
      fields[i] = fld('ip.len', 'Total Length', total, off + 2, 2, `0 (TCP segmentation offload: ${total} bytes in the frame)`);
    }
    c.layer('ip', 'Internet Protocol Version 4', off, hlen, fields, `Src: ${ipv4Text(src)}, Dst: ${ipv4Text(dst)}`, 'IPv4');
  }
  if (ihl < 20) {
    c.anomaly('bad-header-length', 'ip', off, c.text ? `IPv4 header length ${ihl} is below the minimum 20` : '', 20, ihl);
    return -1;
  }
  if (total < ihl) {
    c.anomaly('bad-length', 'ip', off + 2, c.text ? `IPv4 total length ${total} is smaller than the header length ${ihl}` : '', ihl, total);
    return -1;
  }
  if (!c.need('ip', off, ihl)) return -1;
  if (!checksumOk(d, off, ihl)) {
    c.anomaly(
      'bad-checksum',
      'ip',
      off + 10,
      c.text ? `IPv4 header checksum ${hex(u16(d, off + 10), 4)} is wrong (checksum offload on a sending host also gives this)` : '',
    );
  }
  if (ihl > 20 && !optionFields(d, off + 20, off + ihl, fields)) {
    c.anomaly('bad-option', 'ip', off + 20, 'an IPv4 option runs past the header');
  }
  // The payload ends where the header says, or where the bytes stop.
  const claimed = off + total;
  c.claimedEnd = claimed;
  if (claimed > c.end) {
    if (claimed > d.length) {
      c.anomaly(
        'truncated',
        'ip',
        off + 2,
        c.text ? `IPv4 total length ${total}, only ${d.length - off} bytes captured` : '',
        total,
        d.length - off,
      );
    } else {
      c.anomaly(
        'bad-length',
        'ip',
        off + 2,
        c.text ? `IPv4 total length ${total} runs past the enclosing payload (${c.end - off} bytes)` : '',
        total,
        c.end - off,
      );
    }
  } else {
    c.end = claimed;
  }
  c.payload(off + ihl);
  if (cur.mf || cur.fragOffset) c.s.flags |= SummaryFlag.FRAGMENT;
  if (cur.fragOffset !== 0) {
    if (c.text) c.info = `Fragmented IP protocol (proto=${ipProtoText(proto)}, off=${cur.fragOffset * 8}, ID=${hex(cur.ipId, 4).slice(2)})`;
    return off + ihl; // non-first fragment: the rest is data
  }
  if (cur.mf) c.fragmentStart = true;
  c.setNext(Next.IPPROTO, proto);
  return off + ihl;
}

register(Next.ETHERTYPE, 0x0800, 'ip', decodeIpv4);
register(Next.IPVERSION, 4, 'ip', decodeIpv4);
register(Next.IPPROTO, 4, 'ip', decodeIpv4, TunnelKind.IPIP); // IP-in-IP (Calico IPIP)
// "Decode As ip" on a UDP port (tshark's -d udp.port==8285,ip): a bare IP packet in UDP is a tunnel.
registerDecodeAs(makeEntry('ip', decodeIpv4, TunnelKind.FLANNEL_UDP), 'ip', 'ipv4');
