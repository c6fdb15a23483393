// The `packets` table of a dataset: one row per sighting (one packet at one capture point), taken
// from the path finder's own PacketTable (the decoder's fast path, main/topology/load.ts), so the
// SQL correlation matches on exactly the fields the in-process journey key hashes
// (main/topology/journeys.ts). A table function hands DuckDB the typed-array columns, copied into
// its vectors 2,048 rows at a time (no per-value conversion), and one COPY whose SELECT turns the
// raw columns into the dataset's schema (text addresses, NULL for "absent", absolute times) writes
// the Parquet file.
//
// The map step: one capture file in, `packets/<capture>.parquet` out. Files are independent, so the
// step runs beside the captures (one process per node or per file).

import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { PROTO_IDS, TUNNEL_NAMES } from '../engine/decode/types';
import type { CaptureSetData } from '../topology/load';
import type { FileDraft } from '../topology/analyze';
import type { PacketTable } from '../topology/table';
import { sqlString } from './duck';

type Column = { readonly name: string; readonly type: string; readonly get: (t: PacketTable, q: Quoted) => ArrayBufferView };

/** ICMP errors' quoted packet as row-indexed columns (-1 where the row quotes nothing). */
interface Quoted {
  src: Float64Array;
  dst: Float64Array;
  proto: Int16Array;
  id: Int32Array;
  sport: Int32Array;
  dport: Int32Array;
  seq: Float64Array;
}

const col = (name: string, type: string, key: keyof PacketTable): Column => ({ name, type, get: (t) => t[key] as ArrayBufferView });
/** A MAC column: the table keeps ids, the dataset the 48-bit numbers. */
const mac = (name: string, key: 'innerMacSrc' | 'innerMacDst' | 'outerMacSrc' | 'outerMacDst'): Column => ({
  name,
  type: 'DOUBLE',
  get: (t) => {
    const ids = t[key];
    const out = new Float64Array(t.count);
    for (let r = 0; r < out.length; r++) out[r] = t.mac(ids[r]);
    return out;
  },
});
const q = (name: string, type: string, key: keyof Quoted): Column => ({ name, type, get: (_t, x) => x[key] });

/** Raw columns: each the bytes of one PacketTable array. */
const STAGED: readonly Column[] = [
  col('idx', 'UINTEGER', 'index'),
  col('pt', 'USMALLINT', 'point'),
  col('t_rel', 'DOUBLE', 'tNs'),
  col('orig_len', 'UINTEGER', 'origLen'),
  col('flags', 'USMALLINT', 'flags'),
  col('pkt_type', 'UTINYINT', 'pktType'),
  col('levels', 'UTINYINT', 'levels'),
  col('ip_count', 'UTINYINT', 'ipCount'),
  col('tunnel', 'UTINYINT', 'tunnel'),
  col('vni', 'INTEGER', 'vni'),
  col('tun_sport', 'INTEGER', 'tunSport'),
  col('tun_dport', 'INTEGER', 'tunDport'),
  col('outer_ver', 'UTINYINT', 'outerVer'),
  col('outer_src', 'UINTEGER', 'outerSrc'),
  col('outer_dst', 'UINTEGER', 'outerDst'),
  col('outer_proto', 'UTINYINT', 'outerProto'),
  col('outer_ttl', 'UTINYINT', 'outerTtl'),
  col('outer_len', 'UINTEGER', 'outerLen'),
  col('outer_frag', 'USMALLINT', 'outerFrag'),
  col('inner_ver', 'UTINYINT', 'innerVer'),
  col('inner_src', 'UINTEGER', 'innerSrc'),
  col('inner_dst', 'UINTEGER', 'innerDst'),
  col('inner_proto', 'UTINYINT', 'innerProto'),
  col('inner_ttl', 'UTINYINT', 'innerTtl'),
  col('ip_id', 'UINTEGER', 'ipId'),
  col('inner_len', 'UINTEGER', 'innerLen'),
  col('inner_frag', 'USMALLINT', 'innerFrag'),
  col('sport', 'INTEGER', 'sport'),
  col('dport', 'INTEGER', 'dport'),
  col('tcp_seq', 'UINTEGER', 'tcpSeq'),
  col('tcp_ack', 'UINTEGER', 'tcpAck'),
  col('tcp_flags', 'USMALLINT', 'tcpFlags'),
  col('tcp_win', 'USMALLINT', 'tcpWin'),
  col('icmp_type', 'SMALLINT', 'icmpType'),
  col('icmp_code', 'SMALLINT', 'icmpCode'),
  col('icmp_id', 'INTEGER', 'icmpId'),
  col('icmp_seq', 'INTEGER', 'icmpSeq'),
  col('pay_len', 'UINTEGER', 'payLen'),
  col('pay_hash', 'UINTEGER', 'payHash'),
  mac('inner_mac_src', 'innerMacSrc'),
  mac('inner_mac_dst', 'innerMacDst'),
  mac('outer_mac_src', 'outerMacSrc'),
  mac('outer_mac_dst', 'outerMacDst'),
  q('q_src', 'DOUBLE', 'src'),
  q('q_dst', 'DOUBLE', 'dst'),
  q('q_proto', 'SMALLINT', 'proto'),
  q('q_id', 'INTEGER', 'id'),
  q('q_sport', 'INTEGER', 'sport'),
  q('q_dport', 'INTEGER', 'dport'),
  q('q_seq', 'DOUBLE', 'seq'),
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

const sideColumns = (side: RowSide): Column[] => [
  { name: 'file_offset', type: 'DOUBLE', get: () => side.fileOffset },
  { name: 'iface', type: 'UINTEGER', get: () => side.iface },
  { name: 'cap_len', type: 'UINTEGER', get: () => side.capLen },
  { name: 'proto_id', type: 'UTINYINT', get: () => side.protoId },
];

/** The side columns in the dataset's schema. */
function sideSelect(): string {
  const protos = PROTO_IDS.map((n, i) => `WHEN ${i} THEN ${sqlString(n)}`).join(' ');
  return `,
    CAST(file_offset AS BIGINT) AS file_offset, iface, cap_len, CASE proto_id ${protos} END AS proto`;
}

/** Row-indexed over the whole table, filled for rows [first, end) only. */
function quotedColumns(t: PacketTable, first: number, end: number): Quoted {
  const n = t.count;
  const x: Quoted = {
    src: new Float64Array(n).fill(-1),
    dst: new Float64Array(n).fill(-1),
    proto: new Int16Array(n).fill(-1),
    id: new Int32Array(n).fill(-1),
    sport: new Int32Array(n).fill(-1),
    dport: new Int32Array(n).fill(-1),
    seq: new Float64Array(n).fill(-1),
  };
  for (const e of t.icmpErrors) {
    if (e.row < first || e.row >= end) continue;
    x.src[e.row] = e.quotedSrc;
    x.dst[e.row] = e.quotedDst;
    x.proto[e.row] = e.quotedProto;
    x.id[e.row] = e.quotedId;
    x.sport[e.row] = e.quotedSport;
    x.dport[e.row] = e.quotedDport;
    x.seq[e.row] = e.quotedSeq;
  }
  return x;
}

/** IPv4 number (a UINTEGER/BIGINT expression) as dotted text. */
function ip4Text(e: string): string {
  return `concat((${e} >> 24) & 255, '.', (${e} >> 16) & 255, '.', (${e} >> 8) & 255, '.', ${e} & 255)`;
}

/** Address column text: IPv4 number, or IPv6 id looked up in the ip6 table. */
function addrText(ver: string, v: string, has6: boolean): string {
  const v6 = has6 ? `(SELECT a FROM ip6 WHERE ip6.id = ${v})` : 'NULL';
  return `CASE WHEN ${ver} = 4 THEN ${ip4Text(v)} WHEN ${ver} = 6 THEN ${v6} END`;
}

function nullIf(e: string, absent: number | string = -1): string {
  return `NULLIF(${e}, ${absent})`;
}

function macText(e: string): string {
  return `CASE WHEN ${e} >= 0 THEN lower(printf('%012x', CAST(${e} AS BIGINT))) END`;
}

/** The dataset schema of `packets`, as a SELECT over the raw columns `s` (the table function `rows`). */
function packetSelect(rows: string, capture: string, epochSec: number, has6: boolean, side: boolean): string {
  const tunnels = TUNNEL_NAMES.map((n, i) => `WHEN ${i} THEN ${sqlString(n)}`).join(' ');
  const quotedVer = `CASE WHEN icmp_type IS NOT NULL THEN inner_ver END`;
  return `SELECT
    ${sqlString(capture)} AS capture,
    p.id AS point,
    s.idx AS idx,
    CAST(${epochSec} AS BIGINT) * 1000000000 + CAST(s.t_rel AS BIGINT) AS t_ns,
    orig_len, flags, NULLIF(pkt_type, 255) AS pkt_type, levels, ip_count,
    CASE tunnel ${tunnels} END AS tunnel,
    ${nullIf('vni')} AS vni, ${nullIf('tun_sport')} AS tun_sport, ${nullIf('tun_dport')} AS tun_dport,
    NULLIF(outer_ver, 0) AS outer_ver,
    ${addrText('outer_ver', 'outer_src', has6)} AS outer_src,
    ${addrText('outer_ver', 'outer_dst', has6)} AS outer_dst,
    NULLIF(outer_proto, 255) AS outer_proto, outer_ttl, outer_len, outer_frag,
    NULLIF(inner_ver, 0) AS inner_ver,
    ${addrText('inner_ver', 'inner_src', has6)} AS inner_src,
    ${addrText('inner_ver', 'inner_dst', has6)} AS inner_dst,
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
    ${macText('inner_mac_src')} AS inner_mac_src, ${macText('inner_mac_dst')} AS inner_mac_dst,
    ${macText('outer_mac_src')} AS outer_mac_src, ${macText('outer_mac_dst')} AS outer_mac_dst,
    CASE WHEN q_src >= 0 THEN ${addrText(quotedVer, 'CAST(q_src AS BIGINT)', has6)} END AS q_src,
    CASE WHEN q_dst >= 0 THEN ${addrText(quotedVer, 'CAST(q_dst AS BIGINT)', has6)} END AS q_dst,
    ${nullIf('q_proto')} AS q_proto, ${nullIf('q_id')} AS q_id,
    ${nullIf('q_sport')} AS q_sport, ${nullIf('q_dport')} AS q_dport,
    CASE WHEN q_seq >= 0 THEN CAST(q_seq AS UBIGINT) END AS q_seq${side ? sideSelect() : ''}
  FROM ${rows}() s JOIN pts p ON p.pt = s.pt`;
}

const CHUNK = 2048;

let scans = 0;

/**
 * Registers a table function that scans rows [first, end) of the table: each call fills one output
 * chunk by copying 2,048 values of each column straight from its typed array into the vector. The
 * COPY reads it like a table, so nothing is staged in between. Returns the function's name.
 */
async function registerRows(db: DuckDBConnection, t: PacketTable, first: number, end: number, side?: RowSide): Promise<string> {
  const api = await import('@duckdb/node-api');
  const bindings = (await import('@duckdb/node-bindings')).default;
  const staged = side ? [...STAGED, ...sideColumns(side)] : STAGED;
  const types = staged.map((c) => {
    const ty = (api as unknown as Record<string, unknown>)[c.type];
    if (!ty) throw new Error(`no DuckDB type ${c.type}`);
    return ty as DuckDBType;
  });
  const quoted = quotedColumns(t, first, end);
  const arrays = staged.map((c) => c.get(t, quoted));
  const widths = arrays.map((a) => (a as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
  const name = `tv_rows_${++scans}`;
  let next = first;
  const fn = api.DuckDBTableFunction.create({
    name,
    bindFunction: (b) => {
      staged.forEach((c, i) => b.addResultColumn(c.name, types[i]));
      b.setCardinality(end - first, true);
    },
    // One scan, in row order: the rows of a capture stay in file order.
    initFunction: (i) => i.setMaxThreads(1),
    mainFunction: (_info, out) => {
      const n = Math.min(CHUNK, end - next);
      out.rowCount = n;
      for (let i = 0; i < arrays.length; i++) {
        const a = arrays[i];
        const w = widths[i];
        bindings.copy_data_to_vector(
          bindings.data_chunk_get_vector(out.chunk, i),
          0,
          a.buffer as ArrayBuffer,
          a.byteOffset + next * w,
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
  await db.run('CREATE OR REPLACE TEMP TABLE pts (pt USMALLINT, id VARCHAR)');
  await db.run('CREATE OR REPLACE TEMP TABLE ip6 (id UINTEGER, a VARCHAR)');
  if (file.points.length)
    await db.run(`INSERT INTO pts VALUES ${file.points.map((i) => `(${i}, ${sqlString(prefix + d.points[i].id)})`).join(', ')}`);
  if (t.ip6.length) await db.run(`INSERT INTO ip6 VALUES ${t.ip6.map((a, i) => `(${i}, ${sqlString(a)})`).join(', ')}`);
  const rows = await registerRows(db, t, file.firstRow, file.firstRow + file.packetCount, side);
  const path = join(dir, 'packets', `${safeName(capture)}.parquet`);
  const tmp = `${path}.tmp`;
  const epoch = Number.isNaN(t.epochSec) ? 0 : t.epochSec;
  try {
    await db.run(
      `COPY (${packetSelect(rows, capture, epoch, t.ip6.length > 0, side !== undefined)}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {source: ${sqlString(file.path)}})`,
    );
    await refuseClash(db, path, tmp, capture, file.path);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await db.run('DROP TABLE IF EXISTS pts; DROP TABLE IF EXISTS ip6');
  }
  return { capture, path, packets: file.packetCount };
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
