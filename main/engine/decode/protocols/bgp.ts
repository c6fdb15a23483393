// Border Gateway Protocol 4 (RFC 4271) on TCP port 179, with capabilities (RFC 5492), 4-octet AS
// (RFC 6793) and multiprotocol reach/unreach (RFC 4760). Calico's BIRD speaks it between nodes: the
// UPDATEs say which node (next hop) owns which pod block. Several messages may share one TCP
// segment; each becomes its own 'bgp' layer. A message that continues in the next segment is shown
// as far as it goes (no TCP reassembly here), without calling the packet malformed.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     Marker (16 bytes of 0xff)                 |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Length (19..4096)    |      Type     |  body...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// OPEN:         version(1) my AS(2) hold time(2) BGP identifier(4) opt param len(1) params
// UPDATE:       withdrawn len(2) withdrawn prefixes, path attr len(2) attributes, NLRI prefixes
// NOTIFICATION: error code(1) subcode(1) data
// KEEPALIVE:    header only;  ROUTE-REFRESH: AFI(2) reserved(1) SAFI(1)
import { fld, hex, ipv4Text, ipv6Text, protoId, u16, u32, type DecodeContext } from '../context';
import { register } from '../registry';
import { Next } from '../context';
import type { Field } from '../types';

const PID = protoId('bgp');
export const BGP_PORT = 179;
const HEADER = 19;
const MAX_MESSAGES = 64;
const MAX_PREFIXES = 4096;

export const BGP_TYPES: readonly string[] = ['', 'OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH'];
const ATTR_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'ORIGIN'],
  [2, 'AS_PATH'],
  [3, 'NEXT_HOP'],
  [4, 'MULTI_EXIT_DISC'],
  [5, 'LOCAL_PREF'],
  [6, 'ATOMIC_AGGREGATE'],
  [7, 'AGGREGATOR'],
  [8, 'COMMUNITIES'],
  [9, 'ORIGINATOR_ID'],
  [10, 'CLUSTER_LIST'],
  [14, 'MP_REACH_NLRI'],
  [15, 'MP_UNREACH_NLRI'],
  [16, 'EXTENDED_COMMUNITIES'],
  [17, 'AS4_PATH'],
  [18, 'AS4_AGGREGATOR'],
  [32, 'LARGE_COMMUNITY'],
]);
const CAP_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Multiprotocol extensions'],
  [2, 'Route refresh'],
  [5, 'Extended next hop encoding'],
  [6, 'Extended message'],
  [9, 'BGP role'],
  [64, 'Graceful restart'],
  [65, 'Support for 4-octet AS number'],
  [69, 'ADD-PATH'],
  [70, 'Enhanced route refresh'],
  [71, 'Long-lived graceful restart'],
  [73, 'FQDN'],
  [128, 'Route refresh (Cisco)'],
]);
const ORIGINS = ['IGP', 'EGP', 'INCOMPLETE'];
const ERRORS = [
  '',
  'Message Header Error',
  'OPEN Message Error',
  'UPDATE Message Error',
  'Hold Timer Expired',
  'Finite State Machine Error',
  'Cease',
  'ROUTE-REFRESH Message Error',
];
const CEASE = [
  '',
  'Maximum Number of Prefixes Reached',
  'Administrative Shutdown',
  'Peer De-configured',
  'Administrative Reset',
  'Connection Rejected',
  'Other Configuration Change',
  'Connection Collision Resolution',
  'Out of Resources',
  'Hard Reset',
  'BFD Down',
];
const AFI: ReadonlyMap<number, string> = new Map([
  [1, 'IPv4'],
  [2, 'IPv6'],
  [25, 'L2VPN'],
]);
const SAFI: ReadonlyMap<number, string> = new Map([
  [1, 'Unicast'],
  [2, 'Multicast'],
  [4, 'Labeled Unicast'],
  [70, 'EVPN'],
  [128, 'MPLS-labeled VPN'],
]);

export interface BgpRoute {
  /** 'a.b.c.d/len' or IPv6 'x::/len'. */
  readonly prefix: string;
  readonly afi: 1 | 2;
}

export interface BgpMessage {
  readonly offset: number;
  /** Length announced by the header. */
  readonly length: number;
  readonly type: number;
  readonly typeName: string;
  /** False when the message continues beyond the captured segment. */
  readonly complete: boolean;
  readonly open?: {
    version: number;
    myAs: number;
    as4?: number;
    holdTime: number;
    identifier: string;
    capabilities: { code: number; name: string }[];
  };
  readonly update?: {
    withdrawn: BgpRoute[];
    nlri: BgpRoute[];
    /** NEXT_HOP attribute, or the MP_REACH next hop (first address). */
    nextHop?: string;
    mpNextHop?: string;
    origin?: string;
    asPath?: number[];
    med?: number;
    localPref?: number;
    attributes: string[];
  };
  readonly notification?: { code: number; subcode: number; text: string };
  /** Why the body could not be read in full (also an anomaly in the decode). */
  readonly error?: string;
}

/** Appends prefixes (RFC 4271 4.3 encoding: length in bits, then the significant bytes) to `out`; false when malformed. */
function readPrefixes(d: Uint8Array, p: number, end: number, afi: 1 | 2, out: BgpRoute[], fields: Field[] | null, name: string): boolean {
  const width = afi === 1 ? 4 : 16;
  const buf = new Uint8Array(16);
  while (p < end) {
    const bits = d[p];
    const n = (bits + 7) >> 3;
    if (bits > width * 8 || p + 1 + n > end || out.length >= MAX_PREFIXES) return false;
    buf.fill(0);
    for (let i = 0; i < n; i++) buf[i] = d[p + 1 + i];
    const addr = afi === 1 ? ipv4Text(u32(buf, 0)) : ipv6Text(buf, 0);
    const prefix = `${addr}/${bits}`;
    out.push({ prefix, afi });
    if (fields) fields.push(fld(name, 'Prefix', prefix, p, 1 + n, undefined, [fld('bgp.prefix_length', 'Prefix length', bits, p, 1)]));
    p += 1 + n;
  }
  return true;
}

/** 4-octet AS_PATH when the segments exactly fill the attribute with 4-byte numbers, else 2-octet (RFC 6793 heuristics as Wireshark does). */
function asPathWidth(d: Uint8Array, p: number, end: number): 2 | 4 {
  const fits = (w: number) => {
    let q = p;
    while (q < end) {
      if (q + 2 > end) return false;
      const segType = d[q];
      if (segType < 1 || segType > 4) return false;
      q += 2 + d[q + 1] * w;
    }
    return q === end;
  };
  return fits(4) ? 4 : 2;
}

function readOpen(d: Uint8Array, o: number, end: number, fields: Field[] | null): BgpMessage['open'] | string {
  if (o + 10 > end) return 'OPEN body shorter than 10 bytes';
  const version = d[o],
    myAs = u16(d, o + 1),
    holdTime = u16(d, o + 3),
    identifier = ipv4Text(u32(d, o + 5)),
    optLen = d[o + 9];
  const open: NonNullable<BgpMessage['open']> = { version, myAs, holdTime, identifier, capabilities: [] };
  if (fields)
    fields.push(
      fld('bgp.open.version', 'Version', version, o, 1),
      fld('bgp.open.myas', 'My AS', myAs, o + 1, 2),
      fld('bgp.open.holdtime', 'Hold Time', holdTime, o + 3, 2),
      fld('bgp.open.identifier', 'BGP Identifier', identifier, o + 5, 4),
      fld('bgp.open.opt.len', 'Optional Parameters Length', optLen, o + 9, 1),
    );
  let p = o + 10;
  const pend = p + optLen;
  if (pend > end) return 'OPEN optional parameters run past the message';
  while (p < pend) {
    if (p + 2 > pend) return 'OPEN optional parameter header cut';
    const ptype = d[p],
      plen = d[p + 1];
    if (p + 2 + plen > pend) return 'OPEN optional parameter runs past the parameters';
    const caps: Field[] = [];
    if (ptype === 2) {
      let q = p + 2;
      while (q < p + 2 + plen) {
        if (q + 2 > p + 2 + plen) return 'capability header cut';
        const code = d[q],
          clen = d[q + 1];
        const v = q + 2;
        if (v + clen > p + 2 + plen) return 'capability runs past its parameter';
        const name = CAP_NAMES.get(code) ?? `Unknown (${code})`;
        open.capabilities.push({ code, name });
        const sub: Field[] = [fld('bgp.cap.type', 'Type', code, q, 1, name), fld('bgp.cap.length', 'Length', clen, q + 1, 1)];
        if (code === 1 && clen === 4)
          sub.push(
            fld('bgp.cap.mp.afi', 'AFI', u16(d, v), v, 2, AFI.get(u16(d, v))),
            fld('bgp.cap.mp.safi', 'SAFI', d[v + 3], v + 3, 1, SAFI.get(d[v + 3])),
          );
        if (code === 65 && clen === 4) {
          open.as4 = u32(d, v);
          sub.push(fld('bgp.cap.4octetas', 'AS Number', open.as4, v, 4));
        }
        if (code === 64 && clen >= 2) sub.push(fld('bgp.cap.gr.timers.restart_time', 'Restart Time', u16(d, v) & 0x0fff, v, 2));
        caps.push(fld('bgp.cap', 'Capability', name, q, 2 + clen, name, sub));
        q = v + clen;
      }
    }
    if (fields)
      fields.push(
        fld('bgp.open.opt.param', 'Optional Parameter', ptype, p, 2 + plen, ptype === 2 ? 'Capability' : `Type ${ptype}`, [
          fld('bgp.open.opt.param.type', 'Parameter Type', ptype, p, 1),
          fld('bgp.open.opt.param.len', 'Parameter Length', plen, p + 1, 1),
          ...caps,
        ]),
      );
    p += 2 + plen;
  }
  return open;
}

function readUpdate(d: Uint8Array, o: number, end: number, fields: Field[] | null): BgpMessage['update'] | string {
  const up: NonNullable<BgpMessage['update']> = { withdrawn: [], nlri: [], attributes: [] };
  if (o + 2 > end) return 'UPDATE withdrawn routes length cut';
  const wlen = u16(d, o);
  if (o + 2 + wlen + 2 > end) return 'UPDATE withdrawn routes run past the message';
  const wf: Field[] | null = fields ? [] : null;
  if (!readPrefixes(d, o + 2, o + 2 + wlen, 1, up.withdrawn, wf, 'bgp.withdrawn_prefix')) return 'malformed withdrawn prefix';
  if (fields) {
    fields.push(fld('bgp.update.withdrawn_routes.length', 'Withdrawn Routes Length', wlen, o, 2));
    if (wlen) fields.push(fld('bgp.update.withdrawn_routes', 'Withdrawn Routes', up.withdrawn.length, o + 2, wlen, undefined, wf!));
  }
  let p = o + 2 + wlen;
  const alen = u16(d, p);
  if (p + 2 + alen > end) return 'UPDATE path attributes run past the message';
  if (fields) fields.push(fld('bgp.update.path_attributes.length', 'Total Path Attribute Length', alen, p, 2));
  p += 2;
  const aend = p + alen;
  const af: Field[] | null = fields ? [] : null;
  while (p < aend) {
    if (p + 3 > aend) return 'path attribute header cut';
    const flags = d[p],
      code = d[p + 1];
    const ext = (flags & 0x10) !== 0;
    if (ext && p + 4 > aend) return 'path attribute header cut';
    const len = ext ? u16(d, p + 2) : d[p + 2];
    const v = p + (ext ? 4 : 3);
    if (v + len > aend) return `path attribute ${ATTR_NAMES.get(code) ?? code} runs past the attributes`;
    const name = ATTR_NAMES.get(code) ?? `Unknown (${code})`;
    up.attributes.push(name);
    const sub: Field[] = [
      fld('bgp.update.path_attribute.flags', 'Flags', flags, p, 1, hex(flags, 2)),
      fld('bgp.update.path_attribute.type_code', 'Type Code', code, p + 1, 1, name),
      fld('bgp.update.path_attribute.length', 'Length', len, p + 2, ext ? 2 : 1),
    ];
    let display = name;
    if (code === 1 && len === 1) {
      up.origin = ORIGINS[d[v]] ?? String(d[v]);
      sub.push(fld('bgp.update.path_attribute.origin', 'Origin', d[v], v, 1, up.origin));
      display += `: ${up.origin}`;
    } else if ((code === 2 || code === 17) && len >= 0) {
      const w = code === 17 ? 4 : asPathWidth(d, v, v + len);
      const path: number[] = [];
      let q = v;
      while (q + 2 <= v + len) {
        const segType = d[q],
          count = d[q + 1];
        if (q + 2 + count * w > v + len) return 'AS_PATH segment runs past the attribute';
        const asns: Field[] = [];
        for (let i = 0; i < count; i++) {
          const a = w === 4 ? u32(d, q + 2 + i * 4) : u16(d, q + 2 + i * 2);
          path.push(a);
          asns.push(
            fld(
              w === 4 ? 'bgp.update.path_attribute.as_path_segment.as4' : 'bgp.update.path_attribute.as_path_segment.as2',
              'AS',
              a,
              q + 2 + i * w,
              w,
            ),
          );
        }
        sub.push(
          fld(
            'bgp.update.path_attribute.as_path_segment',
            'AS path segment',
            segType === 1 ? 'AS_SET' : 'AS_SEQUENCE',
            q,
            2 + count * w,
            undefined,
            [
              fld('bgp.update.path_attribute.as_path_segment.type', 'Segment type', segType, q, 1),
              fld('bgp.update.path_attribute.as_path_segment.length', 'Segment length (number of ASN)', count, q + 1, 1),
              ...asns,
            ],
          ),
        );
        q += 2 + count * w;
      }
      if (code === 2) up.asPath = path;
      display += `: ${path.length ? path.join(' ') : 'empty'}`;
    } else if (code === 3 && len === 4) {
      up.nextHop = ipv4Text(u32(d, v));
      sub.push(fld('bgp.update.path_attribute.next_hop', 'Next hop', up.nextHop, v, 4));
      display += `: ${up.nextHop}`;
    } else if (code === 4 && len === 4) {
      up.med = u32(d, v);
      sub.push(fld('bgp.update.path_attribute.multi_exit_disc', 'Multiple exit discriminator', up.med, v, 4));
      display += `: ${up.med}`;
    } else if (code === 5 && len === 4) {
      up.localPref = u32(d, v);
      sub.push(fld('bgp.update.path_attribute.local_pref', 'Local preference', up.localPref, v, 4));
      display += `: ${up.localPref}`;
    } else if (code === 9 && len === 4) {
      sub.push(fld('bgp.update.path_attribute.originator_id', 'Originator identifier', ipv4Text(u32(d, v)), v, 4));
    } else if (code === 14 && len >= 5) {
      const afi = u16(d, v),
        safi = d[v + 2],
        nhlen = d[v + 3];
      const nh = v + 4;
      if (nh + nhlen + 1 > v + len) return 'MP_REACH_NLRI next hop runs past the attribute';
      sub.push(
        fld('bgp.update.path_attribute.mp_reach_nlri.afi', 'Address family identifier (AFI)', afi, v, 2, AFI.get(afi)),
        fld('bgp.update.path_attribute.mp_reach_nlri.safi', 'Subsequent address family identifier (SAFI)', safi, v + 2, 1, SAFI.get(safi)),
      );
      let nhText = '';
      if (nhlen === 4) {
        nhText = ipv4Text(u32(d, nh));
        sub.push(fld('bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4', 'IPv4 Address', nhText, nh, 4));
      } else if (nhlen === 16 || nhlen === 32) {
        nhText = ipv6Text(d, nh);
        sub.push(fld('bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6', 'IPv6 Address', nhText, nh, 16));
        if (nhlen === 32)
          sub.push(
            fld(
              'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6.link_local',
              'Link-local Address',
              ipv6Text(d, nh + 16),
              nh + 16,
              16,
            ),
          );
      }
      if (nhText) up.mpNextHop = nhText;
      if ((afi === 1 || afi === 2) && (safi === 1 || safi === 2)) {
        const nf: Field[] = [];
        if (
          !readPrefixes(
            d,
            nh + nhlen + 1,
            v + len,
            afi,
            up.nlri,
            fields ? nf : null,
            afi === 1 ? 'bgp.mp_reach_nlri_ipv4_prefix' : 'bgp.mp_reach_nlri_ipv6_prefix',
          )
        )
          return 'malformed MP_REACH_NLRI prefix';
        sub.push(...nf);
      }
      display += `: ${AFI.get(afi) ?? afi} ${SAFI.get(safi) ?? safi}${nhText ? ` via ${nhText}` : ''}`;
    } else if (code === 15 && len >= 3) {
      const afi = u16(d, v),
        safi = d[v + 2];
      sub.push(
        fld('bgp.update.path_attribute.mp_unreach_nlri.afi', 'Address family identifier (AFI)', afi, v, 2, AFI.get(afi)),
        fld(
          'bgp.update.path_attribute.mp_unreach_nlri.safi',
          'Subsequent address family identifier (SAFI)',
          safi,
          v + 2,
          1,
          SAFI.get(safi),
        ),
      );
      if ((afi === 1 || afi === 2) && (safi === 1 || safi === 2)) {
        const nf: Field[] = [];
        if (
          !readPrefixes(
            d,
            v + 3,
            v + len,
            afi,
            up.withdrawn,
            fields ? nf : null,
            afi === 1 ? 'bgp.mp_unreach_nlri_ipv4_prefix' : 'bgp.mp_unreach_nlri_ipv6_prefix',
          )
        )
          return 'malformed MP_UNREACH_NLRI prefix';
        sub.push(...nf);
      }
      display += `: ${AFI.get(afi) ?? afi} ${SAFI.get(safi) ?? safi}`;
    }
    if (af) af.push(fld('bgp.update.path_attribute', 'Path Attribute', name, p, v + len - p, display, sub));
    p = v + len;
  }
  if (fields && alen)
    fields.push(fld('bgp.update.path_attributes', 'Path attributes', up.attributes.length, aend - alen, alen, undefined, af!));
  const nf: Field[] | null = fields ? [] : null;
  if (!readPrefixes(d, aend, end, 1, up.nlri, nf, 'bgp.nlri_prefix')) return 'malformed NLRI prefix';
  if (fields && nf!.length)
    fields.push(fld('bgp.nlri', 'Network Layer Reachability Information (NLRI)', nf!.length, aend, end - aend, undefined, nf!));
  return up;
}

/**
 * Reads the BGP messages in d[off, end). Pure (used by the decoder and by the cluster model, which
 * turns UPDATEs into pod-block ownership). `fieldsOut` receives one field list per message in full mode.
 */
export function parseBgpMessages(d: Uint8Array, off: number, end: number, fieldsOut?: Field[][]): BgpMessage[] {
  const out: BgpMessage[] = [];
  let p = off;
  while (p < end && out.length < MAX_MESSAGES) {
    if (p + HEADER > end) {
      out.push({ offset: p, length: 0, type: 0, typeName: 'continuation', complete: false });
      fieldsOut?.push([]);
      break;
    }
    let marker = true;
    for (let i = 0; i < 16; i++)
      if (d[p + i] !== 0xff) {
        marker = false;
        break;
      }
    const length = u16(d, p + 16),
      type = d[p + 18];
    const typeName = BGP_TYPES[type] || `Unknown (${type})`;
    const fields: Field[] | null = fieldsOut
      ? [
          fld('bgp.marker', 'Marker', marker ? 'ffffffffffffffffffffffffffffffff' : 'invalid', p, 16),
          fld('bgp.length', 'Length', length, p + 16, 2),
          fld('bgp.type', 'Type', type, p + 18, 1, `${typeName} Message (${type})`),
        ]
      : null;
    if (!marker && p === off) {
      // The segment starts inside a message begun in an earlier segment.
      out.push({ offset: p, length: 0, type: 0, typeName: 'continuation', complete: false });
      fieldsOut?.push([]);
      break;
    }
    if (!marker || length < HEADER) {
      out.push({
        offset: p,
        length,
        type,
        typeName,
        complete: true,
        error: marker ? `message length ${length} below the 19-byte header` : 'marker is not all ones after the previous message',
      });
      if (fieldsOut) fieldsOut.push(fields!);
      break;
    }
    const mend = p + length;
    const complete = mend <= end;
    const bodyEnd = complete ? mend : end;
    const msg: { -readonly [K in keyof BgpMessage]: BgpMessage[K] } = { offset: p, length, type, typeName, complete };
    if (complete || type === 1) {
      if (type === 1) {
        const r = readOpen(d, p + HEADER, bodyEnd, fields);
        if (typeof r === 'string') {
          if (complete) msg.error = r;
        } else msg.open = r;
      } else if (type === 2) {
        const r = readUpdate(d, p + HEADER, bodyEnd, fields);
        if (typeof r === 'string') msg.error = r;
        else msg.update = r;
      } else if (type === 3) {
        if (p + HEADER + 2 > bodyEnd) msg.error = 'NOTIFICATION shorter than 21 bytes';
        else {
          const code = d[p + 19],
            subcode = d[p + 20];
          const text = `${ERRORS[code] ?? `Error ${code}`}${code === 6 && CEASE[subcode] ? ' / ' + CEASE[subcode] : subcode ? ` / subcode ${subcode}` : ''}`;
          msg.notification = { code, subcode, text };
          fields?.push(
            fld('bgp.notify.major_error', 'Major error Code', code, p + 19, 1, ERRORS[code]),
            fld(
              code === 6 ? 'bgp.notify.minor_error_cease' : 'bgp.notify.minor_error',
              'Minor error Code',
              subcode,
              p + 20,
              1,
              code === 6 ? CEASE[subcode] : undefined,
            ),
          );
          if (p + 21 < mend) fields?.push(fld('bgp.notify.minor_data', 'Data', mend - p - 21, p + 21, mend - p - 21));
        }
      } else if (type === 4) {
        if (length !== HEADER) msg.error = `KEEPALIVE of ${length} bytes (must be 19)`;
      } else if (type === 5 && p + 23 <= bodyEnd) {
        fields?.push(
          fld('bgp.route_refresh.afi', 'Address family identifier (AFI)', u16(d, p + 19), p + 19, 2, AFI.get(u16(d, p + 19))),
          fld('bgp.route_refresh.safi', 'Subsequent address family identifier (SAFI)', d[p + 22], p + 22, 1, SAFI.get(d[p + 22])),
        );
      } else if (type < 1 || type > 5) msg.error = `unknown message type ${type}`;
    }
    out.push(msg);
    if (fieldsOut) fieldsOut.push(fields!);
    if (!complete) break;
    p = mend;
  }
  return out;
}

function messageSummary(m: BgpMessage): string {
  if (m.typeName === 'continuation') return 'Continuation';
  let s = `${m.typeName} Message`;
  if (m.open) s += `, AS ${m.open.as4 ?? m.open.myAs}, ID ${m.open.identifier}, Hold ${m.open.holdTime}s`;
  if (m.update) {
    const u = m.update;
    if (u.nlri.length) s += `, ${u.nlri.map((r) => r.prefix).join(' ')} via ${u.nextHop ?? u.mpNextHop ?? '?'}`;
    if (u.withdrawn.length) s += `, withdrawn ${u.withdrawn.map((r) => r.prefix).join(' ')}`;
    if (!u.nlri.length && !u.withdrawn.length && !u.attributes.length) s += ' (End-of-RIB)';
  }
  if (m.notification) s += `, ${m.notification.text}`;
  if (!m.complete) s += ' (continues in the next segment)';
  return s;
}

export function decodeBgp(c: DecodeContext, off: number): number {
  const end = c.end;
  const fieldLists: Field[][] | undefined = c.full ? [] : undefined;
  const msgs = parseBgpMessages(c.data, off, end, fieldLists);
  if (msgs.length === 0) return -1;
  const texts: string[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    c.enter(PID);
    // A message cut by the segment end is normal TCP segmentation; a contradiction inside a complete message is not.
    if (m.error && m.complete) c.anomaly('bad-length', 'bgp', m.offset, c.text ? `BGP ${m.typeName}: ${m.error}` : '');
    if (c.text) {
      const mend = m.complete ? Math.min(m.offset + m.length, end) : end;
      const summary = messageSummary(m);
      texts.push(summary);
      if (c.full) c.layer('bgp', 'Border Gateway Protocol', m.offset, mend - m.offset, fieldLists![i], summary, 'BGP');
    }
  }
  if (c.text) c.info = texts.join('; ');
  return end;
}

register(Next.TCP, BGP_PORT, 'bgp', decodeBgp);
