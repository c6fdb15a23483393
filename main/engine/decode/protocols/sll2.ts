// Linux "cooked" capture v2 (LINKTYPE_LINUX_SLL2 276), written by newer `tcpdump -i any`.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Protocol type         |           Reserved            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Interface index                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         ARPHRD type           |  Packet type  | Addr. length  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |             Link-layer address (8 bytes, zero padded)         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, protoId, u16, u32, type DecodeContext } from '../context';
import { register } from '../registry';
import { LinkType } from '../../types';
import { ethertypeText } from './ethernet';
import { PACKET_TYPES, cooked, linkAddrText } from './sll';

const PID = protoId('sll2');

export function decodeSll2(c: DecodeContext, off: number): number {
  if (!c.need('sll2', off, 20)) return -1;
  const d = c.data;
  c.enter(PID);
  const proto = u16(d, off),
    ifindex = u32(d, off + 4),
    arphrd = u16(d, off + 8),
    pkttype = d[off + 10],
    alen = d[off + 11];
  cooked(c, pkttype, arphrd, ifindex, alen, off + 12);
  if (c.full) {
    const addr = linkAddrText(d, off + 12, alen);
    c.layer(
      'sll2',
      'Linux cooked capture v2',
      off,
      20,
      [
        fld('sll.etype', 'Protocol', proto, off, 2, ethertypeText(proto)),
        fld('sll.ifindex', 'Interface index', ifindex, off + 4, 4),
        fld('sll.hatype', 'Link-layer address type', arphrd, off + 8, 2),
        fld('sll.pkttype', 'Packet type', pkttype, off + 10, 1, PACKET_TYPES[pkttype] ?? String(pkttype)),
        fld('sll.halen', 'Link-layer address length', alen, off + 11, 1),
        fld('sll.src', 'Source', addr, off + 12, 8),
      ],
      `if ${ifindex}, ${PACKET_TYPES[pkttype] ?? pkttype}${addr ? ', src ' + addr : ''}`,
      'SLL2',
    );
  }
  c.setNext(Next.ETHERTYPE, proto, -1, off);
  return off + 20;
}

register(Next.LINK, LinkType.LINUX_SLL2, 'sll2', decodeSll2);
