// Hostile and oversized captures, made when needed (never committed) by the limits benchmark and the
// tests: many small UDP packets, the same packet over and over, zero-length records, and gzip files
// that expand far beyond their size. Written through the product's pcap writer, in 4 MiB batches.
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { encodePcapHeader, encodePcapRecord, PCAP_RECORD_HEADER_LEN } from '../engine/writers/pcap';

const ETHERNET = 1;

/** Ethernet / IPv4 / UDP 10.244.0.2:40000 -> 10.244.1.2:9999 with a 18-byte payload: 60 bytes. */
export function udpFrame(ipId: number, sport = 40000): Uint8Array {
  const f = new Uint8Array(60);
  const v = new DataView(f.buffer);
  f.set([0x0a, 0x58, 10, 244, 1, 2, 0x0a, 0x58, 10, 244, 0, 2], 0);
  v.setUint16(12, 0x0800);
  v.setUint8(14, 0x45);
  v.setUint16(16, 46);
  v.setUint16(18, ipId & 0xffff);
  v.setUint8(22, 64);
  v.setUint8(23, 17);
  v.setUint32(26, 0x0af40002);
  v.setUint32(30, 0x0af40102);
  v.setUint16(34, sport);
  v.setUint16(36, 9999);
  v.setUint16(38, 26);
  f.fill(0x61, 42);
  return f;
}

/**
 * Writes `count` copies of `frame` 1 µs apart, each through `vary(record, dataOffset, i)` first (to
 * change a field in place), in 4 MiB batches.
 */
export function writePcap(
  path: string,
  count: number,
  frame: Uint8Array,
  vary: (rec: DataView, data: number, i: number) => void = () => {},
): void {
  const template = encodePcapRecord({ tsSec: 0, tsNsec: 0, data: frame }, false);
  const perBatch = Math.max(1, Math.floor((4 << 20) / template.length));
  const batch = new Uint8Array(perBatch * template.length);
  for (let k = 0; k < perBatch; k++) batch.set(template, k * template.length);
  const v = new DataView(batch.buffer);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, encodePcapHeader({ linktype: ETHERNET }));
    for (let i = 0; i < count;) {
      const n = Math.min(perBatch, count - i);
      for (let k = 0; k < n; k++, i++) {
        const o = k * template.length;
        v.setUint32(o, 1_800_000_000 + Math.floor(i / 1e6), true);
        v.setUint32(o + 4, i % 1e6, true);
        vary(v, o + PCAP_RECORD_HEADER_LEN, i);
      }
      writeSync(fd, batch.subarray(0, n * template.length));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A gzip file of a pcap header followed by `gib` GiB of zero bytes: as a capture, that is records of
 * captured length 0 one after the other (16 bytes each), about 67 million per GiB. Made of
 * concatenated gzip members, each 64 MiB of zeros, so it costs nothing to write.
 */
export function writeZeroRecordsGzip(path: string, gib: number, recordData = 0): void {
  const header = encodePcapHeader({ linktype: ETHERNET });
  let body: Uint8Array;
  if (recordData > 0) {
    // Records of `recordData` zero bytes each, instead of empty ones.
    const rec = new Uint8Array(16 + recordData);
    new DataView(rec.buffer).setUint32(8, recordData, true);
    new DataView(rec.buffer).setUint32(12, recordData, true);
    const n = Math.floor((64 << 20) / rec.length);
    body = new Uint8Array(n * rec.length);
    for (let i = 0; i < n; i++) body.set(rec, i * rec.length);
  } else body = new Uint8Array(64 << 20);
  const member = gzipSync(body, { level: 9 });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, gzipSync(header));
    for (let i = 0; i < gib * 16; i++) writeSync(fd, member);
  } finally {
    closeSync(fd);
  }
}
