// The packets of the open capture set as the UI needs them: the topology's columnar PacketTable
// (addresses, ports, tunnel, flags... one typed array per field) plus the few columns only the
// list needs (where each record sits in its file, its captured length, interface, protocol id),
// and the time order that numbers packets (No.). Filled by one streaming read per file, in the
// backend's worker thread; full decodes happen later, only for the rows on screen.
import { readCapture, type ReadBudget } from '../engine/readers/read';
import { summarize } from '../engine/decode';
import type { DecodeOptions } from '../engine/decode/types';
import { PacketSummary } from '../engine/decode/types';
import type { CaptureInfo, ReadProgress } from '../engine/types';
import { PacketTable, PKTTYPE_UNKNOWN } from '../topology/table';
import { isEnrichmentFile } from '../topology/enrich';
import type { CaptureComment } from '../session/comments';
import { openRegularFile } from '../engine/readers/source';

/** The first KiB of a regular file; refuses named pipes, devices and folders (which would block or never end). */
async function headOf(path: string): Promise<Uint8Array> {
  const fh = await openRegularFile(path);
  try {
    const buf = new Uint8Array(1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface StoreFile {
  readonly path: string;
  readonly name: string;
  /** First row of this file in the table; its packets are rows start .. start+count-1, in file order. */
  start: number;
  count: number;
  info: CaptureInfo | null;
  status: 'waiting' | 'loading' | 'ok' | 'partial' | 'failed';
  /** Set for kubectl JSON / flannel subnet.env given with the captures (names for the analysis, no packets). */
  enrichment: ReturnType<typeof isEnrichmentFile>;
  firstTime: number | null;
  lastTime: number | null;
  /** pcapng packet comments met while reading (packet = 0-based index in the file): the session shows them as notes. */
  comments: CaptureComment[];
}

function growTo<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(a: T, n: number): T {
  if (n <= a.length) return a;
  const C = a.constructor as new (n: number) => T;
  const b = new C(Math.max(n, a.length * 2, 1024));
  b.set(a);
  return b;
}

export class PacketStore {
  readonly table = new PacketTable();
  readonly files: StoreFile[] = [];
  fileOffset = new Float64Array(0);
  capLen = new Uint32Array(0);
  iface = new Uint16Array(0);
  protoId = new Uint8Array(0);
  /** Rows in time order (ties: file order); `noOfRow[row]` is the row's 1-based No. Until `finish`, rows are numbered in read order. */
  order = new Uint32Array(0);
  noOfRow = new Uint32Array(0);
  finished = false;
  private readOrder = new Uint32Array(0);

  get count(): number {
    return this.table.count;
  }

  /** Reads one file to the end (or to `signal`), appending its packets. Never throws for bad files. */
  async addFile(
    path: string,
    name: string,
    signal: AbortSignal,
    onProgress: (p: ReadProgress) => void,
    decode?: DecodeOptions,
    budget?: ReadBudget,
  ): Promise<StoreFile> {
    const fileNo = this.files.length;
    const entry: StoreFile = {
      path,
      name,
      start: this.table.count,
      count: 0,
      info: null,
      status: 'loading',
      firstTime: null,
      lastTime: null,
      enrichment: null,
      comments: [],
    };
    this.files.push(entry);
    let head: Uint8Array;
    try {
      head = await headOf(path);
    } catch (e) {
      const message = `cannot open ${name}: ${(e as Error).message}`;
      entry.info = {
        path,
        format: 'unknown',
        compressed: false,
        interfaces: [],
        packetCount: 0,
        errors: [{ code: 'open-failed', message, offset: 0, fatal: true }],
        comments: [],
      };
      entry.status = 'failed';
      return entry;
    }
    entry.enrichment = isEnrichmentFile(path, head);
    if (entry.enrichment) {
      entry.status = 'ok';
      return entry;
    }
    const s = new PacketSummary();
    const linktypes: number[] = [];
    const t = this.table;
    const info = await readCapture(
      path,
      {
        onInterface: (i) => (linktypes[i.key] = i.linktype),
        onPacket: (p) => {
          if (p.comments) for (const text of p.comments) entry.comments.push({ packet: p.index, text });
          summarize(p.data, p.linktype, s, decode, p.origLen);
          const r = t.add(fileNo, p.index, fileNo, p.tsSec, p.tsNsec, p.origLen, PKTTYPE_UNKNOWN, p.data, s);
          if (r >= this.fileOffset.length) {
            const n = t.file.length;
            this.fileOffset = growTo(this.fileOffset, n);
            this.capLen = growTo(this.capLen, n);
            this.iface = growTo(this.iface, n);
            this.protoId = growTo(this.protoId, n);
          }
          this.fileOffset[r] = p.fileOffset;
          this.capLen[r] = p.capLen;
          this.iface[r] = p.iface;
          this.protoId[r] = s.protoId;
          const time = p.tsSec + p.tsNsec / 1e9;
          if (entry.firstTime === null || time < entry.firstTime) entry.firstTime = time;
          if (entry.lastTime === null || time > entry.lastTime) entry.lastTime = time;
        },
        onProgress,
      },
      { signal, pcapReader: 'fast', budget },
    );
    entry.info = info;
    entry.count = t.count - entry.start;
    const fatal = info.errors.some((e) => e.fatal && e.code !== 'cancelled');
    entry.status = fatal ? (entry.count > 0 ? 'partial' : 'failed') : info.errors.length ? 'partial' : 'ok';
    return entry;
  }

  /** Numbers all packets by time (call after the last file). */
  finish(): void {
    const n = this.table.count;
    const tNs = this.table.tNs;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    // Each file is (nearly always) in time order already: check, and sort only when needed.
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (tNs[i] < tNs[i - 1]) sorted = false;
    if (!sorted) order.sort((a, b) => tNs[a] - tNs[b] || a - b);
    const noOfRow = new Uint32Array(n);
    for (let i = 0; i < n; i++) noOfRow[order[i]] = i + 1;
    this.order = order;
    this.noOfRow = noOfRow;
    this.finished = true;
    this.readOrder = new Uint32Array(0);
  }

  /** Rows to list: time order once finished; while loading, the rows read so far in read order. */
  listOrder(): Uint32Array {
    if (this.finished) return this.order;
    const n = this.table.count;
    if (this.readOrder.length < n) {
      const grown = new Uint32Array(Math.max(n, this.readOrder.length * 2));
      for (let i = 0; i < grown.length; i++) grown[i] = i;
      this.readOrder = grown;
    }
    return this.readOrder.subarray(0, n);
  }

  /** 1-based No. of a row. */
  no(row: number): number {
    return this.finished ? this.noOfRow[row] : row + 1;
  }

  /** Row of a packet number (1-based), or -1. */
  rowOfNo(no: number): number {
    if (!this.finished) return no >= 1 && no <= this.table.count ? no - 1 : -1;
    return no >= 1 && no <= this.order.length ? this.order[no - 1] : -1;
  }

  /** Row of (file, 0-based record index), or -1. */
  rowOf(file: number, index: number): number {
    const f = this.files[file];
    return f && index >= 0 && index < f.count ? f.start + index : -1;
  }

  linktype(row: number): number {
    const f = this.files[this.table.file[row]];
    return f.info?.interfaces.find((i) => i.key === this.iface[row])?.linktype ?? 1;
  }

  /** Seconds and nanoseconds of a row. */
  time(row: number): { tsSec: number; tsNsec: number; time: number } {
    const ns = this.table.tNs[row];
    const sec = Math.floor(ns / 1e9);
    const nsec = Math.round(ns - sec * 1e9);
    const tsSec = this.table.epochSec + sec;
    return { tsSec, tsNsec: nsec, time: tsSec + nsec / 1e9 };
  }
}
