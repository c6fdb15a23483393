// pcapng reader (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
//
//  Every block                      Section Header Block (SHB)       Interface Description Block (IDB)
//  +---------------------------+    +---------------------------+    +---------------------------+
//  | block type                |    | type 0x0A0D0D0A           |    | type 1                    |
//  | block total length        |    | total length              |    | total length              |
//  | body ...                  |    | byte-order magic 1A2B3C4D |    | linktype u16 | reserved   |
//  | options (code u16, len    |    | major u16 | minor u16     |    | snaplen                   |
//  |  u16, value padded to 4)  |    | section length (64 bits)  |    | options: if_name 2,       |
//  | block total length again  |    | options: opt_comment 1    |    |  if_description 3,        |
//  +---------------------------+    +---------------------------+    |  if_tsresol 9, if_tsoffset 14
//                                                                    +---------------------------+
//  Enhanced Packet Block (EPB)      Simple Packet Block (SPB)        Packet Block (PB, obsolete)
//  | type 6 | length           |    | type 3 | length           |    | type 2 | length           |
//  | interface id              |    | original length           |    | iface u16 | drops u16     |
//  | timestamp high | low      |    | data (min(orig, snaplen)) |    | timestamp high | low      |
//  | captured len | orig len   |    +---------------------------+    | captured len | orig len   |
//  | data, padded to 4         |                                     | data, options             |
//  | options: opt_comment 1    |
//
// Each SHB starts a section with its own byte order (from the magic) and its own interface
// numbering. Interface Statistics (5), Name Resolution (4), Decryption Secrets (10), Custom blocks
// (0xBAD, 0x40000BAD) and unknown blocks are checked for consistent lengths and skipped.

import type { CaptureInterface } from '../types';
import { type FormatReader, type ReadSink, u16, u32, hex } from './sink';
import { pcapngTimestamp, tsresolToExp } from './time';

export const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const BOM = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** Room for a packet block's fixed fields and options on top of the captured-length bound. */
const BLOCK_OVERHEAD = 64 * 1024;
const MIN_BLOCK = 12;

const utf8 = new TextDecoder('utf-8');

/** Interface facts the packet blocks need, per section. */
export interface NgInterface {
  key: number;
  linktype: number;
  snaplen: number;
  tsresolRaw: number;
  tsoffsetSec: number;
}

export function toNgInterface(i: CaptureInterface): NgInterface {
  return { key: i.key, linktype: i.linktype, snaplen: i.snaplen, tsresolRaw: i.tsresolRaw ?? 6, tsoffsetSec: i.tsoffsetSec ?? 0 };
}

interface Option {
  code: number;
  start: number;
  len: number;
}

/**
 * Walks the options in b[p, end). Calls `each` for every option; returns an error text when an
 * option runs past the end of its block (options before it are kept).
 */
export function walkOptions(b: Uint8Array, p: number, end: number, le: boolean, each: (o: Option) => void): string | null {
  const o: Option = { code: 0, start: 0, len: 0 };
  while (end - p >= 4) {
    const code = u16(b, p, le);
    const len = u16(b, p + 2, le);
    if (code === OPT_ENDOFOPT) return null;
    if (p + 4 + len > end) return `option ${code} of length ${len} runs past the end of its block`;
    o.code = code;
    o.start = p + 4;
    o.len = len;
    each(o);
    p += 4 + ((len + 3) & ~3);
  }
  return null;
}

/** The byte order of a packet block at b[p], from its type word (used for random access). */
export function packetBlockByteOrder(b: Uint8Array, p: number): boolean | null {
  const le = u32(b, p, true);
  if (le === BT_EPB || le === BT_SPB || le === BT_PB) return true;
  const be = u32(b, p, false);
  if (be === BT_EPB || be === BT_SPB || be === BT_PB) return false;
  return null;
}

/**
 * Link type of the interface that stands for the ids a section's packet blocks name but no Interface
 * Description Block defines (pcapng link types are 16 bits; this one is reserved, so no decoder has it).
 */
export const LINKTYPE_UNDEFINED_INTERFACE = 0xffff;

/** The interface id (-1) of that stand-in interface in its section. */
export const UNDEFINED_INTERFACE_ID = -1;

/** Reports a packet block naming an interface its section does not define; true when `kept` under a stand-in. */
function noInterface(sink: ReadSink, fileOffset: number, what: string, ifId: number, kept: NgInterface | undefined): kept is NgInterface {
  sink.error(
    'unknown-interface',
    `${what} at byte ${fileOffset} names interface ${ifId}, which its section does not define${kept ? ': packet kept, its link type unknown' : ''}`,
    fileOffset,
    false,
  );
  return kept !== undefined;
}

/**
 * Fills `sink.packet` from the packet block (EPB, SPB or PB) of `len` bytes at b[p]. `ifaces` are
 * the interfaces of its section; `undefinedIface` stands for any interface id the section does not
 * define (the packet is kept under it, its link type unknown, and the problem reported). Returns
 * false (problem reported, non-fatal) when the block holds no usable packet. Shared by the streaming
 * reader and random access.
 */
export function fillPacketBlock(
  b: Uint8Array,
  p: number,
  len: number,
  type: number,
  le: boolean,
  ifaces: readonly NgInterface[],
  fileOffset: number,
  sink: ReadSink,
  undefinedIface?: NgInterface,
): boolean {
  const pk = sink.packet;
  const end = p + len - 4;
  if (type === BT_SPB) {
    const ifc = ifaces[0] ?? undefinedIface;
    if (ifc === undefinedIface && !noInterface(sink, fileOffset, 'Simple Packet Block', 0, ifc)) return false;
    if (len < 16) return badBlock(sink, fileOffset, 'Simple Packet Block shorter than 16 bytes');
    const origLen = u32(b, p + 8, le);
    let capLen = Math.min(origLen, len - 16);
    if (ifc.snaplen > 0) capLen = Math.min(capLen, ifc.snaplen);
    pk.tsSec = 0;
    pk.tsNsec = 0;
    pk.hasTime = false; // an SPB has no timestamp field
    pk.capLen = capLen;
    pk.origLen = origLen;
    pk.linktype = ifc.linktype;
    pk.iface = ifc.key;
    pk.fileOffset = fileOffset;
    pk.data = b.subarray(p + 12, p + 12 + capLen);
    pk.comments = null;
    return true;
  }
  // EPB and PB share the layout but for the interface field (u32 vs u16 + drops u16).
  if (len < 32) return badBlock(sink, fileOffset, `${type === BT_EPB ? 'Enhanced' : 'obsolete'} Packet Block shorter than 32 bytes`);
  const ifId = type === BT_EPB ? u32(b, p + 8, le) : u16(b, p + 8, le);
  const ifc = ifaces[ifId] ?? undefinedIface;
  if (ifc === undefinedIface && !noInterface(sink, fileOffset, 'packet block', ifId, ifc)) return false;
  let capLen = u32(b, p + 20, le);
  const room = end - (p + 28);
  if (capLen > room) {
    // The block's own length is consistent (checked at both ends): keep the bytes it holds.
    sink.error(
      'bad-record-length',
      `packet block at byte ${fileOffset} claims ${capLen} captured bytes but holds ${room}; kept ${room}`,
      fileOffset,
      false,
    );
    capLen = room;
  }
  if (capLen > sink.maxRecordLen) {
    sink.error(
      'record-too-large',
      `packet block at byte ${fileOffset} holds ${capLen} captured bytes, more than the ${sink.maxRecordLen}-byte limit`,
      fileOffset,
      false,
    );
    return false;
  }
  if (ifc.snaplen > 0 && capLen > ifc.snaplen) {
    sink.error(
      'record-exceeds-snaplen',
      `packet block at byte ${fileOffset} has ${capLen} captured bytes, more than its interface's snaplen ${ifc.snaplen}`,
      fileOffset,
      false,
    );
  }
  pcapngTimestamp(u32(b, p + 12, le), u32(b, p + 16, le), ifc.tsresolRaw, ifc.tsoffsetSec, pk);
  pk.hasTime = true;
  pk.capLen = capLen;
  pk.origLen = u32(b, p + 24, le);
  pk.linktype = ifc.linktype;
  pk.iface = ifc.key;
  pk.fileOffset = fileOffset;
  pk.data = b.subarray(p + 28, p + 28 + capLen);
  let comments: string[] | null = null;
  const optStart = p + 28 + ((capLen + 3) & ~3);
  if (optStart < end) {
    const err = walkOptions(b, optStart, end, le, (o) => {
      if (o.code === OPT_COMMENT) (comments ??= []).push(utf8.decode(b.subarray(o.start, o.start + o.len)));
    });
    if (err) sink.error('bad-option', `packet block at byte ${fileOffset}: ${err}`, fileOffset, false);
  }
  pk.comments = comments;
  return true;
}

function badBlock(sink: ReadSink, offset: number, what: string): false {
  sink.error('bad-block-length', `${what} at byte ${offset}`, offset, false);
  return false;
}

export class PcapngReader implements FormatReader {
  /** Byte order of the current section. */
  private le = true;
  private section = -1;
  skipFrom = 0;
  private ifaces: NgInterface[] = [];
  /** The current section's stand-in for interface ids it does not define, made at the first such packet. */
  private undefinedIface: NgInterface | undefined;
  readonly maxPending: number;
  private readonly maxBlock: number;

  constructor(private readonly sink: ReadSink) {
    this.maxBlock = sink.maxRecordLen + BLOCK_OVERHEAD;
    this.maxPending = this.maxBlock;
    sink.format = 'pcapng';
  }

  consume(b: Uint8Array, start: number, end: number, fileOffset: number): number {
    const sink = this.sink;
    const base = fileOffset - start;
    let p = start;
    while (end - p >= MIN_BLOCK && !sink.stopped) {
      const at = base + p;
      let type = u32(b, p, this.le);
      if (type === BT_SHB) {
        const bom = u32(b, p + 8, true);
        if (bom === BOM) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else {
          sink.error('bad-byte-order-magic', `section header at byte ${at} has a byte-order magic other than 1A2B3C4D`, at, true);
          return p;
        }
      } else if (this.section < 0) {
        sink.error('bad-magic', 'not a pcapng file: it does not start with a Section Header Block', at, true);
        return p;
      }
      const le = this.le;
      type = u32(b, p, le);
      const len = u32(b, p + 4, le);
      if (len < MIN_BLOCK || len % 4 !== 0 || (type === BT_SHB && len < 28)) {
        sink.error('bad-block-length', `block ${hex(type)} at byte ${at} has an invalid total length ${len}`, at, true);
        return p;
      }
      if (len > this.maxBlock) {
        if (type === BT_EPB || type === BT_SPB || type === BT_PB || type === BT_SHB || type === BT_IDB) {
          sink.error(
            'record-too-large',
            `block ${hex(type)} at byte ${at} is ${len} bytes long, more than the ${this.maxBlock}-byte limit: the length is corrupt`,
            at,
            true,
          );
          return p;
        }
        // A large block nobody reads (name resolution, custom): skipped unread.
        sink.error('block-skipped', `block ${hex(type)} at byte ${at} (${len} bytes) skipped unread`, at, false);
        this.skipFrom = at;
        return p + len;
      }
      if (end - p < len) break;
      const trailer = u32(b, p + len - 4, le);
      if (trailer !== len) {
        sink.error(
          'bad-block-length',
          `block ${hex(type)} at byte ${at}: total length ${len} at its start but ${trailer} at its end`,
          at,
          true,
        );
        return p;
      }
      switch (type) {
        case BT_SHB:
          this.sectionHeader(b, p, len, at);
          break;
        case BT_IDB:
          this.interfaceDescription(b, p, len, at);
          break;
        case BT_EPB:
        case BT_SPB:
        case BT_PB:
          if (fillPacketBlock(b, p, len, type, le, this.ifaces, at, sink, this.undefinedInterface(b, p, len, type, le))) sink.emit();
          break;
        default:
          break; // ISB, NRB, DSB, custom and unknown blocks: nothing the engine needs
      }
      p += len;
    }
    return p;
  }

  private sectionHeader(b: Uint8Array, p: number, len: number, at: number): void {
    const sink = this.sink;
    const le = this.le;
    const major = u16(b, p + 12, le);
    const minor = u16(b, p + 14, le);
    this.section++;
    this.ifaces = [];
    this.undefinedIface = undefined;
    if (this.section === 0) {
      sink.byteOrder = le ? 'little' : 'big';
      sink.version = `${major}.${minor}`;
    }
    if (major !== 1) {
      sink.error('unsupported-version', `section header at byte ${at} has version ${major}.${minor} (only 1.x is defined)`, at, true);
      return;
    }
    const err = walkOptions(b, p + 24, p + len - 4, le, (o) => {
      if (o.code === OPT_COMMENT) sink.comments.push(utf8.decode(b.subarray(o.start, o.start + o.len)));
    });
    if (err) sink.error('bad-option', `section header at byte ${at}: ${err}`, at, true);
  }

  /**
   * The stand-in interface when the packet block at b[p] names an interface id its section does not
   * define (made, and listed with the file's interfaces, the first time); undefined otherwise.
   */
  private undefinedInterface(b: Uint8Array, p: number, len: number, type: number, le: boolean): NgInterface | undefined {
    if (this.undefinedIface) return this.undefinedIface;
    if (type !== BT_SPB && len < 32) return undefined;
    const ifId = type === BT_SPB ? 0 : type === BT_EPB ? u32(b, p + 8, le) : u16(b, p + 8, le);
    if (this.ifaces[ifId]) return undefined;
    const iface: CaptureInterface = {
      key: this.sink.interfaces.length,
      section: this.section,
      interfaceId: UNDEFINED_INTERFACE_ID,
      linktype: LINKTYPE_UNDEFINED_INTERFACE,
      snaplen: 0,
      description: 'not defined in the file: packet blocks name an interface their section does not describe',
      tsresolExp: 6,
      tsresolRaw: 6,
      tsoffsetSec: 0,
    };
    this.undefinedIface = toNgInterface(iface);
    this.sink.addInterface(iface);
    return this.undefinedIface;
  }

  private interfaceDescription(b: Uint8Array, p: number, len: number, at: number): void {
    const sink = this.sink;
    const le = this.le;
    if (len < 20) {
      sink.error('bad-block-length', `interface description at byte ${at} is shorter than 20 bytes`, at, true);
      return;
    }
    let name: string | undefined;
    let description: string | undefined;
    let tsresolRaw = 6;
    let tsoffsetSec = 0;
    const err = walkOptions(b, p + 16, p + len - 4, le, (o) => {
      const v = b.subarray(o.start, o.start + o.len);
      switch (o.code) {
        case IF_NAME:
          name = utf8.decode(v);
          break;
        case IF_DESCRIPTION:
          description = utf8.decode(v);
          break;
        case IF_TSRESOL:
          if (o.len >= 1) tsresolRaw = v[0];
          break;
        case IF_TSOFFSET:
          if (o.len >= 8) {
            const hi = u32(v, le ? 4 : 0, le) | 0; // signed 64-bit seconds
            const lo = u32(v, le ? 0 : 4, le);
            tsoffsetSec = hi * 4294967296 + lo;
          }
          break;
      }
    });
    if (err) sink.error('bad-option', `interface description at byte ${at}: ${err}`, at, false);
    if ((tsresolRaw & 0x80) === 0 && tsresolRaw > 19) {
      sink.error(
        'bad-option',
        `interface description at byte ${at}: if_tsresol ${tsresolRaw} is out of range; using microseconds`,
        at,
        false,
      );
      tsresolRaw = 6;
    }
    const key = sink.interfaces.length;
    const iface: CaptureInterface = {
      key,
      section: this.section,
      interfaceId: this.ifaces.length,
      linktype: u16(b, p + 8, le),
      snaplen: u32(b, p + 12, le),
      name,
      description,
      tsresolExp: tsresolToExp(tsresolRaw),
      tsresolRaw,
      tsoffsetSec,
    };
    this.ifaces.push(toNgInterface(iface));
    sink.addInterface(iface);
  }

  finish(remaining: number, fileOffset: number): void {
    const sink = this.sink;
    if (sink.stopped || remaining === 0) return;
    if (this.section < 0) {
      sink.error('truncated-header', `file ends inside the first Section Header Block (${remaining} bytes)`, 0, true);
      return;
    }
    sink.error('truncated-record', `file ends inside a block at byte ${fileOffset} (${remaining} bytes of it present)`, fileOffset, true);
  }
}
