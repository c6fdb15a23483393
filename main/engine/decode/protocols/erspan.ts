// Encapsulated Remote SPAN (draft-foschiano-erspan), carried in GRE: type I (0x88BE, no sequence
// number, no header), type II (0x88BE with GRE sequence number) and type III (0x22EB). The mirrored
// Ethernet frame follows; ERSPAN is part of the GRE tunnel (outer level), the frame is inner.
//
// Type II:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Ver  |          VLAN         | COS | En|T|    Session ID     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      Reserved         |                  Index                |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Type III: Ver | VLAN | COS | BSO | T | Session ID / Timestamp (32) / SGT (16) | P | FT | HW ID | D | Gra | O
// (O set: an 8-byte platform-specific subheader follows).
import { Next, fld, protoId, u16, u32, type DecodeContext } from '../context';
import { register } from '../registry';
import { LinkType } from '../../types';
import { TunnelKind } from '../types';
import { ERSPAN_II, ERSPAN_III } from './gre';

const PID = protoId('erspan');

export function decodeErspan(c: DecodeContext, off: number): number {
  const type3 = c.key === ERSPAN_III;
  const d = c.data;
  let hl = 0;
  let session = -1;
  if (type3) {
    if (!c.need('erspan', off, 12)) return -1;
    hl = d[off + 11] & 1 ? 20 : 12;
    if (!c.need('erspan', off, hl)) return -1;
  } else if (c.key2 === 1) {
    if (!c.need('erspan', off, 8)) return -1;
    hl = 8;
  }
  c.enter(PID);
  if (hl > 0) session = u16(d, off + 2) & 0x3ff;
  if (c.full) {
    const fields =
      hl === 0
        ? []
        : [
            fld('erspan.version', 'Version', d[off] >> 4, off, 1),
            fld('erspan.vlan', 'VLAN', u16(d, off) & 0xfff, off, 2),
            fld('erspan.spanid', 'SpanID', session, off + 2, 2),
            type3
              ? fld('erspan.timestamp', 'Timestamp', u32(d, off + 4), off + 4, 4)
              : fld('erspan.index', 'Index', u32(d, off + 4) & 0xfffff, off + 4, 4),
          ];
    c.layer(
      'erspan',
      `Encapsulated Remote Switch Packet ANalysis Type ${type3 ? 'III' : hl ? 'II' : 'I'}`,
      off,
      hl,
      fields,
      hl ? `Session ${session}` : 'Type I',
      'ERSPAN',
    );
  }
  if (c.text) c.info = `ERSPAN session ${session}`;
  if (off + hl >= c.end) {
    c.anomaly('empty-tunnel', 'erspan', off + hl, 'ERSPAN header with no mirrored frame');
    return -1;
  }
  if (!c.tunnel(TunnelKind.GRE, session, 'erspan', off)) return off + hl;
  c.setNext(Next.LINK, LinkType.ETHERNET);
  return off + hl;
}

register(Next.ETHERTYPE, ERSPAN_II, 'erspan', decodeErspan);
register(Next.ETHERTYPE, ERSPAN_III, 'erspan', decodeErspan);
