// The Spark runner (main/dataset/spark/run.py): it splits correlate.sql and verdict.sql exactly as the DuckDB runner
// does (checked with the machine's python3, no Spark needed), and where Spark is installed
// (spark-submit on PATH, or python3 with pyspark and a JDK) the path finder's SQL gives on Spark the
// rows it gives in DuckDB. Without Spark that test is skipped, and says so.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PATH_FINDER_SQL, materialized, sqlStatements } from '../../main/dataset/correlate';
import { exportDataset } from '../../main/dataset/export';
import { runSql } from '../../main/dataset/sql';

const run = promisify(execFile);
const RUNNER = 'main/dataset/spark/run.py';
const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

const python = has('python3', ['--version']);
const sparkSubmit = has('spark-submit', ['--version']);
const pyspark = python && has('python3', ['-c', 'import pyspark']);

describe('Spark runner', () => {
  it('splits correlate.sql and verdict.sql into the same statements, and caches the same views, as the DuckDB runner', async (ctx) => {
    if (!python) ctx.skip('SKIPPED: python3 is not installed, so the Spark runner cannot be loaded');
    const code = `import json, sys; sys.path.insert(0, 'main/dataset/spark'); import run; s = run.path_finder_statements(); print(json.dumps([s, sorted(run.materialized(s))]))`;
    const [fromPython, cached] = JSON.parse((await run('python3', ['-c', code])).stdout) as [string[], string[]];
    const fromTs = PATH_FINDER_SQL.flatMap((f) => sqlStatements(readFileSync(f, 'utf8')));
    expect(fromTs.length).toBeGreaterThan(10);
    expect(fromPython).toEqual(fromTs);
    expect(cached).toEqual([...materialized(fromTs)].sort());
    expect(cached.length).toBeGreaterThan(0);
  });

  it('gives on Spark the rows DuckDB gives (hop order, NAT, latency, verdicts on the journeys lab)', async (ctx) => {
    if (!sparkSubmit && !pyspark)
      ctx.skip(
        'SKIPPED: Apache Spark is not installed here (no spark-submit on PATH, no pyspark for python3): the Spark run was not checked',
      );
    const dir = mkdtempSync(join(tmpdir(), 'tv-spark-'));
    tmp.push(dir);
    const files = readdirSync('fixtures/journeys/captures').map((n) => join('fixtures/journeys/captures', n));
    await exportDataset(files, dir);
    const q = `SELECT h.capture, h.idx, h.hop, h.nat, CAST(round(h.latency_ns) AS BIGINT) AS latency, v.status, v.verdict,
        v.error_capture, v.error_idx, v.answer_capture, v.answer_idx, v.missed_by
      FROM sql_hops h JOIN sql_verdicts v ON v.jkey = h.jkey ORDER BY h.capture, h.idx`;
    const duck = (await runSql(dir, q, { correlate: true })).rows;
    const [cmd, pre] = sparkSubmit ? ['spark-submit', ['--master', 'local[2]']] : ['python3', []];
    const out = await run(cmd, [...pre, RUNNER, dir, q, '--correlate', '--format', 'json'], { maxBuffer: 1 << 28, timeout: 600_000 });
    const spark = out.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(duck.length).toBeGreaterThan(100);
    expect(spark).toEqual(duck);
  }, 900_000);
});
