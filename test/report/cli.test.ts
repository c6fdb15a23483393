// `tunnelvision report` on the lab capture set (cluster a of fixtures/manifest.json) with a session of
// annotations: every format is written, and the JSON report's structure (not its timestamps) matches
// the snapshot; the annotated flows' hop paths are the manifest's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadCaptureSet } from '../../main/topology';
import { SessionStore } from '../../main/session';
import type { ReportModel } from '../../main/report';
import { formatJourney } from '../../main/topology/text';
import { tempDir, tsharkFields } from './tools';
import { fileNeed, itNeeding } from '../tools';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifestPath = join(root, 'fixtures', 'manifest.json');
const have = existsSync(manifestPath);
const lab = fileNeed('the lab manifest', manifestPath);
const t = tempDir('tv-cli-report-');

interface Hop {
  capture: string;
  node: string;
  interface: string;
}
interface MFlow {
  name: string;
  cluster: string;
  protocol: string;
  client: { ip: string };
  server: { ip: string; port: number | null };
  request: Hop[];
  drop?: { lastSeen: Hop };
}
const manifest = have
  ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { captures: { file: string; cluster: string; packets: number }[]; flows: MFlow[] })
  : null;
const files = manifest ? manifest.captures.filter((c) => c.cluster === 'a').map((c) => join(root, 'fixtures', 'captures', c.file)) : [];
const session = join(t.dir, 'lab.tvsession');
let cross: MFlow;
let dropped: MFlow;
/** `follow`'s text for the annotated cross-node journey: the times the report must agree with. */
let followText = '';

/**
 * The report's structure: its sections and keys, what the inputs fix (captures, attribution by file
 * name, annotations, annotated packets and their header levels) and what the manifest says is true
 * (nodes, the annotated flows' first journeys hop by hop). Not timestamps, hashes, or inference
 * details that the analysis may refine (findings, graph details, journey counts): those have their
 * own tests against the manifest in the topology suite.
 */
function structure(r: ReportModel) {
  const keys = (o: object) => Object.keys(o).sort();
  // numbers a re-run of the lab changes (frame numbers, ICMP ids, journey numbering)
  const norm = (s: string) =>
    s
      .replace(/#\d+/g, '#N')
      .replace(/id=\d+/g, 'id=N')
      .replace(/journey \d+/g, 'journey N');
  return {
    keys: keys(r),
    schema: `${r.schema} ${r.version}`,
    summaryKeys: keys(r.summary),
    inputs: { captures: r.summary.captures, annotations: r.summary.annotations },
    session: { ...r.session },
    captures: r.captures.map((c) => ({
      file: c.file,
      format: c.format,
      state: c.state,
      points: c.points.map((p) => `${p.node}/${p.interface}/${p.kind}`),
      errors: c.errors.length,
    })),
    graphNodes: r.graph.nodes.filter((n) => n.kind === 'node').map((n) => n.label),
    graphKinds: [...new Set(r.graph.nodes.map((n) => n.kind))].sort(),
    annotatedElements: r.graph.nodes.filter((n) => n.annotated).map((n) => n.id),
    findingKeys: r.findings.length ? keys(r.findings[0]) : [],
    flows: r.flows.map((f) => ({
      id: norm(f.id),
      annotations: f.annotations.length,
      first: { status: f.journeys[0].status, hops: f.journeys[0].hops.map((h) => `${h.node}/${h.interface}`) },
      hopKeys: keys(f.journeys[0].hops[0]),
    })),
    packets: r.packets.map((p) => ({
      ref: norm(p.ref),
      node: p.node,
      interface: p.interface,
      levels: p.levels.map((l) => `${l.title}: ${l.layers.map((x) => x.proto).join(' ')}`),
      annotations: p.annotations.length,
    })),
    clockNodes: r.clockOffsets.map((c) => c.node).sort(),
    annotations: r.annotations.map((a) => norm(`${a.severity} ${a.source} ${a.targetKind}: ${a.target} = ${a.text}`)),
  };
}

beforeAll(async () => {
  if (!manifest) return;
  cross = manifest.flows.find((f) => f.name === 'a-icmp-cross-node')!;
  dropped = manifest.flows.find((f) => f.name === 'a-udp-dropped')!;
  // Find the flows and packets to annotate the way a user would: from the analysis.
  const analysis = await loadCaptureSet(files);
  const flowOf = (m: MFlow) =>
    analysis.flows.find(
      (f) =>
        f.protocol === m.protocol &&
        f.a.ip === m.client.ip &&
        f.b.ip === m.server.ip &&
        (m.server.port === null || f.b.port === m.server.port),
    );
  const crossFlow = flowOf(cross);
  const dropFlow = flowOf(dropped);
  if (!crossFlow || !dropFlow) throw new Error('the lab flows were not found in the analysis');
  const j = analysis.journeysForFlow(crossFlow.id)[0];
  const d = analysis.journeysForFlow(dropFlow.id)[0];
  followText = formatJourney(analysis, j);
  const store = await SessionStore.create(session, files, { autosaveMs: -1 });
  store.addAnnotation({ target: { kind: 'flow', flow: crossFlow.id }, text: 'cross-node ping works', severity: 'info', tag: 'baseline' });
  const h = j.hops[Math.min(5, j.hops.length - 1)];
  store.addAnnotation({
    target: { kind: 'hop', journey: String(j.id), hop: h.index, capture: h.packet.capture, packet: h.packet.index },
    text: 'decapsulated on node2',
    severity: 'info',
  });
  const last = d.lastSeen;
  store.addAnnotation({
    target: { kind: 'packet', capture: last.packet.capture, packet: last.packet.index },
    text: 'UDP 9999 last seen here: dropped by iptables FORWARD on a-node3',
    severity: 'problem',
    tag: 'drop',
  });
  store.addAnnotation({ target: { kind: 'element', element: `pod:${cross.server.ip}` }, text: 'web pod', severity: 'info' });
  store.addAnnotation({ target: { kind: 'set' }, text: 'lab cluster a, flannel VXLAN', severity: 'info' });
  store.setFilter('udp.dstport == 9999');
  await store.close();
});
afterAll(() => t.cleanup());

const cli = (args: string[]) =>
  promisify(execFile)(process.execPath, [join(root, 'main', 'cli', 'bin.mjs'), 'report', ...args], { cwd: root, maxBuffer: 64 << 20 });

describe('tunnelvision report on the lab set', () => {
  itNeeding([lab], 'writes every format from the session alone, and the JSON structure matches the snapshot', async () => {
    const outs = ['report.json', 'report.html', 'report.md', 'report.pcapng'].map((f) => join(t.dir, f));
    const { stdout } = await cli(['--session', session, ...outs.flatMap((o) => ['--out', o])]);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0] + ' ' + l.split(' ')[1]),
    ).toEqual(outs.map((o) => `wrote ${o}`));
    for (const o of outs) expect(statSync(o).size).toBeGreaterThan(1000);

    const r = JSON.parse(readFileSync(outs[0], 'utf8')) as ReportModel;
    expect(structure(r)).toMatchSnapshot();
    // packet counts as the lab recorded them
    expect(r.captures.map((c) => [c.file, c.packets])).toEqual(
      manifest!.captures.filter((c) => c.cluster === 'a').map((c) => [c.file, c.packets]),
    );
    expect(r.summary.packets).toBe(manifest!.captures.filter((c) => c.cluster === 'a').reduce((n, c) => n + c.packets, 0));

    // the annotated flows' hop paths are the manifest's, in order
    const path = (f: ReportModel['flows'][number]) => f.journeys[0].hops.map((h) => `${h.node}/${h.interface}`);
    const expected = (m: MFlow) => m.request.map((h) => `${h.node}/${h.interface}`);
    const crossReport = r.flows.find((f) => f.protocol === 'icmp')!;
    const dropReport = r.flows.find((f) => f.protocol === 'udp')!;
    expect(path(crossReport)).toEqual(expected(cross));
    expect(path(dropReport)).toEqual(expected(dropped));
    expect(dropReport.journeys[0].lastSeen).toContain(dropped.drop!.lastSeen.capture);

    const html = readFileSync(outs[1], 'utf8');
    expect([...html.matchAll(/<section id="([a-z]+)">/g)].map((m) => m[1])).toEqual([
      'summary',
      'captures',
      'graph',
      'findings',
      'flows',
      'packets',
      'clocks',
      'annotations',
    ]);
    const md = readFileSync(outs[2], 'utf8');
    expect(md.match(/^## .*/gm)).toHaveLength(8);

    // hop times are follow's: corrected onto the reference clock, which the tables name; captured ones beside them
    const hops = crossReport.journeys[0].hops;
    const reference = r.clockOffsets.find((c) => c.method === 'reference')!.node;
    for (const h of hops) {
      expect(followText).toContain(h.correctedTime!.slice(11, 29));
      expect(h.clock).toBe(reference);
    }
    const moved = hops.filter((h) => h.correctedTime !== h.time);
    expect(moved.length).toBeGreaterThan(0); // the lab's node clocks differ: a test of nothing otherwise
    expect(html).toContain(`Time (UTC, on ${reference}&#39;s clock)`);
    expect(html).toContain(`as captured <span class="mono">${moved[0].time.slice(11, 29)}</span>`);
    const mdPlain = md.replace(/\\(.)/g, '$1'); // Markdown escapes of ( ) and the like
    expect(mdPlain).toContain(`| Time (UTC, on ${reference}'s clock) | As captured (UTC) |`);
    expect(mdPlain).toContain(`| ${moved[0].correctedTime} | ${moved[0].time} |`);
  });

  itNeeding([lab, 'tshark'], 'the lab export opens in tshark with every note', async () => {
    const out = join(t.dir, 'notes.pcapng');
    await cli(['--session', session, '--out', out, '--packets', 'annotated']);
    const frames = tsharkFields(out, ['frame.comment', 'frame.interface_name']);
    const comments = frames.flatMap((f) => f['frame.comment'] ?? []);
    expect(comments).toContain('[problem] drop: UDP 9999 last seen here: dropped by iptables FORWARD on a-node3');
    expect(comments).toContain('[info] decapsulated on node2');
    expect(comments.some((c) => c.endsWith('[info] baseline: cross-node ping works'))).toBe(true);
    expect(frames.map((f) => f['frame.interface_name'][0])).toContain('a-node3/flannel.1');
  });

  it('fails clearly on bad arguments and missing files', async () => {
    await expect(cli(['--out', join(t.dir, 'x.txt'), 'a.pcap'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cannot tell the format'),
    });
    await expect(cli(['--out', join(t.dir, 'x.html'), join(t.dir, 'missing.pcap')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no such capture'),
    });
    await expect(cli(['--session', join(t.dir, 'none.tvsession'), '--out', join(t.dir, 'x.html')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('does not exist'),
    });
  });

  itNeeding([lab], 'names the file asked for and why when its folder does not exist, never a temporary file', async () => {
    for (const name of ['x.html', 'x.pcapng']) {
      const out = join(t.dir, 'no-such-folder', name);
      const err = await cli(['--session', session, '--out', out]).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code).toBe(1);
      expect(err?.stderr).toContain(`cannot write ${out}: the folder ${join(t.dir, 'no-such-folder')} does not exist`);
      expect(err?.stderr).not.toMatch(/\.tmp\b/);
    }
  });
});
