// The backend: everything the UI asks for, answered from the open capture set. Runs in its own
// worker thread (worker-main.ts); both shells reach it through client.ts. Loading streams each file
// once into columnar storage, then the path finder analyses the set; queries run over the columns
// (the display filter compiles to a predicate over typed arrays), and only the packets on screen
// are read again and decoded in full.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { readPacketsAt } from '../engine/readers/read';
import { decodeAsNames, decodePacket } from '../engine/decode';
import type { DecodeAsEntry, DecodeAsProto, DecodeAsTable, DecodeOptions } from '../engine/decode/types';
import type { RawPacket } from '../engine/types';
import { writePcapngFile, type PcapngInterface, type PcapngPacket } from '../engine/writers/pcapng';
import { attributionFromFileName, interfaceKindFromName } from '../topology/naming';
import type { AnalysisData, CapturePoint, Finding, Flow, Journey, PointOverride } from '../topology/types';
import { parseIp4 } from '../topology/addr';
import {
  type AppState,
  type CaptureView,
  type ExportSelection,
  type GraphElementView,
  type FollowView,
  type GraphView,
  type HopView,
  type WallTime,
  type JourneyView,
  type LoadProgress,
  type PlacementView,
  type PacketDetail,
  type PacketPage,
  type PacketQuery,
  type PacketRow,
} from '../../common/contract';
import { compileFilter, parseFilter } from '../../common/filter';
import { uploadsFolder, type Backend, type BackendOptions } from './api';
import { analyseSet, type AnalysisHandle } from './analysis';
import { DEFAULT_LIMITS, ReadBudget, limitsFromEnv, type ReadLimits } from '../engine/readers/budget';
import type { CaptureSetData } from '../topology';
import { expandBundles } from '../topology/bundles';
import { colorOf, encapLabel, endpoints, protocolName, resolver, type PointLabel, type RowLabels } from './columns';
import { differingFields, levelsOf } from './detail';
import { buildGraph, elementPredicate, hopElements } from './graph';
import { PacketStore } from './store';
import { LoadSession } from './load-session';
import { Notes, sessionFileFor, type NotesHost } from './notes';
import { assignmentOverrides } from '../session/overrides';
import { wiresharkPath } from './wireshark';

const RECENT_MAX = 12;
const MAX_JOURNEYS = 200;
const ROW_CACHE = 50_000;

function loadRecent(file: string | null): string[] {
  if (!file) return [];
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

/** Writes `value` as JSON atomically; false when it could not be written (null file: kept in memory only). */
function saveJson(file: string | null, value: unknown): boolean {
  if (!file) return true;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(value));
    renameSync(`${file}.tmp`, file);
    return true;
  } catch {
    return false;
  }
}

/** The limits the user set in the app (only known keys with positive numbers); none when the file is absent or unreadable. */
function loadLimits(file: string | null | undefined): Partial<ReadLimits> {
  if (!file) return {};
  try {
    return limitsFromEnv(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

const fmtAddr = (ip: string, port: number | null) => (port === null ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
const labelOfFlow = (f: Flow) => `${f.protocol.toUpperCase()} ${fmtAddr(f.a.ip, f.a.port)} ⇄ ${fmtAddr(f.b.ip, f.b.port)}`;

export function createBackend(opts: BackendOptions): Backend {
  let queryCache: { key: string; rows: Uint32Array } | null = null;
  /** Phase, generation, and the one load or inference step running (with its cancellation). */
  const session = new LoadSession(() => (queryCache = null));
  let progress: LoadProgress | null = null;
  let message: string | null = null;
  let store = new PacketStore();
  /** Files waiting to be read (shown as 'waiting'), with their display names. */
  let pending: { path: string; name: string }[] = [];
  let analysis: AnalysisHandle | null = null;
  /** What the path finder read (kept so a correction re-runs only the inference). */
  let setData: CaptureSetData | null = null;
  /** Problems unpacking folders or bundles of the current set. */
  let bundleNote: string | null = null;
  /** Where a reading limit stopped the current set, or null. */
  let limitNote: string | null = null;
  /** Resolves the wait between listing the packets and starting the analysis. */
  let listed: (() => void) | null = null;
  let labels: RowLabels = { pointOfRow: new Uint16Array(0), points: [], podOfIp: new Map() };
  let pointIndex = new Map<string, number>();
  let overrides: PointOverride[] = [];
  let recent = loadRecent(opts.recentFile);
  /** The read limits for the next open or reload: the user's saved settings, then the shell's (command-line flags). */
  let limits: ReadLimits = { ...DEFAULT_LIMITS, ...loadLimits(opts.limitsFile), ...opts.limits };
  /** The limits the open set was read with (its analysis reads with the same). */
  let setLimits: ReadLimits = limits;
  const hasWireshark = wiresharkPath() !== null;
  const rowCache = new Map<number, { protocol: string; info: string }>();
  /** The open set's session (notes, assignments, filter); null before a set is read or when its file is unreadable. */
  let notes: Notes | null = null;
  /** Settles when the session of the set being opened is bound to its files. */
  let notesReady: Promise<void> = Promise.resolve();
  /** Why there are no notes for this set (the session file could not be read), or null. */
  let notesProblem: string | null = null;
  /** The "decode as" table in force (from the set's session, or set by the user). */
  let decodeAs: DecodeAsTable = [];
  const decodeOpts = (): DecodeOptions | undefined => (decodeAs.length ? { decodeAs } : undefined);
  /** The set as it was opened (before bundles were unpacked). */
  let openedSet: { path: string; name: string }[] = [];
  /** Labels of the graph's elements (notes on elements name them). */
  let elementLabels = new Map<string, string>();

  const notesHost: NotesHost = {
    rowOf(path, index) {
      const abs = resolve(path);
      const fi = store.files.findIndex((f) => resolve(f.path) === abs);
      return fi < 0 ? -1 : store.rowOf(fi, index);
    },
    packetOf(row) {
      const f = store.files[store.table.file[row]];
      return f ? { path: resolve(f.path), index: store.table.index[row] } : null;
    },
    rowOfNo: (no) => store.rowOfNo(no),
    noOf: (row) => store.no(row),
    placeOf(row) {
      const pt = labels.points[labels.pointOfRow[row]];
      return `${pt?.node || '?'} / ${pt?.iface || '?'}`;
    },
    journeyOf(row) {
      const capture = captureIdOfFile(store.table.file[row]);
      const index = store.table.index[row];
      const j = capture ? analysis?.journeyForPacket(capture, index) : null;
      if (!j) return null;
      return {
        flow: j.flow,
        journey: String(j.id),
        hop: j.hops.findIndex((h) => h.packet.capture === capture && h.packet.index === index),
      };
    },
    flowLabel: (flow) => flowLabelOf(flow),
    elementLabel(element) {
      if (!elementLabels.size && analysis) graphElements(analysis.data);
      return elementLabels.get(element) ?? null;
    },
  };

  /** A note change is written to disk (atomically) before the UI hears it is done. */
  async function saved<T>(n: Notes, result: T): Promise<T> {
    await n.store.save();
    return result;
  }

  async function sessionNotes(): Promise<Notes> {
    await notesReady;
    if (notes) return notes;
    throw new Error(
      notesProblem ??
        (store.files.length ? 'The notes of this set are not ready yet.' : 'Open captures first: notes belong to a capture set.'),
    );
  }

  // ------------------------------------------------------------------ labels
  /**
   * Labels from file and interface names only (before / without the analysis). Extends `prev`
   * when given (rows read since), so a growing list costs only its new rows.
   */
  function nameLabels(s: PacketStore, prev: RowLabels | null = null): RowLabels {
    const points: PointLabel[] = [];
    const pointOf = new Map<number, number>();
    s.files.forEach((f, fi) => {
      const fromName = attributionFromFileName(f.name);
      const ifaces = f.info?.interfaces.length ? f.info.interfaces : [{ key: 0, name: undefined }];
      for (const i of ifaces) {
        const iface = i.name ?? fromName.interface ?? '';
        pointOf.set(fi * 65536 + i.key, points.length);
        points.push({ node: fromName.node ?? '', iface, kind: iface ? interfaceKindFromName(iface) : 'unknown', capture: f.name });
      }
    });
    const samePoints =
      prev !== null &&
      prev.points.length === points.length &&
      prev.points.every((p, i) => p.capture === points[i].capture && p.iface === points[i].iface);
    const from = samePoints ? prev.pointOfRow.length : 0;
    const pointOfRow = new Uint16Array(s.count);
    if (samePoints) pointOfRow.set(prev.pointOfRow);
    for (let r = from; r < s.count; r++) pointOfRow[r] = pointOf.get(s.table.file[r] * 65536 + s.iface[r]) ?? 0;
    return { pointOfRow, points, podOfIp: new Map() };
  }

  /** Labels from the analysis: each capture point's node, interface and kind; pod names. */
  function analysisLabels(s: PacketStore, h: AnalysisHandle): RowLabels {
    const a = h.data;
    const points: PointLabel[] = a.points.map((p) => ({ node: p.node ?? '', iface: p.interface ?? '', kind: p.kind, capture: p.capture }));
    pointIndex = new Map(a.points.map((p, i) => [p.id, i]));
    const fallback = points.length;
    points.push({ node: '', iface: '', kind: 'unknown', capture: '' });
    const pointOfRow = new Uint16Array(s.count).fill(fallback);
    // The analysis ran on this very table: its point column is exact (one point per interface of a
    // pcapng, per ifindex of an SLL2 `any` capture).
    const point = h.table.point;
    for (let r = 0; r < s.count; r++) if (point[r] < a.points.length) pointOfRow[r] = point[r];
    const podOfIp = new Map<number, string>();
    for (const p of a.model.pods) {
      const ip = parseIp4(p.ip);
      if (ip !== null) podOfIp.set(ip, p.name ?? p.ip);
    }
    return { pointOfRow, points, podOfIp };
  }

  // ------------------------------------------------------------------ loading
  const bump = (): void => session.bump();

  /** Reads the set for the path finder (once per load), then infers; `reuse` skips the reading. */
  async function runAnalysis(signal: AbortSignal, reuse: boolean): Promise<void> {
    session.phase = 'analysing';
    const s = store;
    try {
      // The path finder analyses the list's own table: no second read, the same rows.
      if (!reuse || !setData) setData = await s.setData();
      if (s !== store || signal.aborted) return;
      const a = analyseSet(setData, overrides);
      analysis = a;
      elementLabels = new Map();
      labels = analysisLabels(s, a);
      message = [bundleNote, limitNote].filter(Boolean).join(' ') || null;
    } catch (e) {
      if (s !== store) return;
      analysis = null;
      message = `Cluster analysis failed: ${e instanceof Error ? e.message : String(e)}. Packets can still be listed, filtered and decoded.`;
    }
    bump();
  }

  /** Opens the session of the set (before the analysis: its assignments are corrections the analysis applies). */
  async function openNotes(paths: string[]): Promise<Notes | null> {
    try {
      const n = await Notes.open(sessionFileFor(paths, opts.sessionDir, paths.every(isUpload)), notesHost);
      overrides = assignmentOverrides(n.store.assignments);
      return n;
    } catch (e) {
      overrides = [];
      notesProblem = `Notes are off for this set: ${e instanceof Error ? e.message : String(e)}`;
      return null;
    }
  }

  /** Files the UI uploaded (browser mode) live in the temporary folder: their session goes to the data folder. */
  const isUpload = (path: string) => resolve(path).startsWith(resolve(uploadsFolder(opts.tempDir)) + sep);

  /** Loads one after the other: each waits for the previous to have started, then cancels it. */
  function load(files: { path: string; name: string }[], reload: { decodeAs: DecodeAsTable; filter: string } | null = null): Promise<void> {
    return session.enqueue(() => loadNow(files, reload));
  }

  /** Opens a set; `reload` reads the open set again with a new "decode as" table, keeping its filter. */
  async function loadNow(
    files: { path: string; name: string }[],
    reload: { decodeAs: DecodeAsTable; filter: string } | null,
  ): Promise<void> {
    session.cancel();
    await session.settled();
    const opened = files.map((f) => f.path);
    openedSet = [...files];
    const previous = notes;
    notes = null;
    notesProblem = null;
    let bound!: () => void;
    notesReady = new Promise<void>((r) => (bound = r));
    // The previous set's notes are saved before its session is let go (a reload reopens the same file).
    await previous
      ?.close()
      .catch((e: unknown) => (notesProblem = `The last notes could not be saved: ${e instanceof Error ? e.message : String(e)}`));
    const s = new PacketStore();
    store = s;
    analysis = null;
    setData = null;
    labels = nameLabels(s);
    rowCache.clear();
    pending = [...files];
    session.phase = 'loading';
    message = null;
    bump();
    const read = async (signal: AbortSignal): Promise<void> => {
      try {
        // Folders and capture bundles (Kubeshark, Retina tarballs) open as the captures inside them,
        // the same way the path finder sees them, so both number the same rows.
        const expanded = await expandBundles(files.map((f) => ({ path: f.path })));
        bundleNote = expanded.errors.length ? `Some bundles could not be opened: ${expanded.errors.join('; ')}` : null;
        message = bundleNote;
        // The session first: its "decode as" table and corrections shape how the set is read and analysed.
        notes = files.length ? await openNotes(opened) : null;
        // The session file's entries were checked against the known protocols when it was read.
        decodeAs = reload?.decodeAs ?? (notes ? ([...notes.store.decodeAs] as DecodeAsTable) : []);
        const byPath = new Map(files.map((f) => [f.path, f.name]));
        setLimits = limits;
        const budget = new ReadBudget(setLimits);
        // One read per file into the set's one table: the list, the filter and the path finder all use it.
        await s.open(
          expanded.sources.map((x) => ({ ...x, name: byPath.get(x.path) ?? basename(x.path) })),
          { decodeAs, signal, budget, bundleErrors: expanded.errors },
        );
        pending = [];
        for (let i = 0; i < s.captures && !signal.aborted; i++) {
          const name = s.files[i].name;
          progress = { bytesRead: 0, bytesTotal: 0, packets: 0, file: name };
          await s.read(i, (p) => (progress = { ...p, file: name }));
        }
        progress = null;
        s.finish();
        limitNote = budget.exceeded
          ? `Reading stopped: ${budget.exceeded}. The packets read before are listed and analysed; the limits are in Settings.`
          : null;
        if (limitNote) message = [bundleNote, limitNote].filter(Boolean).join(' ');
        labels = nameLabels(s);
        bump();
        if (signal.aborted) {
          session.phase = 'cancelled';
          const unread = s.files.filter((f) => f.status === 'waiting');
          message = `Loading cancelled: ${s.captures - unread.length} of ${s.captures} captures read${unread.length ? ` (${unread.map((p) => p.name).join(', ')} not opened)` : ''}.`;
          s.dropUnread();
          return;
        }
        // Let the list show the time-ordered packets before the (long, partly blocking) analysis starts:
        // wait for the UI's first page of this generation, or a second at most (no wait when there is nothing to list).
        if (s.count > 0) await Promise.race([new Promise<void>((r) => (listed = r)), new Promise<void>((r) => setTimeout(r, 1000))]);
        listed = null;
        if (notes && s.files.length) {
          await notes
            .attach(
              s.files.map((f) => ({ path: f.path, comments: f.comments })),
              signal,
            )
            .catch((e: unknown) => {
              if (!signal.aborted)
                notesProblem = `The session's captures could not be checked: ${e instanceof Error ? e.message : String(e)}`;
            });
          // A reload's table and filter go into the session once it holds its captures.
          if (reload) {
            notes.store.setDecodeAs(reload.decodeAs);
            notes.store.setFilter(reload.filter);
          }
        }
        bound();
        await runAnalysis(signal, false);
        session.phase = signal.aborted ? 'cancelled' : 'ready';
      } finally {
        bound();
      }
    };
    void session.start((signal) =>
      read(signal).catch((e: unknown) => {
        session.phase = 'failed';
        message = `Loading failed: ${e instanceof Error ? e.message : String(e)}`;
        bump();
      }),
    );
  }

  function remember(paths: string[]): void {
    recent = [...paths, ...recent.filter((p) => !paths.includes(p))].slice(0, RECENT_MAX);
    saveJson(opts.recentFile, recent); // the recent list is a convenience: a failed save never fails a load
  }

  // ------------------------------------------------------------------ views
  function placementOf(p: CapturePoint, findings: readonly Finding[]): PlacementView {
    return {
      point: p.id,
      node: p.node,
      iface: p.interface,
      kind: p.kind,
      why: p.evidence.map((e) => ({ reason: e.reason, packets: e.count })),
      conflicts: findings.filter((x) => x.code === 'attribution' && x.message.startsWith(`${p.id}:`)).map((x) => x.message),
    };
  }

  function captureViews(): CaptureView[] {
    const a = analysis?.data;
    const views: CaptureView[] = store.files.map((f, i) => {
      const cap = a?.captures.find((c) => c.path === f.path);
      const pts = cap ? a!.points.filter((p) => p.capture === cap.id) : [];
      const fromName = attributionFromFileName(f.name);
      const nameIface = f.info?.interfaces.find((x) => x.name)?.name ?? fromName.interface;
      const node = pts.length ? [...new Set(pts.map((p) => p.node ?? '?'))].join(', ') : fromName.node;
      const iface = pts.length ? [...new Set(pts.map((p) => p.interface ?? '?'))].join(', ') : nameIface;
      return {
        id: i,
        name: f.name,
        path: f.path,
        format: f.enrichment ?? (f.info ? `${f.info.format}${f.info.compressed ? '.gz' : ''}` : ''),
        node: node || null,
        iface: iface || null,
        kind: pts.length ? [...new Set(pts.map((p) => p.kind))].join(', ') : iface ? interfaceKindFromName(iface) : 'unknown',
        attribution: pts[0] ? pts[0].nodeSource : fromName.node ? 'file-name' : 'none',
        packets: f.status === 'loading' ? store.count - f.start : f.count,
        firstTime: f.firstTime,
        lastTime: f.lastTime,
        status: f.status,
        errors: (f.info?.errors ?? []).map((e) => ({ code: e.code, message: e.message, offset: e.offset, fatal: e.fatal })),
        ...(pts.length ? { placement: pts.map((p) => placementOf(p, a!.findings)) } : {}),
      };
    });
    pending.forEach((p, k) =>
      views.push({
        id: store.files.length + k,
        name: p.name,
        path: p.path,
        format: '',
        node: null,
        iface: null,
        kind: 'unknown',
        attribution: 'none',
        packets: 0,
        firstTime: null,
        lastTime: null,
        status: 'waiting',
        errors: [],
      }),
    );
    return views;
  }

  async function decodeRows(rows: readonly number[]): Promise<Map<number, RawPacket>> {
    const byFile = new Map<number, number[]>();
    for (const r of rows) {
      const f = store.table.file[r];
      (byFile.get(f) ?? byFile.set(f, []).get(f)!).push(r);
    }
    const out = new Map<number, RawPacket>();
    for (const [fi, rs] of byFile) {
      const f = store.files[fi];
      if (!f.info) continue;
      rs.sort((a, b) => store.fileOffset[a] - store.fileOffset[b]);
      const got = await readPacketsAt(
        f.path,
        f.info,
        rs.map((r) => ({ fileOffset: store.fileOffset[r], iface: store.iface[r], index: store.table.index[r] })),
      );
      got.forEach((g, k) => {
        if (g.ok) out.set(rs[k], g.packet);
      });
    }
    return out;
  }

  async function rowsView(rows: readonly number[]): Promise<PacketRow[]> {
    // Rows of a file still being read cannot be fetched again yet: listed without their Info for now.
    const pendingInfo = new Map<number, { protocol: string; info: string }>();
    for (const r of rows) if (!store.files[store.table.file[r]]?.info) pendingInfo.set(r, { protocol: protocolName(store, r), info: '' });
    const missing = rows.filter((r) => !rowCache.has(r) && !pendingInfo.has(r));
    if (missing.length) {
      const raw = await decodeRows(missing);
      for (const r of missing) {
        const p = raw.get(r);
        if (!p) {
          rowCache.set(r, { protocol: protocolName(store, r), info: '(could not be read again from the file)' });
          continue;
        }
        const d = decodePacket(p.data, p.linktype, decodeOpts(), p.origLen);
        rowCache.set(r, { protocol: d.protocol, info: d.undecoded ?? d.info });
      }
      if (rowCache.size > ROW_CACHE) for (const k of [...rowCache.keys()].slice(0, rowCache.size - ROW_CACHE)) rowCache.delete(k);
    }
    return rows.map((r) => {
      const t = store.time(r);
      const [src, dst] = endpoints(store, r);
      const pt = labels.points[labels.pointOfRow[r]];
      const c = pendingInfo.get(r) ?? rowCache.get(r)!;
      return {
        no: store.no(r),
        capture: store.table.file[r],
        ...t,
        node: pt?.node ?? '',
        iface: pt?.iface ?? '',
        src,
        dst,
        protocol: c.protocol,
        length: store.table.origLen[r],
        encap: encapLabel(store, r),
        info: c.info,
        color: colorOf(store, r),
        note: notes?.severityOf(r) ?? null,
      };
    });
  }

  function sortKey(column: PacketQuery['sort']): ((r: number) => number) | null {
    const t = store.table;
    const textRank = (get: (r: number) => string) => {
      const values = new Map<string, number>();
      for (let r = 0; r < store.count; r++) {
        const v = get(r);
        if (!values.has(v)) values.set(v, 0);
      }
      [...values.keys()].sort().forEach((v, i) => values.set(v, i));
      return (r: number) => values.get(get(r)) ?? 0;
    };
    switch (column) {
      case 'no':
      case 'time':
        return null;
      case 'length':
        return (r) => t.origLen[r];
      case 'src':
        return (r) => (t.innerVer[r] ? t.innerVer[r] * 2 ** 33 + t.innerSrc[r] : t.outerSrc[r]);
      case 'dst':
        return (r) => (t.innerVer[r] ? t.innerVer[r] * 2 ** 33 + t.innerDst[r] : t.outerDst[r]);
      case 'node':
        return textRank((r) => labels.points[labels.pointOfRow[r]]?.node ?? '');
      case 'iface':
        return textRank((r) => labels.points[labels.pointOfRow[r]]?.iface ?? '');
      case 'protocol':
        return textRank((r) => protocolName(store, r));
      case 'encap':
        return textRank((r) => encapLabel(store, r));
      default:
        return null;
    }
  }

  type Match = { rows: Uint32Array; error: { message: string; start: number; end: number } | null };
  function match(q: Pick<PacketQuery, 'filter' | 'element' | 'sort' | 'descending'>): Match {
    const parsed = parseFilter(q.filter);
    if (!parsed.ok) return { rows: new Uint32Array(0), error: parsed.error };
    const key = `${session.generation}|${store.count}|${q.filter}|${q.element}|${q.sort}|${q.descending}`;
    if (queryCache?.key === key) return { rows: queryCache.rows, error: null };
    const pred = compileFilter(parsed.ast, resolver(store, labels));
    const elem = q.element && analysis ? elementPredicate(q.element, analysis.data, store, labels, pointIndex) : null;
    if (labels.pointOfRow.length < store.count) labels = nameLabels(store, labels); // rows read since the last look
    const order = store.listOrder();
    const all = parsed.ast === null && !elem;
    let out = all ? order : new Uint32Array(Math.min(order.length, 1 << 16));
    let n = all ? order.length : 0;
    for (let i = 0; i < order.length && !all; i++) {
      const r = order[i];
      if (!pred(r) || (elem !== null && !elem(r))) continue;
      if (n === out.length) {
        const bigger = new Uint32Array(Math.min(order.length, out.length * 2));
        bigger.set(out);
        out = bigger;
      }
      out[n++] = r;
    }
    let rows = out.subarray(0, n);
    const k = sortKey(q.sort);
    if (k) {
      const keys = new Float64Array(store.count);
      for (const r of rows) keys[r] = k(r);
      rows = rows.slice().sort((a, b) => keys[a] - keys[b] || store.no(a) - store.no(b));
    }
    if (q.descending) rows = rows.slice().reverse();
    queryCache = { key, rows };
    return { rows, error: null };
  }

  function firstTime(): number {
    return store.count ? store.time(store.listOrder()[0]).time : 0;
  }

  // ------------------------------------------------------------------ follow
  function flowLabelOf(id: string): string | null {
    const f = analysis?.data.flows.find((x) => x.id === id);
    return f ? labelOfFlow(f) : null;
  }

  function captureIdOfFile(fi: number): string | null {
    const f = store.files[fi];
    return analysis?.data.captures.find((c) => c.path === f?.path)?.id ?? null;
  }
  function rowOfRef(capture: string, index: number): number {
    const c = analysis?.data.captures.find((x) => x.id === capture);
    const fi = c ? store.files.findIndex((f) => f.path === c.path) : -1;
    return fi < 0 ? -1 : store.rowOf(fi, index);
  }

  /** Epoch seconds and nanoseconds of a time given in nanoseconds since the analysis' epoch. */
  function wallTime(epochSec: number, ns: number): WallTime {
    const whole = Math.round(ns);
    const s = Math.floor(whole / 1e9);
    return { sec: epochSec + s, nsec: whole - s * 1e9 };
  }

  function journeyView(j: Journey, a: AnalysisData): JourneyView {
    const elements = hopElements(j.hops, a);
    const hops: HopView[] = j.hops.map((h, i) => {
      const r = rowOfRef(h.packet.capture, h.packet.index);
      const e = h.headers.encap;
      return {
        packetNo: r >= 0 ? store.no(r) : 0,
        capture: h.packet.capture,
        node: h.node ?? '?',
        iface: h.interface ?? '?',
        time: h.ts,
        corrected: wallTime(a.epochSec, h.correctedNs),
        captured: wallTime(a.epochSec, h.tNs),
        offsetNs: Math.round(h.tNs - h.correctedNs),
        delta: h.latencyNs === null ? null : h.latencyNs / 1e9,
        deltaRange: h.latencyRangeNs ? [h.latencyRangeNs[0] / 1e9, h.latencyRangeNs[1] === null ? null : h.latencyRangeNs[1] / 1e9] : null,
        deltaNote: h.latencyNote ?? null,
        ttl: h.headers.ttl,
        nat: h.nat
          ? `${h.nat.kind.toUpperCase()} ${fmtAddr(h.nat.before.src, h.nat.before.srcPort)} > ${fmtAddr(h.nat.before.dst, h.nat.before.dstPort)} became ${fmtAddr(h.nat.after.src, h.nat.after.srcPort)} > ${fmtAddr(h.nat.after.dst, h.nat.after.dstPort)}`
          : '',
        encap: e
          ? `${e.type}${e.vni !== null ? ` ${e.vni}` : ''} ${e.outerSrc} > ${e.outerDst}${e.udpSrcPort !== null ? ` sport ${e.udpSrcPort}` : ''}`
          : '',
        elements: elements[i],
      };
    });
    const last = j.lastSeen;
    const findings = [
      ...j.gaps.map((g) => g.reason),
      ...j.nat.map((n) => `${n.kind.toUpperCase()} on ${n.node ?? 'an unknown node'} between ${n.between[0]} and ${n.between[1]}`),
      ...j.mtu.map((m) => m.message),
      ...j.problems,
    ];
    return {
      id: String(j.id),
      label: `#${j.id} ${j.status}, ${j.hops.length} hops${j.totalLatencyNs ? `, ${(j.totalLatencyNs / 1e6).toFixed(3)} ms` : ''}`,
      hops,
      lastSeen: j.status === 'dropped' ? `${last.node ?? '?'} / ${last.interface ?? '?'} (${last.point}), hop ${last.index + 1}` : null,
      verdict: j.verdict ? `${j.status}: ${j.verdict.reason}` : null,
      findings,
    };
  }

  function followView(flowId: string, focus: { capture: string; index: number } | null): FollowView | null {
    const a = analysis;
    if (!a) throw new Error(message ?? 'The cluster analysis is not ready yet.');
    const flow = a.data.flows.find((f) => f.id === flowId);
    const journeys = a.journeysForFlow(flowId);
    let selected = 0;
    if (focus) {
      const k = journeys.findIndex((j) => j.hops.some((h) => h.packet.capture === focus.capture && h.packet.index === focus.index));
      if (k >= 0) selected = k;
    }
    // Keep the view bounded: the asked-for journey plus the first ones.
    const start = Math.max(0, Math.min(selected - MAX_JOURNEYS / 2, journeys.length - MAX_JOURNEYS));
    const shown = journeys.slice(start, start + MAX_JOURNEYS);
    return {
      flow: flowId,
      flowLabel: flow ? labelOfFlow(flow) : flowId,
      communityId: flow?.communityId ?? null,
      packets: flow ? flow.aToB.packets + flow.bToA.packets : 0,
      bytes: flow ? flow.aToB.bytes + flow.bToA.bytes : 0,
      journeys: shown.map((j) => journeyView(j, a.data)),
      selected: selected - start,
      findings: a.data.findings.filter((f) => f.flow === flowId).map((f) => f.message),
      clockReference: a.data.clockOffsets.find((o) => o.method !== 'none')?.reference ?? null,
    };
  }

  // ------------------------------------------------------------------ export
  function rowsOfSelection(sel: ExportSelection): number[] {
    if (sel.kind === 'filter') {
      const m = match({ filter: sel.filter, element: sel.element, sort: 'no', descending: false });
      if (m.error) throw new Error(`filter: ${m.error.message}`);
      return [...m.rows];
    }
    const a = analysis;
    if (!a) throw new Error(message ?? 'The cluster analysis is not ready yet.');
    const journeys = a.journeysForFlow(sel.flow).filter((j) => sel.kind === 'flow' || String(j.id) === sel.journey);
    // Hop order within a journey (same-instant hops stay in path order), journeys by time.
    const rows = new Set<number>();
    for (const j of journeys)
      for (const h of j.hops) {
        const r = rowOfRef(h.packet.capture, h.packet.index);
        if (r >= 0) rows.add(r);
      }
    if (sel.kind === 'journey') return [...rows];
    const tNs = store.table.tNs;
    return [...rows].sort((x, y) => tNs[x] - tNs[y]);
  }

  // ------------------------------------------------------------------ graph
  /** The cluster graph's elements, weighted by the packets seen on each (their labels are kept for notes). */
  function graphElements(a: AnalysisData): GraphElementView[] {
    const perPoint = new Map<string, number>(a.points.map((p) => [p.id, p.packetCount]));
    const podPackets = new Map<string, number>();
    const pods = new Set(a.model.pods.map((p) => p.ip));
    const t = store.table;
    for (let r = 0; r < store.count; r++) {
      if (t.innerVer[r] !== 4) continue;
      for (const ip of [t.innerSrc[r], t.innerDst[r]]) {
        const s = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
        if (pods.has(s)) podPackets.set(s, (podPackets.get(s) ?? 0) + 1);
      }
    }
    const elements = buildGraph(a, perPoint, podPackets);
    elementLabels = new Map(elements.map((e) => [e.data.id, e.data.label]));
    return elements;
  }

  // ------------------------------------------------------------------ the API
  return {
    async getState(): Promise<AppState> {
      return {
        shell: opts.shell,
        phase: session.phase,
        generation: session.generation,
        progress,
        captures: captureViews(),
        totalPackets: store.count,
        message: [message, notesProblem].filter(Boolean).join(' ') || null,
        recent,
        wireshark: hasWireshark,
        session: notes?.view() ?? null,
        decodeAs,
        decodeAsProtocols: decodeAsNames(),
      };
    },

    async openCaptures({ paths, append }) {
      // Appending adds to the set as it was opened (bundles stay bundles: their session stays beside them).
      const files = [...(append ? openedSet : []), ...paths.map((p) => ({ path: p, name: basename(p) }))];
      remember(paths);
      await load(files);
      return this.getState();
    },

    async openUploaded({ files, append }) {
      const outside = files.find((f) => !isUpload(f.path));
      if (outside) throw new Error(`${outside.name}: not an upload`);
      await load([...(append ? openedSet : []), ...files]);
      return this.getState();
    },

    async cancelLoad() {
      session.cancel();
      return this.getState();
    },

    async setAttribution({ capture, node, iface }) {
      const f = store.files[capture];
      if (!f) throw new Error(`no capture #${capture}`);
      const id = captureIdOfFile(capture) ?? f.name;
      const kind = iface ? interfaceKindFromName(iface) : undefined;
      const assignment = { node: node ?? '', interface: iface ?? '', ...(kind ? { kind } : {}) };
      // The correction is part of the investigation: the session remembers it for the next opening.
      const sessionCapture = notes?.store.captureForPath(f.path)?.id;
      if (notes && sessionCapture) notes.store.setAssignment({ capture: sessionCapture, ...assignment });
      overrides = [...overrides.filter((o) => o.capture !== id), ...assignmentOverrides([{ capture: id, ...assignment }])];
      await session.settled();
      void session.start((signal) =>
        runAnalysis(signal, true).then(() => {
          session.phase = signal.aborted ? 'cancelled' : 'ready';
        }),
      );
      return this.getState();
    },

    async setDecodeAs({ entries }) {
      const known = decodeAsNames();
      const table: DecodeAsEntry[] = entries.map((e) => {
        if (!known.includes(e.proto)) throw new Error(`decode as: unknown protocol '${e.proto}' (known: ${known.join(', ')})`);
        return { layer: e.layer, port: e.port, proto: e.proto as DecodeAsProto };
      });
      // Read the set again with the new table (the packet list's protocol columns come from reading).
      await load(openedSet, { decodeAs: table, filter: notes?.store.filter ?? '' });
      return this.getState();
    },

    async getLimits() {
      return { current: limits, defaults: DEFAULT_LIMITS };
    },

    async setLimits({ maxBytes, maxPackets, maxMemoryBytes, reload }) {
      const next = { maxBytes, maxPackets, maxMemoryBytes };
      if (!saveJson(opts.limitsFile ?? null, next)) throw new Error(`the limits could not be saved in ${opts.limitsFile}`);
      limits = next;
      // The open set is read again as after "decode as": with its table and filter.
      if (reload && openedSet.length) await load(openedSet, { decodeAs, filter: notes?.store.filter ?? '' });
      return { current: limits, defaults: DEFAULT_LIMITS };
    },

    async getGraph(): Promise<GraphView> {
      const a = analysis?.data;
      if (!a)
        return {
          generation: session.generation,
          elements: [],
          message:
            session.phase === 'loading' || session.phase === 'analysing'
              ? 'Reading captures…'
              : (message ?? (store.count ? null : 'No captures open.')),
        };
      const elements = graphElements(a);
      return {
        generation: session.generation,
        elements,
        message: elements.length ? null : 'No cluster structure could be inferred from these captures.',
      };
    },

    async queryPackets(q): Promise<PacketPage> {
      const m = match(q);
      if (q.limit > 0) listed?.();
      const rows = m.rows.subarray(q.offset, q.offset + q.limit);
      let located = -1;
      if (q.locate > 0) {
        const r = store.rowOfNo(q.locate);
        if (r >= 0) located = m.rows.indexOf(r);
      }
      return {
        generation: session.generation,
        total: m.rows.length,
        offset: q.offset,
        rows: await rowsView([...rows]),
        filterError: m.error,
        firstTime: firstTime(),
        located,
      };
    },

    async getPacket({ no }): Promise<PacketDetail | null> {
      const r = store.rowOfNo(no);
      if (r < 0) return null;
      const file = store.files[store.table.file[r]];
      if (!file?.info) throw new Error(`${file?.name ?? 'the capture'} is still being read: its packets open in full when it is done.`);
      const raw = (await decodeRows([r])).get(r);
      if (!raw) throw new Error(`packet ${no} could not be read again from ${file.name}`);
      const d = decodePacket(raw.data, raw.linktype, decodeOpts(), raw.origLen);
      const pt = labels.points[labels.pointOfRow[r]];
      return {
        no,
        capture: store.table.file[r],
        captureName: store.files[store.table.file[r]].name,
        node: pt?.node || '?',
        iface: pt?.iface || '?',
        tsSec: raw.tsSec,
        tsNsec: raw.tsNsec,
        capLen: raw.capLen,
        origLen: raw.origLen,
        info: d.undecoded ?? d.info,
        levels: levelsOf(d),
        differing: differingFields(d),
        anomalies: d.anomalies.map((x) => ({ code: x.code, message: x.message, severity: x.severity, offset: x.offset })),
        bytes: raw.data,
        comments: raw.comments ?? [],
      };
    },

    async followPacket({ no }) {
      const r = store.rowOfNo(no);
      if (r < 0) return null;
      if (!analysis) throw new Error(message ?? 'The cluster analysis is not ready yet.');
      const capture = captureIdOfFile(store.table.file[r]);
      if (!capture) return null;
      const index = store.table.index[r];
      const j = analysis.journeyForPacket(capture, index);
      if (!j) return null;
      return followView(j.flow, { capture, index });
    },

    async followFlow({ flow }) {
      return followView(flow, null);
    },

    async flowsThrough({ element }) {
      const a = analysis;
      if (!a) throw new Error(message ?? 'The cluster analysis is not ready yet.');
      const pred = elementPredicate(element, a.data, store, labels, pointIndex);
      if (!pred) return [];
      // Flows by their inner 5-tuple, both directions (ICMP echo: the identifier stands for the ports).
      const key = (p: number, x: string, xp: number | null, y: string, yp: number | null) => `${p}|${x}|${xp ?? ''}|${y}|${yp ?? ''}`;
      const flowOf = new Map<string, string>();
      for (const f of a.data.flows) {
        flowOf.set(key(f.protoNumber, f.a.ip, f.a.port, f.b.ip, f.b.port), f.id);
        flowOf.set(key(f.protoNumber, f.b.ip, f.b.port, f.a.ip, f.a.port), f.id);
      }
      const t = store.table;
      const counts = new Map<string, number>();
      for (let r = 0; r < store.count; r++) {
        if (!t.innerVer[r] || !pred(r)) continue;
        const p = t.innerProto[r];
        const icmp = p === 1 || p === 58;
        const sp = icmp ? (t.icmpId[r] >= 0 ? t.icmpId[r] : null) : t.sport[r] >= 0 ? t.sport[r] : null;
        const dp = icmp ? sp : t.dport[r] >= 0 ? t.dport[r] : null;
        const id = flowOf.get(key(p, t.addr(t.innerVer[r], t.innerSrc[r]), sp, t.addr(t.innerVer[r], t.innerDst[r]), dp));
        if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const byId = new Map(a.data.flows.map((f) => [f.id, f]));
      return [...counts.entries()]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 100)
        .map(([id, packets]) => {
          const f = byId.get(id)!;
          return { flow: id, label: labelOfFlow(f), packets, journeys: f.journeyCount };
        });
    },

    async writePcapng({ selection, path }) {
      const rows = rowsOfSelection(selection);
      const ifaces: PcapngInterface[] = [];
      const ifaceOf = new Map<number, number>();
      for (const r of rows) {
        const k = store.table.file[r] * 65536 + store.iface[r];
        if (ifaceOf.has(k)) continue;
        const f = store.files[store.table.file[r]];
        const orig = f.info?.interfaces.find((i) => i.key === store.iface[r]);
        const pt = labels.points[labels.pointOfRow[r]];
        ifaceOf.set(k, ifaces.length);
        ifaces.push({
          linktype: orig?.linktype ?? 1,
          name: pt?.node && pt.iface ? `${pt.node}/${pt.iface}` : (orig?.name ?? f.name),
          description: f.name,
          snaplen: orig?.snaplen,
        });
      }
      async function* packets(): AsyncGenerator<PcapngPacket> {
        for (let i = 0; i < rows.length; i += 2000) {
          const batch = rows.slice(i, i + 2000);
          const raw = await decodeRows(batch);
          for (const r of batch) {
            const p = raw.get(r);
            if (!p) continue;
            const comments = [...(p.comments ?? []), ...(notes?.commentsOf(r) ?? [])];
            yield {
              iface: ifaceOf.get(store.table.file[r] * 65536 + store.iface[r])!,
              tsSec: p.tsSec,
              tsNsec: p.tsNsec,
              data: p.data,
              origLen: p.origLen,
              comments: comments.length ? comments : undefined,
            };
          }
        }
      }
      mkdirSync(dirname(path), { recursive: true });
      const packets_ = await writePcapngFile(path, { interfaces: ifaces, packets: packets(), application: 'Tunnelvision' });
      const name =
        selection.kind === 'filter'
          ? 'tunnelvision-filtered.pcapng'
          : selection.kind === 'flow'
            ? 'tunnelvision-flow.pcapng'
            : `tunnelvision-journey-${selection.journey}.pcapng`;
      return { packets: packets_, name };
    },

    async writeReport({ format, path }) {
      const a = analysis;
      if (!a) throw new Error(message ?? 'The cluster analysis is not ready yet: a report needs it.');
      const { writeReport } = await import('../report');
      mkdirSync(dirname(path), { recursive: true });
      await notesReady;
      const r = await writeReport(a.analysis, notes?.store ?? null, {
        format,
        out: path,
        title: `Tunnelvision: ${store.files.length} captures`,
      });
      return { name: `tunnelvision-report.${format}`, packets: (r as { packets?: number }).packets ?? 0 };
    },

    async listNotes() {
      return (await sessionNotes()).list();
    },
    async rememberFilter({ filter }) {
      if (parseFilter(filter).ok) notes?.rememberFilter(filter);
    },
    async addNote({ target, ...input }) {
      // Packet numbers change when reading ends (read order, then time order): a number picked while
      // the set was still being read, or in a set replaced since, would name another packet.
      const numbered = store;
      const final = numbered.finished;
      const n = await sessionNotes();
      if ((target.kind === 'packet' || target.kind === 'hop') && (numbered !== store || !final)) {
        throw new Error(
          'the packet list was renumbered while the note was being written (captures were still being read): select the packet again',
        );
      }
      return saved(n, n.add(target, input));
    },
    async updateNote({ id, ...input }) {
      const n = await sessionNotes();
      return saved(n, n.update(id, input));
    },
    async removeNote({ id }) {
      const n = await sessionNotes();
      return saved(n, n.remove(id));
    },

    async close() {
      await session.close();
      await notes?.close();
    },
  };
}
