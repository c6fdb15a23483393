// pcapng writer (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
//
//  Section Header Block          Interface Description Block     Enhanced Packet Block
//  +---------------------------+ +---------------------------+  +---------------------------+
//  | type 0x0A0D0D0A           | | type 1                    |  | type 6                    |
//  | total length              | | total length              |  | total length              |
//  | byte-order magic 1A2B3C4D | | linktype u16 | reserved   |  | interface id              |
//  | major 1 | minor 0         | | snaplen                   |  | timestamp high | low      |
//  | section length (-1)       | | options (if_name 2,       |  | captured len | orig len   |
//  | options (opt_comment 1,   | |  if_description 3,        |  | data, padded to 4 bytes   |
//  |  shb_userappl 4)          | |  if_tsresol 9)            |  | options (opt_comment 1)   |
//  | total length              | | total length              |  | total length              |
//  +---------------------------+ +---------------------------+  +---------------------------+
//
// Little-endian, one section. Two ways to use it: `encodePcapng` builds a whole file in memory (tests,
// small exports); `PcapngEncoder` hands out one block at a time and `writePcapngFile` streams blocks to
// disk with backpressure, so exporting a large capture set never holds it in memory.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface PcapngInterface {
  linktype: number;
  /** if_name, e.g. "node1/flannel.1". */
  name?: string;
  /** if_description. */
  description?: string;
  snaplen?: number;
  /** if_tsresol as a power of ten (6 = microseconds, 9 = nanoseconds). Default 9. */
  tsresolExp?: number;
}

export interface PcapngPacket {
  /** Index into the interfaces list. */
  iface: number;
  tsSec: number;
  /** Nanoseconds inside the second. */
  tsNsec: number;
  data: Uint8Array;
  origLen?: number;
  /** opt_comment values, one option each. */
  comments?: readonly string[];
}

export interface PcapngSection {
  /** Section header comments (opt_comment). */
  comments?: readonly string[];
  /** shb_userappl. */
  application?: string;
}

export interface PcapngFile extends PcapngSection {
  interfaces: readonly PcapngInterface[];
  packets: Iterable<PcapngPacket>;
}

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
/** An option's value length is a u16. */
const MAX_OPTION_LEN = 0xffff;
/** Block total length is a u32; keep far below it. */
const MAX_BLOCK_LEN = 0x7ffffff0;

const utf8 = new TextEncoder();
const pad4 = (n: number): number => (n + 3) & ~3;

interface Option {
  code: number;
  value: Uint8Array;
}

function textOption(code: number, text: string): Option {
  let value = utf8.encode(text);
  if (value.length > MAX_OPTION_LEN) {
    // Cut on a character boundary: drop UTF-8 continuation bytes at the cut.
    let end = MAX_OPTION_LEN;
    while (end > 0 && (value[end] & 0xc0) === 0x80) end--;
    value = value.subarray(0, end);
  }
  return { code, value };
}

function optionsLength(opts: readonly Option[]): number {
  if (opts.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of opts) n += 4 + pad4(o.value.length);
  return n;
}

function writeOptions(v: DataView, out: Uint8Array, at: number, opts: readonly Option[]): number {
  if (opts.length === 0) return at;
  for (const o of opts) {
    v.setUint16(at, o.code, true);
    v.setUint16(at + 2, o.value.length, true);
    out.set(o.value, at + 4);
    at += 4 + pad4(o.value.length);
  }
  v.setUint16(at, OPT_ENDOFOPT, true);
  v.setUint16(at + 2, 0, true);
  return at + 4;
}

/** A block: type, total length, body (fixed part written by `fill`), options, total length. */
function block(type: number, fixedLen: number, opts: readonly Option[], fill: (v: DataView, out: Uint8Array) => void): Uint8Array {
  const total = 12 + fixedLen + optionsLength(opts);
  if (total > MAX_BLOCK_LEN) throw new RangeError(`pcapng block of ${total} bytes is too large`);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  fill(v, out);
  writeOptions(v, out, 8 + fixedLen, opts);
  v.setUint32(total - 4, total, true);
  return out;
}

export function encodeSectionHeader(section: PcapngSection = {}): Uint8Array {
  const opts: Option[] = [];
  for (const c of section.comments ?? []) opts.push(textOption(OPT_COMMENT, c));
  if (section.application) opts.push(textOption(SHB_USERAPPL, section.application));
  return block(BT_SHB, 16, opts, (v) => {
    v.setUint32(8, 0x1a2b3c4d, true);
    v.setUint16(12, 1, true);
    v.setUint16(14, 0, true);
    v.setInt32(16, -1, true); // section length unknown (-1 as int64)
    v.setInt32(20, -1, true);
  });
}

function checkTsresol(exp: number): number {
  if (!Number.isInteger(exp) || exp < 0 || exp > 9) throw new RangeError(`if_tsresol exponent ${exp} is not in 0..9`);
  return exp;
}

export function encodeInterface(i: PcapngInterface): Uint8Array {
  const exp = checkTsresol(i.tsresolExp ?? 9);
  const opts: Option[] = [];
  if (i.name) opts.push(textOption(IF_NAME, i.name));
  if (i.description) opts.push(textOption(IF_DESCRIPTION, i.description));
  if (exp !== 6) opts.push({ code: IF_TSRESOL, value: Uint8Array.of(exp) });
  return block(BT_IDB, 8, opts, (v) => {
    v.setUint16(8, i.linktype, true);
    v.setUint16(10, 0, true);
    v.setUint32(12, i.snaplen ?? 0, true); // 0 = no limit
  });
}

const TWO32 = 0x100000000;
const TWO16 = 0x10000;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Splits sec * 10^exp + frac into two u32 halves, exactly, in doubles (no BigInt: this runs per packet).
 * sec < 2^32 is split in 16-bit halves so every partial product stays below 2^53.
 */
function timestampHalves(tsSec: number, tsNsec: number, exp: number): [number, number] {
  const sec = Math.min(Math.max(0, Math.floor(tsSec)), TWO32 - 1);
  const m = POW10[exp];
  const frac = Math.floor(Math.max(0, tsNsec) / POW10[9 - exp]);
  const low16 = (sec % TWO16) * m + frac; // < 2^47
  const high16 = Math.floor(sec / TWO16) * m; // < 2^46, to be shifted left by 16
  const lowTotal = low16 + (high16 % TWO16) * TWO16; // < 2^48
  const hi = Math.floor(high16 / TWO16) + Math.floor(lowTotal / TWO32);
  return [hi >>> 0, (lowTotal % TWO32) >>> 0];
}

export function encodeEnhancedPacket(p: PcapngPacket, tsresolExp = 9): Uint8Array {
  const opts: Option[] = [];
  for (const c of p.comments ?? []) opts.push(textOption(OPT_COMMENT, c));
  const capLen = p.data.length;
  const [hi, lo] = timestampHalves(p.tsSec, p.tsNsec, tsresolExp);
  return block(BT_EPB, 20 + pad4(capLen), opts, (v, out) => {
    v.setUint32(8, p.iface, true);
    v.setUint32(12, hi, true);
    v.setUint32(16, lo, true);
    v.setUint32(20, capLen, true);
    v.setUint32(24, Math.max(p.origLen ?? capLen, capLen), true);
    out.set(p.data, 28);
  });
}

/**
 * Block-at-a-time encoder for one section: the section header first, then interfaces (each gets the
 * next id) and packets in any interleaving, as pcapng allows.
 */
export class PcapngEncoder {
  private readonly tsresol: number[] = [];

  constructor(readonly section: PcapngSection = {}) {}

  header(): Uint8Array {
    return encodeSectionHeader(this.section);
  }

  /** Encodes an interface description and returns [its id, the block]. */
  addInterface(i: PcapngInterface): [number, Uint8Array] {
    const b = encodeInterface(i);
    this.tsresol.push(i.tsresolExp ?? 9);
    return [this.tsresol.length - 1, b];
  }

  packet(p: PcapngPacket): Uint8Array {
    const exp = this.tsresol[p.iface];
    if (exp === undefined) throw new RangeError(`packet refers to interface ${p.iface}, only ${this.tsresol.length} defined`);
    return encodeEnhancedPacket(p, exp);
  }

  get interfaceCount(): number {
    return this.tsresol.length;
  }
}

/** A whole pcapng file in memory. */
export function encodePcapng(file: PcapngFile): Uint8Array {
  const enc = new PcapngEncoder(file);
  const parts: Uint8Array[] = [enc.header()];
  for (const i of file.interfaces) parts.push(enc.addInterface(i)[1]);
  for (const p of file.packets) parts.push(enc.packet(p));
  // a fresh buffer at offset 0 (Buffer.concat may hand out a slice of its shared pool)
  return new Uint8Array(Buffer.concat(parts));
}

/** Streaming sink: write blocks to a file with backpressure; `close` flushes and resolves when done. */
export class PcapngFileWriter {
  private readonly stream;
  private readonly enc: PcapngEncoder;
  private failed: Error | null = null;
  packets = 0;

  private constructor(path: string, section: PcapngSection) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (e) => (this.failed = e));
    this.enc = new PcapngEncoder(section);
  }

  static async create(path: string, section: PcapngSection = {}): Promise<PcapngFileWriter> {
    const w = new PcapngFileWriter(path, section);
    await w.write(w.enc.header());
    return w;
  }

  /** The stream's error, once it has reported one (it may come during any await). */
  private throwIfFailed(): void {
    if (this.failed) throw this.failed;
  }

  private async write(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    // once() rejects on 'error' by itself; a second once(…, 'error') beside it stayed on the stream after each drain.
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    this.throwIfFailed();
  }

  async addInterface(i: PcapngInterface): Promise<number> {
    const [id, b] = this.enc.addInterface(i);
    await this.write(b);
    return id;
  }

  async packet(p: PcapngPacket): Promise<void> {
    await this.write(this.enc.packet(p));
    this.packets++;
  }

  async close(): Promise<void> {
    this.throwIfFailed();
    this.stream.end();
    await once(this.stream, 'finish');
    this.throwIfFailed();
  }
}

/** Streams a pcapng file to `path` from an (async) iterable of packets. Returns the packet count. */
export async function writePcapngFile(
  path: string,
  file: Omit<PcapngFile, 'packets'> & { packets: Iterable<PcapngPacket> | AsyncIterable<PcapngPacket> },
): Promise<number> {
  const w = await PcapngFileWriter.create(path, file);
  try {
    for (const i of file.interfaces) await w.addInterface(i);
    for await (const p of file.packets) await w.packet(p);
  } finally {
    await w.close().catch(() => undefined);
  }
  return w.packets;
}
