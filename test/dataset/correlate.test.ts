// The SQL path finder (main/dataset/correlate.sql and verdict.sql in embedded DuckDB) against the
// in-process one on the kernel-made lab capture sets: the same journeys, hop order, per-hop latency,
// NAT, TTL change, last-seen place, ICMP verdicts and every journey's verdict and status, compared
// row by row (test/dataset/compare.ts). Also: each set's in-process result has journeys, hops with
// NAT and, where the lab made them, ICMP verdicts, answers and drops, so the comparison always has
// something to disagree about; and a path finder broken on purpose is caught.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { correlate } from '../../main/dataset/correlate';
import { openDuck, queryRows, sqlString } from '../../main/dataset/duck';
import { exportDataset } from '../../main/dataset/export';
import { attachDataset } from '../../main/dataset/open';
import { DEFAULT_CACHE } from '../../fixtures/random/generate';
import { readRun } from '../../fixtures/random/score-cli';
import { agreeOn, disagreements } from './compare';

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

const dirFiles = (dir: string, keep: (n: string) => boolean = () => true) =>
  readdirSync(dir)
    .filter((n) => /\.pcap(ng)?$/.test(n) && keep(n))
    .map((n) => join(dir, n));

/** Each set: its files, and the verdicts its in-process result must hold (so they are compared). */
const SETS: Record<string, { files: () => string[]; nat: boolean; verdicts: string[] }> = {
  'lab a (flannel VXLAN)': {
    files: () => dirFiles('fixtures/captures', (n) => n.startsWith('a-')),
    nat: true,
    verdicts: ['missing', 'reached-destination'],
  },
  'lab b (flannel UDP)': {
    files: () => dirFiles('fixtures/captures', (n) => n.startsWith('b-')),
    nat: false,
    verdicts: ['reached-destination'],
  },
  'calico (routed)': { files: () => dirFiles('fixtures/captures/calico'), nat: false, verdicts: ['answered', 'undetermined'] },
  'calico (-i any)': { files: () => dirFiles('fixtures/captures/calico/any'), nat: false, verdicts: ['reached-destination'] },
  // One piece of n1's and of n3's rotated NIC capture each, under plain names: captures of a node
  // taken to run together, as verdict.sql takes every capture.
  'pods to hostNetwork servers on other nodes (review2 extern, n3 eth0: no tunnel to a node address)': {
    files: () => {
      const dir = mkdtempSync(join(tmpdir(), 'tv-hostnet-'));
      tmp.push(dir);
      const n = 'aks-nodepool1-31415926-vmss00000';
      const src = (d: string, f: string) => join('fixtures/captures/review2', d, f);
      const pieces: [string, string][] = [
        [src('extern', `${n}0-eth0.pcap2`), `${n}0-eth0.pcap`],
        [src('extern', `${n}0-flannel.1.pcap`), `${n}0-flannel.1.pcap`],
        [src('extern', `${n}0-cni0.pcap`), `${n}0-cni0.pcap`],
        [src('ring', `${n}2_eth0_00005_20261207122429.pcapng`), `${n}2-eth0.pcapng`],
      ];
      return pieces.map(([from, to]) => (copyFileSync(from, join(dir, to)), join(dir, to)));
    },
    nat: true,
    verdicts: ['reached-destination', 'answered'],
  },
  // The same, with n3's NIC capture kept as the ring buffer left it: two pieces under their rotation
  // names, each running only from its first to its last packet, gaps between them.
  'a rotated NIC capture (review2 ring pieces under their own names)': {
    files: () => {
      const n = 'aks-nodepool1-31415926-vmss00000';
      const src = (d: string, f: string) => join('fixtures/captures/review2', d, f);
      return [
        src('extern', `${n}0-eth0.pcap2`),
        src('extern', `${n}0-flannel.1.pcap`),
        src('extern', `${n}0-cni0.pcap`),
        src('ring', `${n}2-cni0.pcap`),
        src('ring', `${n}2_eth0_00004_20261207122425.pcapng`),
        src('ring', `${n}2_eth0_00006_20261207122433.pcapng`),
      ];
    },
    nat: true,
    verdicts: ['reached-destination', 'answered'],
  },
  // One snap length on every capture: no sighting whole, each cut after its own number of bytes.
  'review4 bulk-tso (tcpdump -s 128 everywhere)': {
    files: () => dirFiles('fixtures/captures/review4/bulk-tso'),
    nat: false,
    verdicts: ['reached-destination'],
  },
  'review4 bulk-tso cut to 96 bytes (the NICs without the TCP flags)': {
    files: () => {
      const dir = mkdtempSync(join(tmpdir(), 'tv-cut96-'));
      tmp.push(dir);
      return dirFiles('fixtures/captures/review4/bulk-tso').map((f) => {
        const out = join(dir, basename(f));
        if (spawnSync('editcap', ['-s', '96', f, out], { stdio: 'ignore' }).status !== 0) throw new Error(`editcap could not cut ${f}`);
        return out;
      });
    },
    nat: false,
    verdicts: ['reached-destination'],
  },
  'review4 router-frag-ping-s96 (large pings, fragmented, cut to 96 bytes)': {
    files: () => dirFiles('fixtures/captures/review4/router-frag-ping-s96'),
    nat: false,
    verdicts: ['reached-destination'],
  },
  'journeys lab (ICMP errors, shifted clock)': {
    files: () => dirFiles('fixtures/journeys/captures'),
    nat: false,
    verdicts: ['icmp-error', 'refused', 'link-scope'],
  },
};

/** Each set exported once, for the comparison and for the broken path finders. */
const exported = new Map<string, Promise<string>>();
function datasetOf(name: string): Promise<string> {
  let d = exported.get(name);
  if (!d) {
    d = (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tv-dataset-'));
      tmp.push(dir);
      const files = SETS[name].files();
      expect(files.length).toBeGreaterThan(1);
      const r = await exportDataset(files, dir);
      expect(r.files.every((f) => f.parquet !== null)).toBe(true);
      return dir;
    })();
    exported.set(name, d);
  }
  return d;
}

describe('SQL path finder = in-process path finder', () => {
  for (const [name, set] of Object.entries(SETS)) {
    it(name, async () => {
      const dir = await datasetOf(name);
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
        for (const v of set.verdicts)
          expect(await count(`SELECT COUNT(*) AS n FROM journeys WHERE verdict = '${v}'`), `journeys judged ${v}`).toBeGreaterThan(0);
        expect(await count('SELECT COUNT(*) AS n FROM sql_hops')).toBe(await count('SELECT COUNT(*) AS n FROM hops'));
        const d = await disagreements(duck.db);
        for (const [check, rows] of Object.entries(d)) expect(rows.slice(0, 10), `${check}: ${rows.length} rows disagree`).toEqual([]);
      } finally {
        duck.close();
      }
    });
  }
});

/**
 * Random clusters of the path-truth score (fixtures/random: six CNI styles, dual stack, captures
 * inside pods, `-i any` captures, microsecond timestamps), from its cache: built as root, so a
 * machine without the cache skips them and says so.
 */
const RANDOM_CACHE = process.env.TUNNELVISION_RANDLAB_CACHE || DEFAULT_CACHE;
const RANDOM_SEEDS = (process.env.TUNNELVISION_DATASET_SEEDS ?? '3,4,6,9,19').split(',').map(Number);

describe('SQL path finder = in-process path finder on random clusters', () => {
  for (const seed of RANDOM_SEEDS) {
    it(`seed ${seed}`, async (ctx) => {
      const run = readRun(join(RANDOM_CACHE, `seed-${seed}`));
      if (!run) return ctx.skip(`SKIPPED: seed ${seed} is not in ${RANDOM_CACHE} (npm run truth builds it, as root)`);
      await agreeOn(run.files);
    });
  }
});

/** The capture files under a folder, any depth (a node's folder names the node), in path order. */
const treeFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? treeFiles(join(dir, e.name)) : /\.pcap(ng)?$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort();

/**
 * Link-scope chatter cut from random-lab runs (fixtures/captures/linkscope): identical packets from
 * many senders, and sightings the clocks stamp the same instant. Each path finder used to settle
 * such ties its own way (the in-process one by the order the files were read, the SQL one by capture
 * name), so each set is exported with its files in path order and reversed: the rows must agree
 * both ways, and where the packets tell the truth, be it.
 */
const LINK_SCOPE: Record<string, (hops: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<void>> = {
  // A bridge's router solicitation flooded to a pod (host veth capture-1.pcap, in the pod
  // cache-…-eth0.pcap), both stamped the same microsecond: the host's end sees it before the pod.
  'bridge-flood': async (hops) => {
    const rows = await hops(
      `SELECT h.journey, h.capture, h.hop, s.hop AS sql_hop FROM hops h JOIN sql_hops s ON s.capture = h.capture AND s.idx = h.idx
       WHERE h.src = 'fe80::142f:faff:fe14:5ba4' AND h.dst = 'ff02::2' AND h.capture IN ('capture-1.pcap', 'cache-56a8270331-sfdsz-eth0.pcap')
       ORDER BY h.journey, h.hop`,
    );
    // Two solicitations, each seen at both ends of the pod's veth: host end first.
    expect(rows.map((r) => r.capture)).toEqual([
      'capture-1.pcap',
      'cache-56a8270331-sfdsz-eth0.pcap',
      'capture-1.pcap',
      'cache-56a8270331-sfdsz-eth0.pcap',
    ]);
    expect(new Set(rows.map((r) => r.journey)).size).toBe(2);
    for (const r of rows) expect(r.sql_hop).toBe(r.hop);
  },
  // Calico's host veths all send MLD reports from one address (fe80::ecee:eeff:feee:eeee), each
  // twice: byte for byte the same packets, four points, two copies each within a second.
  'mld-repeats': async (hops) => {
    expect((await hops(`SELECT DISTINCT journey FROM hops`)).length).toBeGreaterThan(1);
  },
  // A pod's router solicitation flooded by the bridge to two other pods' veths that stamp it the same microsecond.
  'flood-tie': async (hops) => {
    const tied = await hops(
      `SELECT h.journey FROM hops h WHERE h.dst = 'ff02::2' AND h.capture IN ('nginx-1.pcap', 'veth3e5a37df.pcap')
       GROUP BY h.journey, h.t_ns HAVING COUNT(*) = 2`,
    );
    expect(tied.length).toBeGreaterThan(0);
  },
  // The bridge's second MLD report, 408 ms after its first, stamped the same nanosecond on the bridge
  // (a pcapng) and on one veth (capture-1.pcap, which missed the first): that veth's sighting is of the second.
  'same-instant': async (hops) => {
    const [r] = await hops(
      `SELECT COUNT(DISTINCT h.journey) AS n FROM hops h
       WHERE (h.capture = 'capture-1.pcap' AND h.idx = 0) OR (h.capture = 'incident-9748.pcapng' AND h.idx = 1)`,
    );
    expect(Number(r.n)).toBe(1);
  },
};

describe('SQL path finder = in-process path finder on link-scope chatter, whatever the order of the files', () => {
  for (const [name, truth] of Object.entries(LINK_SCOPE)) {
    for (const order of ['path order', 'reversed'] as const) {
      it(`${name} (${order})`, async () => {
        const files = treeFiles(join('fixtures/captures/linkscope', name));
        if (order === 'reversed') files.reverse();
        await agreeOn(files, async (db) => {
          expect(Number((await queryRows(db, 'SELECT COUNT(*) AS n FROM hops WHERE hop > 0')).rows[0].n)).toBeGreaterThan(0);
          await truth(async (sql) => (await queryRows(db, sql)).rows);
        });
      });
    }
  }
});

describe('what the dataset cannot tell', () => {
  it('an address the analysis tables never saw gives the verdict "unknown: <why>" and status unknown, not a guess', async () => {
    const dir = await datasetOf('lab a (flannel VXLAN)');
    const duck = await openDuck();
    try {
      await attachDataset(duck.db, dir);
      // The destination most journeys reached, as if the analysis tables came from captures without it.
      const gone = String(
        (
          await queryRows(
            duck.db,
            `SELECT dst FROM hops h JOIN journeys j ON j.id = h.journey AND h.hop = j.hops - 1 GROUP BY dst ORDER BY COUNT(*) DESC LIMIT 1`,
          )
        ).rows[0].dst,
      );
      await duck.db.run(
        `CREATE OR REPLACE VIEW address_nodes AS SELECT * FROM read_parquet(${sqlString(join(dir, 'address_nodes.parquet'))}) WHERE ip <> ${sqlString(gone)}`,
      );
      await correlate(duck.db);
      const d = await disagreements(duck.db);
      expect(d.undecided.length).toBeGreaterThan(0);
      const v = await queryRows(
        duck.db,
        `SELECT v.status, v.verdict, s.inner_src, s.inner_dst FROM sql_verdicts v JOIN sql_hops s ON s.jkey = v.jkey AND s.hop = s.hop_count - 1
         WHERE v.verdict LIKE 'unknown:%'`,
      );
      for (const r of v.rows) {
        expect(r.status).toBe('unknown');
        expect(String(r.verdict)).toContain(`${gone} is not in address_nodes`);
        expect([r.inner_src, r.inner_dst]).toContain(gone);
      }
      // Every other journey keeps the in-process verdict.
      expect(d.verdict).toEqual([]);
    } finally {
      duck.close();
    }
  });
});

describe('the comparison can fail', () => {
  const broken = async (set: string, opts: Parameters<typeof correlate>[1]) => {
    const duck = await openDuck();
    try {
      await attachDataset(duck.db, await datasetOf(set));
      await correlate(duck.db, opts);
      return await disagreements(duck.db);
    } finally {
      duck.close();
    }
  };
  /** A rewrite of one statement that must change it (a mutation that misses is a test bug). */
  const mutate = (from: string, to: string) => {
    let hit = false;
    return {
      rewrite: (s: string) => {
        if (!s.includes(from)) return s;
        hit = true;
        return s.replace(from, to);
      },
      hit: () => hit,
    };
  };

  it('a path finder that cuts journeys at every sighting (window 0) disagrees on grouping and hop places', async () => {
    const d = await broken('lab a (flannel VXLAN)', { windowNs: 0 });
    expect(d.hopPlace.length).toBeGreaterThan(0);
    expect(d.journeyGrouping.length).toBeGreaterThan(0);
  });

  const verdictMutations: [string, string, string, string][] = [
    ['a drop looked for before the last place seen', 'lab a (flannel VXLAN)', 'c.slot > l.last_seen_slot', 'c.slot < l.last_seen_slot'],
    ['acknowledgements that do not cover the segment', 'calico (routed)', '% 4294967296 < 2147483648', '% 4294967296 >= 2147483648'],
    ['no link-scope verdict', 'journeys lab (ICMP errors, shifted clock)', 'WHEN e.link_scope THEN', 'WHEN false THEN'],
    [
      'a refusal from anyone, not only the destination',
      'journeys lab (ICMP errors, shifted clock)',
      "q.verdict = 'refused' AND",
      "q.verdict <> 'refused' AND",
    ],
  ];
  for (const [what, set, from, to] of verdictMutations) {
    it(`verdict.sql with ${what} disagrees on verdicts`, async () => {
      const m = mutate(from, to);
      const d = await broken(set, { rewrite: m.rewrite });
      expect(m.hit()).toBe(true);
      expect(d.verdict.length).toBeGreaterThan(0);
    });
  }
});

describe('the steps in a work file', () => {
  it('gives the rows temporary tables give, from tables of the attached file', async () => {
    const dir = await datasetOf('journeys lab (ICMP errors, shifted clock)');
    const work = mkdtempSync(join(tmpdir(), 'tv-correlate-work-'));
    tmp.push(work);
    const duck = await openDuck();
    const db = await duck.instance.connect();
    const views = ['sql_hops', 'sql_journeys', 'sql_verdicts'];
    try {
      await attachDataset(duck.db, dir);
      await correlate(duck.db);
      // The rows of temporary tables, kept where another connection (its own temporary objects) sees them.
      for (const v of views) await duck.db.run(`CREATE TABLE main.before_${v} AS SELECT * FROM ${v}`);
      await correlate(db, { workFile: join(work, 'steps.duckdb') });
      const inFile = await queryRows(db, `SELECT COUNT(*) AS n FROM duckdb_tables() WHERE database_name = 'tv_work'`);
      expect(Number(inFile.rows[0].n)).toBeGreaterThan(3);
      for (const v of views) {
        const n = await queryRows(
          db,
          `SELECT (SELECT COUNT(*) FROM ${v}) AS rows, (SELECT COUNT(*) FROM ((SELECT * FROM main.before_${v} EXCEPT ALL SELECT * FROM ${v})
             UNION ALL (SELECT * FROM ${v} EXCEPT ALL SELECT * FROM main.before_${v}))) AS n`,
        );
        expect(Number(n.rows[0].rows), v).toBeGreaterThan(0);
        expect(Number(n.rows[0].n), v).toBe(0);
      }
    } finally {
      db.closeSync();
      duck.close();
    }
  });
});
