// `tunnelvision export --parquet DIR FILE... [--packets-only]` and `tunnelvision sql DIR "SELECT ..."`:
// the capture set as a Parquet dataset, and SQL over one (embedded DuckDB, main/dataset). DuckDB's
// native binary loads only here: main.ts imports this module for these two commands alone.
// Exit codes: 0 done, 1 a file or the query failed, 2 usage.
import { exportDataset } from '../dataset/export';
import { formatRows, runSql, type SqlFormat } from '../dataset/sql';
import { parseCommonArgs, COMMON_USAGE } from './topology-args';
import { withOutput } from './output';

const EXPORT_USAGE = `usage: tunnelvision export --parquet DIR FILE... [--packets-only]
  --parquet DIR          the dataset directory: packets/<capture>.parquet plus one file per analysis table
  --packets-only         the map step: each file read and written on its own (no analysis tables), to run
                         beside the captures on each node; copy the packets/ folders together afterwards
  --prefix NAME          with --packets-only: NAME goes before each capture's and point's id (node1-eth0.pcap),
                         so same-named captures of different nodes stay apart; a capture of the same name
                         but other contents is never overwritten (export refuses it)
${COMMON_USAGE}`;

export async function runExport(args: string[]): Promise<number> {
  const packetsOnly = args.includes('--packets-only');
  const a = parseCommonArgs(
    args.filter((x) => x !== '--packets-only'),
    ['--parquet', '--prefix'],
  );
  if (typeof a === 'string') {
    process.stderr.write(a ? `export: ${a}\n${EXPORT_USAGE}` : EXPORT_USAGE);
    return a ? 2 : 0;
  }
  const dir = a.extra.get('--parquet')?.at(-1);
  if (!dir || a.files.length === 0) {
    process.stderr.write(`export: ${dir ? 'no capture files given' : '--parquet DIR is required'}\n${EXPORT_USAGE}`);
    return 2;
  }
  const prefix = a.extra.get('--prefix')?.at(-1);
  if (prefix !== undefined && !packetsOnly) {
    process.stderr.write(`export: --prefix names the captures of a map step: it goes with --packets-only\n${EXPORT_USAGE}`);
    return 2;
  }
  const decodeAs = a.decodeAs;
  let failed = 0;
  let r;
  try {
    r = await exportDataset(a.files, dir, {
      packetsOnly,
      prefix,
      decodeAs,
      enrichment: a.enrich,
      overrides: a.overrides,
      limits: a.limits,
      maxClockSkewMs: a.maxSkewMs,
      onFile: (f) => {
        if (!f.parquet) failed++;
        for (const p of f.problems) process.stderr.write(`export: ${f.capture}: ${p}\n`);
      },
    });
  } catch (e) {
    process.stderr.write(`export: ${(e as Error).message}\n`);
    return 1;
  }
  for (const s of r.skipped) process.stderr.write(`export: skipped ${s}\n`);
  return withOutput('export', async (out) => {
    if (a.json) await out.write(JSON.stringify(r, null, 2) + '\n');
    else {
      for (const f of r.files) await out.write(`${f.capture}\t${f.parquet ? `${f.packets} packets -> ${f.parquet}` : 'not exported'}\n`);
      if (r.tables)
        await out.write(
          `tables: ${Object.entries(r.tables)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')}\n`,
        );
      const rate = r.packetSeconds > 0 ? Math.round(r.packets / r.packetSeconds) : 0;
      await out.write(
        `${r.packets} packets in ${r.packetSeconds.toFixed(2)} s (${rate} packets/s)${r.tables ? `; analysis and its tables in ${r.tableSeconds.toFixed(2)} s` : ''}\n`,
      );
    }
    return failed ? 1 : 0;
  });
}

const SQL_USAGE = `usage: tunnelvision sql DIR "SELECT ..." [--format table|csv|json] [--memory-limit 4GB] [--temp-dir DIR]
  DIR is a dataset made by 'tunnelvision export --parquet'; its tables are views named packets, captures,
  points, nodes, node_addresses, pods, services, flows, journeys, hops, findings, clock_offsets.
  --correlate            first run the SQL path finder (main/dataset/correlate.sql, verdict.sql,
                         flows.sql): adds the views sql_journeys, sql_hops, sql_verdicts,
                         sql_in_pieces and sql_tcp_flow_totals
`;

export async function runSqlCommand(args: string[]): Promise<number> {
  let format: SqlFormat = 'table';
  let memoryLimit: string | undefined;
  let tempDirectory: string | undefined;
  let correlate = false;
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (x === '-h' || x === '--help') {
      process.stdout.write(SQL_USAGE);
      return 0;
    } else if (x === '--format') {
      const v = args[++i];
      if (v !== 'table' && v !== 'csv' && v !== 'json') {
        process.stderr.write(`sql: --format wants table, csv or json\n${SQL_USAGE}`);
        return 2;
      }
      format = v;
    } else if (x === '--memory-limit') memoryLimit = args[++i];
    else if (x === '--temp-dir') tempDirectory = args[++i];
    else if (x === '--correlate') correlate = true;
    else if (x.startsWith('--')) {
      process.stderr.write(`sql: unknown option '${x}'\n${SQL_USAGE}`);
      return 2;
    } else pos.push(x);
  }
  if (pos.length !== 2) {
    process.stderr.write(`sql: wants a dataset directory and one query\n${SQL_USAGE}`);
    return 2;
  }
  let result;
  try {
    result = await runSql(pos[0], pos[1], { memoryLimit, tempDirectory, correlate });
  } catch (e) {
    process.stderr.write(`sql: ${(e as Error).message}\n`);
    return 1;
  }
  return withOutput('sql', async (out) => {
    await out.write(formatRows(result, format));
    return 0;
  });
}
