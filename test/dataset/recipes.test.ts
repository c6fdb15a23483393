// The SQL recipes of the README's "Datasets" section, run as they are printed there on the journeys
// lab's dataset (ICMP errors, a shifted clock, flannel UDP): each runs, and those the lab has data
// for return rows (the lab's TCP has no retransmission, so that recipe only has to run).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../main/dataset/export';
import { runSql } from '../../main/dataset/sql';

const readme = readFileSync('README.md', 'utf8');
const section = readme.slice(readme.indexOf('\n## Datasets\n'), readme.indexOf('\n## ', readme.indexOf('\n## Datasets\n') + 5));
const recipes = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1].trim());
const title = (q: string) => /^-- (.*?):/.exec(q)?.[1] ?? q.slice(0, 40);

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tv-recipes-'));
  const files = readdirSync('fixtures/journeys/captures').map((n) => join('fixtures/journeys/captures', n));
  await exportDataset(files, dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README dataset recipes', () => {
  it('has the four recipes', () => {
    expect(recipes.map(title)).toEqual([
      'Top talkers per node pair',
      'Retransmissions per hop',
      'p99 hop latency per tunnel',
      'Drops per node',
    ]);
  });
  for (const [i, expectRows] of [true, false, true, true].entries()) {
    it(`recipe ${i + 1} runs${expectRows ? ' and finds rows' : ''}`, async () => {
      const q = recipes[i];
      const r = await runSql(dir, q, { correlate: /\bsql_/.test(q) });
      expect(r.columns.length).toBeGreaterThan(1);
      if (expectRows) expect(r.rows.length).toBeGreaterThan(0);
    });
  }
  it('drops per node names the nodes the in-process verdicts name', async () => {
    const r = await runSql(dir, recipes[3], { correlate: true });
    const inProcess = await runSql(
      dir,
      `SELECT last_node AS node, verdict, COUNT(*) AS journeys FROM journeys WHERE status = 'dropped' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
    );
    const sorted = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sorted(r.rows)).toEqual(sorted(inProcess.rows));
  });
});
