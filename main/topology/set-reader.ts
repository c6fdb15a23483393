// The one streaming read of a capture set: each capture file goes once through the decoder's fast
// path into the set's columnar PacketTable, its capture points (one per interface of a pcapng, per
// ifindex of an SLL2 `any` capture) resolved on the way and BGP facts collected. The app's list and
// filter, the detail view and the path finder all read this one table; a caller that needs more per
// row (the list keeps each record's file offset) adds it in `onRow`.

import { summarize, PacketSummary, type DecodeAsTable } from '../engine/decode';
import { readCapture, type ReadBudget, type ReadOptions } from '../engine/readers/read';
import type { CaptureInfo, CaptureInterface, RawPacket, ReadProgress } from '../engine/types';
import { LinkType } from '../engine/types';
import type { FileDraft } from './analyze';
import type { PointDraft } from './attribution';
import type { Enrichment } from './enrich';
import { BgpCollector, mayCarryBgp } from './calico/bgp-routes';
import { PKTTYPE_UNKNOWN, PacketTable } from './table';
import { RecordColumns } from './record-columns';
import type { PointOverride } from './types';
import { readInThreads, type FileResult } from './set-read-pool';
import { SharedReadBudget, sharedBudgetMemory, settleSharedBudget } from '../engine/readers/shared-budget';
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';

/** What reading a capture set gives before any inference: the packet table, files, points, enrichment. */
export interface CaptureSetData {
  readonly table: PacketTable;
  readonly files: FileDraft[];
  readonly points: PointDraft[];
  readonly enrichment: Enrichment | undefined;
  readonly overrides: PointOverride[];
  /** BGP facts seen while reading (TCP 179): pass to analyze() as `bgp`. */
  readonly bgp: BgpCollector;
}

export interface SetReadOptions {
  readonly decodeAs?: DecodeAsTable;
  readonly signal?: AbortSignal;
  /** Shared by every file of the set: past a limit, reading stops with a read error. */
  readonly budget: ReadBudget;
  /** How classic pcap records are walked (default: the fast loop). */
  readonly pcapReader?: ReadOptions['pcapReader'];
  /** Keep the packets that may carry BGP (bgpPackets) instead of feeding `bgp` (a reading thread's table). */
  readonly keepBgpPackets?: boolean;
  /** Keep the packet list's record columns (file offsets, captured lengths...) beside the table: `records`. */
  readonly records?: boolean;
  /** Fill the table in shared memory (to hand it to another thread without a copy: PacketTable's `shared`). */
  readonly shared?: boolean;
  /** Bytes per read of a file on this thread (ReadOptions.chunkSize): each is decoded in one go, holding the thread. */
  readonly chunkSize?: number;
  /**
   * The table to fill, emptied first (PacketTable.clear), instead of a new one: a caller reading files
   * one after another, each on its own, keeps the memory the last one was read into.
   */
  readonly table?: PacketTable;
}

/** A packet that may carry BGP, kept by a reading thread for the set's BgpCollector (fed in row order after the merge). */
export interface BgpPacket {
  readonly row: number;
  readonly data: Uint8Array;
  readonly linktype: number;
  readonly origLen: number;
  readonly tNs: number;
  readonly index: number;
}

export interface FileReadHooks {
  /** Called after row `row` was filled from `p` (its summary in `s`). */
  onRow?(row: number, p: RawPacket, s: PacketSummary): void;
  onProgress?(p: ReadProgress): void;
}

/**
 * Smallest set (bytes of capture files) read in threads: starting a thread (and the decoder in it)
 * costs about as much as reading this much on one.
 */
export const PARALLEL_MIN_BYTES = 64 << 20;

/** Rows a thread's file joins the set's table by at a time (the thread answers other calls between). */
const APPEND_SLICE = 1 << 14;

/** Rows read before the table makes room for the rest of a file (estimated from the bytes read so far). */
const RESERVE_AFTER = 1000;

export class CaptureSetReader {
  readonly table: PacketTable;
  readonly bgp = new BgpCollector();
  readonly points: PointDraft[] = [];
  readonly files: FileDraft[] = [];
  private readonly summary = new PacketSummary();
  /** Set when BGP is collected elsewhere (by the set's thread after a reading thread): the packets to feed it, else null. */
  readonly bgpPackets: BgpPacket[] | null;
  /** The list's record columns, row for row with the table (SetReadOptions.records), else null. */
  readonly records: RecordColumns | null;

  /** `ids`: the capture id of each capture file, in the order they will be read. */
  constructor(
    readonly ids: readonly string[],
    private readonly opts: SetReadOptions,
  ) {
    this.table = opts.table?.clear() ?? new PacketTable(1 << 14, opts.shared === true);
    this.bgpPackets = opts.keepBgpPackets ? [] : null;
    this.records = opts.records ? new RecordColumns() : null;
  }

  /**
   * Reads the next capture file to its end, a limit or the signal. Never throws for bad files.
   * `fi`: its file number (default: files read so far; a reading thread that fills a table for one
   * file of a set gives the file's number in the set). `budget`: the set's (default), or a thread's
   * view of it when the set's files are read at once.
   */
  async readFile(
    path: string,
    hooks: FileReadHooks = {},
    fi = this.files.length,
    budget: ReadBudget = this.opts.budget,
  ): Promise<CaptureInfo> {
    const { table, points, bgp, summary, ids, records } = this;
    const bgpPackets = this.bgpPackets;
    const decode = this.opts.decodeAs?.length ? { decodeAs: this.opts.decodeAs } : undefined;
    const ifaces: CaptureInterface[] = [];
    const pointOf = new Map<number, number>();
    const filePoints: number[] = [];
    const linktypes = new Set<number>();
    const firstRow = table.count;
    const onRow = hooks.onRow;
    let lastKey = -1;
    let lastPoint = -1;
    let lastLinktype = -1;
    let reserved = false;
    // The packet a BGP fact cites, made only when one is found (no closure per packet).
    let current = 0;
    const refOfCurrent = () => ({ capture: ids[fi], index: current });
    const info = await readCapture(
      path,
      {
        onInterface: (i) => ifaces.push(i),
        onPacket: (p) => {
          const d = p.data;
          let ifindex = -1;
          let pktType = PKTTYPE_UNKNOWN;
          let arphrd = -1;
          let slla = -1;
          if (p.linktype === LinkType.LINUX_SLL2 && d.length >= 20) {
            ifindex = ((d[4] << 24) | (d[5] << 16) | (d[6] << 8) | d[7]) >>> 0;
            arphrd = (d[8] << 8) | d[9];
            pktType = d[10];
            if (d[11] === 6 && arphrd === 1) slla = 12;
          } else if (p.linktype === LinkType.LINUX_SLL && d.length >= 16) {
            pktType = (d[0] << 8) | d[1];
            arphrd = (d[2] << 8) | d[3];
            if (((d[4] << 8) | d[5]) === 6 && arphrd === 1) slla = 6;
          }
          const key = p.iface * 4294967296 + (ifindex + 1);
          let pi = lastKey === key ? lastPoint : pointOf.get(key);
          if (pi === undefined) {
            pi = points.length;
            const iface = ifaces.find((x) => x.key === p.iface);
            points.push({
              id: '',
              capture: ids[fi],
              file: fi,
              path,
              iface: p.iface,
              ifindex: ifindex >= 0 ? ifindex : null,
              ifName: iface?.name ?? null,
              arphrd: arphrd >= 0 ? arphrd : null,
              linktype: p.linktype,
              count: 0,
              node: null,
              nodeSource: 'none',
              interface: null,
              interfaceSource: 'none',
              kind: 'unknown',
              kindSource: 'none',
              evidence: [],
              podIp: -1,
              podMac: -1,
              firstNs: Number.POSITIVE_INFINITY,
              lastNs: Number.NEGATIVE_INFINITY,
            });
            pointOf.set(key, pi);
            filePoints.push(pi);
            records?.pointIface.push(p.iface);
          }
          lastKey = key;
          lastPoint = pi;
          points[pi].count++;
          if (p.linktype !== lastLinktype) linktypes.add((lastLinktype = p.linktype));
          summarize(d, p.linktype, summary, decode, p.origLen);
          const r = table.add(fi, p.index, pi, p.hasTime ? p.tsSec : Number.NaN, p.tsNsec, p.origLen, pktType, d, summary);
          current = p.index;
          // The port test first: the time, a new number, is made only for the rare packet that may carry BGP.
          if (mayCarryBgp(summary)) {
            if (bgpPackets === null) bgp.observe(r, d, summary, p.tsSec * 1e9 + p.tsNsec, refOfCurrent);
            else
              bgpPackets.push({
                row: r,
                data: d.slice(),
                linktype: p.linktype,
                origLen: p.origLen,
                tNs: p.tsSec * 1e9 + p.tsNsec,
                index: p.index,
              });
          }
          // Cooked captures carry the sender's MAC in the SLL header, not in an Ethernet header: an
          // Ethernet header in a cooked frame is a tunnel's inner one (VXLAN), never the link's.
          if (slla >= 0 && d.length >= slla + 6) {
            const mac = table.internMac(
              (d[slla] << 8) | d[slla + 1],
              ((d[slla + 2] << 24) | (d[slla + 3] << 16) | (d[slla + 4] << 8) | d[slla + 5]) >>> 0,
            );
            table.outerMacSrc[r] = mac;
            table.outerMacDst[r] = -1;
            if (summary.innerEthOffset < 0 && summary.ipCount <= 1) table.innerMacSrc[r] = mac;
          }
          if (records) records.add(r, p, summary);
          if (onRow) onRow(r, p, summary);
        },
        onProgress: (pr) => {
          // Once a few MiB are read, the file's row count is known well enough to make room for it once.
          if (!reserved && pr.bytesTotal > 0 && pr.bytesRead > 0 && pr.packets >= RESERVE_AFTER) {
            reserved = true;
            const expected = Math.ceil(((pr.packets * pr.bytesTotal) / pr.bytesRead) * 1.02);
            const rows = Math.min(firstRow + expected, firstRow + budget.limits.maxPackets);
            table.reserve(rows);
            records?.reserve(rows);
          }
          hooks.onProgress?.(pr);
        },
      },
      { signal: this.opts.signal, pcapReader: this.opts.pcapReader ?? 'fast', budget, chunkSize: this.opts.chunkSize },
    );
    // Point ids: the capture id alone when the file is one point, else capture#interface.
    const multiIface = new Set(filePoints.map((p) => points[p].iface)).size > 1;
    for (const pi of filePoints) {
      const p = points[pi];
      if (filePoints.length === 1) {
        p.id = ids[fi];
        if (!multiIface) p.iface = ifaces.length > 1 ? p.iface : null;
      } else {
        const name = p.ifindex !== null ? `if${p.ifindex}` : (p.ifName ?? `iface${p.iface}`);
        p.id = `${ids[fi]}#${name}`;
        if (p.ifindex !== null) p.ifName = null;
      }
      if (!multiIface && filePoints.length === 1) p.iface = null;
    }
    this.files.push({
      id: ids[fi],
      path,
      format: info.format,
      packetCount: table.count - firstRow,
      linktypes: [...linktypes],
      errors: info.errors,
      firstRow,
      points: filePoints,
    });
    return info;
  }

  /**
   * Reads the capture files `paths` (the set's next files, in order), in worker threads when the set
   * is big enough to pay for starting them (PARALLEL_MIN_BYTES, more than one file, more than one
   * thread), else one after another. Either way the table, files, points and BGP facts are the same:
   * each thread fills a table for one file and the tables are appended in file order. With
   * `firstHere`, the first file is read on this thread straight into the table while the threads
   * read the others, so its rows are there as it is read (the list's first rows), as in a one-thread
   * read. Progress is reported per file; `onFile` is called as each file's rows join the table, in
   * file order; files not started when the signal stops the set are not listed.
   */
  async readFiles(
    paths: readonly string[],
    opts: {
      onProgress?: (fileIndex: number, p: ReadProgress) => void;
      onFile?: (fileIndex: number, info: CaptureInfo) => void;
      threads?: number;
      minBytes?: number;
      firstHere?: boolean;
    } = {},
  ): Promise<CaptureInfo[]> {
    const { onProgress, onFile } = opts;
    const here = opts.firstHere === true;
    const threads = Math.min(opts.threads ?? availableParallelism(), paths.length - (here ? 1 : 0));
    const sizes = threads >= (here ? 1 : 2) ? paths.map((p) => statSync(p, { throwIfNoEntry: false })?.size ?? 0) : [];
    const bytes = sizes.reduce((n, b) => n + b, 0);
    const first = this.files.length;
    const start = this.table.count;
    const infos: CaptureInfo[] = [];
    const done = (i: number, info: CaptureInfo) => {
      infos.push(info);
      onFile?.(first + i, info);
    };
    if (sizes.length === 0 || bytes < (opts.minBytes ?? PARALLEL_MIN_BYTES)) {
      for (let i = 0; i < paths.length && !this.opts.signal?.aborted; i++)
        done(i, await this.readFile(paths[i], { onProgress: onProgress ? (pr) => onProgress(first + i, pr) : undefined }));
      return infos;
    }
    const budget = this.opts.budget;
    const sab = sharedBudgetMemory(budget);
    let reserved = false;
    /** The first file read tells how many rows the set's bytes hold: room for all of them at once. */
    /** A turn of the event loop, so calls waiting on this thread are answered. */
    const turn = () => new Promise((go) => setImmediate(go));
    const reserveFor = async (i: number, rows: number) => {
      if (reserved || rows === 0 || sizes[i] === 0) return;
      reserved = true;
      const expected = start + Math.min(Math.ceil(((rows * bytes) / sizes[i]) * 1.02), budget.limits.maxPackets);
      for (const _ of this.table.reserveSteps(expected)) await turn();
      this.records?.reserve(expected);
    };
    // Files the threads finish join the table one after another, in file order, each in slices with a
    // turn of the event loop between them, so calls waiting on this thread are answered meanwhile;
    // while this thread reads the first file, they wait for it.
    let firstRead = () => {};
    let joined: Promise<void> = here ? new Promise<void>((r) => (firstRead = r)) : Promise.resolve();
    const join = async (r: FileResult) => {
      await reserveFor(r.fi - first, r.part.count);
      const steps = this.appendSteps(r);
      for (let step = steps.next(); ; step = steps.next()) {
        if (step.done) return done(r.fi - first, step.value);
        await turn();
      }
    };
    const pool = readInThreads(
      here ? paths.slice(1) : paths,
      {
        ids: this.ids,
        decodeAs: this.opts.decodeAs,
        pcapReader: this.opts.pcapReader,
        limits: budget.limits,
        budget: sab,
        records: this.records !== null,
      },
      {
        threads,
        first: first + (here ? 1 : 0),
        signal: this.opts.signal,
        onProgress,
        onFile: (r) => {
          joined = joined.then(() => join(r));
          // A failure is thrown where `joined` is awaited, below.
          joined.catch(() => undefined);
        },
      },
    );
    const own = here ? new SharedReadBudget(budget.limits, sab) : null;
    if (own) {
      try {
        const info = await this.readFile(paths[0], { onProgress: onProgress ? (pr) => onProgress(first, pr) : undefined }, first, own);
        await reserveFor(0, this.table.count - this.files[first].firstRow);
        done(0, info);
      } finally {
        own.release();
        firstRead();
      }
    }
    const stop = await pool;
    await joined;
    if (stop.exceeded || !own?.exceeded) settleSharedBudget(budget, sab, stop.exceeded, stop.code);
    else settleSharedBudget(budget, sab, own.exceeded, own.code);
    return infos;
  }

  /**
   * Appends one file a thread read into a table of its own (its rows, points and BGP packets), in
   * steps of APPEND_SLICE rows (PacketTable.appendSteps): run it to its end before anything else is added.
   */
  private *appendSteps(r: FileResult): Generator<void, CaptureInfo> {
    const { table, points } = this;
    const fi = r.fi;
    const rowBase = table.count;
    const pointBase = points.length;
    yield* table.appendSteps(r.part, pointBase, APPEND_SLICE);
    if (this.records && r.records) this.records.append(r.records, rowBase);
    points.push(...r.points);
    this.files.push({ ...r.file, firstRow: rowBase, points: r.file.points.map((p) => p + pointBase) });
    // BGP facts in row order, as a one-thread read meets them.
    const s = this.summary;
    const decode = this.opts.decodeAs?.length ? { decodeAs: this.opts.decodeAs } : undefined;
    for (const b of r.bgp) {
      summarize(b.data, b.linktype, s, decode, b.origLen);
      this.bgp.observe(rowBase + b.row, b.data, s, b.tNs, () => ({ capture: this.ids[fi], index: b.index }));
    }
    return r.info;
  }

  /** The set as read so far, for analyze(). */
  data(enrichment: Enrichment | undefined, overrides: PointOverride[]): CaptureSetData {
    return { table: this.table, files: this.files, points: this.points, enrichment, overrides, bgp: this.bgp };
  }
}
