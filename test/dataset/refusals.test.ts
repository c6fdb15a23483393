// The dataset commands refuse what would lose or hide something, each in one line on stderr with
// exit status 1, through the real command: two nodes' eth0.pcap exported into one dataset (the
// second is refused by name, the first's rows survive; --prefix keeps both; the same file exported
// again replaces its own rows); --correlate on a packets-only dataset and on one exported before
// points had their runs; an export of nothing readable
// and an empty folder among the arguments; and DuckDB's package missing, for export and sql alike
// (module hooks make '@duckdb/*' unresolvable to import and require in the child process, as on an
// install without it).
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuck, queryRows } from '../../main/dataset/duck';
import { attachDataset } from '../../main/dataset/open';

const run = promisify(execFile);
const BIN = 'main/cli/bin.mjs';
type Done = { code: number; stdout: string; stderr: string };
const tv = (args: string[], node: string[] = []): Promise<Done> =>
  run(process.execPath, [...node, BIN, ...args]).then(
    (r) => ({ code: 0, ...r }),
    (e: Done) => e,
  );
/** stderr without the note that the CLI runs from its sources. */
const errLines = (r: Done) => r.stderr.split('\n').filter((l) => l && !l.startsWith('tunnelvision: '));

const tmp = mkdtempSync(join(tmpdir(), 'tv-refuse-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The per-node map step's layout: each node's eth0.pcap under its own folder.
mkdirSync(join(tmp, 'n1'));
mkdirSync(join(tmp, 'n3'));
copyFileSync('fixtures/captures/a-node1-eth0.pcap', join(tmp, 'n1', 'eth0.pcap'));
copyFileSync('fixtures/captures/a-node3-eth0.pcap', join(tmp, 'n3', 'eth0.pcap'));
const N1 = join(tmp, 'n1', 'eth0.pcap');
const N3 = join(tmp, 'n3', 'eth0.pcap');

async function counts(dir: string): Promise<Record<string, number>> {
  const duck = await openDuck();
  try {
    await attachDataset(duck.db, dir);
    const r = await queryRows(duck.db, 'SELECT capture, point, count(*)::INT AS n FROM packets GROUP BY ALL ORDER BY capture');
    return Object.fromEntries(r.rows.map((x) => [`${String(x.capture)}@${String(x.point)}`, x.n as number]));
  } finally {
    duck.close();
  }
}

describe('same-named captures of two nodes', () => {
  const d = join(tmp, 'D');
  it('refuses the second by name and keeps the first one rows; --prefix keeps both; the same file again replaces its own', async () => {
    expect((await tv(['export', '--parquet', d, '--packets-only', N1])).code).toBe(0);
    expect(await counts(d)).toEqual({ 'eth0.pcap@eth0.pcap': 72 });

    const clash = await tv(['export', '--parquet', d, '--packets-only', N3]);
    expect(clash.code).toBe(1);
    const msg = errLines(clash).join('\n');
    expect(msg).toContain('different capture named eth0.pcap');
    expect(msg).toContain(`from ${N1}`);
    expect(msg).toContain(`${N3} was not written`);
    expect(msg).toContain('--prefix');
    expect(await counts(d)).toEqual({ 'eth0.pcap@eth0.pcap': 72 });
    expect(readdirSync(join(d, 'packets'))).toEqual(['eth0.pcap.parquet']);

    // Idempotent: node1's file exported again replaces its own rows (no clash, no duplicates).
    expect((await tv(['export', '--parquet', d, '--packets-only', N1])).code).toBe(0);
    expect(await counts(d)).toEqual({ 'eth0.pcap@eth0.pcap': 72 });

    const kept = await tv(['export', '--parquet', d, '--packets-only', '--prefix', 'n3-', N3]);
    expect(kept.code).toBe(0);
    expect(await counts(d)).toEqual({ 'eth0.pcap@eth0.pcap': 72, 'n3-eth0.pcap@n3-eth0.pcap': 19 });
  });

  it('takes --prefix only with --packets-only (the analysis tables name captures unprefixed)', async () => {
    const r = await tv(['export', '--parquet', join(tmp, 'P'), '--prefix', 'x-', N1]);
    expect(r.code).toBe(2);
    expect(errLines(r)[0]).toBe('export: --prefix names the captures of a map step: it goes with --packets-only');
  });
});

describe('--correlate on a packets-only dataset', () => {
  it('says in one line that it needs the analysis tables and how to make them', async () => {
    const d = join(tmp, 'C');
    expect((await tv(['export', '--parquet', d, '--packets-only', N1])).code).toBe(0);
    const r = await tv(['sql', d, '--correlate', 'SELECT count(*) FROM sql_hops']);
    expect(r.code).toBe(1);
    expect(errLines(r)).toEqual([
      'sql: --correlate needs the analysis tables (points, node_addresses, address_nodes, clock_offsets missing: ' +
        'a --packets-only dataset has packets alone); export the whole set into the dataset without --packets-only to write them',
    ]);
  });
});

describe('--correlate on a dataset exported before points had their runs', () => {
  it('says in one line to export the set again instead of judging with node-wide spans', async () => {
    const d = join(tmp, 'R');
    const files = ['fixtures/captures/a-node1-eth0.pcap', 'fixtures/captures/a-node3-eth0.pcap'];
    expect((await tv(['export', '--parquet', d, ...files])).code).toBe(0);
    expect((await tv(['sql', d, '--correlate', 'SELECT count(*) FROM sql_verdicts'])).code).toBe(0);
    // The points table as the earlier export wrote it: without run_first_ns and run_last_ns.
    const points = join(d, 'points.parquet');
    const duck = await openDuck();
    try {
      const old = join(tmp, 'points-old.parquet');
      await duck.db.run(`COPY (SELECT * EXCLUDE (run_first_ns, run_last_ns) FROM read_parquet('${points}')) TO '${old}' (FORMAT parquet)`);
      copyFileSync(old, points);
    } finally {
      duck.close();
    }
    const r = await tv(['sql', d, '--correlate', 'SELECT count(*) FROM sql_verdicts']);
    expect(r.code).toBe(1);
    expect(errLines(r)).toEqual([
      "sql: --correlate needs each capture point's run (points.run_first_ns, run_last_ns), which this dataset was exported without: export the set again",
    ]);
  });
});

describe('nothing readable among the arguments', () => {
  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  it('an export of an empty folder alone exits 1 and says so', async () => {
    const r = await tv(['export', '--parquet', join(tmp, 'X'), empty]);
    expect(r.code).toBe(1);
    expect(errLines(r)).toEqual(['export: nothing to export: no capture among the arguments (empty: no capture file inside)']);
  });
  it('an empty folder beside a capture is named as skipped, and the capture exported', async () => {
    const r = await tv(['export', '--parquet', join(tmp, 'Y'), empty, N1]);
    expect(r.code).toBe(0);
    expect(errLines(r)).toEqual(['export: skipped empty: no capture file inside']);
    expect(r.stdout).toContain('eth0.pcap\t72 packets');
  });
});

describe("DuckDB's package missing", () => {
  const hooks = join(tmp, 'no-duckdb-hooks.mjs');
  const entry = join(tmp, 'no-duckdb.mjs');
  writeFileSync(
    hooks,
    `export async function resolve(spec, ctx, next) {
  if (spec.startsWith('@duckdb/')) throw Object.assign(new Error("Cannot find package '" + spec + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(spec, ctx);
}\n`,
  );
  // The product loads DuckDB with require (CommonJS): the package is made unresolvable there too.
  writeFileSync(
    entry,
    `import Module, { register } from 'node:module';
register(${JSON.stringify(new URL(`file://${hooks}`).href)});
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith('@duckdb/')) throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};\n`,
  );
  const LINE =
    "DuckDB is not available (the package @duckdb/node-api could not be loaded: Cannot find module '@duckdb/node-api'); reinstall with 'npm install'";

  it('export and sql print the same one line and exit 1, writing nothing', async () => {
    const out = join(tmp, 'Z');
    const e = await tv(['export', '--parquet', out, N1], ['--import', entry]);
    const s = await tv(['sql', join(tmp, 'D'), 'SELECT 1'], ['--import', entry]);
    expect([e.code, s.code]).toEqual([1, 1]);
    expect(errLines(e)).toEqual([`export: ${LINE}`]);
    expect(errLines(s)).toEqual([`sql: ${LINE}`]);
    expect(readdirSync(tmp)).not.toContain('Z');
  });
});
