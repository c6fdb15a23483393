// Ethernet II (IEEE 802.3 frames with a type field).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  Destination MAC (6 bytes)                    |
// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                               |                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+     Source MAC (6 bytes)      +
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     EtherType / Length        |  payload ...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// A value below 0x0600 is an 802.3 length (LLC follows): shown as data.
import { Next, fld, hex, macText, protoId, u16, u32, type DecodeContext } from '../context';
import { register, registerDecodeAs } from '../registry';
import { LinkType } from '../../types';

const PID = protoId('eth');

/** Display names of the ethertypes the engine knows (also GRE / Geneve protocol types). */
export const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'IPv4'],
  [0x0806, 'ARP'],
  [0x86dd, 'IPv6'],
  [0x8100, '802.1Q'],
  [0x88a8, '802.1ad'],
  [0x9100, 'QinQ'],
  [0x6558, 'Transparent Ethernet Bridging'],
  [0x88be, 'ERSPAN'],
  [0x22eb, 'ERSPAN III'],
  [0x8847, 'MPLS'],
  [0x88cc, 'LLDP'],
  [0x8035, 'RARP'],
]);

export function ethertypeText(t: number): string {
  const n = ETHERTYPE_NAMES.get(t);
  return n ? `${n} (${hex(t, 4)})` : hex(t, 4);
}

export function decodeEthernet(c: DecodeContext, off: number): number {
  if (!c.need('eth', off, 14)) return -1;
  const d = c.data;
  const s = c.s;
  c.enter(PID);
  const dHi = u16(d, off),
    dLo = u32(d, off + 2),
    sHi = u16(d, off + 6),
    sLo = u32(d, off + 8);
  if (s.outerEthOffset < 0) {
    s.outerEthOffset = off;
    s.outerMacDstHi = dHi;
    s.outerMacDstLo = dLo;
    s.outerMacSrcHi = sHi;
    s.outerMacSrcLo = sLo;
  }
  s.innerEthOffset = off;
  s.innerMacDstHi = dHi;
  s.innerMacDstLo = dLo;
  s.innerMacSrcHi = sHi;
  s.innerMacSrcLo = sLo;
  const type = u16(d, off + 12);
  if (c.full) {
    const src = macText(d, off + 6),
      dst = macText(d, off);
    c.layer(
      'eth',
      'Ethernet II',
      off,
      14,
      [
        fld('eth.dst', 'Destination', dst, off, 6),
        fld('eth.src', 'Source', src, off + 6, 6),
        type >= 0x600 ? fld('eth.type', 'Type', type, off + 12, 2, ethertypeText(type)) : fld('eth.len', 'Length', type, off + 12, 2),
      ],
      `Src: ${src}, Dst: ${dst}`,
      'Ethernet',
    );
  }
  if (type >= 0x600) c.setNext(Next.ETHERTYPE, type, -1, off + 12);
  return off + 14;
}

const entry = register(Next.LINK, LinkType.ETHERNET, 'eth', decodeEthernet);
register(Next.ETHERTYPE, 0x6558, 'eth', decodeEthernet); // Transparent Ethernet Bridging (GRE, Geneve)
registerDecodeAs(entry, 'eth');
