// The SQL path finder (main/dataset/correlate.sql in embedded DuckDB) against the in-process one on
// the kernel-made lab capture sets: the same journeys, hop order, per-hop latency, NAT, TTL change,
// last-seen place and ICMP verdicts, compared row by row (test/dataset/compare.ts). Also: each set's
// in-process result has journeys, hops with NAT and, where the lab made them, ICMP verdicts, so the
// comparison always has something to disagree about.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { correlate } from '../../main/dataset/correlate';
import { openDuck, queryRows } from '../../main/dataset/duck';
import { exportDataset } from '../../main/dataset/export';
import { attachDataset } from '../../main/dataset/open';
import { disagreements } from './compare';

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

const dirFiles = (dir: string, keep: (n: string) => boolean = () => true) =>
  readdirSync(dir)
    .filter((n) => /\.pcap(ng)?$/.test(n) && keep(n))
    .map((n) => join(dir, n));

const SETS: Record<string, { files: () => string[]; nat: boolean; icmp: boolean }> = {
  'lab a (flannel VXLAN)': { files: () => dirFiles('fixtures/captures', (n) => n.startsWith('a-')), nat: true, icmp: false },
  'lab b (flannel UDP)': { files: () => dirFiles('fixtures/captures', (n) => n.startsWith('b-')), nat: false, icmp: false },
  'calico (routed)': { files: () => dirFiles('fixtures/captures/calico'), nat: false, icmp: false },
  'calico (-i any)': { files: () => dirFiles('fixtures/captures/calico/any'), nat: false, icmp: false },
  'journeys lab (ICMP errors, shifted clock)': { files: () => dirFiles('fixtures/journeys/captures'), nat: false, icmp: true },
};

describe('SQL path finder = in-process path finder', () => {
  for (const [name, set] of Object.entries(SETS)) {
    it(name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tv-dataset-'));
      tmp.push(dir);
      const files = set.files();
      expect(files.length).toBeGreaterThan(1);
      const r = await exportDataset(files, dir);
      expect(r.files.every((f) => f.parquet !== null)).toBe(true);
      const duck = await openDuck();
      try {
        await attachDataset(duck.db, dir);
        await correlate(duck.db);
        const count = async (sql: string) => Number((await queryRows(duck.db, sql)).rows[0].n);
        // What there is to compare.
        expect(await count('SELECT COUNT(*) AS n FROM journeys')).toBeGreaterThan(5);
        expect(await count('SELECT COUNT(*) AS n FROM hops WHERE hop > 0')).toBeGreaterThan(5);
        expect(await count('SELECT COUNT(*) AS n FROM hops WHERE latency_ns IS NOT NULL')).toBeGreaterThan(5);
        if (set.nat) expect(await count('SELECT COUNT(*) AS n FROM hops WHERE nat IS NOT NULL')).toBeGreaterThan(0);
        if (set.icmp)
          expect(await count(`SELECT COUNT(*) AS n FROM journeys WHERE verdict IN ('icmp-error', 'refused')`)).toBeGreaterThan(0);
        expect(await count('SELECT COUNT(*) AS n FROM sql_hops')).toBe(await count('SELECT COUNT(*) AS n FROM hops'));
        const d = await disagreements(duck.db);
        for (const [check, rows] of Object.entries(d)) expect(rows.slice(0, 10), `${check}: ${rows.length} rows disagree`).toEqual([]);
      } finally {
        duck.close();
      }
    });
  }
});

describe('the comparison can fail', () => {
  it('a path finder that cuts journeys at every sighting (window 0) disagrees on grouping and hop places', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-dataset-'));
    tmp.push(dir);
    await exportDataset(SETS['lab a (flannel VXLAN)'].files(), dir);
    const duck = await openDuck();
    try {
      await attachDataset(duck.db, dir);
      await correlate(duck.db, { windowNs: 0 });
      const d = await disagreements(duck.db);
      expect(d.hopPlace.length).toBeGreaterThan(0);
      expect(d.journeyGrouping.length).toBeGreaterThan(0);
    } finally {
      duck.close();
    }
  });
});
