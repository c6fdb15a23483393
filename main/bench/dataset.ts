// Dataset benchmark (issue 15). Three parts:
//
// - export: the correlation benchmark's 8-capture set (topology.ts, every packet seen at all 8
//   points) through `export --parquet --packets-only`, DuckDB on one thread: packets per second of
//   CPU time (read, decode, stage, write Parquet), the figure the goal (>= 1M/s per core) is about.
// - export of a whole set: the same 8 captures at 100,000 sightings through `export --parquet`
//   (no --packets-only): packets, then the analysis and every table made from it (journeys, hops,
//   journey_objects: each journey built once and written as JSON), CPU time of each part.
// - correlate: the SQL path finder (correlate.sql) in embedded DuckDB, every journey and hop
//   materialised, then every verdict (verdict.sql), with DuckDB held to 3 GB and 2 threads and a
//   spill directory of its own, so the process stays within the 4 GB goal: time, CPU time and peak
//   memory. By default on that exported set (its 8 points and 2 nodes given as tables); with
//   `--dataset-packets N` (or TUNNELVISION_BENCH_DATASET_PACKETS) on a synthetic dataset of N sightings over 64 captures
//   (32 nodes, each with a bridge and an underlay capture; every packet crosses a VXLAN tunnel and
//   is seen 4 times), generated straight into Parquet by DuckDB: the issue's 100M-packet goal is
//   `--dataset-packets 100M`.
// - open: the app opens that exported set to its first rows (main/dataset/app-source.ts, in a fresh
//   process, DuckDB's module load included): the time to the first page of 100 rows (goal < 2 s), then
//   the numbering of every packet, a page in the middle and a filtered page.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCount } from '../engine/readers/budget';
import { correlate } from '../dataset/correlate';
import { openDuck, queryRows, sqlString } from '../dataset/duck';
import { exportDataset, type ExportOptions } from '../dataset/export';
import { attachDataset } from '../dataset/open';
import { DatasetSource } from '../dataset/app-source';
import { fmt, row } from './measure';
import { ensureTopologySet, POINTS } from './topology';
import type { BenchContext, BenchSection, StepReport } from './types';

const VERSION = 3;
const root = () => join(tmpdir(), 'tunnelvision-bench');
/**
 * The goal is the whole process within 4 GB; DuckDB's limit covers its buffer manager only (not
 * Node, the native allocator's slack or Parquet readers' buffers), so it is set a gigabyte lower.
 */
const MEMORY_GOAL = 4 * 1024 ** 3;
const MEMORY_LIMIT = '3GB';
const THREADS = 2;

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

/** Exports the 8-capture set of `sightings` into a fresh `<name>-<sightings>` folder, DuckDB on one thread, timed. */
async function timedExport(sightings: number, name: string, opts: ExportOptions) {
  const paths = ensureTopologySet(sightings);
  const dir = join(root(), `${name}-${sightings}-v${VERSION}`);
  rmSync(dir, { recursive: true, force: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await exportDataset(paths, dir, { ...opts, duck: { threads: 1 } });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const failed = r.files.filter((f) => !f.parquet);
  if (failed.length) throw new Error(`export failed: ${failed.map((f) => `${f.capture}: ${f.problems.join('; ')}`).join(', ')}`);
  return { r, dir, ms, cpuS: (cpu.user + cpu.system) / 1e6, bytes: paths.reduce((n, p) => n + statSync(p).size, 0) };
}

/** The map step on the 8-capture set, DuckDB on one thread. */
async function exportStep(_capture: string, args: string[]): Promise<StepReport> {
  const { r, dir, ms, cpuS, bytes } = await timedExport(Number(args[0]), 'dataset-export', { packetsOnly: true });
  return {
    packets: r.packets,
    bytes,
    ms,
    extra: {
      'cpu s': cpuS.toFixed(2),
      'packets/s per core': Math.round(r.packets / cpuS),
      'parquet bytes': dirBytes(dir),
      dir,
    },
  };
}

/** Sightings of the whole-set export: every table of the analysis, so a set the path finder handles in seconds. */
const SET_SIGHTINGS = 100_000;

/** The whole-set export of the 8-capture set, DuckDB on one thread. */
async function exportSetStep(_capture: string, args: string[]): Promise<StepReport> {
  const { r, dir, ms, cpuS, bytes } = await timedExport(Number(args[0]), 'dataset-set', {});
  rmSync(dir, { recursive: true, force: true });
  return {
    packets: r.packets,
    bytes,
    ms,
    extra: {
      'cpu s': cpuS.toFixed(2),
      'packet files s': r.packetSeconds.toFixed(2),
      'analysis and tables s': r.tableSeconds.toFixed(2),
      journeys: r.tables?.journeys ?? 0,
      hops: r.tables?.hops ?? 0,
    },
  };
}

/**
 * A points table for the path finder from (id, node, kind, pod_ip) rows: each point is its own
 * capture file (no interface index) and spans, and runs for, the times its packets have.
 */
function pointsTable(dir: string, points: string): string {
  return `SELECT p.id, p.id AS capture, CAST(NULL AS INTEGER) AS ifindex, p.node, p.kind, p.pod_ip, CAST(NULL AS VARCHAR) AS pod_ip6,
      false AS pod_side, CAST(NULL AS VARCHAR) AS twin_of, s.first_ns, s.last_ns, s.first_ns AS run_first_ns, s.last_ns AS run_last_ns,
      0 AS cluster
    FROM (${points}) p
    LEFT JOIN (SELECT point, MIN(t_ns) AS first_ns, MAX(t_ns) AS last_ns FROM read_parquet(${sqlString(join(dir, 'packets', '*.parquet'))}) GROUP BY point) s
      ON s.point = p.id`;
}

/** A pods table (verdict.sql reads each pod's node from it) from (ip, node, name) rows, in the export's schema. */
function podsTable(pods: string): string {
  return `SELECT concat('default/', p.name) AS id, p.ip, CAST(NULL AS VARCHAR) AS mac, p.node, CAST(NULL AS VARCHAR) AS veth, p.name,
      'default' AS namespace, 0 AS cluster
    FROM (${pods}) p`;
}

/** The tables the path finder reads besides `packets`, for the exported 8-capture set. */
async function topologySetTables(dir: string): Promise<void> {
  const duck = await openDuck();
  try {
    const kind = (p: string) => (p.includes('veth') ? 'veth' : p.endsWith('cni0') ? 'bridge' : p.endsWith('eth0') ? 'underlay' : 'vtep');
    const points = POINTS.map(
      (p) =>
        `(${sqlString(`${p}.pcap`)}, ${sqlString(p.slice(0, 2))}, ${sqlString(kind(p))}, ${p.includes('veth') ? sqlString(p.startsWith('n1') ? '10.244.0.2' : '10.244.1.2') : 'NULL'})`,
    );
    await writeTables(duck.db, dir, {
      points: pointsTable(dir, `SELECT * FROM (VALUES ${points.join(', ')}) t(id, node, kind, pod_ip)`),
      node_addresses: `SELECT * FROM (VALUES ('n1', '192.168.56.11'), ('n2', '192.168.56.12')) t(node, ip)`,
      address_nodes: `SELECT *, 0 AS cluster, CAST(NULL AS VARCHAR) AS own_node, CAST(NULL AS VARCHAR) AS own FROM (VALUES ('10.244.0.2', 'n1'), ('10.244.1.2', 'n2')) t(ip, node)`,
      pods: podsTable(`SELECT * FROM (VALUES ('10.244.0.2', 'n1', 'pod-a'), ('10.244.1.2', 'n2', 'pod-b')) t(ip, node, name)`),
      clock_offsets: `SELECT 'n1' AS node, 0.0::DOUBLE AS offset_ns`,
    });
  } finally {
    duck.close();
  }
}

async function writeTables(db: Awaited<ReturnType<typeof openDuck>>['db'], dir: string, tables: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(tables))
    await db.run(`COPY (${sql}) TO ${sqlString(join(dir, `${name}.parquet`))} (FORMAT parquet)`);
}

/** Where this process's DuckDB spills: its own folder, so two runs never share spill files. */
function spillDir(): string {
  const dir = join(root(), `duckdb-tmp-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const NODES = 32;
/** Node k's pod address and underlay address in the synthetic set (SQL over a column k). */
const podIp = (k: string) => `concat('10.244.', CAST(${k} AS VARCHAR), '.2')`;
const underlayIp = (k: string) => `concat('192.168.1.', CAST(${k} + 1 AS VARCHAR))`;
/** Written once every packet part is: a dataset generated only in part is generated again. */
const COMPLETE = '.complete';

/** A synthetic dataset of `sightings` rows over 64 captures, generated by DuckDB (cached). */
export async function ensureSyntheticDataset(sightings: number, log: (s: string) => void): Promise<string> {
  const dir = join(root(), `dataset-synth-${sightings}-v${VERSION}`);
  const spill = spillDir();
  const duck = await openDuck({ memoryLimit: MEMORY_LIMIT, tempDirectory: spill });
  try {
    // The packets once; the small tables every time, as the path finder reads them now.
    if (!existsSync(join(dir, 'packets', COMPLETE))) await syntheticPackets(duck.db, dir, sightings, log);
    const nodes = `SELECT k, concat('n', CAST(k AS VARCHAR)) AS node FROM range(${NODES}) r(k)`;
    await writeTables(duck.db, dir, {
      points: pointsTable(
        dir,
        `SELECT concat(node, s.suffix) AS id, node, s.kind, CAST(NULL AS VARCHAR) AS pod_ip FROM (${nodes}) n,
          (VALUES ('-cni0.pcap', 'bridge'), ('-eth0.pcap', 'underlay')) s(suffix, kind)`,
      ),
      node_addresses: `SELECT node, ${underlayIp('k')} AS ip FROM (${nodes}) n`,
      address_nodes: `SELECT ${podIp('k')} AS ip, 0 AS cluster, node, CAST(NULL AS VARCHAR) AS own_node, CAST(NULL AS VARCHAR) AS own FROM (${nodes}) n`,
      pods: podsTable(`SELECT ${podIp('k')} AS ip, node, concat('pod-', node) AS name FROM (${nodes}) n`),
      clock_offsets: `SELECT node, CAST(k * 1000 AS DOUBLE) AS offset_ns FROM (${nodes}) n`,
    });
  } finally {
    duck.close();
    rmSync(spill, { recursive: true, force: true });
  }
  return dir;
}

async function syntheticPackets(db: Awaited<ReturnType<typeof openDuck>>['db'], dir: string, sightings: number, log: (s: string) => void) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'packets'), { recursive: true });
  log(`generating a ${fmt.int(sightings)}-sighting dataset over ${NODES * 2} captures into ${dir} (once) ...`);
  {
    const packets = Math.floor(sightings / 4);
    const ip = podIp;
    const under = underlayIp;
    // Packet i goes from node i % 32 to node (7i + 1) % 32 (never the same node); hops: the sender's
    // bridge, its underlay (VXLAN), the receiver's underlay, the receiver's bridge.
    const part = 8;
    for (let p = 0; p < part; p++) {
      const lo = Math.floor((packets * p) / part);
      const hi = Math.floor((packets * (p + 1)) / part);
      await db.run(`COPY (
        SELECT
          concat('n', CAST(CASE WHEN h < 2 THEN a ELSE b END AS VARCHAR), CASE WHEN h IN (0, 3) THEN '-cni0.pcap' ELSE '-eth0.pcap' END) AS capture,
          concat('n', CAST(CASE WHEN h < 2 THEN a ELSE b END AS VARCHAR), CASE WHEN h IN (0, 3) THEN '-cni0.pcap' ELSE '-eth0.pcap' END) AS point,
          CAST(i AS UINTEGER) AS idx,
          CAST(1700000000000000000 + i * 1000 + h * 20000 AS BIGINT) AS t_ns, CAST(0 AS USMALLINT) AS flags,
          CASE WHEN h IN (1, 2) THEN 'vxlan' ELSE 'none' END AS tunnel,
          CAST(4 AS UTINYINT) AS outer_ver,
          CASE WHEN h IN (1, 2) THEN ${under('a')} ELSE ${ip('a')} END AS outer_src,
          CASE WHEN h IN (1, 2) THEN ${under('b')} ELSE ${ip('b')} END AS outer_dst,
          CAST(4 AS UTINYINT) AS inner_ver, ${ip('a')} AS inner_src, ${ip('b')} AS inner_dst,
          CAST(167772160 + 15990784 + a * 256 + 2 AS UINTEGER) AS inner_src4, CAST(167772160 + 15990784 + b * 256 + 2 AS UINTEGER) AS inner_dst4,
          CAST(6 AS UTINYINT) AS inner_proto, CAST(CASE h WHEN 0 THEN 64 WHEN 3 THEN 62 ELSE 63 END AS UTINYINT) AS inner_ttl,
          CAST(i % 65536 AS UINTEGER) AS ip_id, CAST(40 + 100 + i % 7 * 50 AS UINTEGER) AS inner_len, CAST(32768 AS USMALLINT) AS inner_frag,
          CAST(CASE WHEN h IN (1, 2) THEN 64 ELSE 14 END + 40 + 100 + i % 7 * 50 AS UINTEGER) AS orig_len,
          CAST(30000 + i % 5000 AS INTEGER) AS sport, 8080 AS dport,
          CAST(i % 4294967296 AS UINTEGER) AS tcp_seq, CAST((i * 7) % 4294967296 AS UINTEGER) AS tcp_ack,
          CAST(24 AS USMALLINT) AS tcp_flags, CAST(64240 AS USMALLINT) AS tcp_win,
          CAST(NULL AS SMALLINT) AS icmp_type, CAST(NULL AS SMALLINT) AS icmp_code, CAST(NULL AS INTEGER) AS icmp_id, CAST(NULL AS INTEGER) AS icmp_seq,
          CAST(100 + i % 7 * 50 AS UINTEGER) AS pay_len, CAST(hash(i) % 4294967296 AS UINTEGER) AS pay_hash,
          CAST(NULL AS VARCHAR) AS q_src, CAST(NULL AS VARCHAR) AS q_dst, CAST(NULL AS SMALLINT) AS q_proto, CAST(NULL AS INTEGER) AS q_id,
          CAST(NULL AS INTEGER) AS q_sport, CAST(NULL AS INTEGER) AS q_dport, CAST(NULL AS UBIGINT) AS q_seq
        FROM (SELECT i, i % ${NODES} AS a, (i * 7 + 1) % ${NODES} AS b FROM range(${lo}, ${hi}) r(i)) x, range(4) hh(h)
      ) TO ${sqlString(join(dir, 'packets', `part-${p}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
    }
  }
  writeFileSync(join(dir, 'packets', COMPLETE), '');
}

/** The SQL path finder on a dataset: every journey materialised, under the memory limit. */
async function correlateStep(_capture: string, args: string[]): Promise<StepReport> {
  const dir = args[0];
  const spill = spillDir();
  const duck = await openDuck({ memoryLimit: MEMORY_LIMIT, tempDirectory: spill, threads: THREADS });
  try {
    await attachDataset(duck.db, dir);
    const packets = Number((await queryRows(duck.db, 'SELECT COUNT(*) AS n FROM packets')).rows[0].n);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await correlate(duck.db, { workFile: join(spill, 'correlate.duckdb') });
    await duck.db.run('CREATE TEMP TABLE journeys_out AS SELECT * FROM sql_journeys');
    const journeysMs = performance.now() - t0;
    await duck.db.run('CREATE TEMP TABLE verdicts_out AS SELECT * FROM sql_verdicts');
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const s = (
      await queryRows(
        duck.db,
        'SELECT COUNT(*) AS journeys, SUM(hops) AS hops, MAX(hops) AS max_hops, MIN(hops) AS min_hops FROM journeys_out',
      )
    ).rows[0];
    const verdicts = (await queryRows(duck.db, 'SELECT verdict, COUNT(*) AS n FROM verdicts_out GROUP BY verdict ORDER BY n DESC')).rows;
    return {
      packets,
      bytes: dirBytes(join(dir, 'packets')),
      ms,
      extra: {
        journeys: Number(s.journeys),
        'hops per journey (min-max)': `${Number(s.min_hops)}-${Number(s.max_hops)}`,
        'journeys and hops (correlate.sql)': `${(journeysMs / 1000).toFixed(1)} s; verdicts (verdict.sql) ${((ms - journeysMs) / 1000).toFixed(1)} s`,
        'cpu s (all threads)': ((cpu.user + cpu.system) / 1e6).toFixed(1),
        verdicts: verdicts.map((v) => `${String(v.verdict)} ${Number(v.n)}`).join(', '),
        'memory limit': MEMORY_LIMIT,
      },
    };
  } finally {
    duck.close();
    rmSync(spill, { recursive: true, force: true });
  }
}

/** The app opens the dataset at `args[0]` to its first rows, then numbers, pages and filters it. */
async function openStep(_capture: string, args: string[]): Promise<StepReport> {
  const dir = args[0];
  const page = (d: DatasetSource, filter: string, offset: number) =>
    d.page({ filter, element: null, sort: 'no', descending: false, offset, limit: 100, locate: 0 });
  const t0 = performance.now();
  const d = await DatasetSource.open(dir);
  try {
    const first = await page(d, '', 0);
    const ms = performance.now() - t0;
    if (first.rows.length === 0) throw new Error(`${dir}: no rows`);
    const t1 = performance.now();
    await d.whenNumbered();
    const t2 = performance.now();
    await page(d, '', Math.floor(d.count / 2));
    const t3 = performance.now();
    const f = await page(d, 'ip && frame.len > 100', 0);
    const t4 = performance.now();
    return {
      packets: d.count,
      bytes: dirBytes(join(dir, 'packets')),
      ms,
      extra: {
        'numbering ms': Math.round(t2 - t1),
        'middle page ms': Math.round(t3 - t2),
        'filtered page ms': Math.round(t4 - t3),
        'filtered rows': f.total,
      },
    };
  } finally {
    await d.close();
  }
}

function datasetPackets(): number | null {
  const flag = process.argv.indexOf('--dataset-packets');
  const v = flag >= 0 ? process.argv[flag + 1] : process.env.TUNNELVISION_BENCH_DATASET_PACKETS;
  return v ? parseCount(v) : null;
}

export const datasetSection: BenchSection = {
  id: 'dataset',
  title: 'Datasets: Parquet export and SQL correlation in DuckDB (issue 15)',
  steps: { export: exportStep, exportSet: exportSetStep, correlate: correlateStep, open: openStep },
  async run(ctx: BenchContext): Promise<void> {
    const sightings = ctx.capture.packets;
    ensureTopologySet(sightings, ctx.out);
    const e = await ctx.step('dataset.export', [String(sightings)]);
    if (e.exitCode !== 0 || !e.report) {
      ctx.out(`export FAILED (exit ${e.exitCode}): ${e.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return;
    }
    const x = e.report.extra ?? {};
    ctx.out(
      row(
        'export --parquet --packets-only (8 files)',
        e.report.packets,
        e.report.bytes,
        e.report.ms,
        e.peakRss,
        `Parquet ${fmt.mb(Number(x['parquet bytes']))}`,
      ),
    );
    ctx.out(`${''.padEnd(44)} CPU ${x['cpu s']} s: ${fmt.rate(Number(x['packets/s per core']))} packets/s per core (goal 1M)`);
    ensureTopologySet(SET_SIGHTINGS, ctx.out);
    const w = await ctx.step('dataset.exportSet', [String(SET_SIGHTINGS)]);
    if (w.exitCode !== 0 || !w.report)
      ctx.out(`whole-set export FAILED (exit ${w.exitCode}): ${w.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    else {
      const y = w.report.extra ?? {};
      ctx.out(
        row('export --parquet, whole set (8 files)', w.report.packets, w.report.bytes, w.report.ms, w.peakRss, `${y.journeys} journeys`),
      );
      ctx.out(
        `${''.padEnd(44)} CPU ${y['cpu s']} s; wall: packet files ${y['packet files s']} s, analysis and its tables ${y['analysis and tables s']} s (${y.hops} hops)`,
      );
    }
    const o = await ctx.step('dataset.open', [String(x.dir)]);
    if (o.exitCode !== 0 || !o.report) ctx.out(`open FAILED (exit ${o.exitCode}): ${o.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    else {
      ctx.out(row('app opens the dataset to first rows', o.report.packets, o.report.bytes, o.report.ms, o.peakRss, 'goal < 2 s'));
      for (const [k, v] of Object.entries(o.report.extra ?? {})) ctx.out(`${''.padEnd(44)} ${k}: ${v}`);
    }
    const big = datasetPackets();
    let dir = String(x.dir);
    if (big) dir = await ensureSyntheticDataset(big, ctx.out);
    else await topologySetTables(dir);
    const c = await ctx.step('dataset.correlate', [dir]);
    if (c.exitCode !== 0 || !c.report) {
      ctx.out(`correlate FAILED (exit ${c.exitCode}): ${c.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return;
    }
    const r = c.report;
    ctx.out(
      row(
        `correlate.sql on ${big ? `${NODES * 2} synthetic captures` : 'the 8 captures'}`,
        r.packets,
        r.bytes,
        r.ms,
        c.peakRss,
        `memory_limit ${MEMORY_LIMIT}, ${THREADS} threads`,
      ),
    );
    ctx.out(
      `${''.padEnd(44)} peak RSS ${fmt.mb(c.peakRss)}: ${c.peakRss <= MEMORY_GOAL ? 'within' : 'OVER'} the ${fmt.mb(MEMORY_GOAL)} goal`,
    );
    for (const [k, v] of Object.entries(r.extra ?? {})) ctx.out(`${''.padEnd(44)} ${k}: ${v}`);
  },
};
