// IEEE 802.1Q VLAN tag (TPID 0x8100), 802.1ad service tag (TPID 0x88a8) and the old QinQ TPID
// 0x9100. The TPID is the ethertype that led here; stacked tags simply chain through the table.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | PCP |D|        VLAN ID        |         EtherType             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, hex, protoId, u16, type DecodeContext } from '../context';
import { register } from '../registry';
import { ethertypeText } from './ethernet';

const PID = protoId('vlan');

export function decodeVlan(c: DecodeContext, off: number): number {
  const tpid = c.key;
  const tpidAt = c.keyOffset;
  if (!c.need('vlan', off, 4)) return -1;
  const d = c.data;
  c.enter(PID);
  const tci = u16(d, off);
  const id = tci & 0xfff;
  const type = u16(d, off + 2);
  const s = c.s;
  if (s.vlanId < 0) s.vlanId = id;
  s.vlanCount++;
  if (c.full) {
    const name = tpid === 0x88a8 ? '802.1ad Service VLAN' : '802.1Q Virtual LAN';
    c.layer(
      'vlan',
      name,
      off,
      4,
      [
        fld('vlan.tpid', 'Tag protocol identifier', tpid, tpidAt >= 0 ? tpidAt : off, tpidAt >= 0 ? 2 : 0, hex(tpid, 4)),
        fld('vlan.priority', 'Priority', tci >> 13, off, 1),
        fld('vlan.dei', 'DEI', (tci >> 12) & 1, off, 1),
        fld('vlan.id', 'ID', id, off, 2),
        fld('vlan.etype', 'Type', type, off + 2, 2, ethertypeText(type)),
      ],
      `PRI: ${tci >> 13}, DEI: ${(tci >> 12) & 1}, ID: ${id}`,
      'VLAN',
    );
  }
  c.setNext(Next.ETHERTYPE, type, -1, off + 2);
  return off + 4;
}

register(Next.ETHERTYPE, 0x8100, 'vlan', decodeVlan);
register(Next.ETHERTYPE, 0x88a8, 'vlan', decodeVlan);
register(Next.ETHERTYPE, 0x9100, 'vlan', decodeVlan);
