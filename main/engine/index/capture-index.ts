// The per-packet index of one capture file: columnar typed arrays (one array per field, grown by
// doubling), filled from the decoder's fast path while the file is read. 63 bytes per packet.
// Everything else is decoded again on demand from the file offset (decodeAt).
import { readCapture, readPacketsAt, type ReadOptions } from '../readers/read';
import type { CaptureInfo, CaptureInterface, RawPacket } from '../types';
import { decodePacket, summarize } from '../decode/packet';
import { ipv4Text } from '../decode/context';
import { PacketSummary, type DecodeOptions, type DecodedPacket, type IpLevelSummary } from '../decode/types';
import { Ipv6Table } from './addresses';

/** Bits of the `ipInfo` column. */
export const IpInfo = {
  OUTER_V4: 1,
  OUTER_V6: 2,
  INNER_V4: 4,
  INNER_V6: 8,
  OUTER_PORTS: 16,
  INNER_PORTS: 32,
} as const;

const NO_PROTO = 255;

export class CaptureIndex {
  count = 0;
  capacity = 0;
  /** Timestamp: whole seconds (unsigned 32-bit: good until 2106) and nanoseconds. */
  tsSec = new Uint32Array(0);
  tsNsec = new Uint32Array(0);
  /** Byte offset of the record in the (decompressed) file, for readPacketsAt. */
  fileOffset = new Float64Array(0);
  capLen = new Uint32Array(0);
  origLen = new Uint32Array(0);
  /** CaptureInterface.key. */
  iface = new Uint16Array(0);
  /** IPv4 address as uint32, or IPv6 address id in `ipv6` (see ipInfo bits). */
  outerSrc = new Uint32Array(0);
  outerDst = new Uint32Array(0);
  innerSrc = new Uint32Array(0);
  innerDst = new Uint32Array(0);
  outerSrcPort = new Uint16Array(0);
  outerDstPort = new Uint16Array(0);
  innerSrcPort = new Uint16Array(0);
  innerDstPort = new Uint16Array(0);
  /** Transport protocol (IP protocol number) of the outermost / innermost IP header; 255 = none. */
  outerProto = new Uint8Array(0);
  innerProto = new Uint8Array(0);
  /** IpInfo bits: which IP versions are present and whether ports were decoded. */
  ipInfo = new Uint8Array(0);
  /** TunnelKind of the outermost tunnel. */
  tunnel = new Uint8Array(0);
  /** Levels (1 + tunnels crossed). */
  levels = new Uint8Array(0);
  /** PROTO_IDS index of the innermost decoded layer. */
  protoId = new Uint8Array(0);
  /** SummaryFlag bits. */
  flags = new Uint8Array(0);
  /** VNI / GRE key of the outermost tunnel, -1 when none. */
  vni = new Int32Array(0);
  /** TCP flags of the innermost TCP header (0 when not TCP). */
  tcpFlags = new Uint16Array(0);

  readonly ipv6 = new Ipv6Table();
  info: CaptureInfo | null = null;
  interfaces: CaptureInterface[] = [];

  constructor(
    readonly path: string,
    readonly decodeOptions: DecodeOptions = {},
    initialCapacity = 1024,
  ) {
    this.grow(initialCapacity);
  }

  /** The per-packet columns: every typed array this index holds. */
  private columns(): ArrayBufferView[] {
    return Object.values(this).filter((v): v is ArrayBufferView => ArrayBuffer.isView(v));
  }

  /** Bytes of index per packet: the sum of the columns' element sizes, read from the columns themselves. */
  get bytesPerPacket(): number {
    return this.columns().reduce((sum, c) => sum + (c as Uint8Array).BYTES_PER_ELEMENT, 0);
  }

  /** Bytes allocated now (columns at current capacity + IPv6 table). */
  get byteLength(): number {
    return this.columns().reduce((sum, c) => sum + c.byteLength, 0) + this.ipv6.byteLength;
  }

  /** Shrinks the columns to the packet count (after the last push), so no slack stays allocated. */
  trim(): void {
    if (this.capacity > this.count) this.resize(Math.max(this.count, 1));
  }

  private grow(min: number): void {
    this.resize(Math.max(min, this.capacity * 2, 1024));
  }

  private resize(cap: number): void {
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const n = make(cap);
      n.set(a.subarray(0, this.count));
      return n;
    };
    this.tsSec = g(this.tsSec, (n) => new Uint32Array(n));
    this.tsNsec = g(this.tsNsec, (n) => new Uint32Array(n));
    this.fileOffset = g(this.fileOffset, (n) => new Float64Array(n));
    this.capLen = g(this.capLen, (n) => new Uint32Array(n));
    this.origLen = g(this.origLen, (n) => new Uint32Array(n));
    this.iface = g(this.iface, (n) => new Uint16Array(n));
    this.outerSrc = g(this.outerSrc, (n) => new Uint32Array(n));
    this.outerDst = g(this.outerDst, (n) => new Uint32Array(n));
    this.innerSrc = g(this.innerSrc, (n) => new Uint32Array(n));
    this.innerDst = g(this.innerDst, (n) => new Uint32Array(n));
    this.outerSrcPort = g(this.outerSrcPort, (n) => new Uint16Array(n));
    this.outerDstPort = g(this.outerDstPort, (n) => new Uint16Array(n));
    this.innerSrcPort = g(this.innerSrcPort, (n) => new Uint16Array(n));
    this.innerDstPort = g(this.innerDstPort, (n) => new Uint16Array(n));
    this.outerProto = g(this.outerProto, (n) => new Uint8Array(n));
    this.innerProto = g(this.innerProto, (n) => new Uint8Array(n));
    this.ipInfo = g(this.ipInfo, (n) => new Uint8Array(n));
    this.tunnel = g(this.tunnel, (n) => new Uint8Array(n));
    this.levels = g(this.levels, (n) => new Uint8Array(n));
    this.protoId = g(this.protoId, (n) => new Uint8Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.vni = g(this.vni, (n) => new Int32Array(n));
    this.tcpFlags = g(this.tcpFlags, (n) => new Uint16Array(n));
    this.capacity = cap;
  }

  private addr(l: IpLevelSummary, data: Uint8Array, src: boolean): number {
    if (l.version === 4) return src ? l.src4 : l.dst4;
    if (l.version === 6) return this.ipv6.intern(data, src ? l.srcOffset : l.dstOffset);
    return 0;
  }

  /** Appends one packet (its summary from `summarize`). No allocation unless the columns grow. */
  push(p: RawPacket, s: PacketSummary): void {
    const i = this.count;
    if (i === this.capacity) this.grow(i + 1);
    this.tsSec[i] = p.tsSec;
    this.tsNsec[i] = p.tsNsec;
    this.fileOffset[i] = p.fileOffset;
    this.capLen[i] = p.capLen;
    this.origLen[i] = p.origLen;
    this.iface[i] = p.iface;
    const o = s.outer,
      n = s.inner;
    let info = 0;
    if (o.version === 4) info |= IpInfo.OUTER_V4;
    else if (o.version === 6) info |= IpInfo.OUTER_V6;
    if (n.version === 4) info |= IpInfo.INNER_V4;
    else if (n.version === 6) info |= IpInfo.INNER_V6;
    if (o.srcPort >= 0) info |= IpInfo.OUTER_PORTS;
    if (n.srcPort >= 0) info |= IpInfo.INNER_PORTS;
    this.ipInfo[i] = info;
    this.outerSrc[i] = this.addr(o, p.data, true);
    this.outerDst[i] = this.addr(o, p.data, false);
    this.innerSrc[i] = this.addr(n, p.data, true);
    this.innerDst[i] = this.addr(n, p.data, false);
    this.outerSrcPort[i] = o.srcPort < 0 ? 0 : o.srcPort;
    this.outerDstPort[i] = o.dstPort < 0 ? 0 : o.dstPort;
    this.innerSrcPort[i] = n.srcPort < 0 ? 0 : n.srcPort;
    this.innerDstPort[i] = n.dstPort < 0 ? 0 : n.dstPort;
    this.outerProto[i] = o.proto < 0 ? NO_PROTO : o.proto;
    this.innerProto[i] = n.proto < 0 ? NO_PROTO : n.proto;
    this.tunnel[i] = s.tunnel;
    this.levels[i] = s.levels;
    this.protoId[i] = s.protoId;
    this.flags[i] = s.flags;
    this.vni[i] = s.vni;
    this.tcpFlags[i] = n.proto === 6 ? n.tcpFlags : 0;
    this.count = i + 1;
  }

  /** Address text of packet i: which = 'outerSrc' | 'outerDst' | 'innerSrc' | 'innerDst'; '' when no IP. */
  address(i: number, which: 'outerSrc' | 'outerDst' | 'innerSrc' | 'innerDst'): string {
    const inner = which.startsWith('inner');
    const info = this.ipInfo[i];
    const v = this[which][i];
    if (info & (inner ? IpInfo.INNER_V4 : IpInfo.OUTER_V4)) return ipv4Text(v);
    if (info & (inner ? IpInfo.INNER_V6 : IpInfo.OUTER_V6)) return this.ipv6.text(v);
    return '';
  }

  /** Full decode of packets on demand (the ones a user looks at), read again by file offset. */
  async decodeAt(indices: readonly number[]): Promise<({ index: number; packet: DecodedPacket } | { index: number; error: string })[]> {
    if (!this.info) throw new Error('index not built yet');
    const refs = indices.map((i) => ({ fileOffset: this.fileOffset[i], iface: this.iface[i], index: i }));
    const got = await readPacketsAt(this.path, this.info, refs);
    return got.map((r, k) =>
      r.ok
        ? { index: indices[k], packet: decodePacket(r.packet.data, r.packet.linktype, this.decodeOptions, r.packet.origLen) }
        : { index: indices[k], error: `${r.error.message} (byte offset ${r.error.offset})` },
    );
  }
}

export interface IndexOptions extends DecodeOptions {
  read?: ReadOptions;
  onProgress?: (p: { bytesRead: number; bytesTotal: number; packets: number }) => void;
}

/** Reads a capture once, summarizing every packet into a CaptureIndex. Never throws for bad files: see index.info.errors. */
export async function indexCapture(path: string, opts: IndexOptions = {}): Promise<CaptureIndex> {
  const decode: DecodeOptions = {};
  if (opts.decodeAs) decode.decodeAs = opts.decodeAs;
  if (opts.maxTunnelDepth !== undefined) decode.maxTunnelDepth = opts.maxTunnelDepth;
  const index = new CaptureIndex(path, decode);
  const s = new PacketSummary();
  index.info = await readCapture(
    path,
    {
      onInterface: (i) => {
        index.interfaces[i.key] = i;
      },
      onPacket: (p) => {
        summarize(p.data, p.linktype, s, decode, p.origLen);
        index.push(p, s);
      },
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
    opts.read,
  );
  index.trim();
  return index;
}
