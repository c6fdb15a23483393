// WireGuard (UDP 51820, flannel's "wireguard" backend): recognised and labelled as encrypted;
// nothing inside can be decoded.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |              Reserved (zero)                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Type 1 initiation (148 bytes): sender index ...               |
// | Type 2 response (92): sender index, receiver index ...        |
// | Type 3 cookie reply (64): receiver index ...                  |
// | Type 4 transport data: receiver index (LE 32), counter (LE 64), encrypted packet
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, protoId, type DecodeContext } from '../context';
import { register, registerDecodeAs } from '../registry';
import { SummaryFlag, TunnelKind } from '../types';

const PID = protoId('wireguard');
const TYPES = ['', 'Handshake Initiation', 'Handshake Response', 'Cookie Reply', 'Transport Data'];
const SIZES = [0, 148, 92, 64, 32];

function le32(d: Uint8Array, o: number): number {
  return (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;
}

export function decodeWireguard(c: DecodeContext, off: number): number {
  if (!c.need('wireguard', off, 4)) return -1;
  const d = c.data;
  const type = d[off];
  const len = c.end - off;
  // Not WireGuard-shaped (unknown type, reserved bytes set or too short): leave it as data.
  if (
    type < 1 ||
    type > 4 ||
    d[off + 1] !== 0 ||
    d[off + 2] !== 0 ||
    d[off + 3] !== 0 ||
    len < SIZES[type] ||
    (type !== 4 && len !== SIZES[type])
  ) {
    if (c.text) c.info = 'UDP payload on the WireGuard port is not a WireGuard message';
    return off;
  }
  c.enter(PID);
  c.s.flags |= SummaryFlag.ENCRYPTED;
  c.tunnel(TunnelKind.WIREGUARD, -1, 'wireguard', off, false);
  if (c.full) {
    const fields = [fld('wg.type', 'Type', type, off, 1, `${TYPES[type]} (${type})`)];
    if (type === 1 || type === 2) fields.push(fld('wg.sender', 'Sender', le32(d, off + 4), off + 4, 4));
    if (type === 2) fields.push(fld('wg.receiver', 'Receiver', le32(d, off + 8), off + 8, 4));
    if (type === 3 || type === 4) fields.push(fld('wg.receiver', 'Receiver', le32(d, off + 4), off + 4, 4));
    if (type === 4) fields.push(fld('wg.encrypted_packet', 'Encrypted Packet', `${len - 16} bytes`, off + 16, len - 16));
    c.layer('wireguard', 'WireGuard Protocol', off, type === 4 ? 16 : len, fields, `${TYPES[type]} (encrypted)`, 'WireGuard');
  }
  if (c.text)
    c.info = `${TYPES[type]}${
      type === 4
        ? `, receiver=0x${le32(d, off + 4)
            .toString(16)
            .padStart(8, '0')}, ${len - 16} bytes encrypted`
        : ''
    }`;
  c.payload(off + (type === 4 ? 16 : len));
  return c.end;
}

const entry = register(Next.UDP, 51820, 'wireguard', decodeWireguard);
registerDecodeAs(entry, 'wireguard');
