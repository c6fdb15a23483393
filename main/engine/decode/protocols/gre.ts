// Generic Routing Encapsulation (RFC 2784 / 2890; version 1 = enhanced GRE of PPTP, RFC 2637),
// IP protocol 47. The protocol type goes through the ethertype table; ERSPAN (0x88BE, 0x22EB)
// registers itself there and crosses the tunnel boundary itself (its header belongs to the outer level).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      Checksum (optional, C or R)  |       Offset (optional)   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         Key (optional, K)                     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  Sequence Number (optional, S)                |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |            Acknowledgment Number (optional, A, version 1)     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, hex, protoId, u16, u32, type DecodeContext } from '../context';
import { register } from '../registry';
import { TunnelKind, type Field } from '../types';
import { ethertypeText } from './ethernet';

const PID = protoId('gre');
export const ERSPAN_II = 0x88be;
export const ERSPAN_III = 0x22eb;

export function decodeGre(c: DecodeContext, off: number): number {
  if (!c.need('gre', off, 4)) return -1;
  const d = c.data;
  const flags = u16(d, off),
    proto = u16(d, off + 2);
  const ver = flags & 7;
  let hl = 4;
  const hasCsum = (flags & 0xc000) !== 0,
    hasKey = (flags & 0x2000) !== 0,
    hasSeq = (flags & 0x1000) !== 0;
  const hasAck = ver === 1 && (flags & 0x0080) !== 0;
  const csumAt = hasCsum ? off + hl : -1;
  if (hasCsum) hl += 4;
  const keyAt = hasKey ? off + hl : -1;
  if (hasKey) hl += 4;
  const seqAt = hasSeq ? off + hl : -1;
  if (hasSeq) hl += 4;
  const ackAt = hasAck ? off + hl : -1;
  if (hasAck) hl += 4;
  if (!c.need('gre', off, hl)) return -1;
  c.enter(PID);
  const key = keyAt >= 0 ? u32(d, keyAt) : -1;
  if (c.full) {
    const fields: Field[] = [
      fld('gre.flags_and_version', 'Flags and Version', flags, off, 2, hex(flags, 4)),
      fld('gre.proto', 'Protocol Type', proto, off + 2, 2, ethertypeText(proto)),
    ];
    if (csumAt >= 0) fields.push(fld('gre.checksum', 'Checksum', u16(d, csumAt), csumAt, 2, hex(u16(d, csumAt), 4)));
    if (keyAt >= 0) fields.push(fld('gre.key', 'Key', key, keyAt, 4, hex(key, 8)));
    if (seqAt >= 0) fields.push(fld('gre.sequence_number', 'Sequence Number', u32(d, seqAt), seqAt, 4));
    if (ackAt >= 0) fields.push(fld('gre.ack_number', 'Acknowledgment Number', u32(d, ackAt), ackAt, 4));
    c.layer(
      'gre',
      'Generic Routing Encapsulation',
      off,
      hl,
      fields,
      `${ethertypeText(proto)}${keyAt >= 0 ? `, key ${hex(key, 8)}` : ''}`,
      'GRE',
    );
  }
  if (c.text) c.info = `GRE ${ethertypeText(proto)}`;
  if (off + hl >= c.end) {
    c.anomaly('empty-tunnel', 'gre', off + hl, 'GRE header with no inner packet');
    return -1;
  }
  if (proto === ERSPAN_II || proto === ERSPAN_III) {
    // ERSPAN type I has no header of its own: GRE without a sequence number (key2 tells ERSPAN).
    c.setNext(Next.ETHERTYPE, proto, hasSeq ? 1 : 0);
    return off + hl;
  }
  if (!c.tunnel(TunnelKind.GRE, key, 'gre', off)) return off + hl;
  c.setNext(Next.ETHERTYPE, proto, -1, off + 2);
  return off + hl;
}

register(Next.IPPROTO, 47, 'gre', decodeGre);
