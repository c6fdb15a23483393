// Linux "cooked" capture v1 (LINKTYPE_LINUX_SLL 113), written by `tcpdump -i any`.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Packet type           |        ARPHRD type            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Link-layer address length   |                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
// |             Link-layer address (8 bytes, zero padded)         |
// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                               |         Protocol type         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// The protocol type is an ethertype; on ARPHRD_IPGRE (778) interfaces it is a GRE protocol type,
// which is the same number space, so both go through the ethertype table.
import { Next, fld, hex, protoId, u16, u32, type DecodeContext } from '../context';
import { register } from '../registry';
import { LinkType } from '../../types';
import { ethertypeText } from './ethernet';

const PID = protoId('sll');

export const PACKET_TYPES = ['Unicast to us', 'Broadcast', 'Multicast', 'Unicast to another host', 'Sent by us'];

export function linkAddrText(d: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < Math.min(len, 8); i++) s += (i ? ':' : '') + d[off + i].toString(16).padStart(2, '0');
  return s;
}

/** Fills the cooked-header facts of the summary (shared with SLL2). */
export function cooked(c: DecodeContext, pkttype: number, arphrd: number, ifindex: number, alen: number, addrOff: number): void {
  const s = c.s;
  s.cookedPktType = pkttype;
  s.cookedHatype = arphrd;
  s.cookedIfIndex = ifindex;
  if (alen === 6) {
    s.cookedSrcHi = u16(c.data, addrOff);
    s.cookedSrcLo = u32(c.data, addrOff + 2);
  }
}

export function decodeSll(c: DecodeContext, off: number): number {
  if (!c.need('sll', off, 16)) return -1;
  const d = c.data;
  c.enter(PID);
  const pkttype = u16(d, off),
    arphrd = u16(d, off + 2),
    alen = u16(d, off + 4),
    proto = u16(d, off + 14);
  cooked(c, pkttype, arphrd, -1, alen, off + 6);
  if (c.full) {
    const addr = linkAddrText(d, off + 6, alen);
    c.layer(
      'sll',
      'Linux cooked capture v1',
      off,
      16,
      [
        fld('sll.pkttype', 'Packet type', pkttype, off, 2, PACKET_TYPES[pkttype] ?? String(pkttype)),
        fld('sll.hatype', 'Link-layer address type', arphrd, off + 2, 2),
        fld('sll.halen', 'Link-layer address length', alen, off + 4, 2),
        fld('sll.src', 'Source', addr, off + 6, 8),
        arphrd === 778
          ? fld('sll.gretype', 'Protocol (GRE type)', proto, off + 14, 2, hex(proto, 4))
          : fld('sll.etype', 'Protocol', proto, off + 14, 2, ethertypeText(proto)),
      ],
      `${PACKET_TYPES[pkttype] ?? pkttype}${addr ? ', src ' + addr : ''}`,
      'SLL',
    );
  }
  c.setNext(Next.ETHERTYPE, proto, -1, off + 14);
  return off + 16;
}

register(Next.LINK, LinkType.LINUX_SLL, 'sll', decodeSll);
