// Address Resolution Protocol (RFC 826), ethertype 0x0806.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Hardware type          |         Protocol type         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  HW addr len  | Proto addr len|           Opcode              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Sender HW addr | Sender proto addr | Target HW addr | Target proto addr
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, hex, ipv4Text, macText, protoId, u16, u32, type DecodeContext } from '../context';
import { register } from '../registry';

const PID = protoId('arp');
const OPS = ['', 'request', 'reply', 'RARP request', 'RARP reply'];

export function decodeArp(c: DecodeContext, off: number): number {
  if (!c.need('arp', off, 8)) return -1;
  const d = c.data;
  const htype = u16(d, off),
    ptype = u16(d, off + 2),
    hlen = d[off + 4],
    plen = d[off + 5],
    op = u16(d, off + 6);
  const len = 8 + 2 * (hlen + plen);
  if (!c.need('arp', off, len)) return -1;
  c.enter(PID);
  const s = c.s;
  s.arpOp = op;
  const ethIp = htype === 1 && ptype === 0x0800 && hlen === 6 && plen === 4;
  if (ethIp) {
    s.arpSenderMacHi = u16(d, off + 8);
    s.arpSenderMacLo = u32(d, off + 10);
    s.arpSenderIp = u32(d, off + 14);
    s.arpTargetIp = u32(d, off + 24);
  }
  if (c.text) {
    const fields = [
      fld('arp.hw.type', 'Hardware type', htype, off, 2),
      fld('arp.proto.type', 'Protocol type', ptype, off + 2, 2, hex(ptype, 4)),
      fld('arp.hw.size', 'Hardware size', hlen, off + 4, 1),
      fld('arp.proto.size', 'Protocol size', plen, off + 5, 1),
      fld('arp.opcode', 'Opcode', op, off + 6, 2, `${OPS[op] ?? 'unknown'} (${op})`),
    ];
    let summary = OPS[op] ?? `opcode ${op}`;
    if (ethIp) {
      const sha = macText(d, off + 8),
        spa = ipv4Text(s.arpSenderIp),
        tha = macText(d, off + 18),
        tpa = ipv4Text(s.arpTargetIp);
      fields.push(
        fld('arp.src.hw_mac', 'Sender MAC address', sha, off + 8, 6),
        fld('arp.src.proto_ipv4', 'Sender IP address', spa, off + 14, 4),
        fld('arp.dst.hw_mac', 'Target MAC address', tha, off + 18, 6),
        fld('arp.dst.proto_ipv4', 'Target IP address', tpa, off + 24, 4),
      );
      summary =
        op === 1
          ? s.arpSenderIp === s.arpTargetIp
            ? `Gratuitous ARP for ${spa} (Request)`
            : `Who has ${tpa}? Tell ${spa}`
          : op === 2
            ? `${spa} is at ${sha}`
            : summary;
    }
    if (c.full) c.layer('arp', 'Address Resolution Protocol', off, len, fields, summary, 'ARP');
    c.info = summary;
  }
  return off + len;
}

register(Next.ETHERTYPE, 0x0806, 'arp', decodeArp);
