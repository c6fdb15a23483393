// The backend while its analysis worker runs, on a set big enough that the analysis takes a while
// (the benchmark's 8-capture set of 200k sightings: flannel VXLAN between two nodes, each packet
// captured at 8 points) and on the lab's own captures: the list, the filter and the detail answer
// while the analysis runs (judged by the state each answer arrives in, never by the clock);
// cancelling, opening another set or correcting a capture's node mid-analysis never shows a
// stale result; a failed analysis worker is named and the list keeps working; a read limit is a
// finding that names what it left out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppState } from '../../common/contract';
import type { Backend, BackendOptions } from '../../main/backend/api';
import { createBackend } from '../../main/backend/backend';
import { ensureTopologySet } from '../../main/bench/topology';
import { demoCaptures } from '../../main/server/browser-mode';
import { buildGraph } from '../../main/report/build';
import type { ReportGraph, ReportModel } from '../../main/report/model';
import { loadCaptureSet } from '../../main/topology';
import { labNeed } from '../e2e/scenario';
import { captureCopies, describeNeeding, pageQuery, type CaptureCopies } from '../tools';

const SIGHTINGS = 200_000;

/** The first state `ok` accepts (polled every 10 ms; fails after `tries`). */
async function until(b: Backend, ok: (s: AppState) => boolean, tries = 6000): Promise<AppState> {
  for (let i = 0; i < tries; i++) {
    const s = await b.getState();
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the backend never reached the state asked for');
}
const done = (s: AppState) => s.phase !== 'loading' && s.phase !== 'analysing';

describeNeeding([labNeed], 'the backend and its analysis worker', () => {
  let dir: string;
  let big: CaptureCopies;
  let lab: CaptureCopies;
  const backends: Backend[] = [];
  const start = (more: Partial<BackendOptions> = {}): Backend => {
    const b = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp'), sessionDir: join(dir, 'sessions'), ...more });
    backends.push(b);
    return b;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tv-analysis-worker-'));
    // Copies: a correction is remembered in a session file beside the captures.
    big = captureCopies(ensureTopologySet(SIGHTINGS), 'tv-big-set-');
    lab = captureCopies(demoCaptures());
  });
  afterAll(async () => {
    for (const b of backends) await b.close();
    big?.dispose();
    lab?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers pages, filters and details while the set is analysed, and follows packets once it is done', async () => {
    const b = start();
    await b.openCaptures({ paths: big.files, append: false });
    await until(b, (s) => s.phase === 'analysing');
    let answered = 0;
    let asked = 0;
    // The list's pages over and over (answers come faster than the analysis ends: 1,000 pages of 50).
    const pages = SIGHTINGS / 4 / 50;
    for (;;) {
      const list = await b.queryPackets(pageQuery('vxlan && tcp.port == 8080', { offset: (asked % pages) * 50 }));
      const detail = await b.getPacket({ no: list.rows[0].no });
      const graph = await b.getGraph();
      const s = await b.getState();
      if (s.phase !== 'analysing') break;
      // Both answers came while the analysis was still running.
      asked++;
      answered++;
      // The tunnel's sightings: on each node's NIC (2 of the 8 points).
      expect(list.total).toBe(SIGHTINGS / 4);
      expect(list.rows).toHaveLength(50);
      expect(detail?.no).toBe(list.rows[0].no);
      expect(detail?.levels.length).toBeGreaterThan(1);
      expect(graph.elements).toEqual([]);
      expect(graph.message).toBe('Analysing the cluster…');
      await expect(b.followPacket({ no: list.rows[0].no })).rejects.toThrow(/not ready yet/);
      // The UI's next request comes as an event of its own (IPC, HTTP), not in the same turn: pages
      // read from the page cache answer without one, and the worker's news would wait behind them.
      await new Promise((r) => setImmediate(r));
    }
    expect(answered).toBeGreaterThan(0);
    const s = await until(b, done);
    expect(s.phase).toBe('ready');
    expect(s.message).toBeNull();
    // What needs the analysis is answered by its worker: the journey of a packet, hop by hop.
    const first = (await b.queryPackets(pageQuery('tcp.port == 8080'))).rows[0];
    const f = await b.followPacket({ no: first.no });
    expect(f?.journeys[f.selected].hops.length).toBe(8);
    expect(f?.journeys[f.selected].hops.some((h) => h.packetNo === first.no)).toBe(true);
    const g = await b.getGraph();
    expect(g.generation).toBe(s.generation);
    expect(g.elements.length).toBeGreaterThan(0);
  }, 300_000);

  it('cancelling mid-analysis stops it and keeps the list; opening another set mid-analysis shows only that set', async () => {
    const b = start();
    await b.openCaptures({ paths: big.files, append: false });
    await until(b, (s) => s.phase === 'analysing');
    await b.cancelLoad();
    const cancelled = await until(b, done);
    expect(cancelled.phase).toBe('cancelled');
    expect(cancelled.message).toMatch(/^Analysis cancelled: .*packets are listed/);
    expect(cancelled.totalPackets).toBe(SIGHTINGS);
    expect((await b.queryPackets(pageQuery('udp.port == 8472'))).total).toBe(SIGHTINGS / 4);
    expect((await b.getGraph()).elements).toEqual([]);
    await expect(b.followPacket({ no: 1 })).rejects.toThrow();

    await b.openCaptures({ paths: big.files, append: false });
    await until(b, (s) => s.phase === 'analysing');
    await b.openCaptures({ paths: lab.files, append: false });
    const s = await until(b, done);
    expect(s.phase).toBe('ready');
    expect(s.captures.map((c) => c.path)).toEqual(lab.files);
    const g = await b.getGraph();
    expect(g.generation).toBe(s.generation);
    // The graph is the lab's, element for element as a backend that opened only the lab draws it.
    const fresh = start();
    await fresh.openCaptures({ paths: lab.files, append: false });
    await until(fresh, done);
    const ids = (x: typeof g) => x.elements.map((e) => e.data.id).sort();
    expect(ids(g).length).toBeGreaterThan(0);
    expect(ids(g)).toEqual(ids(await fresh.getGraph()));
  }, 300_000);

  it("correcting a capture's node mid-analysis re-runs only the analysis and shows nothing of the one before", async () => {
    const b = start();
    await b.openCaptures({ paths: big.files, append: false });
    const first = await until(b, done);
    expect(first.phase).toBe('ready');
    const phases: string[] = [];
    b.subscribe('state', (s) => phases.push(s.phase));
    const during = await b.setAttribution({ capture: 0, node: 'renamed-node', iface: 'eth0' });
    expect(during.phase).toBe('analysing');
    // From the call on, the old analysis is gone: no graph, no journeys, file names for the rows.
    expect((await b.getGraph()).message).toBe('Analysing the cluster…');
    await b.setAttribution({ capture: 1, node: 'other-node', iface: 'eth0' });
    const s = await until(b, done);
    expect(s.phase).toBe('ready');
    expect(s.totalPackets).toBe(first.totalPackets);
    expect(phases).not.toContain('loading');
    expect(s.captures[0].node).toBe('renamed-node');
    expect(s.captures[1].node).toBe('other-node');
  }, 300_000);

  it('a failed analysis worker is named, and the list, the filter and the detail keep working', async () => {
    // A heap too small for the analysis of this set: the worker runs out of memory, as a real one would.
    const b = start({ analysisHeapMb: 16 });
    await b.openCaptures({ paths: big.files, append: false });
    const s = await until(b, done);
    expect(s.phase).toBe('ready');
    expect(s.message).toMatch(/^Cluster analysis failed: the analysis worker (failed|stopped).*Packets can still be listed/);
    const list = await b.queryPackets(pageQuery('vxlan'));
    expect(list.total).toBe(SIGHTINGS / 4);
    expect((await b.getPacket({ no: list.rows[0].no }))?.no).toBe(list.rows[0].no);
    expect((await b.getGraph()).message).toBe(s.message);
    await expect(b.followPacket({ no: list.rows[0].no })).rejects.toThrow(/analysis worker/);
  }, 300_000);

  it('the analysis in its worker is the path finder run in process: the same graph (MACs and gateways included) and findings', async () => {
    const b = start();
    await b.openCaptures({ paths: lab.files, append: false });
    expect((await until(b, done)).phase).toBe('ready');
    const out = join(dir, 'same.json');
    await b.writeReport({ format: 'json', path: out });
    const report = JSON.parse(readFileSync(out, 'utf8')) as ReportModel;
    const local = (await loadCaptureSet(lab.files)).toJSON();
    const g = buildGraph(local, () => false);
    const nodes = (x: ReportGraph) => x.nodes.map((n) => `${n.id} ${n.label} ${n.detail}`).sort();
    expect(nodes(report.graph)).toEqual(nodes(g));
    // Something with a MAC is in the graph (the worker's table must carry the set's MAC list).
    expect(nodes(report.graph).some((n) => /([0-9a-f]{2}:){5}[0-9a-f]{2}/.test(n))).toBe(true);
    expect(report.graph.edges.map((e) => e.id).sort()).toEqual(g.edges.map((e) => e.id).sort());
    expect(report.findings.map((f) => f.message).sort()).toEqual(local.findings.map((f) => f.message).sort());
  }, 120_000);

  it('past a read limit the set opens with what was read, and a finding names what was left out, in the app and the report', async () => {
    const b = start({ limits: { maxPackets: 100 } });
    await b.openCaptures({ paths: lab.files.slice(0, 3), append: false });
    const s = await until(b, done);
    expect(s.phase).toBe('ready');
    expect(s.totalPackets).toBe(100);
    const names = lab.files.slice(0, 3).map((f) => f.split('/').pop()!);
    const counts = s.captures.map((c) => c.packets);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(100);
    const cut = counts.findIndex((n, i) => i > 0 && n > 0 && n < 100) >= 0 ? 1 : 0;
    expect(s.message).toMatch(
      /^Reading stopped: the set's packet limit of 100 packets is reached \(raise it with --max-packets\)\. Left out: /,
    );
    expect(s.message).toContain(`the rest of ${names[cut]} from byte `);
    if (counts[2] === 0) expect(s.message).toContain(`${names[2]}, not read at all`);
    expect(s.message).toMatch(/The 100 packets read before are listed and analysed; the limits are in Settings\.$/);
    const out = join(dir, 'limited.json');
    await b.writeReport({ format: 'json', path: out });
    const report = JSON.parse(readFileSync(out, 'utf8')) as { findings: { message: string }[] };
    expect(report.findings.map((f) => f.message)).toContain(s.message);
  }, 120_000);
});
