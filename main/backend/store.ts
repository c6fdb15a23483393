// The packets of the open capture set as the UI needs them: the set's one columnar PacketTable
// (addresses, ports, tunnel, flags, capture point... one typed array per field), filled by one
// streaming read per file (topology/set-reader.ts; the files of a big set at once, in reading
// threads, the first on this thread so its rows are listed as they come) that the path finder
// analyses as it is, plus the few columns only the list needs (topology/record-columns.ts: where
// each record sits in its file, its captured length, interface, protocol id), and the time order
// that numbers packets (No.). Full decodes happen later, only for the rows on screen, fetched by
// file offset.
import type { ReadBudget } from '../engine/readers/read';
import { ReadBudget as Budget } from '../engine/readers/budget';
import type { DecodeAsTable } from '../engine/decode/types';
import type { CaptureInfo, ReadProgress } from '../engine/types';
import type { PacketTable } from '../topology/table';
import type { isEnrichmentFile } from '../topology/enrich';
import { planSet, setEnrichment, type SetPlan } from '../topology/load';
import { baseName } from '../topology/naming';
import { CaptureSetReader, type CaptureSetData, type SetReadOptions } from '../topology/set-reader';
import type { BundleSource } from '../topology/bundles';
import type { RecordColumns } from '../topology/record-columns';
import type { CaptureComment } from '../session/comments';

/**
 * Bytes per read of a file read on the backend's thread (the first of a big set, every file of a
 * small one): each read is decoded in one go, and calls wait meanwhile. 4 MiB (the readers' default)
 * held the thread 0.3 to 2.5 s at a time on a machine shared far beyond its cores; 512 KiB bounds it to
 * an eighth of that, and the reads still run ahead of the decoding.
 */
const OWN_CHUNK = 512 << 10;

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

export class PacketStore {
  private reader = new CaptureSetReader([], { budget: new Budget(), records: true });
  private plan: SetPlan | null = null;
  private bundleErrors: readonly string[] = [];
  /** Captures first (in the order given; file number = table's file column), then enrichment files. */
  readonly files: StoreFile[] = [];
  /**
   * Rows in time order, ties in row order (so, sorted by time then row: a row's 1-based No. is found
   * by binary search, no second column). Until `finish`, rows are numbered in read order.
   */
  order = new Uint32Array(0);
  finished = false;
  private readOrder = new Uint32Array(0);

  get table(): PacketTable {
    return this.reader.table;
  }

  /** The list's columns, row for row with the table. */
  get records(): RecordColumns {
    return this.reader.records!;
  }

  /** Where each row's record starts in its file. */
  get fileOffset(): Float64Array | Uint32Array {
    return this.records.fileOffset;
  }

  get capLen(): Uint32Array {
    return this.records.capLen;
  }

  /** Each capture point of the table (the table's point column), as its file and interface key. */
  pointKeys(): { file: number; iface: number }[] {
    const ifaces = this.records.pointIface;
    return this.reader.points.map((p, i) => ({ file: p.file, iface: ifaces[i] }));
  }

  /** Changes when name labels would: a capture point was met, or a file's reading ended (its interfaces known). */
  labelStamp(): string {
    return `${this.reader.points.length}|${this.files.filter((f) => f.info !== null).length}`;
  }

  /** The row's interface (the key of its file's CaptureInterface): its capture point's. */
  ifaceOf(row: number): number {
    return this.records.pointIface[this.table.point[row]];
  }

  get protoId(): Uint8Array {
    return this.records.protoId;
  }

  get count(): number {
    return this.table.count;
  }

  /** Number of capture files (the first entries of `files`). */
  get captures(): number {
    return this.plan?.captures.length ?? 0;
  }

  /**
   * Sorts the (already expanded) sources into captures and enrichment files and lists them all as
   * waiting; `read(i)` then reads capture i, in order. `bundleErrors` become findings of the analysis.
   */
  async open(
    sources: readonly (BundleSource & { name: string })[],
    opts: {
      decodeAs?: DecodeAsTable;
      signal?: AbortSignal;
      budget?: ReadBudget;
      bundleErrors?: readonly string[];
      pcapReader?: SetReadOptions['pcapReader'];
    } = {},
  ): Promise<void> {
    const plan = await planSet(sources);
    this.plan = plan;
    this.bundleErrors = opts.bundleErrors ?? [];
    this.reader = new CaptureSetReader(plan.ids, {
      decodeAs: opts.decodeAs,
      signal: opts.signal,
      budget: opts.budget ?? new Budget(),
      pcapReader: opts.pcapReader,
      records: true,
      // The analysis worker reads the table as it is filled: no copy of it when the analysis starts.
      shared: true,
      chunkSize: OWN_CHUNK,
    });
    const nameOf = new Map(sources.map((x) => [x.path, x.name]));
    const entry = (path: string, enrichment: StoreFile['enrichment']): StoreFile => ({
      path,
      name: nameOf.get(path) ?? path,
      start: 0,
      count: 0,
      info: null,
      status: enrichment ? 'ok' : 'waiting',
      firstTime: null,
      lastTime: null,
      enrichment,
      comments: [],
    });
    this.files.length = 0;
    // Files of the same name ('worker-1/eth0.pcap', 'worker-2/eth0.pcap') are listed as the path finder names them.
    plan.captures.forEach((c, i) => {
      const e = entry(c.path, null);
      this.files.push(e.name === baseName(c.path) ? { ...e, name: plan.ids[i] } : e);
    });
    for (const e of plan.enrichment) this.files.push(entry(e, plan.kinds.get(e) ?? null));
  }

  /**
   * Reads the set's captures to their ends, a limit or the signal (never throws for bad files): a big
   * set's files at once in reading threads (CaptureSetReader.readFiles), the first one on this thread
   * so its rows are listed as they are read. Each file's entry is complete once its rows are in the
   * table (files join the table in order). `threads`/`minBytes`: see readFiles.
   */
  async readFiles(
    onProgress?: (fileNo: number, p: ReadProgress) => void,
    opts: { threads?: number; minBytes?: number } = {},
  ): Promise<void> {
    const captures = this.files.slice(0, this.captures);
    await this.reader.readFiles(
      captures.map((f) => f.path),
      {
        ...opts,
        firstHere: true,
        onProgress: (i, p) => {
          if (captures[i].status === 'waiting') captures[i].status = 'loading';
          onProgress?.(i, p);
        },
        onFile: (i, info) => this.settle(i, info),
      },
    );
  }

  /** Fills capture `fileNo`'s entry once its rows are in the table. */
  private settle(fileNo: number, info: CaptureInfo): void {
    const entry = this.files[fileNo];
    const draft = this.reader.files[fileNo];
    entry.start = draft.firstRow;
    entry.count = draft.packetCount;
    entry.info = info;
    const end = entry.start + entry.count;
    for (const c of this.records.comments) if (c.row >= entry.start && c.row < end) entry.comments.push({ packet: c.packet, text: c.text });
    // The file's first and last timestamps (records without one do not count).
    const { tNs, noTime, epochSec } = this.table;
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = entry.start; r < end; r++)
      if (noTime[r] === 0) {
        if (tNs[r] < lo) lo = tNs[r];
        if (tNs[r] > hi) hi = tNs[r];
      }
    if (lo <= hi) {
      entry.firstTime = epochSec + lo / 1e9;
      entry.lastTime = epochSec + hi / 1e9;
    }
    const fatal = info.errors.some((e) => e.fatal && e.code !== 'cancelled');
    entry.status = fatal ? (entry.count > 0 ? 'partial' : 'failed') : info.errors.length ? 'partial' : 'ok';
  }

  /** After a cancelled load: the captures never opened leave the list (they hold no rows; nothing is read after this). */
  dropUnread(): void {
    const kept = this.files.filter((f) => f.status !== 'waiting');
    this.files.length = 0;
    this.files.push(...kept);
  }

  /** Opens and reads every file of a set (no bundles) in one go. */
  static async readAll(
    files: readonly { path: string; name: string }[],
    opts: {
      decodeAs?: DecodeAsTable;
      budget?: ReadBudget;
      pcapReader?: SetReadOptions['pcapReader'];
      threads?: number;
      minBytes?: number;
    } = {},
  ): Promise<PacketStore> {
    const s = new PacketStore();
    await s.open(files, opts);
    await s.readFiles(undefined, { threads: opts.threads, minBytes: opts.minBytes });
    s.finish();
    return s;
  }

  /** What the path finder analyses: this table, its files and capture points, and the set's enrichment (parsed now). */
  async setData(): Promise<CaptureSetData> {
    const plan = this.plan;
    return this.reader.data(plan ? await setEnrichment(plan.enrichment, this.bundleErrors) : undefined, plan ? [...plan.overrides] : []);
  }

  /**
   * What one packet costs in memory: the width of a row over every column (the table's and the
   * list's, whatever their names; an array shorter than the rows, such as the read order dropped
   * once the time order is known, is no column), plus its share of what is kept beside the columns (interned
   * IPv6 addresses, ARP and ICMP error records).
   */
  bytesPerPacket(): number {
    const width = (o: object) =>
      Object.values(o).reduce(
        (w: number, v) =>
          ArrayBuffer.isView(v) && !(v instanceof DataView) && (v as Uint8Array).length >= this.count
            ? w + (v as Uint8Array).BYTES_PER_ELEMENT
            : w,
        0,
      );
    const t = this.table;
    const side = t.ip6.reduce((n, a) => n + 2 * a.length + 16, 0) + (t.arp.length + t.tooBig.length + t.icmpErrors.length) * 64;
    return Number((width(t) + width(this) + width(this.records) + side / Math.max(1, this.count)).toFixed(1));
  }

  /** Numbers all packets by time (call after the last file). */
  finish(): void {
    for (const _ of this.finishSteps());
  }

  /** `finish` with a turn of the event loop between its steps, so calls waiting on this thread are answered meanwhile. */
  async finishAnswering(): Promise<void> {
    for (const _ of this.finishSteps()) await new Promise((go) => setImmediate(go));
  }

  /**
   * `finish` in steps of about STEP_ROWS rows each: a caller lets its thread answer others between
   * them (10M rows are ordered in several seconds on a busy machine). Nothing changes until the last.
   */
  *finishSteps(): Generator<void> {
    const n = this.table.count;
    const order = yield* timeOrderSteps(
      this.table.tNs,
      this.files.filter((f) => f.count > 0).map((f) => [f.start, f.start + f.count] as const),
      n,
    );
    this.order = order;
    this.finished = true;
    this.readOrder = new Uint32Array(0);
  }

  /** Rows to list: time order once finished; while loading, the rows read so far in read order. */
  listOrder(): Uint32Array {
    if (this.finished) return this.order;
    const n = this.table.count;
    if (this.readOrder.length < n) {
      const grown = new Uint32Array(Math.max(n, this.readOrder.length * 2));
      grown.set(this.readOrder);
      for (let i = this.readOrder.length; i < grown.length; i++) grown[i] = i;
      this.readOrder = grown;
    }
    return this.readOrder.subarray(0, n);
  }

  /** 1-based No. of a row. */
  no(row: number): number {
    if (!this.finished) return row + 1;
    // The first place in `order` whose (time, row) is not below the row's: the row's own.
    const { order } = this;
    const tNs = this.table.tNs;
    const t = tNs[row];
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      const x = order[m];
      if (tNs[x] < t || (tNs[x] === t && x < row)) lo = m + 1;
      else hi = m;
    }
    return lo + 1;
  }

  /** Compares two rows by No. (time, then row), without looking their numbers up. */
  compareNo(a: number, b: number): number {
    if (!this.finished) return a - b;
    const tNs = this.table.tNs;
    return tNs[a] - tNs[b] || a - b;
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
    return f.info?.interfaces.find((i) => i.key === this.ifaceOf(row))?.linktype ?? 1;
  }

  /** Seconds and nanoseconds of a row; `noTime` when its record has none (the numbers then only keep file order). */
  time(row: number): { tsSec: number; tsNsec: number; time: number; noTime: boolean } {
    const ns = this.table.tNs[row];
    const sec = Math.floor(ns / 1e9);
    const nsec = Math.round(ns - sec * 1e9);
    const tsSec = this.table.epochSec + sec;
    return { tsSec, tsNsec: nsec, time: tsSec + nsec / 1e9, noTime: this.table.noTime[row] === 1 };
  }
}

/** Rows a step of the time order handles before it lets the thread go (finishSteps). */
const STEP_ROWS = 1 << 18;

/**
 * Rows [0, n) by time, ties in row order. `runs` are the files' row ranges, in row order: each is
 * (nearly always) in time order already and is sorted only when it is not; the runs are then merged
 * pairwise, O(n log files).
 */
export function timeOrder(tNs: Float64Array, runs: readonly (readonly [number, number])[], n: number): Uint32Array<ArrayBuffer> {
  const steps = timeOrderSteps(tNs, runs, n);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/** `timeOrder`, stopping after about every STEP_ROWS rows looked at (a run out of order is sorted in one step). */
function* timeOrderSteps(
  tNs: Float64Array,
  runs: readonly (readonly [number, number])[],
  n: number,
): Generator<void, Uint32Array<ArrayBuffer>> {
  let a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let bounds = runs.map(([s]) => s);
  for (const [s, e] of runs) {
    let sorted = true;
    for (let i = s + 1; i < e && sorted; i++) {
      if (tNs[i] < tNs[i - 1]) sorted = false;
      if ((i & (STEP_ROWS - 1)) === 0) yield;
    }
    if (!sorted) {
      a.subarray(s, e).sort((x, y) => tNs[x] - tNs[y] || x - y);
      yield;
    }
  }
  if (bounds.length === 0 || bounds[0] !== 0) bounds = [0, ...bounds];
  let b = new Uint32Array(n);
  while (bounds.length > 1) {
    const next: number[] = [];
    for (let k = 0; k < bounds.length; k += 2) {
      next.push(bounds[k]);
      yield* mergeRuns(tNs, a, b, bounds[k], k + 1 < bounds.length ? bounds[k + 1] : n, k + 2 < bounds.length ? bounds[k + 2] : n);
    }
    const t = a;
    a = b;
    b = t;
    bounds = next;
  }
  return a;
}

/**
 * Merges the time-ordered runs a[s, m) and a[m, e) into b[s, e); equal times: the left run first (its
 * rows are the lower ones). Stops after every STEP_ROWS rows written.
 */
function* mergeRuns(tNs: Float64Array, a: Uint32Array, b: Uint32Array, s: number, m: number, e: number): Generator<void> {
  let i = s;
  let j = m;
  let o = s;
  while (i < m && j < e) {
    const x = a[i];
    const y = a[j];
    if (tNs[y] < tNs[x]) {
      b[o++] = y;
      j++;
    } else {
      b[o++] = x;
      i++;
    }
    if ((o & (STEP_ROWS - 1)) === 0) yield;
  }
  while (i < m) b[o++] = a[i++];
  while (j < e) b[o++] = a[j++];
}
