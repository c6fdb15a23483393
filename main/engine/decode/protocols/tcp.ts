// Transmission Control Protocol (RFC 9293), IP protocol 6, with options MSS, window scale,
// SACK-permitted, SACK and timestamps.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Source Port          |       Destination Port        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                        Sequence Number                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Acknowledgment Number                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Data |Rsv|A|C|E|U|A|P|R|S|F|                               |
// | Offset|   |E|W|C|R|C|S|S|Y|I|            Window             |
// |       |   | |R|E|G|K|H|T|N|N|                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Checksum            |         Urgent Pointer        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Options (data offset > 5)                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, hex, protoId, u16, u32, word, type DecodeContext, type TextOut, type Word } from '../context';
import { register } from '../registry';
import { SummaryFlag, type Field } from '../types';

const PID = protoId('tcp');
const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];

// The text of each of the 512 combinations of the named flags, made on first use (every TCP info line needs one).
const FLAGS_TEXT: (string | undefined)[] = new Array<string | undefined>(1 << FLAG_NAMES.length).fill(undefined);
/** ' [FLAGS] Seq=' of the info line, per combination, made on first use. */
const FLAGS_SEQ: (Word | undefined)[] = new Array<Word | undefined>(1 << FLAG_NAMES.length).fill(undefined);

export function tcpFlagsText(flags: number): string {
  const key = flags & ((1 << FLAG_NAMES.length) - 1);
  let text = FLAGS_TEXT[key];
  if (text === undefined) {
    const out: string[] = [];
    for (let i = 0; i < FLAG_NAMES.length; i++) if (key & (1 << i)) out.push(FLAG_NAMES[i]);
    text = FLAGS_TEXT[key] = out.length ? out.join(', ') : '<None>';
  }
  return text;
}

function flagsSeq(flags: number): Word {
  const key = flags & ((1 << FLAG_NAMES.length) - 1);
  return (FLAGS_SEQ[key] ??= word(` [${tcpFlagsText(key)}] Seq=`));
}

const ARROW = word(' → ');
const ACK = word(' Ack=');
const WIN = word(' Win=');
const LEN = word(' Len=');
const MSS = word(' MSS=');
const WS = word(' WS=');
const SACK_PERM = word(' SACK_PERM');
const SACK = word(' SACK(');
const CLOSE = word(')');
const TSVAL = word(' TSval=');
const TSECR = word(' TSecr=');

/**
 * Walks the options; with `out` (full mode) also as fields, with `text` (the info line) as a short
 * text, each item after a space (" MSS=1460 WS=128 SACK_PERM TSval=1 TSecr=0"). False when one runs
 * past the header.
 */
function options(d: Uint8Array, p: number, end: number, out: Field[] | null, text: TextOut | null): boolean {
  while (p < end) {
    const kind = d[p];
    if (kind === 0) break;
    if (kind === 1) {
      p++;
      continue;
    }
    if (p + 2 > end) return false;
    const len = d[p + 1];
    if (len < 2 || p + len > end) return false;
    if (!out && !text) {
      p += len;
      continue;
    }
    if (kind === 2 && len === 4) {
      out?.push(fld('tcp.options.mss_val', 'Maximum segment size', u16(d, p + 2), p, 4));
      if (text) {
        text.word(MSS);
        text.uint(u16(d, p + 2));
      }
    } else if (kind === 3 && len === 3) {
      out?.push(fld('tcp.options.wscale.shift', 'Window scale', d[p + 2], p, 3));
      if (text) {
        text.word(WS);
        text.uint(1 << Math.min(d[p + 2], 14));
      }
    } else if (kind === 4) {
      out?.push(fld('tcp.options.sack_perm', 'SACK permitted', true, p, len));
      text?.word(SACK_PERM);
    } else if (kind === 5) {
      if (out) {
        const blocks: Field[] = [];
        for (let q = p + 2; q + 8 <= p + len; q += 8)
          blocks.push(
            fld('tcp.options.sack_le', 'left edge', u32(d, q), q, 4),
            fld('tcp.options.sack_re', 'right edge', u32(d, q + 4), q + 4, 4),
          );
        out.push(fld('tcp.options.sack', 'SACK', (len - 2) / 8, p, len, undefined, blocks));
      }
      if (text) {
        text.word(SACK);
        text.uint((len - 2) >> 3);
        text.word(CLOSE);
      }
    } else if (kind === 8 && len === 10) {
      out?.push(
        fld('tcp.options.timestamp.tsval', 'Timestamp value', u32(d, p + 2), p + 2, 4),
        fld('tcp.options.timestamp.tsecr', 'Timestamp echo reply', u32(d, p + 6), p + 6, 4),
      );
      if (text) {
        text.word(TSVAL);
        text.uint(u32(d, p + 2));
        text.word(TSECR);
        text.uint(u32(d, p + 6));
      }
    } else out?.push(fld('tcp.option_kind', `Option ${kind}`, kind, p, len));
    p += len;
  }
  return true;
}

/**
 * Info: "SPORT → DPORT [FLAGS] Seq=N[ Ack=N] Win=N Len=N OPTIONS", from the header at `off`; `len`
 * is the payload length. tcpInfoNoOptions when the options run past the bytes the packet has.
 */
function tcpInfo(w: TextOut, d: Uint8Array, off: number, len: number): void {
  tcpInfoNoOptions(w, d, off, len);
  const hl = (d[off + 12] >> 4) * 4;
  if (hl > 20) options(d, off + 20, off + hl, null, w);
}

function tcpInfoNoOptions(w: TextOut, d: Uint8Array, off: number, len: number): void {
  const flags = ((d[off + 12] & 0x0f) << 8) | d[off + 13];
  w.uint(u16(d, off));
  w.word(ARROW);
  w.uint(u16(d, off + 2));
  w.word(flagsSeq(flags));
  w.uint(u32(d, off + 4));
  if (flags & 0x10) {
    w.word(ACK);
    w.uint(u32(d, off + 8));
  }
  w.word(WIN);
  w.uint(u16(d, off + 14));
  w.word(LEN);
  w.uint(len);
}

/** Ports of a TCP header the snap length cut, as tshark shows them ('47000 → 5000'). */
function tcpInfoPorts(w: TextOut, d: Uint8Array, off: number): void {
  w.uint(u16(d, off));
  w.word(ARROW);
  w.uint(u16(d, off + 2));
}

/**
 * A TCP header the capture's snap length cut: the ports and, when captured, the sequence and
 * acknowledgement numbers still identify the segment (the path finder matches on them); flags and
 * window are not known, and the summary says so (TRANSPORT_CUT).
 */
function truncatedTcp(c: DecodeContext, off: number): void {
  const d = c.data;
  const have = Math.min(c.end, d.length) - off;
  if (have < 4) return;
  c.enter(PID);
  const cur = c.cur;
  cur.srcPort = u16(d, off);
  cur.dstPort = u16(d, off + 2);
  if (have >= 12) {
    cur.tcpSeq = u32(d, off + 4);
    cur.tcpAck = u32(d, off + 8);
  }
  c.s.flags |= SummaryFlag.TRANSPORT_CUT;
  if (c.full)
    c.layer(
      'tcp',
      'Transmission Control Protocol',
      off,
      have,
      [fld('tcp.srcport', 'Source Port', cur.srcPort, off, 2), fld('tcp.dstport', 'Destination Port', cur.dstPort, off + 2, 2)],
      `Src Port: ${cur.srcPort}, Dst Port: ${cur.dstPort}`,
      'TCP',
    );
  if (c.text) c.setInfo(tcpInfoPorts, off);
}

export function decodeTcp(c: DecodeContext, off: number): number {
  if (!c.need('tcp', off, 20)) {
    // Cut by the snap length (not a packet shorter than its own headers): what was captured still counts.
    if (c.cut) truncatedTcp(c, off);
    return -1;
  }
  const d = c.data;
  c.enter(PID);
  const sp = u16(d, off),
    dp = u16(d, off + 2);
  const hl = (d[off + 12] >> 4) * 4;
  const flags = ((d[off + 12] & 0x0f) << 8) | d[off + 13];
  const cur = c.cur;
  cur.srcPort = sp;
  cur.dstPort = dp;
  cur.tcpSeq = u32(d, off + 4);
  cur.tcpAck = u32(d, off + 8);
  cur.tcpFlags = flags;
  cur.tcpWindow = u16(d, off + 14);
  let fields: Field[] | null = null;
  if (c.full) {
    fields = [
      fld('tcp.srcport', 'Source Port', sp, off, 2),
      fld('tcp.dstport', 'Destination Port', dp, off + 2, 2),
      fld('tcp.seq', 'Sequence Number (raw)', cur.tcpSeq, off + 4, 4),
      fld('tcp.ack', 'Acknowledgment Number (raw)', cur.tcpAck, off + 8, 4),
      fld('tcp.hdr_len', 'Header Length', hl, off + 12, 1),
      fld(
        'tcp.flags',
        'Flags',
        flags,
        off + 12,
        2,
        `${hex(flags, 3)} (${tcpFlagsText(flags)})`,
        FLAG_NAMES.map((n, i) => fld(`tcp.flags.${n.toLowerCase()}`, n, (flags >> i) & 1, off + 13 - (i >> 3), 1)),
      ),
      fld('tcp.window_size_value', 'Window', cur.tcpWindow, off + 14, 2),
      fld('tcp.checksum', 'Checksum', u16(d, off + 16), off + 16, 2, hex(u16(d, off + 16), 4)),
      fld('tcp.urgent_pointer', 'Urgent Pointer', u16(d, off + 18), off + 18, 2),
    ];
  }
  if (hl < 20) {
    if (fields) c.layer('tcp', 'Transmission Control Protocol', off, 20, fields, `Src Port: ${sp}, Dst Port: ${dp}`, 'TCP');
    c.anomaly('bad-header-length', 'tcp', off + 12, c.text ? `TCP header length ${hl} is below the minimum 20` : '', 20, hl);
    return -1;
  }
  const optsOk = c.need('tcp', off, hl);
  const hend = optsOk ? off + hl : off + 20;
  if (optsOk && hl > 20 && !options(d, off + 20, off + hl, fields, null))
    c.anomaly('bad-option', 'tcp', off + 20, 'a TCP option runs past the header');
  if (c.text) {
    const len = Math.max(0, c.end - hend);
    if (fields)
      c.layer(
        'tcp',
        'Transmission Control Protocol',
        off,
        hend - off,
        fields,
        `Src Port: ${sp}, Dst Port: ${dp}, Seq: ${cur.tcpSeq}, Len: ${len}`,
        'TCP',
      );
    c.setInfo(optsOk ? tcpInfo : tcpInfoNoOptions, off, len);
  }
  if (!optsOk) return -1;
  c.payload(off + hl);
  if (off + hl < c.end) c.setNext(Next.TCP, sp < dp ? sp : dp, sp < dp ? dp : sp);
  return off + hl;
}

register(Next.IPPROTO, 6, 'tcp', decodeTcp);
