// Virtual eXtensible LAN (RFC 7348) on UDP 4789 (IANA) and 8472 (Linux kernel / flannel default).
// A tunnel: the inner Ethernet frame is one level deeper.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |R|R|R|R|I|R|R|R|            Reserved (Group Policy ID)         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                VXLAN Network Identifier (VNI) |   Reserved    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                   inner Ethernet frame ...
import { Next, fld, hex, protoId, u24, word, type DecodeContext, type TextOut } from '../context';
import { register, registerDecodeAs } from '../registry';
import { LinkType } from '../../types';
import { TunnelKind } from '../types';

const PID = protoId('vxlan');
const VNI = word('VXLAN VNI ');

function vxlanInfo(w: TextOut, d: Uint8Array, off: number): void {
  w.word(VNI);
  w.uint(u24(d, off + 4));
}

export function decodeVxlan(c: DecodeContext, off: number): number {
  if (!c.need('vxlan', off, 8)) return -1;
  const d = c.data;
  c.enter(PID);
  const flags = d[off];
  const vni = u24(d, off + 4);
  if (c.full) {
    c.layer(
      'vxlan',
      'Virtual eXtensible Local Area Network',
      off,
      8,
      [
        fld('vxlan.flags', 'Flags', flags, off, 1, hex(flags, 2)),
        fld('vxlan.flags.i', 'VXLAN Network ID (VNI) present', (flags >> 3) & 1, off, 1),
        fld('vxlan.gpid', 'Group Policy ID', (d[off + 2] << 8) | d[off + 3], off + 2, 2),
        fld('vxlan.vni', 'VXLAN Network Identifier (VNI)', vni, off + 4, 3),
      ],
      `VNI: ${vni}`,
      'VXLAN',
    );
  }
  if (c.text) c.setInfo(vxlanInfo, off);
  if (off + 8 >= c.end) {
    c.anomaly('empty-tunnel', 'vxlan', off + 8, 'VXLAN header with no inner frame');
    return -1;
  }
  if (!c.tunnel(TunnelKind.VXLAN, vni, 'vxlan', off)) return off + 8;
  c.setNext(Next.LINK, LinkType.ETHERNET);
  return off + 8;
}

const entry = register(Next.UDP, 4789, 'vxlan', decodeVxlan);
register(Next.UDP, 8472, 'vxlan', decodeVxlan);
registerDecodeAs(entry, 'vxlan');
