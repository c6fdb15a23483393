// BSD loopback encapsulation: LINKTYPE_NULL (0, address family in the WRITER's host byte order)
// and LINKTYPE_LOOP (108, always network byte order).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |              Address family (AF_INET = 2, AF_INET6 = 10/24/28/30)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, protoId, u32, type DecodeContext } from '../context';
import { register } from '../registry';
import { LinkType } from '../../types';

const PID = protoId('null');

/** Address family -> IP version (AF_INET6 differs between Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30). */
const AF_VERSION: ReadonlyMap<number, number> = new Map([
  [2, 4],
  [10, 6],
  [24, 6],
  [28, 6],
  [30, 6],
]);

function decodeLoopback(c: DecodeContext, off: number, bigEndian: boolean): number {
  if (!c.need('null', off, 4)) return -1;
  const d = c.data;
  c.enter(PID);
  // Host byte order: a family is a small number, so whichever end holds the non-zero bytes tells.
  let af = u32(d, off);
  if (!bigEndian && (d[off] !== 0 || d[off + 1] !== 0)) af = (d[off] | (d[off + 1] << 8) | (d[off + 2] << 16) | (d[off + 3] << 24)) >>> 0;
  const version = AF_VERSION.get(af) ?? 0;
  if (c.full) {
    c.layer(
      'null',
      'Null/Loopback',
      off,
      4,
      [fld('null.family', 'Family', af, off, 4, version === 4 ? 'IP (2)' : version === 6 ? `IPv6 (${af})` : String(af))],
      `Family ${af}`,
      'NULL',
    );
  }
  if (version === 0) {
    c.anomaly('unknown-next-protocol', 'null', off, c.text ? `loopback address family ${af} has no decoder` : '', -1, -1, false);
    return off + 4;
  }
  c.setNext(Next.IPVERSION, version);
  return off + 4;
}

register(Next.LINK, LinkType.NULL, 'null', (c, off) => decodeLoopback(c, off, false));
register(Next.LINK, LinkType.LOOP, 'null', (c, off) => decodeLoopback(c, off, true));
