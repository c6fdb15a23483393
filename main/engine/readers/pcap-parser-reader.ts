// Classic pcap through pcap-parser (the package the product is specified to use), adapted:
//
// - Nanosecond files: pcap-parser only knows the microsecond magics (a1b2c3d4 / d4c3b2a1) and
//   rejects a1b23c4d. The global header is checked here first (parsePcapHeader), then pcap-parser is
//   fed a copy of it whose magic is rewritten to the microsecond magic OF THE SAME BYTE ORDER, so it
//   picks the right byte order and parses records exactly as before; the record's fraction field
//   (pcap-parser's `timestampMicroseconds`) is then taken as nanoseconds because the real magic said
//   so. Nothing else in the layout differs between the two variants.
// - Corrupt lengths: pcap-parser appends every chunk to its buffer until a record's capturedLength is
//   present, so a corrupt length of 4 GB would make it buffer the whole file. Its 'packetHeader'
//   event fires before it waits for the body: the length is checked there, and past the bound the
//   read stops (pcap-parser's own `errored` flag makes it ignore further input, and nothing more is
//   fed), with the record's byte offset, which is tracked here because pcap-parser does not give it.
// - Its version check (`major != 2 && minor != 4`) lets version 1.4 through: parsePcapHeader rejects
//   any major version but 2 before pcap-parser sees the file.
// - Input: a stand-in stream that is handed the driver's large chunks (pcap-parser copies its leftover
//   and the new chunk into one Buffer per 'data' event, so few large chunks keep that cheap).

import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { PcapPacketHeader, PcapParser } from 'pcap-parser';
import { type FormatReader, type ReadSink } from './sink';
import { PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN, checkCapLen, parsePcapHeader, reportCutRecord, type PcapHeader } from './pcap';

class ChunkStream extends EventEmitter {
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
}

/**
 * pcap-parser, loaded when this reader is first chosen: loading it took 17-26 ms of every start of
 * the command line, which reads with the fast loop by default.
 */
let parse: ((input: EventEmitter) => PcapParser) | null = null;
function pcapParser(): (input: EventEmitter) => PcapParser {
  parse ??= (createRequire(import.meta.url)('pcap-parser') as { parse: (input: EventEmitter) => PcapParser }).parse;
  return parse;
}

export class PcapParserReader implements FormatReader {
  private header: PcapHeader | null = null;
  private readonly stream = new ChunkStream();
  /** File offset of the record after the one whose header pcap-parser reported last. */
  private nextOffset = PCAP_HEADER_LEN;
  /** File offset of the record whose header pcap-parser reported last. */
  private currentOffset = 0;
  /** Its header was reported and its body not yet. */
  private bodyPending = false;
  /** Bytes handed to pcap-parser so far (= file offset of the end of the input seen). */
  private fed = 0;
  readonly maxPending = PCAP_HEADER_LEN;

  constructor(private readonly sink: ReadSink) {}

  private start(h: PcapHeader): void {
    const sink = this.sink;
    const parser: PcapParser = pcapParser()(this.stream);
    parser.on('packetHeader', (hdr: PcapPacketHeader) => {
      if (sink.stopped) return;
      this.currentOffset = this.nextOffset;
      const capLen = hdr.capturedLength;
      if (!checkCapLen(capLen, h.snaplen, this.currentOffset, sink)) {
        parser.errored = true;
        return;
      }
      this.nextOffset += PCAP_RECORD_HEADER_LEN + capLen;
      this.bodyPending = true;
    });
    parser.on('packet', (rec: { header: PcapPacketHeader; data: Buffer }) => {
      if (sink.stopped) return;
      this.bodyPending = false;
      const hdr = rec.header;
      const pk = sink.packet;
      pk.tsSec = hdr.timestampSeconds;
      pk.tsNsec = h.nano ? hdr.timestampMicroseconds : hdr.timestampMicroseconds * 1000;
      pk.hasTime = true;
      pk.capLen = hdr.capturedLength;
      pk.origLen = hdr.originalLength;
      pk.linktype = h.linktype;
      pk.iface = 0;
      pk.fileOffset = this.currentOffset;
      // A plain Uint8Array view: a Buffer's slice() is a view, not the copy callers expect from slice().
      pk.data = new Uint8Array(rec.data.buffer, rec.data.byteOffset, rec.data.length);
      pk.comments = null;
      sink.emit();
    });
    // Header problems are caught before pcap-parser runs; anything it still reports is recorded.
    parser.on('error', (err: Error) => {
      if (!sink.stopped) sink.error('pcap-parser', `pcap-parser: ${err.message}`, this.nextOffset, true);
    });
  }

  consume(b: Uint8Array, start: number, end: number): number {
    if (!this.header) {
      if (end - start < PCAP_HEADER_LEN) return start;
      const h = parsePcapHeader(b, start, this.sink);
      if (!h) return start;
      this.header = h;
      this.start(h);
      const chunk = Buffer.from(b.subarray(start, end)); // a copy: pcap-parser keeps slices of it
      if (h.nano) chunk.writeUInt32BE(h.le ? 0xd4c3b2a1 : 0xa1b2c3d4, 0);
      this.feed(chunk);
      return end;
    }
    this.feed(Buffer.from(b.subarray(start, end)));
    return end;
  }

  private feed(chunk: Buffer): void {
    this.fed += chunk.length;
    this.stream.emit('data', chunk);
  }

  finish(remaining: number): void {
    const sink = this.sink;
    if (!this.header) {
      if (!sink.stopped) sink.error('truncated-header', `file ends inside the 24-byte pcap header (${remaining} bytes)`, 0, true);
      return;
    }
    if (sink.stopped) return;
    // pcap-parser still holds whatever follows the last complete record it reported.
    if (this.bodyPending) {
      reportCutRecord(this.fed - this.currentOffset, this.currentOffset, sink, 'record');
    } else {
      reportCutRecord(this.fed - this.nextOffset, this.nextOffset, sink, 'record header');
    }
  }
}
