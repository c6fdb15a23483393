// Domain Name System (RFC 1035) over UDP port 53 (and 5353 mDNS, 5355 LLMNR): header, questions
// and answers. Records are walked in every mode; names are read as text only when text is wanted.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Transaction ID         |Q| Opcode|A|T|R|R|Z|A|C| RCODE |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Question count         |         Answer count          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |       Authority count         |        Additional count       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Questions: name, type(2), class(2) | Resource records: name, type, class, ttl(4), rdlength, rdata
import { Next, fld, hex, ipv4Text, ipv6Text, protoId, u16, u32, type DecodeContext } from '../context';
import { register, registerDecodeAs } from '../registry';
import type { Field } from '../types';

const PID = protoId('dns');
const TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'A'],
  [2, 'NS'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [12, 'PTR'],
  [15, 'MX'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [33, 'SRV'],
  [41, 'OPT'],
  [43, 'DS'],
  [46, 'RRSIG'],
  [48, 'DNSKEY'],
  [64, 'SVCB'],
  [65, 'HTTPS'],
  [255, 'ANY'],
]);
const RCODES = [
  'No error',
  'Format error',
  'Server failure',
  'No such name',
  'Not implemented',
  'Refused',
  'Name exists',
  'RRset exists',
  'RRset does not exist',
  'Not authoritative',
  'Name out of zone',
];
const MAX_RECORDS = 64;

/** Offset just after the name last walked, in place (compression pointers not followed). */
let nameEnd = 0;
/** The text of the name being walked: at most 255 bytes on the wire, 4 characters each when escaped. */
const NAME = new Uint8Array(1024);

/**
 * Walks a (possibly compressed) name from `start`; returns its text when `text` (full/info mode), ''
 * otherwise (no allocation), or null when malformed. Sets `nameEnd`.
 */
function walkName(d: Uint8Array, start: number, base: number, end: number, text: boolean): string | null {
  let p = start,
    after = -1,
    jumps = 0,
    total = 0,
    n = 0;
  for (;;) {
    if (p >= end) return null;
    const len = d[p];
    if (len === 0) {
      p++;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 2 > end || ++jumps > 32) return null;
      if (after < 0) after = p + 2;
      p = base + (((len & 0x3f) << 8) | d[p + 1]);
      continue;
    }
    total += len + 1;
    if (len & 0xc0 || p + 1 + len > end || total > 255) return null;
    if (text) {
      for (let i = 0; i < len; i++) {
        const ch = d[p + 1 + i];
        if (ch > 0x20 && ch < 0x7f && ch !== 0x2e) NAME[n++] = ch;
        else {
          NAME[n++] = 0x5c; // \ddd, the byte in octal
          NAME[n++] = 0x30 + (ch >> 6);
          NAME[n++] = 0x30 + ((ch >> 3) & 7);
          NAME[n++] = 0x30 + (ch & 7);
        }
      }
      NAME[n++] = 0x2e;
    }
    p += 1 + len;
  }
  nameEnd = after < 0 ? p : after;
  // The name is made once from its character codes (no string per character), without the last dot.
  return text ? (n === 0 ? '<Root>' : String.fromCharCode.apply(null, NAME.subarray(0, n - 1) as unknown as number[])) : '';
}

export function decodeDns(c: DecodeContext, off: number): number {
  if (!c.need('dns', off, 12)) return -1;
  const d = c.data;
  c.enter(PID);
  const id = u16(d, off),
    flags = u16(d, off + 2);
  const qd = u16(d, off + 4),
    an = u16(d, off + 6),
    ns = u16(d, off + 8),
    ar = u16(d, off + 10);
  const s = c.s;
  s.dnsId = id;
  s.dnsQr = flags >> 15;
  s.dnsRcode = flags & 15;
  s.dnsQdCount = qd;
  s.dnsAnCount = an;
  const end = c.end;
  const text = c.text;
  const fields: Field[] | null = c.full
    ? [
        fld('dns.id', 'Transaction ID', id, off, 2, hex(id, 4)),
        fld('dns.flags', 'Flags', flags, off + 2, 2, hex(flags, 4), [
          fld('dns.flags.response', 'Response', flags >> 15, off + 2, 1),
          fld('dns.flags.opcode', 'Opcode', (flags >> 11) & 15, off + 2, 1),
          fld('dns.flags.rcode', 'Reply code', flags & 15, off + 3, 1, RCODES[flags & 15] ?? String(flags & 15)),
        ]),
        fld('dns.count.queries', 'Questions', qd, off + 4, 2),
        fld('dns.count.answers', 'Answer RRs', an, off + 6, 2),
        fld('dns.count.auth_rr', 'Authority RRs', ns, off + 8, 2),
        fld('dns.count.add_rr', 'Additional RRs', ar, off + 10, 2),
      ]
    : null;
  let p = off + 12;
  const qtext: string[] = [];
  const atext: string[] = [];
  let bad = false;
  // Records are walked in every mode (the same anomalies either way); text only when wanted.
  for (let i = 0; i < Math.min(qd, MAX_RECORDS); i++) {
    const n = walkName(d, p, off, end, text);
    if (n === null || nameEnd + 4 > end) {
      bad = true;
      break;
    }
    const q = nameEnd;
    if (text) {
      const type = u16(d, q);
      fields?.push(
        fld('dns.qry.name', 'Query', n, p, q + 4 - p, `${n}: type ${TYPES.get(type) ?? type}, class ${u16(d, q + 2)}`, [
          fld('dns.qry.type', 'Type', type, q, 2, TYPES.get(type) ?? String(type)),
          fld('dns.qry.class', 'Class', u16(d, q + 2), q + 2, 2),
        ]),
      );
      qtext.push(`${TYPES.get(type) ?? type} ${n}`);
    }
    p = q + 4;
  }
  for (let i = 0; !bad && i < Math.min(an + ns + ar, MAX_RECORDS); i++) {
    const n = walkName(d, p, off, end, text);
    if (n === null || nameEnd + 10 > end) {
      bad = true;
      break;
    }
    const q = nameEnd;
    const type = u16(d, q),
      rdlen = u16(d, q + 8);
    if (q + 10 + rdlen > end) {
      bad = true;
      break;
    }
    const r = q + 10;
    if (text) {
      let value = '';
      if (type === 1 && rdlen === 4) value = ipv4Text(u32(d, r));
      else if (type === 28 && rdlen === 16) value = ipv6Text(d, r);
      else if (type === 5 || type === 2 || type === 12) value = walkName(d, r, off, end, true) ?? '';
      const section = i < an ? 'dns.resp' : i < an + ns ? 'dns.auth' : 'dns.add';
      fields?.push(
        fld(
          `${section}.name`,
          i < an ? 'Answer' : i < an + ns ? 'Authority' : 'Additional',
          n,
          p,
          r + rdlen - p,
          `${n}: type ${TYPES.get(type) ?? type}${value ? ', ' + value : ''}`,
          [
            fld('dns.resp.type', 'Type', type, q, 2, TYPES.get(type) ?? String(type)),
            fld('dns.resp.ttl', 'Time to live', u32(d, q + 4), q + 4, 4),
            fld('dns.resp.len', 'Data length', rdlen, q + 8, 2),
            ...(value ? [fld(type === 1 ? 'dns.a' : type === 28 ? 'dns.aaaa' : 'dns.rdata', 'Data', value, r, rdlen)] : []),
          ],
        ),
      );
      if (i < an && type !== 41) atext.push(`${TYPES.get(type) ?? type}${value ? ' ' + value : ''}`);
    }
    p = r + rdlen;
  }
  // In a first fragment the rest of the message is in later fragments: not an anomaly.
  if (bad && c.cur.mf === 0) c.anomaly('truncated', 'dns', p, text ? `DNS record at offset ${p} runs past the message` : '');
  if (text) {
    const resp = flags >> 15;
    const rcode = flags & 15;
    const info =
      `Standard query${resp ? ' response' : ''} ${hex(id, 4)}${rcode ? ' ' + (RCODES[rcode] ?? `rcode ${rcode}`) : ''} ${qtext.join(' ')}${atext.length ? ' ' + atext.join(' ') : ''}`.trimEnd();
    if (fields) c.layer('dns', 'Domain Name System', off, end - off, fields, info, 'DNS');
    c.info = info;
  }
  return end;
}

const entry = register(Next.UDP, 53, 'dns', decodeDns);
register(Next.UDP, 5353, 'dns', decodeDns);
register(Next.UDP, 5355, 'dns', decodeDns);
registerDecodeAs(entry, 'dns');
