// Classic pcap writer (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html).
// Little-endian, version 2.4, microsecond (0xa1b2c3d4) or nanosecond (0xa1b23c4d) magic.

export interface PcapRecord {
  tsSec: number;
  /** Nanoseconds inside the second; rounded down to microseconds in a microsecond file. */
  tsNsec: number;
  data: Uint8Array;
  /** Original length on the wire; defaults to data.length. */
  origLen?: number;
}

export interface PcapOptions {
  linktype: number;
  nanosecond?: boolean;
  snaplen?: number;
}

export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export function encodePcapHeader(opts: PcapOptions): Uint8Array {
  const out = new Uint8Array(PCAP_GLOBAL_HEADER_LEN);
  const v = new DataView(out.buffer);
  v.setUint32(0, opts.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, opts.snaplen ?? 262144, true);
  v.setUint32(20, opts.linktype, true);
  return out;
}

export function encodePcapRecord(rec: PcapRecord, nanosecond: boolean): Uint8Array {
  const out = new Uint8Array(PCAP_RECORD_HEADER_LEN + rec.data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, rec.tsSec, true);
  v.setUint32(4, nanosecond ? rec.tsNsec : Math.floor(rec.tsNsec / 1000), true);
  v.setUint32(8, rec.data.length, true);
  v.setUint32(12, rec.origLen ?? rec.data.length, true);
  out.set(rec.data, PCAP_RECORD_HEADER_LEN);
  return out;
}

/** A whole pcap file in memory (for fixtures and tests; large files should stream header + records). */
export function encodePcap(opts: PcapOptions, records: Iterable<PcapRecord>): Uint8Array {
  const parts: Uint8Array[] = [encodePcapHeader(opts)];
  for (const r of records) parts.push(encodePcapRecord(r, !!opts.nanosecond));
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
