// `export --parquet` and `sql` on the lab captures: every table written is read back by DuckDB with
// the analysis's row counts; each capture's packet rows are its packets, with the fields the path
// finder matches on; the map step (--packets-only) writes the same packet rows file by file; a cut
// capture exports what it holds and says where it stops, a file that is no capture is refused by name
// and the others still export; `sql` prints a table, CSV and JSON through the real command.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck, queryRows } from '../../main/dataset/duck';
import { exportDataset, type ExportResult } from '../../main/dataset/export';
import { attachDataset } from '../../main/dataset/open';
import { loadCaptureSet, type Analysis } from '../../main/topology';

const run = promisify(execFile);
const BIN = 'main/cli/bin.mjs';
const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tv-export-'));
  tmp.push(d);
  return d;
};
const LAB_A = readdirSync('fixtures/captures')
  .filter((n) => n.startsWith('a-'))
  .map((n) => join('fixtures/captures', n));

async function sql(dir: string, q: string): Promise<Record<string, unknown>[]> {
  const duck = await openDuck();
  try {
    await attachDataset(duck.db, dir);
    return (await queryRows(duck.db, q)).rows;
  } finally {
    duck.close();
  }
}

describe('export --parquet on lab a', () => {
  let dir: string;
  let r: ExportResult;
  let a: Analysis;
  beforeAll(async () => {
    dir = tempDir();
    r = await exportDataset(LAB_A, dir);
    a = await loadCaptureSet(LAB_A);
  });

  it('writes one packets file per capture and every analysis table, all readable by DuckDB with the analysis counts', async () => {
    expect(readdirSync(join(dir, 'packets')).sort()).toEqual(a.captures.map((c) => `${c.id}.parquet`).sort());
    const expected: Record<string, number> = {
      captures: a.captures.length,
      points: a.points.length,
      nodes: a.model.nodes.length,
      pods: a.model.pods.length,
      services: a.model.services.length,
      flows: a.flows.length,
      journeys: a.journeys.count,
      findings: a.findings.length,
      clock_offsets: a.clockOffsets.length,
      packets: a.packetCount,
    };
    let hops = 0;
    for (let k = 0; k < a.journeys.count; k++) hops += a.journeys.get(k).hops.length;
    expected.hops = hops;
    for (const [t, n] of Object.entries(expected)) {
      const rows = await sql(dir, `SELECT COUNT(*) AS n FROM ${t}`);
      expect(Number(rows[0].n), t).toBe(n);
      expect(n, `${t} has rows`).toBeGreaterThan(0);
    }
    // The tables the export reports are the files there are.
    for (const t of Object.keys(r.tables!)) expect(statSync(join(dir, `${t}.parquet`)).size).toBeGreaterThan(0);
    expect(Object.keys(r.tables!).length).toBeGreaterThanOrEqual(12);
  });

  it('packet rows carry what the path finder reads: a packet of a journey has its table values', async () => {
    const j = a.journeys.get(0);
    const h = j.hops[j.hops.length - 1];
    const rows = await sql(
      dir,
      `SELECT point, inner_src, inner_dst, sport, dport, ip_id, inner_ttl, tunnel, vni, outer_src FROM packets WHERE capture = '${h.packet.capture}' AND idx = ${h.packet.index}`,
    );
    expect(rows).toHaveLength(1);
    const x = h.headers;
    expect(rows[0]).toMatchObject({ point: h.point, inner_src: x.src, inner_dst: x.dst, ip_id: x.ipId, inner_ttl: x.ttl });
    expect(rows[0].sport ?? null).toBe(x.srcPort);
    expect(rows[0].tunnel).toBe(x.encap?.type ?? 'none');
    expect(rows[0].outer_src ?? null).toBe(x.encap ? x.encap.outerSrc : x.src);
    // VXLAN packets of lab a have a VNI; absolute times agree with the capture's first timestamp.
    expect(Number((await sql(dir, `SELECT COUNT(*) AS n FROM packets WHERE tunnel = 'vxlan' AND vni = 1`))[0].n)).toBeGreaterThan(0);
    const first = await sql(dir, `SELECT capture, MIN(t_ns) AS t FROM packets GROUP BY capture`);
    for (const f of first) {
      const c = a.captures.find((x) => x.id === f.capture)!;
      expect(Math.abs(Number(BigInt(f.t as string | number) / 1000n) / 1e6 - c.firstTs!)).toBeLessThan(1e-5);
    }
  });

  it('the map step (--packets-only) writes the same packet rows, each file on its own', async () => {
    const maps = tempDir();
    const m = await exportDataset(LAB_A, maps, { packetsOnly: true });
    expect(m.tables).toBeUndefined();
    expect(readdirSync(maps)).toEqual(['packets']);
    expect(await rowsDiffer(dir, maps)).toBe(0);
  });
});

/**
 * Rows of one dataset's packets not in the other's, both ways: every column, each row numbered in
 * its file's order (file_offset), so a row in another place counts too.
 */
async function rowsDiffer(whole: string, maps: string): Promise<number> {
  const numbered = (from: string) => `(SELECT *, row_number() OVER (PARTITION BY capture ORDER BY file_offset) AS k FROM ${from})`;
  const mine = numbered(`read_parquet('${maps}/packets/*.parquet')`);
  const theirs = numbered('packets');
  const rows = await sql(
    whole,
    `SELECT (SELECT COUNT(*) FROM ((SELECT * FROM ${theirs} EXCEPT ALL SELECT * FROM ${mine}) UNION ALL (SELECT * FROM ${mine} EXCEPT ALL SELECT * FROM ${theirs}))) AS n,
       (SELECT COUNT(*) FROM read_parquet('${maps}/packets/*.parquet')) - (SELECT COUNT(*) FROM packets) AS d`,
  );
  return Number(rows[0].n) + Math.abs(Number(rows[0].d));
}

describe('the map step on a set with ICMP errors', () => {
  it('nothing of one file shows in the next one (the files are read into the same table memory)', async () => {
    const files = readdirSync('fixtures/journeys/captures').map((n) => join('fixtures/journeys/captures', n));
    const whole = tempDir();
    await exportDataset(files, whole);
    // The captures holding ICMP errors first, then the larger before the smaller: a later file's rows
    // sit where an earlier one's were, with its errors' row numbers.
    const per = await sql(whole, `SELECT capture, COUNT(*) AS n, COUNT(q_proto) AS q FROM packets GROUP BY capture`);
    expect(per.some((c) => Number(c.q) > 0)).toBe(true);
    const of = (p: string) => per.find((c) => p.endsWith(`/${String(c.capture)}`))!;
    const order = [...files].sort((x, y) => Number(of(y).q) - Number(of(x).q) || Number(of(y).n) - Number(of(x).n));
    const maps = tempDir();
    await exportDataset(order, maps, { packetsOnly: true });
    expect(await rowsDiffer(whole, maps)).toBe(0);
  });
});

describe('bad input', () => {
  it('a cut capture exports what it holds and says where it stops; a file that is no capture is refused by name; the others export', async () => {
    const src = tempDir();
    const cut = join(src, 'node9-eth0.pcap');
    copyFileSync('fixtures/captures/a-node1-eth0.pcap', cut);
    truncateSync(cut, Math.floor(statSync(cut).size * 0.6));
    const junk = join(src, 'notes.pcap');
    writeFileSync(junk, 'these are not packets\n'.repeat(10));
    const dir = tempDir();
    const files = [cut, junk, 'fixtures/captures/a-node1-cni0.pcap'];
    for (const packetsOnly of [false, true]) {
      const r = await exportDataset(files, join(dir, String(packetsOnly)), { packetsOnly });
      const byName = new Map(r.files.map((f) => [f.capture, f]));
      expect(byName.get('node9-eth0.pcap')!.parquet).not.toBeNull();
      expect(byName.get('node9-eth0.pcap')!.packets).toBeGreaterThan(10);
      expect(byName.get('node9-eth0.pcap')!.problems.join()).toMatch(/stopped at byte \d+/);
      expect(byName.get('notes.pcap')!.parquet).toBeNull();
      expect(byName.get('notes.pcap')!.problems.join()).toMatch(/not a readable capture: .*not a pcap or pcapng file.*\(bad-magic\)/);
      expect(byName.get('a-node1-cni0.pcap')!.packets).toBe(77);
    }
    // The command says so on stderr and exits 1, having written the good files.
    const out = join(dir, 'cli');
    const e = await run(process.execPath, [BIN, 'export', '--parquet', out, ...files]).catch(
      (x: { code: number; stderr: string; stdout: string }) => x,
    );
    expect((e as { code?: number }).code).toBe(1);
    expect((e as { stderr: string }).stderr).toMatch(/export: notes\.pcap: not a readable capture/);
    expect(readdirSync(join(out, 'packets')).sort()).toEqual(['a-node1-cni0.pcap.parquet', 'node9-eth0.pcap.parquet']);
  });

  it('sql on a directory that is no dataset, or a wrong query, is one clear message and status 1', async () => {
    const empty = tempDir();
    type Failed = { code?: number; stderr: string };
    const e1: Failed = await run(process.execPath, [BIN, 'sql', empty, 'SELECT 1']).catch((x: Failed) => x);
    expect(e1.code).toBe(1);
    expect(e1.stderr).toMatch(/no Parquet tables/);
    const e2: Failed = await run(process.execPath, [BIN, 'sql', join(empty, 'nope'), 'SELECT 1']).catch((x: Failed) => x);
    expect(e2.stderr).toMatch(/not a dataset directory \(ENOENT\)/);
  });
});

describe('tunnelvision sql', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    await exportDataset(LAB_A, dir);
  });
  it('prints a table, CSV or JSON lines', async () => {
    const q = `SELECT capture, COUNT(*) AS packets FROM packets GROUP BY capture ORDER BY capture LIMIT 2`;
    const table = (await run(process.execPath, [BIN, 'sql', dir, q])).stdout;
    expect(table.split('\n')[0]).toMatch(/^capture\s+packets$/);
    expect(table).toMatch(/a-node1-cni0\.pcap\s+77\n/);
    expect(table).toMatch(/\(2 rows\)/);
    const csv = (await run(process.execPath, [BIN, 'sql', dir, q, '--format', 'csv'])).stdout;
    expect(csv.split('\n').slice(0, 2)).toEqual(['capture,packets', 'a-node1-cni0.pcap,77']);
    const json = (await run(process.execPath, [BIN, 'sql', dir, q, '--format', 'json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(json[0]).toEqual({ capture: 'a-node1-cni0.pcap', packets: 77 });
  });
});

describe('the CLI bundle', () => {
  it('keeps DuckDB outside the bundle and loads it only when a dataset command runs', () => {
    type Meta = {
      outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
    };
    const meta = JSON.parse(readFileSync('out/cli/meta.json', 'utf8')) as Meta;
    const outputs = Object.entries(meta.outputs).filter(([k]) => k.endsWith('.js'));
    // DuckDB is required by name when a dataset is opened (duck.ts), so no chunk imports it, up front or later...
    expect(outputs.flatMap(([, o]) => o.imports.filter((i) => i.path.startsWith('@duckdb/')))).toEqual([]);
    const duck = outputs.filter(([, o]) => 'main/dataset/duck.ts' in o.inputs);
    expect(duck).toHaveLength(1);
    // ... and none holds its code: the chunk of duck.ts names the packages, it does not contain them.
    expect(readFileSync(duck[0][0], 'utf8')).toContain('"@duckdb/node-api"');
    expect(outputs.flatMap(([, o]) => Object.keys(o.inputs).filter((p) => p.includes('node_modules/@duckdb')))).toEqual([]);
    // No chunk that main.js loads up front holds the dataset code.
    const main = meta.outputs['out/cli/main.js'];
    const staticChunks = main.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path);
    for (const c of staticChunks)
      expect(Object.keys(meta.outputs[c]?.inputs ?? {}).filter((p) => p.startsWith('main/dataset/'))).toEqual([]);
    expect(Object.keys(main.inputs).filter((p) => p.startsWith('main/dataset/'))).toEqual([]);
  });
});
