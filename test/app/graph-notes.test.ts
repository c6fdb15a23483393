// A note taken in the app on any element of the cluster graph marks that element in the report's
// graph: for each kind of element (Kubernetes node, NIC, tunnel device, bridge, veth, pod, service,
// the wire inside a node, the tunnel between nodes, a service's link to a backend), on both lab
// clusters (VXLAN, flannel UDP), in the report model (JSON), the HTML tables and graph picture, the
// Markdown outline and the PDF's text. A session written with the element ids older reports used
// (tunnel-device:, service:, tunnel:, bare model ids) still loads, and its notes mark the same elements.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphElementView } from '../../common/contract';
import { createBackend } from '../../main/backend/backend';
import type { Backend } from '../../main/backend/api';
import type { ReportModel } from '../../main/report/model';
import { sessionPathFor } from '../../main/session';
import { splitElementId } from '../../main/topology/graph';
import { ready } from './helpers';
import { captureFiles } from '../topology/lab';
import { copyCaptures, itNeeding } from '../tools';

const clusterFiles = (c: string) => captureFiles(c).filter(existsSync);
const have = clusterFiles('a').length > 0 && clusterFiles('b').length > 0;
if (!have) console.warn('SKIPPED graph-notes tests: the lab captures (fixtures/captures) are missing');

/** The app's element kinds each lab cluster must show (and take a note on), with the report kind each becomes. */
const KINDS: Record<string, { app: string; report: string }[]> = {
  a: [
    { app: 'k8s-node', report: 'node' },
    { app: 'nic', report: 'nic' },
    { app: 'tunnel', report: 'vtep' },
    { app: 'bridge', report: 'bridge' },
    { app: 'veth', report: 'veth' },
    { app: 'pod', report: 'pod' },
    { app: 'service', report: 'service' },
    { app: 'link', report: 'wire' },
    { app: 'underlay', report: 'tunnel' },
    { app: 'service-link', report: 'service' },
  ],
  b: [
    { app: 'k8s-node', report: 'node' },
    { app: 'tunnel', report: 'tun' },
    { app: 'link', report: 'wire' },
    { app: 'underlay', report: 'tunnel' },
  ],
};

/** The SVG of the HTML report's graph picture. */
function graphSvg(html: string): string {
  const m = /id="graph-image" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html);
  expect(m).not.toBeNull();
  return Buffer.from(m![1], 'base64').toString('utf8');
}

describe.skipIf(!have)('notes on graph elements reach the report graph', () => {
  let dir: string;
  const backends: Backend[] = [];
  const open = async (paths: string[]) => {
    const b = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp'), sessionDir: join(dir, 'sessions') });
    backends.push(b);
    await b.openCaptures({ paths, append: false });
    expect((await ready(b)).phase).toBe('ready');
    return b;
  };
  const copy = (cluster: string, into = cluster) => copyCaptures(clusterFiles(cluster), join(dir, into));
  const report = async (b: Backend, format: 'json' | 'html' | 'md' | 'pdf') => {
    const path = join(dir, `report-${Math.random().toString(36).slice(2)}.${format}`);
    await b.writeReport({ format, path });
    return path;
  };
  /** Element ids a report marks annotated: graph nodes and links. */
  const marked = (r: ReportModel) => [...r.graph.nodes, ...r.graph.edges].filter((x) => x.annotated).map((x) => x.id);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tv-graph-notes-'));
  });
  afterAll(async () => {
    for (const b of backends) await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const cluster of ['a', 'b'] as const) {
    it(`cluster ${cluster}: a note on each kind of element marks it in the report model, the HTML tables and the graph picture`, async () => {
      const caps = copy(cluster);
      const b = await open(caps);
      const { elements } = await b.getGraph();
      const picks: GraphElementView[] = [];
      for (const k of KINDS[cluster]) {
        const el = elements.find((e) => e.data.kind === k.app);
        expect(el, `cluster ${cluster} has a ${k.app}`).toBeDefined();
        picks.push(el!);
      }
      for (const [i, el] of picks.entries())
        await b.addNote({
          target: { kind: 'element', element: el.data.id },
          text: `note ${i} on ${el.data.kind}`,
          tag: '',
          severity: 'info',
        });

      // The app names each noted element as its graph does.
      const notes = (await b.listNotes()).filter((n) => n.kind === 'element');
      expect(notes.map((n) => n.target)).toEqual(picks.map((p) => ({ kind: 'element', element: p.data.id })));
      const labelOf = (id: string) => elements.find((e) => e.data.id === id)!.data.label;
      for (const [i, n] of notes.entries()) {
        const d = picks[i].data;
        if (d.source) expect(n.about).toBe(`${d.label || 'wire'} (${labelOf(d.source)} ⇄ ${labelOf(d.target!)})`);
        else expect(n.about).toBe(d.label);
      }

      // The report model marks exactly those elements, each with the kind it has in the app.
      const r = JSON.parse(readFileSync(await report(b, 'json'), 'utf8')) as ReportModel;
      expect(marked(r).sort()).toEqual(picks.map((p) => p.data.id).sort());
      for (const [i, p] of picks.entries()) {
        const x = [...r.graph.nodes, ...r.graph.edges].find((y) => y.id === p.data.id)!;
        expect(x.kind, p.data.id).toBe(KINDS[cluster][i].report);
      }
      // Every element of the app's graph is in the report's, by the same id.
      expect([...r.graph.nodes, ...r.graph.edges].map((x) => x.id).sort()).toEqual(elements.map((e) => e.data.id).sort());

      // HTML: the element and link tables mark each noted element, the picture draws one mark per note.
      const html = readFileSync(await report(b, 'html'), 'utf8');
      const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]);
      for (const p of picks) {
        const x = [...r.graph.nodes, ...r.graph.edges].find((y) => y.id === p.data.id)!;
        const label = 'detail' in x ? x.label : x.label || x.kind;
        expect(
          rows.some((row) => row.includes(`${label.replace(/&/g, '&amp;')} ✎`)),
          `HTML table row of ${p.data.id}`,
        ).toBe(true);
      }
      expect(graphSvg(html).split('✎').length - 1).toBe(picks.length);

      // Markdown: the outline and the link table mark each noted element once.
      const md = readFileSync(await report(b, 'md'), 'utf8');
      expect(md.split('✎').length - 1).toBe(picks.length);
    });
  }

  it('a session with the element ids older reports used still loads, and its notes mark the same elements', async () => {
    const caps = copy('a', 'old');
    let b = await open(caps);
    const { elements } = await b.getGraph();
    const first = (kind: string) => elements.find((e) => e.data.kind === kind)!.data;
    const node = first('k8s-node');
    const tun = first('tunnel');
    const svc = first('service');
    const link = first('underlay');
    const backend = elements.find((e) => e.data.kind === 'service-link' && e.data.source === svc.id)!.data;
    const key = (id: string) => splitElementId(id).key;
    // How older reports spelled them: notes written with these ids before the app and the reports shared one graph.
    const old: [string, string][] = [
      [key(node.id), node.id],
      [`tunnel-device:${key(tun.id)}`, tun.id],
      [`service:${key(svc.id)}`, svc.id],
      [`tunnel:${key(link.id)}`, link.id],
      [`service:${key(svc.id)}>${backend.target}`, backend.id],
    ];
    for (const [id] of old) await b.addNote({ target: { kind: 'element', element: id }, text: `old ${id}`, tag: '', severity: 'info' });
    await b.close();
    const saved = JSON.parse(readFileSync(sessionPathFor(caps), 'utf8')) as { annotations: { target: { element?: string } }[] };
    expect(saved.annotations.map((a) => a.target.element)).toEqual(old.map(([id]) => id));

    b = await open(caps);
    const notes = (await b.listNotes()).filter((n) => n.kind === 'element');
    expect(notes.map((n) => n.target)).toEqual(old.map(([, now]) => ({ kind: 'element', element: now })));
    expect(notes[0].about).toBe(node.label);
    const r = JSON.parse(readFileSync(await report(b, 'json'), 'utf8')) as ReportModel;
    expect(marked(r).sort()).toEqual(old.map(([, now]) => now).sort());
  });

  itNeeding(['chromium', 'pdftotext'], 'the PDF report prints the marks of noted elements', async () => {
    const b = backends[0];
    const pdf = await report(b, 'pdf');
    const text = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).stdout;
    // One mark per noted element in the picture, one in the tables, and the caption's legend.
    expect(text.split('✎').length - 1).toBe(2 * KINDS.a.length + 1);
  });
});
