// A Parquet dataset directory (export.ts) opened in the app: the backend's SetSource answered by
// embedded DuckDB queries instead of the in-memory capture table.
//
// The packets stay in their Parquet files. Opening reads only what is small (the analysis, the
// capture order, each capture point's labels) and shows the first page at once, a top-N over the
// files (`base`: the packets with their labels, cap_no and Protocol column). Meanwhile a second
// connection numbers the packets as the capture-backed list does (time, then the set's capture
// order, then the record's place in its file) into one narrow table `ord(cap_no, idx, no)`; `list`
// is `base` with that number. A page of the whole list is then a range of numbers in `ord`; a
// filtered or sorted list is computed once per query into a narrow table of (pos, no, cap_no, idx)
// (the display filter as SQL: filter-sql.ts), and a page is a range of positions in it. Either way
// only the page's rows are read from Parquet, each capture's by its own range of record numbers
// (so DuckDB skips the row groups outside it). The Info column and the full detail come from the
// original capture (path and CaptureInfo in model.json, file offset and interface per row), re-read
// and decoded by the same code as for captures; when it cannot be reached the row's own fields still
// show and the detail says where the file was looked for.
// The graph and the follow views are rebuilt from the analysis the export wrote (model.json,
// journey_objects, flow_journeys) through the same code as for captures.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type {
  ExportSelection,
  FlowListItem,
  FollowView,
  GraphView,
  PacketDetail,
  PacketPage,
  PacketQuery,
  PacketRow,
  CaptureView,
} from '../../common/contract';
import { parseFilter } from '../../common/filter';
import { PROTO_IDS, TUNNEL_NAMES, type DecodeAsTable, type DecodeOptions } from '../engine/decode/types';
import { readPacketsAt } from '../engine/readers/read';
import type { RawPacket } from '../engine/types';
import { macToString } from '../topology/addr';
import { fragmentNote } from '../topology/fragments';
import { buildClusterGraph, elementName, resolveElement, type ClusterGraph } from '../topology/graph';
import type { AnalysisData, Journey } from '../topology/types';
import { colorName, encapText, protocolText } from '../backend/columns';
import { busiestFlows, flowsByTuple, followView } from '../backend/follow';
import { elementRows, toElements } from '../backend/graph';
import { packetDetail, packetPlace, rowText } from '../backend/queries';
import type { NotePacket, Notes, NotesHost } from '../backend/notes';
import { flowText } from '../../common/text';
import { safeName } from './packets';
import { openDuck, queryRows, sqlString, type Duck } from './duck';
import { FilterFieldError, filterSql } from './filter-sql';
import { MODEL_FILE, MODEL_FORMAT, type DatasetModel } from './model';
import { attachDataset } from './open';
import type { SetSource } from './source';

type Row = Record<string, unknown>;

/** Columns of `packets` the list table keeps (those a dataset lacks are left out and named when a filter needs them). */
const LIST_COLUMNS = [
  'capture',
  'point',
  'idx',
  'orig_len',
  'flags',
  'ip_count',
  'tunnel',
  'vni',
  'tun_sport',
  'tun_dport',
  'outer_ver',
  'outer_src',
  'outer_dst',
  'outer_src4',
  'outer_dst4',
  'outer_proto',
  'outer_ttl',
  'outer_len',
  'inner_ver',
  'inner_src',
  'inner_dst',
  'inner_src4',
  'inner_dst4',
  'inner_proto',
  'inner_ttl',
  'ip_id',
  'inner_len',
  'sport',
  'dport',
  'tcp_seq',
  'tcp_ack',
  'tcp_flags',
  'tcp_win',
  'icmp_type',
  'icmp_code',
  'icmp_id',
  'inner_mac_src',
  'inner_mac_dst',
  'outer_mac_src',
  'outer_mac_dst',
  'file_offset',
  'iface',
  'cap_len',
  'proto',
];
/** The columns without which no list can be made. */
const REQUIRED = ['capture', 'point', 'idx', 't_ns', 'orig_len'];
/** Journeys of a flow the follow view looks at (as the capture-backed analysis' journeysForFlow). */
const FLOW_JOURNEYS = 1000;

/** True when `dir` looks like a dataset: a directory holding packets/*.parquet. */
export function isDatasetDir(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    const p = join(dir, 'packets');
    return statSync(p).isDirectory() && readdirSync(p).some((n) => n.endsWith('.parquet'));
  } catch {
    return false;
  }
}

const num = (v: unknown): number =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : Number.NaN;
/** A value of a result row as text ('' when absent). */
const text = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : `${v as number}`;
const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const MODEL_FILE_FORMAT: string = MODEL_FORMAT;
const ipList = (ips: ReadonlySet<number>) => (ips.size ? [...ips].join(', ') : 'NULL');

export interface CaptureFileRef {
  readonly id: string;
  /** Where the original file was looked for. */
  readonly path: string;
  readonly info: DatasetModel['captures'][number]['info'];
  readonly reachable: boolean;
}

export class DatasetSource implements SetSource {
  private graphCache: ClusterGraph | null = null;
  private readonly rowText = new Map<number, { protocol: string; info: string }>();
  /** The last ordered lists (filtered or sorted): their tables of (pos, no, cap_no, idx) and sizes. */
  private readonly matches = new Map<string, { table: string; total: number }>();
  private matchNo = 0;
  /** Set when `ord` holds every packet's number. */
  private numbered = false;
  private numberingRun: Promise<void> | null = null;
  private capturesCache: Promise<CaptureView[]> | null = null;
  private firstTimeCache: Promise<number> | null = null;
  /** The dataset's notes once their session is bound to its packets files (the list marks noted packets). */
  notes: Notes | null = null;

  private constructor(
    readonly dir: string,
    private readonly duck: Duck,
    /** Columns of the list view. */
    readonly columns: ReadonlySet<string>,
    /** Columns of the packets table. */
    private readonly packetColumns: ReadonlySet<string>,
    readonly count: number,
    readonly model: DatasetModel | null,
    /** The captures in the set's order, each with where its original file was looked for. */
    readonly files: readonly CaptureFileRef[],
    private readonly generation: () => number,
    /** The list's columns over a relation of packets with their cap_no. */
    private readonly baseOf: (from: string) => string,
  ) {}

  /** Numbers every packet in list order, on a connection of its own (the first page does not wait for it). */
  private numberingConnection: { interrupt(): void } | null = null;
  private async number(): Promise<void> {
    const c = await this.duck.instance.connect();
    this.numberingConnection = c;
    try {
      await c.run('INSERT INTO ord SELECT cap_no, idx, row_number() OVER (ORDER BY t_ns, cap_no, idx) FROM numbered');
      const r = await c.runAndReadAll('SELECT count(*) FROM ord');
      const n = Number(r.getRows()[0][0]);
      if (n !== this.count)
        throw new Error(
          `${this.dir}: ${this.count - n} packets belong to captures the dataset's ${this.model ? MODEL_FILE : 'captures table'} does not list: it mixes exports of different sets`,
        );
      this.numbered = true;
    } finally {
      this.numberingConnection = null;
      c.closeSync();
    }
  }

  /** Resolves once every packet has its number (starting the numbering if it has not started). */
  whenNumbered(): Promise<void> {
    if (!this.numberingRun) {
      this.numberingRun = this.number();
      // Its failure reaches whoever needs the numbers; nobody waiting is no unhandled rejection.
      this.numberingRun.catch(() => undefined);
    }
    return this.numberingRun;
  }

  /** The numbering, once started. */
  private get numbering(): Promise<void> {
    return this.whenNumbered();
  }

  /** Opens `dir`; fails with a message naming what is wrong when it is no dataset. */
  static async open(dir: string, generation: () => number = () => 0): Promise<DatasetSource> {
    const duck = await openDuck();
    try {
      const tables = await attachDataset(duck.db, dir);
      if (!tables.includes('packets'))
        throw new Error(`${dir}: not a dataset: no packets/*.parquet (made by 'tunnelvision export --parquet')`);
      const have = new Set((await queryRows(duck.db, 'DESCRIBE packets')).rows.map((r) => text(r.column_name)));
      const lacking = REQUIRED.filter((c) => !have.has(c));
      if (lacking.length) throw new Error(`${dir}: the packets table has no ${lacking.join(', ')} column: not a Tunnelvision dataset`);
      const model = readModel(dir);
      // The captures in the set's order: the analysis', else the captures table's, else (a packets-only export) those the packets name.
      const listed = tables.includes('captures') ? (await queryRows(duck.db, 'SELECT id, path FROM captures')).rows : [];
      const named = listed.length ? listed : (await queryRows(duck.db, 'SELECT DISTINCT capture AS id, capture AS path FROM packets')).rows;
      const files = captureFiles(dir, model, named);
      await helperTables(duck, model, files);
      const kept = LIST_COLUMNS.filter((c) => have.has(c));
      const protocols = have.has('proto') && have.has('inner_proto') && (await protocolTable(duck));
      const baseOf = (from: string) => `
        SELECT p.cap_no, p.t_ns, p.t_ns // 1000000000 AS ts_sec, p.t_ns % 1000000000 AS ts_nsec,
          ${kept.map((k) => `p.${k}`).join(', ')},
          COALESCE(l.node, '') AS pt_node, COALESCE(l.iface, '') AS pt_iface, COALESCE(l.kind, 'unknown') AS pt_kind, COALESCE(l.capture, '') AS pt_capture,
          ${have.has('inner_src4') ? 'ps.name' : 'NULL'} AS pod_src, ${have.has('inner_dst4') ? 'pd.name' : 'NULL'} AS pod_dst
          ${protocols ? ', pr.protocol' : ''}
        FROM ${from} p
        LEFT JOIN pt_labels l ON l.point = p.point
        ${have.has('inner_src4') ? 'LEFT JOIN pod_names ps ON ps.ip = p.inner_src4 LEFT JOIN pod_names pd ON pd.ip = p.inner_dst4' : ''}
        ${protocols ? `LEFT JOIN protocols pr ON pr.proto = COALESCE(p.proto, '') AND pr.inner_proto = COALESCE(p.inner_proto, 255)` : ''}`;
      await duck.db.run('CREATE VIEW numbered AS SELECT p.*, c.cap_no FROM packets p JOIN caps c ON c.capture = p.capture');
      await duck.db.run(`CREATE VIEW base AS ${baseOf('numbered')}`);
      await duck.db.run('CREATE VIEW list AS SELECT o.no, b.* FROM base b JOIN ord o ON o.cap_no = b.cap_no AND o.idx = b.idx');
      const columns = new Set(['no', ...(await queryRows(duck.db, 'DESCRIBE base')).rows.map((r) => text(r.column_name))]);
      const count = num((await queryRows(duck.db, 'SELECT count(*) AS n FROM packets')).rows[0].n);
      return new DatasetSource(resolve(dir), duck, columns, have, count, model, files, generation, baseOf);
    } catch (e) {
      duck.close();
      throw e;
    }
  }

  /** Stops the numbering if it still runs, then lets DuckDB go. */
  async close(): Promise<void> {
    this.numberingConnection?.interrupt();
    await this.numberingRun?.catch(() => undefined);
    this.duck.close();
  }

  private async rows(sql: string): Promise<Row[]> {
    return (await queryRows(this.duck.db, sql)).rows;
  }

  /** The "decode as" table the dataset was exported with: its records are decoded again with the same. */
  get decodeAs(): DecodeAsTable {
    return this.model?.export?.decodeAs ?? [];
  }

  private get decodeOptions(): DecodeOptions | undefined {
    return this.decodeAs.length ? { decodeAs: this.decodeAs } : undefined;
  }

  /** What the window says about the open dataset. */
  get message(): string {
    const missing = this.files.filter((f) => !f.reachable);
    const parts = [`Dataset ${this.dir}: ${this.count} packets, queried with DuckDB.`];
    if (!this.model)
      parts.push(
        `It holds no analysis (${MODEL_FILE}): graph and follow need a whole-set export ('tunnelvision export --parquet DIR FILE...').`,
      );
    if (missing.length)
      parts.push(
        `Original capture${missing.length > 1 ? 's' : ''} not reachable (Info and full decode unavailable for their packets): ${missing.map((f) => f.path).join(', ')}.`,
      );
    return parts.join(' ');
  }

  /** The dataset's captures as the Captures panel lists them. */
  captures(): Promise<CaptureView[]> {
    this.capturesCache ??= this.captureViews();
    return this.capturesCache;
  }

  private async captureViews(): Promise<CaptureView[]> {
    const a = this.model?.analysis;
    // The analysis knows each capture's count and times; only a dataset without it is counted.
    const counts = new Map<number, { n: number; first: number | null; last: number | null }>();
    if (!a)
      for (const r of await this.rows(
        'SELECT cap_no, count(*) AS n, min(t_ns) / 1e9 AS first, max(t_ns) / 1e9 AS last FROM numbered GROUP BY cap_no',
      ))
        counts.set(num(r.cap_no), { n: num(r.n), first: orNull(r.first), last: orNull(r.last) });
    return this.files.map((f, i) => {
      const pts = a?.points.filter((p) => p.capture === f.id) ?? [];
      const cap = a?.captures.find((x) => x.id === f.id);
      const c = cap ? { n: cap.packetCount, first: cap.firstTs, last: cap.lastTs } : counts.get(i);
      const uniq = (xs: (string | null)[]) => [...new Set(xs.map((x) => x ?? 'unknown'))].join(', ') || null;
      const errors = (cap?.errors ?? []).map((e) => ({ code: e.code, message: e.message, offset: e.offset, fatal: e.fatal }));
      if (!f.reachable)
        errors.push({ code: 'not-reachable', message: `original capture not reachable at ${f.path}`, offset: 0, fatal: false });
      return {
        id: i,
        name: basename(f.path),
        path: f.path,
        format: f.info ? `${f.info.format}${f.info.compressed ? '.gz' : ''}` : (cap?.format ?? ''),
        node: uniq(pts.map((p) => p.node)),
        iface: uniq(pts.map((p) => p.interface)),
        kind: pts.length ? [...new Set(pts.map((p) => p.kind))].join(', ') : 'unknown',
        attribution: pts[0]?.nodeSource ?? 'none',
        packets: c?.n ?? 0,
        firstTime: c?.first ?? null,
        lastTime: c?.last ?? null,
        status: cap?.errors.some((e) => e.fatal) ? 'partial' : 'ok',
        errors,
      };
    });
  }

  // ---------------------------------------------------------------- the list

  async page(q: PacketQuery & { locate: number }): Promise<PacketPage> {
    const generation = this.generation();
    const parsed = parseFilter(q.filter);
    const base = async () => ({ generation, offset: q.offset, firstTime: await this.firstTime(), located: -1 });
    if (!parsed.ok) return { ...(await base()), total: 0, rows: [], filterError: parsed.error };
    let where: string[];
    try {
      where = [filterSql(parsed.ast, this.columns), q.element ? this.elementSql(q.element) : null].filter((x): x is string => x !== null);
    } catch (e) {
      if (e instanceof FilterFieldError)
        return { ...(await base()), total: 0, rows: [], filterError: { message: e.message, start: e.start, end: e.end } };
      throw e;
    }
    const whole = !where.length && (q.sort === 'no' || q.sort === 'time');
    if (whole) {
      // The whole list in packet order: the page is a range of numbers.
      const total = this.count;
      const limit = Math.max(0, Math.min(q.limit, total - q.offset));
      const [lo, hi] = q.descending ? [total - q.offset - limit + 1, total - q.offset] : [q.offset + 1, q.offset + limit];
      let rows: Row[];
      if (limit === 0) rows = [];
      else if (!this.numbered) {
        // Before the numbering is done: the page straight from the files, numbered by its place.
        const order = q.descending ? 't_ns DESC, cap_no DESC, idx DESC' : 't_ns, cap_no, idx';
        rows = await this.rows(
          `${this.baseOf(`(SELECT * FROM numbered ORDER BY ${order} LIMIT ${limit} OFFSET ${q.offset})`)} ORDER BY ${order}`,
        );
        rows.forEach((r, i) => (r.no = q.descending ? hi - i : lo + i));
        // The numbering starts once the first page is out (on a small machine it would slow that page down).
        void this.whenNumbered().catch(() => undefined);
        // The first page is the first packet's time too (no scan of its own).
        if (!q.descending && q.offset === 0 && rows.length)
          this.firstTimeCache ??= Promise.resolve(num(rows[0].ts_sec) + num(rows[0].ts_nsec) / 1e9);
      } else
        rows = await this.fetch(
          await this.rows(`SELECT no, cap_no, idx FROM ord WHERE no BETWEEN ${lo} AND ${hi} ORDER BY no${q.descending ? ' DESC' : ''}`),
        );
      const located = q.locate >= 1 && q.locate <= total ? (q.descending ? total - q.locate : q.locate - 1) : -1;
      return { ...(await base()), total, rows: await this.rowsView(rows), filterError: null, located };
    }
    const m = await this.match(where, this.orderBy(q.sort, q.descending));
    const limit = Math.max(0, Math.min(q.limit, m.total - q.offset));
    const keys = limit
      ? await this.rows(`SELECT no, cap_no, idx FROM ${m.table} WHERE pos BETWEEN ${q.offset} AND ${q.offset + limit - 1} ORDER BY pos`)
      : [];
    let located = -1;
    if (q.locate > 0) {
      const [r] = await this.rows(`SELECT pos FROM ${m.table} WHERE no = ${Math.floor(q.locate)}`);
      if (r) located = num(r.pos);
    }
    return { ...(await base()), total: m.total, rows: await this.rowsView(await this.fetch(keys)), filterError: null, located };
  }

  /** The packets a filtered or sorted list keeps, in its order: a table of (pos, no, cap_no, idx), made once per query. */
  private async match(where: string[], order: string): Promise<{ table: string; total: number }> {
    const key = `${where.join(' AND ')}|${order}`;
    const hit = this.matches.get(key);
    if (hit) return hit;
    await this.numbering;
    const table = `match_${++this.matchNo}`;
    await this.duck.db.run(
      `CREATE TEMP TABLE ${table} AS SELECT row_number() OVER (ORDER BY ${order}) - 1 AS pos, no, cap_no, idx FROM list ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
    );
    const total = num((await this.rows(`SELECT count(*) AS n FROM ${table}`))[0].n);
    const m = { table, total };
    this.matches.set(key, m);
    // A few recent lists are kept (paging back and forth between filters); older ones are dropped.
    if (this.matches.size > 8) {
      const [oldKey, old] = this.matches.entries().next().value!;
      this.matches.delete(oldKey);
      await this.duck.db.run(`DROP TABLE IF EXISTS ${old.table}`);
    }
    return m;
  }

  /**
   * The rows of `keys` (no, cap_no, idx) from the files, in the keys' order: each capture read only over
   * its range of records, one scan per capture (a scan with an OR across captures would push no filter down).
   */
  private async fetch(keys: Row[]): Promise<Row[]> {
    if (!keys.length) return [];
    const byCap = new Map<number, number[]>();
    for (const k of keys) {
      const c = num(k.cap_no);
      (byCap.get(c) ?? byCap.set(c, []).get(c)!).push(num(k.idx));
    }
    const parts = [...byCap].map(([c, idx]) => {
      const capture = sqlString(this.files[c]?.id ?? '');
      return `SELECT * FROM numbered WHERE capture = ${capture} AND idx BETWEEN ${Math.min(...idx)} AND ${Math.max(...idx)} AND idx IN (${idx.join(', ')})`;
    });
    const got = new Map((await this.rows(this.baseOf(`(${parts.join(' UNION ALL ')})`))).map((r) => [`${num(r.cap_no)}#${num(r.idx)}`, r]));
    return keys.flatMap((k) => {
      const r = got.get(`${num(k.cap_no)}#${num(k.idx)}`);
      return r ? [{ ...r, no: num(k.no) }] : [];
    });
  }

  private firstTime(): Promise<number> {
    this.firstTimeCache ??= this.rows('SELECT min(t_ns) // 1000000000 AS ts_sec, min(t_ns) % 1000000000 AS ts_nsec FROM packets').then(
      (r) => (r.length ? num(r[0].ts_sec) + num(r[0].ts_nsec) / 1e9 : 0),
    );
    return this.firstTimeCache;
  }

  /** The packet numbered `no`, from the files; null when there is none. */
  private async rowOf(no: number): Promise<Row | null> {
    await this.numbering;
    const [row] = await this.fetch(await this.rows(`SELECT no, cap_no, idx FROM ord WHERE no = ${Math.floor(no)}`));
    return row ?? null;
  }

  /** The list's order for a sort column, ties by packet number (as the capture-backed list). */
  private orderBy(sort: PacketQuery['sort'], descending: boolean): string {
    const key: Partial<Record<PacketQuery['sort'], string>> = {
      length: 'orig_len',
      node: 'pt_node',
      iface: 'pt_iface',
      protocol: this.columns.has('protocol') ? 'protocol' : 'no',
      encap: `concat(tunnel, ' ', vni)`,
      src: 'CASE WHEN inner_ver IS NOT NULL THEN inner_ver * 8589934592 + COALESCE(inner_src4, 0) ELSE COALESCE(outer_src4, 0) END',
      dst: 'CASE WHEN inner_ver IS NOT NULL THEN inner_ver * 8589934592 + COALESCE(inner_dst4, 0) ELSE COALESCE(outer_dst4, 0) END',
    };
    const k = key[sort];
    const dir = descending ? ' DESC' : '';
    return k ? `${k}${dir}, no${dir}` : `no${dir}`;
  }

  /** A graph element's packets as a SQL condition (main/backend/graph.ts `elementRows`). */
  private elementSql(element: string): string {
    const a = this.model?.analysis;
    const e = a ? elementRows(element, a) : null;
    if (!e) return 'FALSE';
    switch (e.by) {
      case 'points':
        return e.points.size ? `point IN (${[...e.points].map(sqlString).join(', ')})` : 'FALSE';
      case 'addr':
        return `(COALESCE(inner_src4 = ${e.ip} OR inner_dst4 = ${e.ip}, FALSE) OR COALESCE(outer_src4 = ${e.ip} OR outer_dst4 = ${e.ip}, FALSE))`;
      case 'service': {
        const port = (c: string) => (e.port === null ? 'TRUE' : `${c} = ${e.port}`);
        return `COALESCE(inner_ver = 4 AND ((inner_dst4 = ${e.ip} AND ${port('dport')}) OR (inner_src4 = ${e.ip} AND ${port('sport')})), FALSE)`;
      }
      case 'tunnel':
        return `COALESCE(tunnel <> 'none' AND outer_ver = 4 AND ((outer_src4 IN (${ipList(e.a)}) AND outer_dst4 IN (${ipList(e.b)})) OR (outer_src4 IN (${ipList(e.b)}) AND outer_dst4 IN (${ipList(e.a)}))), FALSE)`;
    }
  }

  private async rowsView(rows: Row[]): Promise<PacketRow[]> {
    const missing = rows.filter((r) => !this.rowText.has(num(r.no)));
    if (missing.length) {
      const raw = await this.readRows(missing);
      for (const r of missing) {
        const no = num(r.no);
        const p = raw.get(no);
        this.rowText.set(
          no,
          p
            ? rowText(p, this.decodeOptions)
            : {
                protocol: this.protocolOf(r),
                info: this.fileOf(r)?.reachable ? '(could not be read again from the file)' : '(original capture not reachable)',
              },
        );
      }
      if (this.rowText.size > 50_000) for (const k of [...this.rowText.keys()].slice(0, this.rowText.size - 50_000)) this.rowText.delete(k);
    }
    return rows.map((r) => {
      const no = num(r.no);
      const tunnel = Math.max(0, TUNNEL_NAMES.indexOf(text(r.tunnel ?? 'none')));
      const [src, dst] = endpoints(r);
      const columns = this.rowText.get(no)!;
      const tsSec = num(r.ts_sec);
      const tsNsec = num(r.ts_nsec);
      return {
        no,
        capture: num(r.cap_no),
        time: tsSec + tsNsec / 1e9,
        tsSec,
        tsNsec,
        node: text(r.pt_node ?? ''),
        iface: text(r.pt_iface ?? ''),
        src,
        dst,
        protocol: columns.protocol,
        length: num(r.orig_len),
        encap: encapText(tunnel, orNull(r.vni) ?? -1),
        info: columns.info,
        color: colorName(
          num(r.flags),
          tunnel,
          r.proto === null || r.proto === undefined ? undefined : text(r.proto),
          orNull(r.inner_proto) ?? 255,
        ),
        note: this.notes?.severityOf(this.notePacket(num(r.cap_no), num(r.idx))) ?? null,
      };
    });
  }

  private protocolOf(r: Row): string {
    return typeof r.protocol === 'string'
      ? r.protocol
      : protocolText(r.proto === null || r.proto === undefined ? undefined : text(r.proto), orNull(r.inner_proto) ?? 255);
  }

  private fileOf(r: Row): CaptureFileRef | undefined {
    return this.files[num(r.cap_no)];
  }

  /** Rows read again from their original files (by packet number); rows whose file is not reachable are left out. */
  private async readRows(rows: Row[]): Promise<Map<number, RawPacket>> {
    const out = new Map<number, RawPacket>();
    if (!this.columns.has('file_offset') || !this.columns.has('iface')) return out;
    const byFile = new Map<number, Row[]>();
    for (const r of rows) {
      const f = num(r.cap_no);
      if (!this.files[f]?.reachable || !this.files[f].info) continue;
      (byFile.get(f) ?? byFile.set(f, []).get(f)!).push(r);
    }
    for (const [fi, rs] of byFile) {
      const f = this.files[fi];
      const got = await readPacketsAt(
        f.path,
        f.info!,
        rs.map((r) => ({ fileOffset: num(r.file_offset), iface: num(r.iface), index: num(r.idx) })),
      );
      got.forEach((g, k) => {
        const r = rs[k];
        // The record must be the row's packet: a file replaced since the export is not decoded as if it were.
        if (g.ok && g.packet.origLen === num(r.orig_len) && g.packet.tsSec === num(r.ts_sec)) out.set(num(r.no), g.packet);
      });
    }
    return out;
  }

  // ---------------------------------------------------------------- one packet

  async detail(no: number): Promise<PacketDetail | null> {
    const r = await this.rowOf(no);
    if (!r) return null;
    const f = this.fileOf(r);
    const place = packetPlace(num(r.cap_no), f ? basename(f.path) : text(r.capture), text(r.pt_node), text(r.pt_iface));
    const raw = (await this.readRows([r])).get(no);
    if (raw) return packetDetail(no, raw, this.decodeOptions, place, await this.fragment(r));
    const why = !f?.reachable
      ? `original capture not reachable at ${f?.path ?? text(r.capture)}`
      : !this.columns.has('file_offset')
        ? `the dataset does not record where its packets sit in ${f.path} (no file_offset column): export it again`
        : `packet ${no} could not be read again from ${f.path} (the file changed since the export?)`;
    return {
      no,
      ...place,
      tsSec: num(r.ts_sec),
      tsNsec: num(r.ts_nsec),
      capLen: orNull(r.cap_len) ?? 0,
      origLen: num(r.orig_len),
      info: why,
      levels: [
        {
          level: 0,
          title: 'Dataset row',
          layers: [
            {
              proto: 'dataset',
              name: 'Dataset row',
              summary: why,
              offset: 0,
              length: 0,
              fields: Object.entries(r)
                .filter(([, v]) => v !== null && v !== undefined)
                .map(([k, v]) => ({ name: `dataset.${k}`, label: k, value: text(v), offset: 0, length: 0, children: [] })),
            },
          ],
        },
      ],
      differing: [],
      anomalies: [{ code: 'capture-unreachable', message: why, severity: 'warning', offset: 0 }],
      bytes: new Uint8Array(0),
      comments: [],
    };
  }

  /**
   * The detail's `fragment` entry when the packet is an IP fragment: where it sits in its datagram and
   * the packet that completes it, worked out by main/topology/fragments.ts over the datagram's fragments
   * at the same capture point (one query over the packet's own capture file).
   */
  private async fragment(r: Row): Promise<{ fragment?: string }> {
    const cols = ['inner_frag', 'pay_len', 'inner_len', 'ip_id', 'inner_ver', 'inner_src', 'inner_dst', 'inner_proto', 'point'];
    if (!cols.every((c) => this.packetColumns.has(c))) return {};
    const capture = sqlString(text(r.capture));
    const [me] = await this.rows(`SELECT inner_frag FROM numbered WHERE capture = ${capture} AND idx = ${num(r.idx)}`);
    const f = me ? orNull(me.inner_frag) : null;
    if (f === null || (f & 0x5fff) === 0) return {};
    await this.numbering;
    const same = ['point', 'ip_id', 'inner_src', 'inner_dst', 'inner_proto', 'inner_ver']
      .map((c) => `n.${c} IS NOT DISTINCT FROM me.${c}`)
      .join(' AND ');
    const group = await this.rows(`
      WITH me AS (SELECT * FROM numbered WHERE capture = ${capture} AND idx = ${num(r.idx)})
      SELECT o.no, n.idx, n.inner_frag, n.pay_len, n.inner_len, n.inner_ver, (n.t_ns - me.t_ns)::DOUBLE AS dt
      FROM numbered n JOIN me ON ${same} JOIN ord o ON o.cap_no = n.cap_no AND o.idx = n.idx
      WHERE n.capture = ${capture} AND (n.inner_frag & 24575) <> 0
      ORDER BY n.idx`);
    const count = group.length;
    const column = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(
      make: new (n: number) => T,
      get: (x: Row) => number,
    ) => {
      const a = new make(count);
      group.forEach((x, i) => (a[i] = get(x)));
      return a;
    };
    // The rows share point, addresses, protocol and IP ID (the query's join): those columns are one value each.
    const t = {
      count,
      point: new Uint16Array(count),
      ipId: new Uint32Array(count),
      innerSrc: new Uint32Array(count),
      innerDst: new Uint32Array(count),
      innerProto: new Uint8Array(count),
      innerVer: column(Uint8Array, (x) => num(x.inner_ver)),
      innerFrag: column(Uint16Array, (x) => num(x.inner_frag)),
      innerLen: column(Uint32Array, (x) => num(x.inner_len)),
      payLen: column(Uint32Array, (x) => num(x.pay_len)),
      tNs: column(Float64Array, (x) => num(x.dt)),
    };
    const at = group.findIndex((x) => num(x.idx) === num(r.idx));
    const note = at < 0 ? null : fragmentNote(t, at, (q) => num(group[q].no));
    return note === null ? {} : { fragment: note };
  }

  // ---------------------------------------------------------------- graph and follow

  private noAnalysis(): string {
    return `This dataset holds no analysis (${MODEL_FILE}): it was exported packets only. Export the whole set ('tunnelvision export --parquet DIR FILE...') for the graph and follow.`;
  }

  async graph(): Promise<GraphView> {
    const a = this.model?.analysis;
    if (!a) return { generation: this.generation(), elements: [], message: this.noAnalysis() };
    this.graphCache ??= buildClusterGraph(a);
    const perPoint = new Map<string, number>(a.points.map((p) => [p.id, p.packetCount]));
    const pods = a.model.pods.map((p) => p.ip);
    const podPackets = new Map<string, number>();
    if (pods.length && this.columns.has('inner_src')) {
      const list = pods.map(sqlString).join(', ');
      for (const r of await this.rows(
        `SELECT ip, count(*) AS n FROM (SELECT inner_src AS ip FROM packets WHERE inner_ver = 4 UNION ALL SELECT inner_dst FROM packets WHERE inner_ver = 4) WHERE ip IN (${list}) GROUP BY ip`,
      ))
        podPackets.set(text(r.ip), num(r.n));
    }
    const elements = toElements(this.graphCache, a, perPoint, podPackets);
    return {
      generation: this.generation(),
      elements,
      message: elements.length ? null : 'No cluster structure could be inferred from these captures.',
    };
  }

  private requireAnalysis(): AnalysisData {
    const a = this.model?.analysis;
    if (!a) throw new Error(this.noAnalysis());
    return a;
  }

  async followPacket(no: number): Promise<FollowView | null> {
    const a = this.requireAnalysis();
    const r = await this.rowOf(no);
    if (!r) return null;
    const j = await this.journeyOfPacket(text(r.capture), num(r.idx));
    return j && this.view(a, j.flow, { capture: text(r.capture), index: num(r.idx) });
  }

  /** The journey a packet (capture id, 0-based index) is a hop of, null when none. */
  async journeyOfPacket(capture: string, index: number): Promise<Journey | null> {
    if (!this.model) return null;
    const [h] = await this.rows(`SELECT journey FROM hops WHERE capture = ${sqlString(capture)} AND idx = ${Math.floor(index)} LIMIT 1`);
    if (!h) return null;
    const [j] = await this.journeys(`SELECT json FROM journey_objects WHERE id = ${num(h.journey)}`);
    return j ?? null;
  }

  /** Journeys by id (those the dataset has). */
  journeysById(ids: readonly number[]): Promise<Journey[]> {
    const list = ids.filter((x) => Number.isInteger(x));
    return list.length && this.model
      ? this.journeys(`SELECT json FROM journey_objects WHERE id IN (${list.join(', ')})`)
      : Promise.resolve([]);
  }

  /** A flow's journeys in the path finder's order, as many as the follow view shows. */
  journeysOfFlow(flow: string): Promise<Journey[]> {
    if (!this.model) return Promise.resolve([]);
    return this.journeys(
      `SELECT o.json FROM flow_journeys f JOIN journey_objects o ON o.id = f.journey WHERE f.flow = ${sqlString(flow)} AND f.pos < ${FLOW_JOURNEYS} ORDER BY f.pos`,
    );
  }

  async followFlow(flow: string): Promise<FollowView | null> {
    return this.view(this.requireAnalysis(), flow, null);
  }

  private async journeys(sql: string): Promise<Journey[]> {
    return (await this.rows(sql)).map((r) => JSON.parse(text(r.json)) as Journey);
  }

  private async view(a: AnalysisData, flow: string, focus: { capture: string; index: number } | null): Promise<FollowView> {
    const journeys = await this.journeysOfFlow(flow);
    // The packet numbers of the hops: one query for every hop of the flow's journeys.
    const refs = new Map<string, number>();
    const wanted = [...new Set(journeys.flatMap((j) => j.hops.map((h) => `(${sqlString(h.packet.capture)}, ${h.packet.index})`)))];
    for (let k = 0; k < wanted.length; k += 5000) {
      const chunk = wanted.slice(k, k + 5000).join(', ');
      await this.numbering;
      for (const r of await this.rows(
        `SELECT c.capture, o.idx, o.no FROM ord o JOIN caps c ON c.cap_no = o.cap_no JOIN (VALUES ${chunk}) v(capture, idx) ON c.capture = v.capture AND o.idx = v.idx`,
      ))
        refs.set(`${text(r.capture)}#${num(r.idx)}`, num(r.no));
    }
    return followView(a, flow, journeys, focus, (capture, index) => refs.get(`${capture}#${index}`) ?? 0);
  }

  // ---------------------------------------------------------------- exports

  /**
   * The packets of an export selection read again from their original files, `batch` at a time, in
   * the order the capture-backed export writes them: the list's for a filter (and graph element),
   * hop order for a journey, time for a flow's journeys. A packet whose file cannot be read is an error
   * naming it (an export must not leave packets out without saying so).
   */
  async *selection(sel: ExportSelection, batch: number): AsyncGenerator<{ row: Row; raw: RawPacket }[]> {
    const read = async (rows: Row[]) => {
      const raw = await this.readRows(rows);
      return rows.map((row) => {
        const p = raw.get(num(row.no));
        if (!p) {
          const f = this.fileOf(row);
          throw new Error(
            `packet ${num(row.no)}: ${f?.reachable ? `could not be read again from ${f.path}` : `original capture not reachable at ${f?.path ?? text(row.capture)}`}`,
          );
        }
        return { row, raw: p };
      });
    };
    if (sel.kind === 'filter') {
      const parsed = parseFilter(sel.filter);
      if (!parsed.ok) throw new Error(`filter: ${parsed.error.message}`);
      const where = [filterSql(parsed.ast, this.columns), sel.element ? this.elementSql(sel.element) : null].filter(
        (x): x is string => x !== null,
      );
      const m = await this.match(where, 'no');
      for (let pos = 0; pos < m.total; pos += batch)
        yield await read(
          await this.fetch(
            await this.rows(`SELECT no, cap_no, idx FROM ${m.table} WHERE pos BETWEEN ${pos} AND ${pos + batch - 1} ORDER BY pos`),
          ),
        );
      return;
    }
    this.requireAnalysis();
    const journeys = (await this.journeysOfFlow(sel.flow)).filter((j) => sel.kind === 'flow' || String(j.id) === sel.journey);
    // Hop order within a journey (same-instant hops stay in path order), journeys by time.
    const refs = new Map<string, { cap: number; idx: number }>();
    for (const j of journeys)
      for (const h of j.hops) {
        const cap = this.files.findIndex((f) => f.id === h.packet.capture);
        if (cap >= 0) refs.set(`${cap}#${h.packet.index}`, { cap, idx: h.packet.index });
      }
    await this.numbering;
    const keys: Row[] = [];
    const list = [...refs.values()];
    for (let k = 0; k < list.length; k += 5000) {
      const chunk = list.slice(k, k + 5000).map((r) => `(${r.cap}, ${r.idx})`);
      keys.push(
        ...(await this.rows(
          `SELECT o.no, o.cap_no, o.idx FROM ord o JOIN (VALUES ${chunk.join(', ')}) v(cap_no, idx) USING (cap_no, idx)`,
        )),
      );
    }
    const place = new Map(list.map((r, i) => [`${r.cap}#${r.idx}`, i]));
    const at = (r: Row) => place.get(`${num(r.cap_no)}#${num(r.idx)}`)!;
    let rows = (await this.fetch(keys)).sort((x, y) => at(x) - at(y));
    if (sel.kind === 'flow')
      rows = rows.sort((x, y) =>
        BigInt(x.t_ns as bigint) < BigInt(y.t_ns as bigint) ? -1 : BigInt(x.t_ns as bigint) > BigInt(y.t_ns as bigint) ? 1 : 0,
      );
    for (let k = 0; k < rows.length; k += batch) yield await read(rows.slice(k, k + batch));
  }

  // ---------------------------------------------------------------- notes

  /**
   * The captures as a dataset's notes name them: each capture's packets file (packets/<capture>.parquet),
   * the file the note's packet index counts in. The session fingerprints these files, so a note stays off
   * a packet whose file was written anew with other contents.
   */
  packetsFile(capNo: number): string {
    return join(this.dir, 'packets', `${safeName(this.files[capNo]?.id ?? '')}.parquet`);
  }

  /** The packets files that exist, in the set's order (a capture whose file is missing takes no packet notes). */
  packetsFiles(): string[] {
    return this.files.map((_, i) => this.packetsFile(i)).filter((p) => existsSync(p));
  }

  /** A packet as the dataset's notes name it. */
  notePacket(capNo: number, idx: number): NotePacket {
    return { path: this.packetsFile(capNo), index: idx };
  }

  /** What the notes ask of the open set, answered by queries over `ord` and the exported analysis. */
  notesHost(): NotesHost {
    const capNoOf = (path: string) => this.files.findIndex((_, i) => this.packetsFile(i) === resolve(path));
    const place = (r: Row | null) => `${text(r?.pt_node) || '?'} / ${text(r?.pt_iface) || '?'}`;
    return {
      noOf: async (path, index) => {
        const c = capNoOf(path);
        if (c < 0) return 0;
        await this.numbering;
        const [r] = await this.rows(`SELECT no FROM ord WHERE cap_no = ${c} AND idx = ${Math.floor(index)}`);
        return r ? num(r.no) : 0;
      },
      packetOf: async (no) => {
        await this.numbering;
        const [r] = await this.rows(`SELECT cap_no, idx FROM ord WHERE no = ${Math.floor(no)}`);
        return r ? this.notePacket(num(r.cap_no), num(r.idx)) : null;
      },
      placeOf: async (no) => place(await this.rowOf(no)),
      journeyOf: async (no) => {
        const r = await this.rowOf(no);
        if (!r) return null;
        const capture = text(r.capture);
        const index = num(r.idx);
        const j = await this.journeyOfPacket(capture, index);
        if (!j) return null;
        return {
          flow: j.flow,
          journey: String(j.id),
          hop: j.hops.findIndex((h) => h.packet.capture === capture && h.packet.index === index),
        };
      },
      flowLabel: (flow) => {
        const f = this.model?.analysis.flows.find((x) => x.id === flow);
        return f ? flowText(f) : null;
      },
      element: (element) => {
        const a = this.model?.analysis;
        if (!a) return null;
        this.graphCache ??= buildClusterGraph(a);
        const id = resolveElement(this.graphCache, element);
        return id === null ? null : { id, label: elementName(this.graphCache, id) ?? id };
      },
    };
  }

  async flowsThrough(element: string): Promise<FlowListItem[]> {
    const a = this.requireAnalysis();
    const cond = this.elementSql(element);
    const flowOf = flowsByTuple(a.flows);
    const counts = new Map<string, number>();
    const rows = await this.rows(`SELECT inner_proto AS p, inner_src AS s, inner_dst AS d,
        CASE WHEN inner_proto IN (1, 58) THEN icmp_id ELSE sport END AS sp,
        CASE WHEN inner_proto IN (1, 58) THEN icmp_id ELSE dport END AS dp, count(*) AS n, min(cap_no * 4294967296 + idx) AS first
      FROM numbered WHERE inner_ver IS NOT NULL AND ${cond} GROUP BY ALL ORDER BY first`);
    // Counted in the order the capture table meets them (capture by capture, in file order): flows with as many packets keep that order.
    for (const r of rows) {
      const id = flowOf(orNull(r.p) ?? 255, text(r.s), orNull(r.sp), text(r.d), orNull(r.dp));
      if (id) counts.set(id, (counts.get(id) ?? 0) + num(r.n));
    }
    return busiestFlows(counts, a.flows);
  }
}

/** Source and destination as the list shows them: innermost IP addresses, else MACs (main/backend/columns.ts `endpoints`). */
function endpoints(r: Row): [string, string] {
  const s = (v: unknown) => (v === null || v === undefined ? '' : text(v));
  if (r.inner_ver !== null && r.inner_ver !== undefined) return [s(r.inner_src), s(r.inner_dst)];
  if ((r.inner_mac_src === null || r.inner_mac_src === undefined) && r.outer_ver !== null && r.outer_ver !== undefined)
    return [s(r.outer_src), s(r.outer_dst)];
  const mac = (v: unknown) => (typeof v === 'string' ? macToString(parseInt(v, 16)) : '');
  return [mac(r.inner_mac_src ?? r.outer_mac_src), mac(r.inner_mac_dst ?? r.outer_mac_dst)];
}

function readModel(dir: string): DatasetModel | null {
  const path = join(dir, MODEL_FILE);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not readable as the dataset's analysis (${(e as Error).message})`, { cause: e });
  }
  const format = (parsed as { format?: unknown } | null)?.format;
  if (format !== MODEL_FORMAT) throw new Error(`${path}: not a ${MODEL_FILE_FORMAT} file (format: ${JSON.stringify(format ?? null)})`);
  return parsed as DatasetModel;
}

/**
 * The dataset's captures in the set's order, each with where its original file is: the path it was
 * exported from (relative paths taken from the working directory, then from beside the dataset).
 */
function captureFiles(dir: string, model: DatasetModel | null, fromTable: Row[]): CaptureFileRef[] {
  const list = model
    ? model.captures
    : fromTable.map((r) => ({ id: text(r.id), path: text(r.path), info: null })).sort((x, y) => x.id.localeCompare(y.id));
  return list.map((c) => {
    const candidates = isAbsolute(c.path) ? [c.path] : [resolve(c.path), resolve(dirname(resolve(dir)), c.path), resolve(dir, c.path)];
    const found = candidates.find((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
    return { id: c.id, path: found ?? candidates[0], info: c.info, reachable: found !== undefined && c.info !== null };
  });
}

/** The small tables the list table joins: capture order, capture point labels, pod names by address. */
async function helperTables(duck: Duck, model: DatasetModel | null, files: readonly CaptureFileRef[]): Promise<void> {
  const db = duck.db;
  await db.run('CREATE TABLE caps (capture VARCHAR, cap_no INTEGER)');
  await db.run('CREATE TABLE ord (cap_no INTEGER, idx UINTEGER, no UBIGINT)');
  await db.run('CREATE TABLE pt_labels (point VARCHAR, node VARCHAR, iface VARCHAR, kind VARCHAR, capture VARCHAR)');
  await db.run('CREATE TABLE pod_names (ip UINTEGER, name VARCHAR)');
  const insert = async (table: string, rows: string[]) => {
    for (let k = 0; k < rows.length; k += 1000) await db.run(`INSERT INTO ${table} VALUES ${rows.slice(k, k + 1000).join(', ')}`);
  };
  await insert(
    'caps',
    files.map((f, i) => `(${sqlString(f.id)}, ${i})`),
  );
  const a = model?.analysis;
  if (!a) return;
  const str = (s: string | null) => sqlString(s ?? '');
  await insert(
    'pt_labels',
    a.points.map((p) => `(${sqlString(p.id)}, ${str(p.node)}, ${str(p.interface)}, ${sqlString(p.kind)}, ${sqlString(p.capture)})`),
  );
  const pods: string[] = [];
  for (const p of a.model.pods) {
    const parts = p.ip.split('.').map(Number);
    if (parts.length === 4 && parts.every((x) => Number.isInteger(x) && x >= 0 && x < 256))
      pods.push(`(${((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3]}, ${sqlString(p.name ?? p.ip)})`);
  }
  await insert('pod_names', pods);
}

/** The Protocol column of every (innermost layer, inner IP protocol) pair (the capture-backed list's `protocolName`): a small table, no scan. */
async function protocolTable(duck: Duck): Promise<boolean> {
  await duck.db.run('CREATE TABLE protocols (proto VARCHAR, inner_proto INTEGER, protocol VARCHAR)');
  const a = await duck.db.createAppender('protocols');
  for (const proto of ['', ...PROTO_IDS])
    for (let ip = 0; ip <= 255; ip++) {
      a.appendVarchar(proto);
      a.appendInteger(ip);
      a.appendVarchar(protocolText(proto || undefined, ip));
      a.endRow();
    }
  a.closeSync();
  return true;
}
