// The line of `decode --format text` for one packet: number, time, capture, outer src > dst, inner
// src > dst, protocol, length, info. `textLine` is the reference string; `writeTextLine` writes the
// same bytes straight into an output chunk (the hot path); `TextFormatter` decodes a packet and
// writes its line.
import { epochText } from '../engine/readers/time';
import type { RawPacket } from '../engine/types';
import { describePacketText, PacketSummary, PacketText } from '../engine/decode/index';
import { ipv4Text, ipv6Text, word, type Word } from '../engine/decode/context';
import type { DecodeOptions, IpLevelSummary } from '../engine/decode/types';
import { LineBatch } from './line-batch';

function addr(l: IpLevelSummary, d: Uint8Array, src: boolean): string {
  if (l.version === 4) return ipv4Text(src ? l.src4 : l.dst4);
  if (l.version === 6) return ipv6Text(d, src ? l.srcOffset : l.dstOffset);
  return '';
}
function endpoint(l: IpLevelSummary, d: Uint8Array, src: boolean): string {
  const a = addr(l, d, src);
  const port = src ? l.srcPort : l.dstPort;
  return port >= 0 ? (l.version === 6 ? `[${a}]:${port}` : `${a}:${port}`) : a;
}

const CONTROL = /[\x00-\x1f\x7f]/;
const CONTROL_ALL = /[\x00-\x1f\x7f]/g;

/** One-line text form of a packet. Capture text is untrusted: control characters are escaped. */
export function textLine(p: RawPacket, d: { info: string; protocol: string; summary: PacketSummary }, capture: string): string {
  const s = d.summary;
  let where = '';
  if (s.outer.version !== 0) {
    where = `${endpoint(s.outer, p.data, true)} > ${endpoint(s.outer, p.data, false)}`;
    if (s.ipCount > 1 && s.inner.version !== 0) where += ` | ${endpoint(s.inner, p.data, true)} > ${endpoint(s.inner, p.data, false)}`;
  }
  const line = `${p.index + 1} ${epochText(p) ?? '-'} ${capture} ${where || '-'} ${d.protocol} ${p.origLen} ${d.info}`;
  // Only the info and the capture name can hold control characters (addresses, numbers and protocol names cannot).
  return CONTROL.test(d.info) || CONTROL.test(capture)
    ? line.replace(CONTROL_ALL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    : line;
}

const SP = 0x20;

/**
 * textLine written straight into the output batch, byte for byte the same, without making the line's
 * strings (the hot path of `decode --format text`). Returns the chunk to write when one filled up.
 */
let plainCapture = '';
/** ' plainCapture ' in UTF-8 (the spaces around it included). */
let plainCaptureWord: Word = word('  ');

export function writeTextLine(out: LineBatch, p: RawPacket, t: PacketText, s: PacketSummary, capture: string): Buffer | null {
  // The capture name is the same on every line of a file: checked once.
  if (capture !== plainCapture) {
    if (CONTROL.test(capture)) return out.add(textLine(p, { info: t.info, protocol: t.protocol, summary: s }, capture));
    plainCapture = capture;
    plainCaptureWord = word(` ${capture} `);
  }
  if ((t.freeText && CONTROL.test(t.info)) || !(p.tsNsec < 1e9) || !p.hasTime)
    return out.add(textLine(p, { info: t.info, protocol: t.protocol, summary: s }, capture));
  // Four endpoints (an IPv6 one is at most 47 bytes), three numbers, the time, and the free text.
  const full = out.begin(320 + 3 * (capture.length + t.protocol.length) + t.infoRoom);
  out.uint(p.index + 1);
  out.byte(SP);
  out.uint(p.tsSec);
  out.byte(0x2e);
  out.nine(p.tsNsec);
  out.word(plainCaptureWord);
  if (s.outer.version !== 0) {
    writeEndpoint(out, s.outer, p.data, true);
    out.bytes3(SP, 0x3e, SP);
    writeEndpoint(out, s.outer, p.data, false);
    if (s.ipCount > 1 && s.inner.version !== 0) {
      out.bytes3(SP, 0x7c, SP);
      writeEndpoint(out, s.inner, p.data, true);
      out.bytes3(SP, 0x3e, SP);
      writeEndpoint(out, s.inner, p.data, false);
    }
  } else out.byte(0x2d);
  out.byte(SP);
  out.utf8(t.protocol);
  out.byte(SP);
  out.uint(p.origLen);
  out.byte(SP);
  t.writeInfo(out);
  out.byte(0x0a);
  return full;
}

function writeEndpoint(out: LineBatch, l: IpLevelSummary, d: Uint8Array, src: boolean): void {
  if (l.version !== 4) return out.ascii(endpoint(l, d, src));
  out.ipv4(src ? l.src4 : l.dst4);
  const port = src ? l.srcPort : l.dstPort;
  if (port >= 0) {
    out.byte(0x3a);
    out.uint(port);
  }
}

/** Decodes packets into text lines, reusing one summary, one info text and one output batch. */
export class TextFormatter {
  private readonly summary = new PacketSummary();
  private readonly text = new PacketText();
  readonly lines = new LineBatch();

  constructor(private readonly opts: DecodeOptions) {}

  /** Adds the packet's line; returns a chunk to write when one filled up. */
  packet(p: RawPacket, capture: string): Buffer | null {
    const t = describePacketText(p.data, p.linktype, this.summary, this.text, this.opts, p.origLen);
    return writeTextLine(this.lines, p, t, this.summary, capture);
  }
}
