// Classic pcap (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html): the global header
// checks shared by both classic readers, the record layout, and the fast record loop.
//
//  Global header (24 bytes)                  Record header (16 bytes), then cap_len bytes
//  +--------------------------------------+  +--------------------------------------+
//  | magic a1b2c3d4 (us) / a1b23c4d (ns)  |  | ts seconds                           |
//  | major 2 | minor 4                    |  | ts fraction (us or ns per the magic) |
//  | reserved (thiszone) | reserved (sigfigs)|  | captured length                    |
//  | snaplen                              |  | original length                      |
//  | FCS bits | reserved | linktype (16)  |  +--------------------------------------+
//  +--------------------------------------+
//
// The magic's byte order gives the byte order of every field.

import { type FormatReader, type ReadSink, u32, hex } from './sink';

export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export interface PcapHeader {
  le: boolean;
  nano: boolean;
  snaplen: number;
  linktype: number;
}

/** The four classic magics as they appear in the first four bytes. */
export function pcapMagic(b: Uint8Array): { le: boolean; nano: boolean } | null {
  const be = u32(b, 0, false);
  switch (be) {
    case 0xa1b2c3d4:
      return { le: false, nano: false };
    case 0xa1b23c4d:
      return { le: false, nano: true };
    case 0xd4c3b2a1:
      return { le: true, nano: false };
    case 0x4d3cb2a1:
      return { le: true, nano: true };
    default:
      return null;
  }
}

/**
 * Checks the 24-byte global header at b[p], records the file facts and the one interface in the
 * sink. Returns null after a fatal error (reported in the sink).
 */
export function parsePcapHeader(b: Uint8Array, p: number, sink: ReadSink): PcapHeader | null {
  const magic = pcapMagic(b.subarray(p, p + 4));
  if (!magic) {
    sink.error('bad-magic', 'not a pcap file (unknown magic number)', 0, true);
    return null;
  }
  const { le, nano } = magic;
  const major = le ? b[p + 4] | (b[p + 5] << 8) : (b[p + 4] << 8) | b[p + 5];
  const minor = le ? b[p + 6] | (b[p + 7] << 8) : (b[p + 6] << 8) | b[p + 7];
  sink.format = 'pcap';
  sink.byteOrder = le ? 'little' : 'big';
  sink.tsPrecision = nano ? 'ns' : 'us';
  sink.version = `${major}.${minor}`;
  if (major !== 2) {
    sink.error('unsupported-version', `pcap version ${major}.${minor} is not supported (only 2.x)`, 4, true);
    return null;
  }
  const snaplen = u32(b, p + 16, le);
  const field = u32(b, p + 20, le);
  const linktype = field & 0xffff;
  if ((field & 0x03ff0000) !== 0) {
    sink.error('reserved-bits', `link type field ${hex(field)} has reserved bits set; using link type ${linktype}`, 20, false);
  }
  sink.addInterface({ key: 0, section: 0, interfaceId: 0, linktype, snaplen });
  return { le, nano, snaplen, linktype };
}

/**
 * Checks one record's captured length before anything is buffered for it. Returns false (after a
 * fatal error) when the length is beyond the reader's bound; a length only beyond the file's
 * snaplen is reported and the record kept.
 */
export function checkCapLen(capLen: number, snaplen: number, offset: number, sink: ReadSink): boolean {
  if (capLen > sink.maxRecordLen) {
    sink.error(
      'record-too-large',
      `record at byte ${offset} claims ${capLen} captured bytes, more than the ${sink.maxRecordLen}-byte limit: the length is corrupt`,
      offset,
      true,
    );
    return false;
  }
  if (snaplen > 0 && capLen > snaplen) {
    sink.error(
      'record-exceeds-snaplen',
      `record at byte ${offset} has ${capLen} captured bytes, more than the file's snaplen ${snaplen}`,
      offset,
      false,
    );
  }
  return true;
}

export function reportCutRecord(remaining: number, fileOffset: number, sink: ReadSink, what: string): void {
  if (remaining > 0) {
    sink.error('truncated-record', `file ends inside a ${what} at byte ${fileOffset} (${remaining} bytes of it present)`, fileOffset, true);
  }
}

/**
 * Fills `sink.packet` from the record header at b[p] (data follows it). The caller has checked that
 * the whole record is in `b`.
 */
export function fillPcapRecord(b: Uint8Array, p: number, h: PcapHeader, iface: number, fileOffset: number, sink: ReadSink): void {
  const le = h.le;
  const pk = sink.packet;
  const capLen = u32(b, p + 8, le);
  pk.tsSec = u32(b, p, le);
  const frac = u32(b, p + 4, le);
  pk.tsNsec = h.nano ? frac : frac * 1000;
  pk.hasTime = true;
  pk.capLen = capLen;
  pk.origLen = u32(b, p + 12, le);
  pk.linktype = h.linktype;
  pk.iface = iface;
  pk.fileOffset = fileOffset;
  pk.data = b.subarray(p + PCAP_RECORD_HEADER_LEN, p + PCAP_RECORD_HEADER_LEN + capLen);
  pk.comments = null;
}

/** The fast classic pcap reader: one tight loop over each chunk, no per-record allocation but the data view. */
export class FastPcapReader implements FormatReader {
  private header: PcapHeader | null = null;
  private warnedAt = -1;
  readonly maxPending: number;

  constructor(private readonly sink: ReadSink) {
    this.maxPending = PCAP_RECORD_HEADER_LEN + sink.maxRecordLen;
  }

  consume(b: Uint8Array, start: number, end: number, fileOffset: number): number {
    const sink = this.sink;
    let p = start;
    let h = this.header;
    if (!h) {
      if (end - p < PCAP_HEADER_LEN) return p;
      h = this.header = parsePcapHeader(b, p, sink);
      if (!h) return p;
      p += PCAP_HEADER_LEN;
    }
    const le = h.le;
    const base = fileOffset - start;
    while (end - p >= PCAP_RECORD_HEADER_LEN && !sink.stopped) {
      const capLen = u32(b, p + 8, le);
      if (capLen > sink.maxRecordLen) {
        checkCapLen(capLen, h.snaplen, base + p, sink);
        return p;
      }
      if (h.snaplen > 0 && capLen > h.snaplen && base + p !== this.warnedAt) {
        this.warnedAt = base + p; // once, even when the record is seen again with more bytes
        checkCapLen(capLen, h.snaplen, base + p, sink);
      }
      if (end - p - PCAP_RECORD_HEADER_LEN < capLen) break;
      fillPcapRecord(b, p, h, 0, base + p, sink);
      sink.emit();
      p += PCAP_RECORD_HEADER_LEN + capLen;
    }
    return p;
  }

  finish(remaining: number, fileOffset: number): void {
    if (!this.header) {
      if (!this.sink.stopped) {
        this.sink.error('truncated-header', `file ends inside the 24-byte pcap header (${remaining} bytes)`, 0, true);
      }
      return;
    }
    reportCutRecord(remaining, fileOffset, this.sink, remaining < PCAP_RECORD_HEADER_LEN ? 'record header' : 'record');
  }
}
