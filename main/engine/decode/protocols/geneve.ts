// Generic Network Virtualization Encapsulation (RFC 8926) on UDP 6081, with options. The protocol
// type goes back through the ethertype table (0x6558 = Ethernet, 0x0800 = bare IPv4, 0x86DD = IPv6).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Virtual Network Identifier (VNI)       |    Reserved   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 Variable-Length Options (Opt Len * 4 bytes)   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Option: | Option Class (16) | Type (8) | R R R | Length (5, in 4-byte words) | data ...
import { Next, fld, hex, protoId, u16, u24, type DecodeContext } from '../context';
import { register, registerDecodeAs } from '../registry';
import { TunnelKind, type Field } from '../types';
import { ethertypeText } from './ethernet';

const PID = protoId('geneve');

export function decodeGeneve(c: DecodeContext, off: number): number {
  if (!c.need('geneve', off, 8)) return -1;
  const d = c.data;
  const ver = d[off] >> 6,
    optLen = (d[off] & 0x3f) * 4;
  const proto = u16(d, off + 2),
    vni = u24(d, off + 4);
  if (!c.need('geneve', off, 8 + optLen)) return -1;
  c.enter(PID);
  const hl = 8 + optLen;
  // Options must tile the option area exactly.
  let p = off + 8;
  const oend = off + hl;
  const opts: Field[] = [];
  let badOpt = false;
  while (p < oend) {
    if (p + 4 > oend) {
      badOpt = true;
      break;
    }
    const olen = 4 + (d[p + 3] & 0x1f) * 4;
    if (p + olen > oend) {
      badOpt = true;
      break;
    }
    if (c.full)
      opts.push(
        fld('geneve.option', `Option class ${hex(u16(d, p), 4)} type ${hex(d[p + 2], 2)}`, d[p + 2], p, olen, undefined, [
          fld('geneve.option.class', 'Class', u16(d, p), p, 2, hex(u16(d, p), 4)),
          fld('geneve.option.type', 'Type', d[p + 2], p + 2, 1, hex(d[p + 2], 2)),
          fld('geneve.option.length', 'Length', olen - 4, p + 3, 1),
        ]),
      );
    p += olen;
  }
  if (c.full) {
    c.layer(
      'geneve',
      'Generic Network Virtualization Encapsulation',
      off,
      hl,
      [
        fld('geneve.version', 'Version', ver, off, 1),
        fld('geneve.options_len', 'Options Length', optLen, off, 1),
        fld('geneve.flags.oam', 'Operations, Administration and Management Frame', (d[off + 1] >> 7) & 1, off + 1, 1),
        fld('geneve.flags.critical', 'Critical Options Present', (d[off + 1] >> 6) & 1, off + 1, 1),
        fld('geneve.proto_type', 'Protocol Type', proto, off + 2, 2, ethertypeText(proto)),
        fld('geneve.vni', 'Virtual Network Identifier (VNI)', vni, off + 4, 3, hex(vni, 6)),
        ...opts,
      ],
      `VNI: ${hex(vni, 6)}, ${ethertypeText(proto)}`,
      'Geneve',
    );
  }
  if (c.text) c.info = `Geneve VNI ${vni}`;
  if (badOpt) c.anomaly('bad-option', 'geneve', p, 'a Geneve option runs past the option area');
  if (ver !== 0) {
    c.anomaly('bad-version', 'geneve', off, c.text ? `Geneve version ${ver} is unknown` : '');
    return off + hl;
  }
  if (off + hl >= c.end) {
    c.anomaly('empty-tunnel', 'geneve', off + hl, 'Geneve header with no inner packet');
    return -1;
  }
  if (!c.tunnel(TunnelKind.GENEVE, vni, 'geneve', off)) return off + hl;
  c.setNext(Next.ETHERTYPE, proto, -1, off + 2);
  return off + hl;
}

const entry = register(Next.UDP, 6081, 'geneve', decodeGeneve);
registerDecodeAs(entry, 'geneve');
