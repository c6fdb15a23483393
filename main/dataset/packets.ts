// The `packets` table of a dataset: one row per sighting (one packet at one capture point), taken
// from the path finder's own PacketTable (the decoder's fast path, main/topology/load.ts), so the
// SQL correlation matches on exactly the fields the in-process journey key hashes
// (main/topology/journeys.ts). A table function hands DuckDB the typed-array columns, copied into
// its vectors 2,048 rows at a time (no per-value conversion), and one COPY whose SELECT turns the
// raw columns into the dataset's schema (NULL for "absent", absolute times) writes the Parquet file.
// Text columns (addresses, MACs, point, tunnel, protocol) are never made per row: each row carries
// an index into the file's few distinct texts (a DuckDB ENUM), which the Parquet writer stores as the
// column's dictionary.
//
// The map step: one capture file in, `packets/<capture>.parquet` out. Files are independent, so the
// step runs beside the captures (one process per node or per file).

import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import type * as duckdb from '@duckdb/node-api';
import { PROTO_IDS, TUNNEL_NAMES } from '../engine/decode/types';
import { ip4ToString } from '../topology/addr';
import type { CaptureSetData } from '../topology/load';
import type { FileDraft } from '../topology/analyze';
import type { PacketTable } from '../topology/table';
import { duckApi, duckBindings, sqlString } from './duck';

/**
 * One output column of the table function: its DuckDB type and its values for the rows exported,
 * indexed from the first of them.
 */
interface Staged {
  readonly name: string;
  readonly type: DuckDBType;
  readonly data: ArrayBufferView;
  /** `data` is one chunk's values, the same in every chunk (a column no row of the range sets). */
  readonly repeat?: boolean;
}

/** Rows per chunk the table function fills (DuckDB's vector size). */
const CHUNK = 2048;

type Api = typeof duckdb;
type TableKey = { [K in keyof PacketTable]: PacketTable[K] extends ArrayBufferView ? K : never }[keyof PacketTable];

/** Raw columns: each a range of one PacketTable array, as it is. */
const RAW: readonly (readonly [string, keyof Api, TableKey])[] = [
  ['idx', 'UINTEGER', 'index'],
  ['t_rel', 'DOUBLE', 'tNs'],
  ['orig_len', 'UINTEGER', 'origLen'],
  ['flags', 'USMALLINT', 'flags'],
  ['pkt_type', 'UTINYINT', 'pktType'],
  ['levels', 'UTINYINT', 'levels'],
  ['ip_count', 'UTINYINT', 'ipCount'],
  ['vni', 'INTEGER', 'vni'],
  ['tun_sport', 'INTEGER', 'tunSport'],
  ['tun_dport', 'INTEGER', 'tunDport'],
  ['outer_ver', 'UTINYINT', 'outerVer'],
  ['outer_src', 'UINTEGER', 'outerSrc'],
  ['outer_dst', 'UINTEGER', 'outerDst'],
  ['outer_proto', 'UTINYINT', 'outerProto'],
  ['outer_ttl', 'UTINYINT', 'outerTtl'],
  ['outer_len', 'UINTEGER', 'outerLen'],
  ['outer_frag', 'USMALLINT', 'outerFrag'],
  ['inner_ver', 'UTINYINT', 'innerVer'],
  ['inner_src', 'UINTEGER', 'innerSrc'],
  ['inner_dst', 'UINTEGER', 'innerDst'],
  ['inner_proto', 'UTINYINT', 'innerProto'],
  ['inner_ttl', 'UTINYINT', 'innerTtl'],
  ['ip_id', 'UINTEGER', 'ipId'],
  ['inner_len', 'UINTEGER', 'innerLen'],
  ['inner_frag', 'USMALLINT', 'innerFrag'],
  ['sport', 'INTEGER', 'sport'],
  ['dport', 'INTEGER', 'dport'],
  ['tcp_seq', 'UINTEGER', 'tcpSeq'],
  ['tcp_ack', 'UINTEGER', 'tcpAck'],
  ['tcp_flags', 'USMALLINT', 'tcpFlags'],
  ['tcp_win', 'USMALLINT', 'tcpWin'],
  ['icmp_type', 'SMALLINT', 'icmpType'],
  ['icmp_code', 'SMALLINT', 'icmpCode'],
  ['icmp_id', 'INTEGER', 'icmpId'],
  ['icmp_seq', 'INTEGER', 'icmpSeq'],
  ['pay_len', 'UINTEGER', 'payLen'],
  ['pay_hash', 'UINTEGER', 'payHash'],
  ['inner_mac_src_id', 'INTEGER', 'innerMacSrc'],
  ['inner_mac_dst_id', 'INTEGER', 'innerMacDst'],
  ['outer_mac_src_id', 'INTEGER', 'outerMacSrc'],
  ['outer_mac_dst_id', 'INTEGER', 'outerMacDst'],
];

/**
 * What the streaming read knows of each row beyond the table (row-indexed like it): where the record
 * sits in its file and on which interface (so the app can fetch it again for the full decode), its
 * captured length and the decoder's Protocol column. Written as file_offset, iface, cap_len, proto.
 */
export interface RowSide {
  readonly fileOffset: Float64Array;
  readonly iface: Uint32Array;
  readonly capLen: Uint32Array;
  readonly protoId: Uint8Array;
}

/**
 * Text columns leave as DuckDB ENUMs: a column of small integers indexing a list of texts. The
 * Parquet writer writes the list as the column chunk's dictionary and the integers as its indexes,
 * so no text is made or hashed per row, and a reader sees an ordinary text column (the Parquet
 * schema is UTF8 either way). Each row's index is worked out here, in one pass over the table.
 */
class Dictionary {
  readonly texts: string[] = [];
  private readonly ids = new Map<string, number>();

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.texts.push(text);
      this.ids.set(text, id);
    }
    return id;
  }

  /** The ENUM type of these texts, and `ids` narrowed to its index width. */
  column(api: Api, name: string, ids: Ids, repeat?: boolean): Staged {
    const type = api.ENUM(this.texts);
    return { name, type, data: narrow(ids, this.texts.length), repeat };
  }
}

type Ids = Uint8Array | Uint16Array | Uint32Array;

/** `n` indexes into an ENUM of `size` texts: DuckDB stores up to 255 in 1 byte, up to 65,535 in 2, more in 4. */
function indexArray(size: number, n: number): Ids {
  return size > 65535 ? new Uint32Array(n) : size > 255 ? new Uint16Array(n) : new Uint8Array(n);
}

/** `ids` as the index width of an ENUM of `size` texts. */
function narrow(ids: Ids, size: number): Ids {
  const out = indexArray(size, 0);
  if (out.BYTES_PER_ELEMENT === ids.BYTES_PER_ELEMENT) return ids;
  const n = indexArray(size, ids.length);
  n.set(ids);
  return n;
}

/** An ENUM column over a fixed list of names whose index the table already holds (tunnel, proto). */
function namedColumn(api: Api, name: string, names: readonly string[], values: Uint8Array): Staged {
  for (let r = 0; r < values.length; r++)
    if (values[r] >= names.length) throw new Error(`row ${r}: ${name} ${values[r]} is none of the ${names.length} known`);
  return { name, type: api.ENUM(names), data: values };
}

/**
 * Address ids of rows [first, end): IPv4 numbers and IPv6 ids (the table's address columns) to ids of
 * their text in one dictionary shared by every address column. IPv4 numbers go through an
 * open-addressing table of typed arrays (no allocation per row).
 */
class Addresses {
  readonly dict = new Dictionary();
  private keys = new Uint32Array(256);
  /** id + 1; 0 = empty slot. */
  private vals = new Int32Array(256);
  private size = 0;
  private readonly v6: Int32Array;

  constructor(private readonly t: PacketTable) {
    this.v6 = new Int32Array(t.ip6.length).fill(-1);
  }

  /** The id of address `v` of IP version `ver` (4 or 6); 0 for any other version (the row's text is NULL). */
  id(ver: number, v: number): number {
    if (ver === 4) return this.id4(v);
    if (ver !== 6) return 0;
    const id = this.v6[v];
    return id >= 0 ? id : (this.v6[v] = this.dict.id(this.t.ip6[v]));
  }

  private id4(v: number): number {
    const mask = this.vals.length - 1;
    let i = (Math.imul(v, 0x9e3779b1) >>> 16) & mask;
    for (;;) {
      const x = this.vals[i];
      if (x === 0) break;
      if (this.keys[i] === v) return x - 1;
      i = (i + 1) & mask;
    }
    const id = this.dict.id(ip4ToString(v));
    this.keys[i] = v;
    this.vals[i] = id + 1;
    if (++this.size * 2 > this.vals.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const { keys, vals } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.vals = new Int32Array(vals.length * 2);
    const mask = this.vals.length - 1;
    for (let j = 0; j < vals.length; j++) {
      if (vals[j] === 0) continue;
      let i = (Math.imul(keys[j], 0x9e3779b1) >>> 16) & mask;
      while (this.vals[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = keys[j];
      this.vals[i] = vals[j];
    }
  }

  /** Ids of one address column over rows [first, end), `ver` giving each row's version. */
  column(ver: Uint8Array, v: Uint32Array, first: number, end: number): Uint32Array {
    const out = new Uint32Array(end - first);
    let lastVer = -1;
    let lastV = -1;
    let lastId = 0;
    for (let r = first; r < end; r++) {
      const a = ver[r];
      const x = v[r];
      if (a !== lastVer || x !== lastV) {
        lastId = this.id(a, x);
        lastVer = a;
        lastV = x;
      }
      out[r - first] = lastId;
    }
    return out;
  }
}

/**
 * ICMP errors' quoted packet over rows [first, end) (-1 where the row quotes nothing), address ids in
 * `addrs`. Few rows quote anything: a range without ICMP errors gets one chunk of "nothing" repeated.
 */
function quotedColumns(api: Api, t: PacketTable, first: number, end: number, addrs: Addresses) {
  const errors = t.icmpErrors.filter((e) => e.row >= first && e.row < end);
  const repeat = errors.length === 0;
  const n = repeat ? CHUNK : end - first;
  const has = new Uint8Array(n);
  const src = new Uint32Array(n);
  const dst = new Uint32Array(n);
  const proto = new Int16Array(n).fill(-1);
  const id = new Int32Array(n).fill(-1);
  const sport = new Int32Array(n).fill(-1);
  const dport = new Int32Array(n).fill(-1);
  const seq = new Float64Array(n).fill(-1);
  for (const e of errors) {
    const r = e.row - first;
    // The quoted packet's addresses are of the error's IP version (an ICMPv6 error quotes IPv6).
    if (e.quotedSrc >= 0) {
      has[r] = 1;
      src[r] = addrs.id(t.innerVer[e.row], e.quotedSrc);
      dst[r] = addrs.id(t.innerVer[e.row], e.quotedDst);
    }
    proto[r] = e.quotedProto;
    id[r] = e.quotedId;
    sport[r] = e.quotedSport;
    dport[r] = e.quotedDport;
    seq[r] = e.quotedSeq;
  }
  return {
    raw: [
      { name: 'q_has', type: api.UTINYINT, data: has, repeat },
      { name: 'q_proto', type: api.SMALLINT, data: proto, repeat },
      { name: 'q_id', type: api.INTEGER, data: id, repeat },
      { name: 'q_sport', type: api.INTEGER, data: sport, repeat },
      { name: 'q_dport', type: api.INTEGER, data: dport, repeat },
      { name: 'q_seq', type: api.DOUBLE, data: seq, repeat },
    ] satisfies Staged[],
    src,
    dst,
    repeat,
  };
}

/** A MAC column's ids (the table's) over rows [first, end), NULL ones (-1) as 0: the SQL nulls them by the raw id. */
function macIds(macs: number, ids: Int32Array, first: number, end: number): Ids {
  const out = indexArray(macs, end - first);
  for (let r = first; r < end; r++) out[r - first] = ids[r] < 0 ? 0 : ids[r];
  return out;
}

/**
 * Every column the table function hands DuckDB for rows [first, end) of the table: those of the
 * capture `captureId`, whose points are `points` (ids of the dataset).
 */
function stagedColumns(
  api: Api,
  captureId: string,
  t: PacketTable,
  first: number,
  end: number,
  points: ReadonlyMap<number, string>,
  side?: RowSide,
): Staged[] {
  const range = <T extends ArrayBufferView & { subarray(a: number, b: number): T }>(a: T) => a.subarray(first, end);
  const out: Staged[] = RAW.map(([name, type, key]) => ({ name, type: api[type] as DuckDBType, data: range(t[key]) }));

  // The capture's name, the same in every row: one index repeated (a text constant is hashed per row by the writer).
  const capture = new Dictionary();
  capture.id(captureId);
  out.push(capture.column(api, 'capture', new Uint8Array(CHUNK), true));

  const pointDict = new Dictionary();
  const ofPoint = new Int32Array(Math.max(0, ...points.keys()) + 1).fill(-1);
  for (const [pt, id] of points) ofPoint[pt] = pointDict.id(id);
  const pointIds = indexArray(pointDict.texts.length, end - first);
  for (let r = first; r < end; r++) {
    const id = ofPoint[t.point[r]] ?? -1;
    if (id < 0) throw new Error(`row ${r}: capture point ${t.point[r]} is not one of the capture's`);
    pointIds[r - first] = id;
  }
  out.push(pointDict.column(api, 'point', pointIds));
  out.push(namedColumn(api, 'tunnel', TUNNEL_NAMES, range(t.tunnel)));

  const addrs = new Addresses(t);
  const addrCols = [
    ['outer_src_t', t.outerVer, t.outerSrc],
    ['outer_dst_t', t.outerVer, t.outerDst],
    ['inner_src_t', t.innerVer, t.innerSrc],
    ['inner_dst_t', t.innerVer, t.innerDst],
  ] as const;
  const addrIds = addrCols.map(([name, ver, v]) => [name, addrs.column(ver, v, first, end)] as const);
  const q = quotedColumns(api, t, first, end, addrs);
  out.push(...q.raw);
  for (const [name, ids] of addrIds) out.push(addrs.dict.column(api, name, ids));
  out.push(addrs.dict.column(api, 'q_src_t', q.src, q.repeat), addrs.dict.column(api, 'q_dst_t', q.dst, q.repeat));

  const macs = new Dictionary();
  for (const m of t.macs) macs.id(m.toString(16).padStart(12, '0'));
  out.push(macs.column(api, 'inner_mac_src', macIds(t.macs.length, t.innerMacSrc, first, end)));
  out.push(macs.column(api, 'inner_mac_dst', macIds(t.macs.length, t.innerMacDst, first, end)));
  out.push(macs.column(api, 'outer_mac_src', macIds(t.macs.length, t.outerMacSrc, first, end)));
  out.push(macs.column(api, 'outer_mac_dst', macIds(t.macs.length, t.outerMacDst, first, end)));

  if (side) {
    out.push({ name: 'file_offset', type: api.DOUBLE, data: range(side.fileOffset) });
    out.push({ name: 'iface', type: api.UINTEGER, data: range(side.iface) });
    out.push({ name: 'cap_len', type: api.UINTEGER, data: range(side.capLen) });
    out.push(namedColumn(api, 'proto', PROTO_IDS, range(side.protoId)));
  }
  return out;
}

function nullIf(e: string, absent: number | string = -1): string {
  return `NULLIF(${e}, ${absent})`;
}

/** An address column: its text where the row has an address of that version (4 or 6). */
function addrText(ver: string, v: string): string {
  return `CASE WHEN ${ver} IN (4, 6) THEN ${v} END`;
}

function macText(id: string, text: string): string {
  return `CASE WHEN ${id} >= 0 THEN ${text} END`;
}

/** The dataset schema of `packets`, as a SELECT over the staged columns (the table function `rows`). */
function packetSelect(rows: string, epochSec: number, side: boolean): string {
  return `SELECT
    capture,
    point,
    idx,
    CAST(${epochSec} AS BIGINT) * 1000000000 + CAST(t_rel AS BIGINT) AS t_ns,
    orig_len, flags, NULLIF(pkt_type, 255) AS pkt_type, levels, ip_count,
    tunnel,
    ${nullIf('vni')} AS vni, ${nullIf('tun_sport')} AS tun_sport, ${nullIf('tun_dport')} AS tun_dport,
    NULLIF(outer_ver, 0) AS outer_ver,
    ${addrText('outer_ver', 'outer_src_t')} AS outer_src,
    ${addrText('outer_ver', 'outer_dst_t')} AS outer_dst,
    NULLIF(outer_proto, 255) AS outer_proto, outer_ttl, outer_len, outer_frag,
    NULLIF(inner_ver, 0) AS inner_ver,
    ${addrText('inner_ver', 'inner_src_t')} AS inner_src,
    ${addrText('inner_ver', 'inner_dst_t')} AS inner_dst,
    CASE WHEN inner_ver = 4 THEN inner_src END AS inner_src4,
    CASE WHEN inner_ver = 4 THEN inner_dst END AS inner_dst4,
    CASE WHEN outer_ver = 4 THEN outer_src END AS outer_src4,
    CASE WHEN outer_ver = 4 THEN outer_dst END AS outer_dst4,
    NULLIF(inner_proto, 255) AS inner_proto, inner_ttl, ip_id, inner_len, inner_frag,
    ${nullIf('sport')} AS sport, ${nullIf('dport')} AS dport,
    tcp_seq, tcp_ack, tcp_flags, tcp_win,
    ${nullIf('icmp_type')} AS icmp_type, ${nullIf('icmp_code')} AS icmp_code,
    ${nullIf('icmp_id')} AS icmp_id, ${nullIf('icmp_seq')} AS icmp_seq,
    pay_len, pay_hash,
    ${macText('inner_mac_src_id', 'inner_mac_src')} AS inner_mac_src, ${macText('inner_mac_dst_id', 'inner_mac_dst')} AS inner_mac_dst,
    ${macText('outer_mac_src_id', 'outer_mac_src')} AS outer_mac_src, ${macText('outer_mac_dst_id', 'outer_mac_dst')} AS outer_mac_dst,
    CASE WHEN q_has = 1 THEN ${addrText('inner_ver', 'q_src_t')} END AS q_src,
    CASE WHEN q_has = 1 THEN ${addrText('inner_ver', 'q_dst_t')} END AS q_dst,
    ${nullIf('q_proto')} AS q_proto, ${nullIf('q_id')} AS q_id,
    ${nullIf('q_sport')} AS q_sport, ${nullIf('q_dport')} AS q_dport,
    CASE WHEN q_seq >= 0 THEN CAST(q_seq AS UBIGINT) END AS q_seq${side ? ',\n    CAST(file_offset AS BIGINT) AS file_offset, iface, cap_len, proto' : ''}
  FROM ${rows}()`;
}

/**
 * Distinct values past which a column chunk is written plain instead of dictionary-encoded.
 * DuckDB's default (a twentieth of a row group) keeps hashing every value of the columns that are
 * nearly all distinct (times, sequence numbers, hashes) long after a dictionary stopped paying:
 * the limit makes the write a third cheaper for the same size.
 */
const DICTIONARY_LIMIT = 1024;

let scans = 0;

/**
 * Registers a table function that scans rows [first, end) of the table: each call fills one output
 * chunk by copying 2,048 values of each column straight from its typed array into the vector. The
 * COPY reads it like a table, so nothing is staged in between. Returns the function's name.
 */
async function registerRows(
  db: DuckDBConnection,
  capture: string,
  t: PacketTable,
  first: number,
  end: number,
  points: ReadonlyMap<number, string>,
  side?: RowSide,
): Promise<string> {
  const api = duckApi();
  const bindings = duckBindings();
  const staged = stagedColumns(api, capture, t, first, end, points, side);
  const arrays = staged.map((c) => c.data);
  const widths = arrays.map((a) => (a as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
  const repeats = staged.map((c) => c.repeat === true);
  const name = `tv_rows_${++scans}`;
  const count = end - first;
  let next = 0;
  const fn = api.DuckDBTableFunction.create({
    name,
    bindFunction: (b) => {
      for (const c of staged) b.addResultColumn(c.name, c.type);
      b.setCardinality(count, true);
    },
    // One scan, in row order: the rows of a capture stay in file order.
    initFunction: (i) => i.setMaxThreads(1),
    mainFunction: (_info, out) => {
      const n = Math.min(CHUNK, count - next);
      out.rowCount = n;
      for (let i = 0; i < arrays.length; i++) {
        const a = arrays[i];
        const w = widths[i];
        bindings.copy_data_to_vector(
          bindings.data_chunk_get_vector(out.chunk, i),
          0,
          a.buffer as ArrayBuffer,
          a.byteOffset + (repeats[i] ? 0 : next * w),
          n * w,
        );
      }
      next += n;
    },
  });
  db.registerTableFunction(fn);
  return name;
}

export interface PacketsWritten {
  readonly capture: string;
  readonly path: string;
  readonly packets: number;
}

/**
 * Writes one capture's packets (its rows of the set's table, contiguous from `file.firstRow`) to
 * `<dir>/packets/<capture>.parquet`: written under a temporary name and renamed, so a reader never
 * sees half a file.
 */
export async function writePackets(
  db: DuckDBConnection,
  d: Pick<CaptureSetData, 'table' | 'points'>,
  file: Pick<FileDraft, 'id' | 'path' | 'firstRow' | 'packetCount' | 'points'>,
  dir: string,
  prefix = '',
  side?: RowSide,
): Promise<PacketsWritten> {
  const t = d.table;
  const capture = prefix + file.id;
  await mkdir(join(dir, 'packets'), { recursive: true });
  const points = new Map(file.points.map((i) => [i, prefix + d.points[i].id]));
  const rows = await registerRows(db, capture, t, file.firstRow, file.firstRow + file.packetCount, points, side);
  const path = join(dir, 'packets', `${safeName(capture)}.parquet`);
  const tmp = `${path}.tmp`;
  const epoch = Number.isNaN(t.epochSec) ? 0 : t.epochSec;
  try {
    await oneThread(db, () =>
      db.run(
        `COPY (${packetSelect(rows, epoch, side !== undefined)}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT ${DICTIONARY_LIMIT}, KV_METADATA {source: ${sqlString(file.path)}})`,
      ),
    );
    await refuseClash(db, path, tmp, capture, file.path);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { capture, path, packets: file.packetCount };
}

/**
 * Runs `f` with DuckDB on one thread. The COPY of a capture has one source, the table function, whose
 * rows come from this (JavaScript) thread one chunk at a time; every other DuckDB thread finds no
 * task and polls for one while it waits: on 1M packets over 8 files a second thread cost 0.5 to 0.8 s
 * more CPU (2.6 to 2.8 s against 2.1) and more wall time too.
 */
async function oneThread<T>(db: DuckDBConnection, f: () => Promise<T>): Promise<T> {
  const threads = Number((await db.runAndReadAll(`SELECT current_setting('threads')`)).getRows()[0][0]);
  if (threads === 1) return f();
  await db.run('SET threads = 1');
  try {
    return await f();
  } finally {
    await db.run(`SET threads = ${threads}`);
  }
}

/** The first row's time, length and payload hash: what tells one capture from another of the same name. */
const FIRST = (f: string) => `(SELECT row(t_ns, orig_len, pay_hash) FROM read_parquet(${sqlString(f)}) WHERE idx = 0)`;

/**
 * The rows already at `path` are replaced only when they are this capture's (the same first packet:
 * the same file exported again, or grown since). Another capture of the same name (eth0.pcap from
 * two nodes) is refused, naming where the rows there came from: nothing is lost silently.
 */
async function refuseClash(db: DuckDBConnection, path: string, tmp: string, capture: string, source: string): Promise<void> {
  if (!existsSync(path)) return;
  const same = await db.runAndReadAll(`SELECT ${FIRST(tmp)} IS NOT DISTINCT FROM ${FIRST(path)}`);
  if (same.getRows()[0][0] === true) return;
  let from = 'another capture';
  try {
    const kv = await db.runAndReadAll(`SELECT decode(value) FROM parquet_kv_metadata(${sqlString(path)}) WHERE decode(key) = 'source'`);
    const v = kv.getRows()[0]?.[0];
    if (typeof v === 'string' && v) from = v;
  } catch {
    // A file written before the source was recorded: 'another capture' it is.
  }
  throw new Error(
    `${path} already holds the rows of a different capture named ${capture} (from ${from}); ${source} was not written: ` +
      `give each node's captures their own names with --prefix (e.g. --prefix node1-)`,
  );
}

/** A capture id as a file name (ids are base names, but ' (2)' suffixes and odd characters happen). */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}
