// Random access: fetch packets again by the file offset the streaming read reported (RawPacket.fileOffset),
// for full decoding of the packets a user looks at. Uses the same record parsers as the streaming readers.
// Plain files are read with synchronous positioned reads on the calling thread (PositionedFile: a few
// KB per packet from the page cache, never queued in the file thread pool behind the reads of a big
// set); a gzip file has no random access, so its packets are reached by decompressing forward (one
// pass per batch, offsets visited in increasing order).

import type { CaptureInfo, RawPacket, ReadError } from '../types';
import { DEFAULT_MAX_RECORD_LEN, ReadSink, u32 } from './sink';
import { PCAP_RECORD_HEADER_LEN, fillPcapRecord, type PcapHeader } from './pcap';
import { fillPacketBlock, packetBlockByteOrder, toNgInterface, UNDEFINED_INTERFACE_ID, type NgInterface } from './pcapng';
import { FileSource, GzipSource, PositionedFile, isGzip } from './source';

export interface PacketRef {
  /** RawPacket.fileOffset from the streaming read. */
  fileOffset: number;
  /** RawPacket.iface (CaptureInterface.key). */
  iface: number;
  /** RawPacket.index, copied into the result (default -1). */
  index?: number;
}

export type PacketAt = { ok: true; packet: RawPacket } | { ok: false; error: ReadError };

interface Positioned {
  readAt(buf: Uint8Array, len: number, pos: number): number | Promise<number>;
  close(): void | Promise<void>;
}

class ForwardGzip implements Positioned {
  private src: GzipSource | null = null;
  private pos = 0;
  constructor(private readonly path: string) {}

  async readAt(buf: Uint8Array, len: number, pos: number): Promise<number> {
    if (!this.src || pos < this.pos) {
      await this.src?.close();
      this.src = new GzipSource(await FileSource.open(this.path));
      this.pos = 0;
    }
    await this.src.skip(pos - this.pos);
    const n = await this.src.read(buf, 0, len);
    this.pos = pos + n;
    return n;
  }

  async close(): Promise<void> {
    await this.src?.close();
  }
}

export async function readPacketsAt(
  path: string,
  info: CaptureInfo,
  refs: readonly PacketRef[],
  opts: { maxRecordLen?: number } = {},
): Promise<PacketAt[]> {
  const maxRecordLen = opts.maxRecordLen ?? DEFAULT_MAX_RECORD_LEN;
  const fail = (code: string, message: string, offset: number): PacketAt => ({ ok: false, error: { code, message, offset, fatal: false } });
  let file: PositionedFile;
  try {
    file = PositionedFile.open(path);
  } catch (e) {
    return refs.map(() => fail('open-failed', `cannot open ${path}: ${(e as Error).message}`, 0));
  }
  let io: Positioned = file;
  const magic = new Uint8Array(2);
  try {
    if (isGzip(magic.subarray(0, file.readAt(magic, 2, 0)))) {
      file.close();
      io = new ForwardGzip(path);
    }
  } catch (e) {
    file.close();
    return refs.map(() => fail('read-error', `cannot read ${path}: ${(e as Error).message}`, 0));
  }
  const order = refs.map((_, i) => i).sort((a, b) => refs[a].fileOffset - refs[b].fileOffset);
  const out = new Array<PacketAt>(refs.length);
  const sink = new ReadSink({ onPacket() {} }, maxRecordLen);
  const sections = new Map<number, NgInterface[]>();
  const sectionIfaces = (section: number): NgInterface[] => {
    let l = sections.get(section);
    if (!l) {
      l = info.interfaces
        .filter((i) => i.section === section && i.interfaceId !== UNDEFINED_INTERFACE_ID)
        .sort((a, b) => a.interfaceId - b.interfaceId)
        .map(toNgInterface);
      sections.set(section, l);
    }
    return l;
  };
  const pcap: PcapHeader | null =
    info.format === 'pcap' && info.interfaces[0]
      ? {
          le: info.byteOrder !== 'big',
          nano: info.tsPrecision === 'ns',
          snaplen: info.interfaces[0].snaplen,
          linktype: info.interfaces[0].linktype,
        }
      : null;
  const head = new Uint8Array(16);
  let buf = new Uint8Array(2048);
  try {
    for (const i of order) {
      const ref = refs[i];
      const at = ref.fileOffset;
      const iface = info.interfaces[ref.iface];
      sink.errors.length = 0;
      if (!iface || !Number.isSafeInteger(at) || at < 0) {
        out[i] = fail('bad-reference', `no packet record can be at byte ${at} on interface ${ref.iface}`, at);
        continue;
      }
      let need: number;
      if (pcap) {
        if ((await io.readAt(head, PCAP_RECORD_HEADER_LEN, at)) < PCAP_RECORD_HEADER_LEN) {
          out[i] = fail('truncated-record', `no record header at byte ${at}`, at);
          continue;
        }
        const capLen = u32(head, 8, pcap.le);
        if (capLen > maxRecordLen) {
          out[i] = fail('record-too-large', `record at byte ${at} claims ${capLen} captured bytes`, at);
          continue;
        }
        need = PCAP_RECORD_HEADER_LEN + capLen;
      } else {
        const le = (await io.readAt(head, 8, at)) === 8 ? packetBlockByteOrder(head, 0) : null;
        if (le === null) {
          out[i] = fail('bad-reference', `no packet block at byte ${at}`, at);
          continue;
        }
        need = u32(head, 4, le);
        if (need < 12 || need % 4 !== 0 || need > maxRecordLen + 65536) {
          out[i] = fail('bad-block-length', `packet block at byte ${at} has an invalid length ${need}`, at);
          continue;
        }
      }
      if (buf.length < need) buf = new Uint8Array(need);
      if ((await io.readAt(buf, need, at)) < need) {
        out[i] = fail('truncated-record', `file ends inside the record at byte ${at}`, at);
        continue;
      }
      let ok: boolean;
      if (pcap) {
        fillPcapRecord(buf, 0, pcap, 0, at, sink);
        ok = true;
      } else {
        const le = packetBlockByteOrder(buf, 0)!;
        if (u32(buf, need - 4, le) !== need) {
          out[i] = fail('bad-block-length', `packet block at byte ${at}: lengths at its start and end differ`, at);
          continue;
        }
        // A packet kept under the stand-in for an interface its section does not define is read under it again.
        const undefinedIface = iface.interfaceId === UNDEFINED_INTERFACE_ID ? toNgInterface(iface) : undefined;
        ok = fillPacketBlock(buf, 0, need, u32(buf, 0, le), le, sectionIfaces(iface.section), at, sink, undefinedIface);
      }
      if (!ok) {
        out[i] = {
          ok: false,
          error: sink.errors[0] ?? { code: 'bad-record', message: `unusable record at byte ${at}`, offset: at, fatal: false },
        };
        continue;
      }
      const p = sink.packet;
      out[i] = { ok: true, packet: { ...p, index: ref.index ?? -1, data: p.data.slice(), comments: p.comments ? [...p.comments] : null } };
    }
  } finally {
    try {
      await io.close();
    } catch {
      // Nothing was written: a failed close loses nothing.
    }
  }
  return out;
}

export async function readPacketAt(path: string, info: CaptureInfo, ref: PacketRef, opts?: { maxRecordLen?: number }): Promise<PacketAt> {
  return (await readPacketsAt(path, info, [ref], opts))[0];
}
