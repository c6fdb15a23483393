// User Datagram Protocol (RFC 768), IP protocol 17. The payload is looked up in the UDP port
// table (lower port first, then higher, as Wireshark does), after the user's "Decode As" entries.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Source Port          |       Destination Port        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |            Length             |           Checksum            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, hex, protoId, u16, word, type DecodeContext, type TextOut } from '../context';
import { register } from '../registry';

const PID = protoId('udp');
const ARROW = word(' → ');
const LEN = word(' Len=');

/** Info: "SPORT → DPORT Len=N" (N the payload length, or the bad length field itself). */
function udpInfo(w: TextOut, d: Uint8Array, off: number): void {
  const len = u16(d, off + 4);
  w.uint(u16(d, off));
  w.word(ARROW);
  w.uint(u16(d, off + 2));
  w.word(LEN);
  w.uint(len >= 8 ? len - 8 : len);
}

export function decodeUdp(c: DecodeContext, off: number): number {
  if (!c.need('udp', off, 8)) return -1;
  const d = c.data;
  c.enter(PID);
  const sp = u16(d, off),
    dp = u16(d, off + 2),
    len = u16(d, off + 4);
  const cur = c.cur;
  cur.srcPort = sp;
  cur.dstPort = dp;
  c.udpSrc = sp;
  if (c.full) {
    c.layer(
      'udp',
      'User Datagram Protocol',
      off,
      8,
      [
        fld('udp.srcport', 'Source Port', sp, off, 2),
        fld('udp.dstport', 'Destination Port', dp, off + 2, 2),
        fld('udp.length', 'Length', len, off + 4, 2),
        fld('udp.checksum', 'Checksum', u16(d, off + 6), off + 6, 2, hex(u16(d, off + 6), 4)),
      ],
      `Src Port: ${sp}, Dst Port: ${dp}`,
      'UDP',
    );
  }
  if (c.text) c.setInfo(udpInfo, off);
  if (len < 8) {
    c.anomaly('bad-length', 'udp', off + 4, c.text ? `UDP length ${len} is below the 8-byte header` : '', 8, len);
    c.payload(off + 8);
    return -1;
  }
  // A first fragment carries the whole datagram's UDP length: only check unfragmented datagrams.
  if (off + len > c.claimedEnd && cur.mf === 0) {
    c.anomaly(
      'bad-length',
      'udp',
      off + 4,
      c.text ? `UDP length ${len} > IP payload length ${c.claimedEnd - off}` : '',
      len,
      c.claimedEnd - off,
    );
    c.payload(off + 8);
    return -1;
  }
  if (off + len < c.end) c.end = off + len;
  c.payload(off + 8);
  if (off + 8 < c.end) c.setNext(Next.UDP, sp < dp ? sp : dp, sp < dp ? dp : sp);
  return off + 8;
}

register(Next.IPPROTO, 17, 'udp', decodeUdp);
