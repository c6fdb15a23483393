// The cluster graph as a user sees it, in browser mode (Debian's Chromium), read through the page's
// Cytoscape instance: on the lab's demo set and on the benchmark's generated cluster of 50 nodes,
// 1,000 pods and 100 services. In the default view no two node boxes intersect and every label on
// screen is drawn at 9 px or more (none is left too small to read); a selected packet's path is in
// view, whole, with the boxes it crosses opened; search focuses a pod; a collapsed box opens on
// click; the pane fills the window with Ctrl+Shift+E and remembers it; the view the user has not
// moved follows the pane's size (full window, a drag of its edges), and a full window never keeps a
// Fit's unreadable zoom. In multi-row layouts (random-lab sets, the 50-node cluster) no service link
// is drawn through a node box not its own and no tunnel runs over the boxes' top. Screenshots go to
// test-results/.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoCaptures, startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { ensureBenchCluster } from '../../main/bench/synth';
import { DEFAULT_CACHE } from '../../fixtures/random/generate';
import { captureCopies } from '../tools';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, manifest, until } from './scenario';

const haveChromium = existsSync(CHROMIUM);
const haveLab = manifest() !== null && demoCaptures().length > 0;
/** The Calico lab's three nodes (BGP-routed): NICs and pod veths. */
const CALICO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'calico');
const CALICO = existsSync(CALICO_DIR)
  ? readdirSync(CALICO_DIR)
      .filter((f) => f.endsWith('.pcap'))
      .map((f) => join(CALICO_DIR, f))
  : [];
const haveCalico = CALICO.length > 0;
/** The random-lab cache the path-truth ratchet reads. */
const RANDLAB = process.env.TUNNELVISION_RANDLAB_CACHE || DEFAULT_CACHE;
/**
 * The capture files of a random-lab seed in the cache, when they lie in one folder (none when the
 * seed is missing or draws one folder per node: the test copies captures into one folder by name).
 */
function randomSet(seed: number): string[] {
  const dir = join(RANDLAB, `seed-${seed}`, 'captures');
  const entries = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : [];
  const files = entries.some((d) => d.isDirectory()) ? [] : entries.filter((d) => d.isFile()).map((d) => join(dir, d.name));
  if (!files.length) console.warn(`SKIPPED graph end-to-end test on random-lab seed ${seed}: no captures in one folder in ${dir}`);
  return files;
}
/** Seed 1: four flannel-VXLAN nodes. */
const RANDOM = randomSet(1);
const haveRandom = RANDOM.length > 0;
/** Seed 11: six Cilium-VXLAN nodes in two rows. */
const RANDOM_ROWS = randomSet(11);
/** Seed 19: six flannel-VXLAN nodes in two rows, tunnels between the rows, a service with backends in both. */
const RANDOM_FAR = randomSet(19);
if (!haveChromium) console.warn(`SKIPPED graph end-to-end tests: ${CHROMIUM} is not installed (apt-get install chromium)`);
if (!haveLab) console.warn('SKIPPED graph end-to-end test on the lab set: the lab captures are missing');

interface Box {
  id: string;
  x1: number;
  x2: number;
  y1: number;
  y2: number;
}

interface GraphReport {
  zoom: number;
  /** Node boxes with every label they hold (their title, their devices'). */
  boxes: Box[];
  /** Labels on screen: drawn (size >= their threshold) or left out as too small. */
  drawn: { id: string; px: number }[];
  tooSmall: { id: string; px: number }[];
  collapsed: number;
}

/** Reads the rendered graph through Cytoscape's API, in the page. */
const REPORT = `() => {
  const cy = globalThis.__tunnelvisionGraph;
  const z = cy.zoom();
  const w = cy.width(), h = cy.height();
  const onScreen = (bb) => bb.x2 > 0 && bb.x1 < w && bb.y2 > 0 && bb.y1 < h;
  const boxes = cy.nodes('[kind = "k8s-node"]').map((n) => { const b = n.boundingBox({ includeLabels: true, includeOverlays: false }); return { id: n.id(), x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2 }; });
  const drawn = [], tooSmall = [];
  cy.elements().forEach((e) => {
    if (!e.visible() || !e.data('label') || !onScreen(e.renderedBoundingBox({ includeLabels: true }))) return;
    const px = e.pstyle('font-size').pfValue * z;
    (px >= e.pstyle('min-zoomed-font-size').pfValue ? drawn : tooSmall).push({ id: e.id(), px });
  });
  return { zoom: z, boxes, drawn, tooSmall, collapsed: cy.nodes('[?collapsed]').length };
}`;
/** Whether every element with the class is wholly inside the graph's viewport. */
const IN_VIEW = `(sel) => {
  const cy = globalThis.__tunnelvisionGraph;
  const w = cy.width(), h = cy.height();
  const els = cy.elements(sel);
  const out = els.filter((e) => { const b = e.renderedBoundingBox({ includeLabels: false }); return b.x1 < -1 || b.y1 < -1 || b.x2 > w + 1 || b.y2 > h + 1; });
  return { count: els.length, outside: out.map((e) => e.id()) };
}`;

/**
 * The view against the pane: the graph's size, the container's (Cytoscape must not keep a stale
 * one), the zoom that would fit the whole graph, and the node boxes not wholly on screen.
 */
const FRAME = `() => {
  const cy = globalThis.__tunnelvisionGraph;
  const c = cy.container();
  const w = cy.width(), h = cy.height();
  const bb = cy.elements().boundingBox();
  const fitZoom = Math.min((w - 32) / bb.w, (h - 32) / bb.h);
  const cut = cy.nodes('[kind = "k8s-node"]').filter((n) => { const b = n.renderedBoundingBox({ includeLabels: true }); return b.x1 < -1 || b.y1 < -1 || b.x2 > w + 1 || b.y2 > h + 1; });
  const note = document.querySelector('[data-testid=graph-view-note]')?.textContent ?? '';
  return { w, h, clientW: c.clientWidth, clientH: c.clientHeight, zoom: cy.zoom(), fitZoom, cut: cut.map((n) => n.id()), collapsed: cy.nodes('[?collapsed]').length, note };
}`;
/**
 * The straight legs of a service link (or a routed tunnel) as Cytoscape draws it (model coordinates): from endpoint to
 * endpoint, through its segment points when it is drawn as segments.
 */
const LINK_LEGS = `(e) => {
  const pts = [e.sourceEndpoint(), ...(e.pstyle('curve-style').strValue === 'segments' ? e.segmentPoints() || [] : []), e.targetEndpoint()];
  return pts.slice(1).map((q, i) => [pts[i], q]);
}`;

/**
 * The tunnels as Cytoscape draws them: each curve (its endpoints and control points, sampled) against
 * the node boxes other than its two ends', and each tunnel label's box against the others'.
 */
const TUNNELS = `() => {
  const cy = globalThis.__tunnelvisionGraph;
  const boxes = cy.nodes('[kind = "k8s-node"]').map((n) => ({ id: n.id(), b: n.boundingBox({ includeLabels: false }) }));
  const crossing = [], labels = [];
  cy.edges('[kind = "underlay"]').forEach((e) => {
    const p = e.sourceEndpoint(), q = e.targetEndpoint();
    const cs = e.controlPoints() || [{ x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 }];
    // One quadratic curve per control point, joined at the middle of two control points in a row;
    // a tunnel routed along the rooms between rows is straight legs (each a degenerate quadratic).
    const pieces = e.pstyle('curve-style').strValue === 'segments'
      ? (${LINK_LEGS})(e).map(([a, z]) => [a, { x: (a.x + z.x) / 2, y: (a.y + z.y) / 2 }, z])
      : cs.map((c, i) => [i === 0 ? p : { x: (cs[i - 1].x + c.x) / 2, y: (cs[i - 1].y + c.y) / 2 }, c, i === cs.length - 1 ? q : { x: (c.x + cs[i + 1].x) / 2, y: (c.y + cs[i + 1].y) / 2 }]);
    const own = [e.source().parent().id(), e.target().parent().id()];
    for (const { id, b } of boxes) {
      if (own.includes(id)) continue;
      const through = pieces.some(([a, c, z]) => {
        for (let t = 0.01; t < 1; t += 0.01) {
          const x = (1 - t) * (1 - t) * a.x + 2 * t * (1 - t) * c.x + t * t * z.x, y = (1 - t) * (1 - t) * a.y + 2 * t * (1 - t) * c.y + t * t * z.y;
          if (x > b.x1 && x < b.x2 && y > b.y1 && y < b.y2) return true;
        }
        return false;
      });
      if (through) crossing.push(e.id() + ' through ' + id);
    }
    const l = e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true });
    if (l.w > 0) labels.push({ id: e.id(), x1: l.x1, x2: l.x2, y1: l.y1, y2: l.y2 });
  });
  const overlapping = [];
  for (const a of labels) for (const b of labels) if (a.id < b.id && a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) overlapping.push(a.id + ' / ' + b.id);
  return { count: cy.edges('[kind = "underlay"]').length, crossing, overlapping };
}`;
const tunnels = (page: Page) => page.evaluate<{ count: number; crossing: string[]; overlapping: string[] }>(`(${TUNNELS})()`);

/**
 * The service links as drawn against the node boxes (with their titles) other than their two ends'
 * (or the boxes holding them): a link drawn through another node's box reads as going into it.
 * Also how many rows the boxes stand in and how many services have backends in more than one row.
 */
const LINKS_THROUGH = `() => {
  const cy = globalThis.__tunnelvisionGraph;
  const boxes = cy.nodes('[kind = "k8s-node"]').map((n) => ({ id: n.id(), b: n.boundingBox({ includeLabels: true, includeOverlays: false }) }));
  const inside = (p, b) => p.x > b.x1 && p.x < b.x2 && p.y > b.y1 && p.y < b.y2;
  const through = [];
  const rowOf = new Map();
  const tops = [...new Set(boxes.map(({ b }) => Math.round(b.y1)))].sort((a, b) => a - b);
  for (const { id, b } of boxes) rowOf.set(id, tops.findIndex((t) => Math.abs(t - b.y1) < 120));
  const boxOf = (n) => (n.data('kind') === 'k8s-node' ? n.id() : n.parent().id());
  const rowsOfService = new Map();
  cy.edges('[kind = "service-link"]').forEach((e) => {
    const own = [e.source(), e.target()].map(boxOf);
    const svc = e.source().data('kind') === 'service' ? e.source().id() : e.target().id();
    const far = own.find((b) => b);
    if (far) (rowsOfService.get(svc) ?? rowsOfService.set(svc, new Set()).get(svc)).add(rowOf.get(far));
    const legs = (${LINK_LEGS})(e);
    for (const { id, b } of boxes) {
      if (own.includes(id)) continue;
      if (legs.some(([p, q]) => Array.from({ length: 99 }, (_, i) => (i + 1) / 100).some((t) => inside({ x: p.x + (q.x - p.x) * t, y: p.y + (q.y - p.y) * t }, b))))
        through.push(e.id() + ' through ' + id);
    }
  });
  return { links: cy.edges('[kind = "service-link"]').length, rows: new Set(rowOf.values()).size, spanning: [...rowsOfService.values()].filter((r) => r.size > 1).length, through };
}`;
const linksThrough = (page: Page) =>
  page.evaluate<{ links: number; rows: number; spanning: number; through: string[] }>(`(${LINKS_THROUGH})()`);

/**
 * Every label drawn on screen (node labels, box titles, link and tunnel labels), as Cytoscape
 * measures it, against every other; and the service links against one another: two links that
 * cross (other than at a shared end) make the eye follow the wrong one.
 */
const LABELS = `() => {
  const cy = globalThis.__tunnelvisionGraph;
  const z = cy.zoom(), w = cy.width(), h = cy.height();
  const labels = [];
  cy.elements().forEach((e) => {
    const text = e.isNode() ? e.data('text') || (e.isParent() || e.data('kind') === 'k8s-node' ? e.data('label') : '') : e.pstyle('label').strValue;
    if (!e.visible() || !text) return;
    if (e.pstyle('font-size').pfValue * z < e.pstyle('min-zoomed-font-size').pfValue) return;
    const b = e.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
    if (b.w > 0 && b.x2 > 0 && b.x1 < w && b.y2 > 0 && b.y1 < h) labels.push({ id: e.id(), kind: e.data('kind'), b });
  });
  const overlapping = [];
  for (let i = 0; i < labels.length; i++)
    for (let j = i + 1; j < labels.length; j++) {
      const a = labels[i].b, b = labels[j].b;
      if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) overlapping.push(labels[i].id + ' / ' + labels[j].id);
    }
  const links = cy.edges('[kind = "service-link"]').map((e) => ({ id: e.id(), ends: [e.source().id(), e.target().id()], legs: (${LINK_LEGS})(e) }));
  const side = (a, b, c) => Math.sign((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x));
  const cross = ([p, q], [r, s]) => side(p, q, r) * side(p, q, s) < 0 && side(r, s, p) * side(r, s, q) < 0;
  const crossing = [];
  for (let i = 0; i < links.length; i++)
    for (let j = i + 1; j < links.length; j++) {
      const s = links[i], t = links[j];
      if (s.ends.some((x) => t.ends.includes(x))) continue;
      if (s.legs.some((a) => t.legs.some((b) => cross(a, b)))) crossing.push(s.id + ' x ' + t.id);
    }
  return { labels: labels.length, linkLabels: labels.filter((l) => l.kind === 'service-link').length, overlapping, crossing };
}`;
const labels = (page: Page) =>
  page.evaluate<{ labels: number; linkLabels: number; overlapping: string[]; crossing: string[] }>(`(${LABELS})()`);

/** No label drawn on another (service links' included), and no two service links crossing. */
async function expectLabelsApart(page: Page, linkLabels: number): Promise<void> {
  const l = await labels(page);
  expect(l.linkLabels, 'service links labelled').toBeGreaterThanOrEqual(linkLabels);
  expect(l.overlapping, 'labels drawn on one another').toEqual([]);
  expect(l.crossing, 'service links crossing').toEqual([]);
}

/** Tunnels drawn clear of the boxes between their ends, their labels apart. */
async function expectTunnelsClear(page: Page, atLeast: number): Promise<void> {
  const t = await tunnels(page);
  expect(t.count).toBeGreaterThanOrEqual(atLeast);
  expect(t.crossing, 'tunnels drawn through a node box not theirs').toEqual([]);
  expect(t.overlapping, 'tunnel labels on one another').toEqual([]);
}

interface Frame {
  w: number;
  h: number;
  clientW: number;
  clientH: number;
  zoom: number;
  fitZoom: number;
  cut: string[];
  collapsed: number;
  /** The note over the graph saying what the default view leaves out. */
  note: string;
}
const frame = (page: Page) => page.evaluate<Frame>(`(${FRAME})()`);
/** Zoom at which the 11 px labels are drawn at 9 px (renderer/logic/graph.ts READABLE_ZOOM). */
const READABLE = 9 / 11;
/** Zoom down to which a small cluster is shown whole, its labels still drawn (renderer/logic/graph.ts WHOLE_ZOOM). */
const WHOLE = 0.5;

/**
 * The default view's rule, for the pane's current size: the whole graph, every node box in view,
 * when it fits with labels at 9 px or more, or when its boxes are open and it fits at a zoom where
 * Cytoscape still draws labels (a small cluster: whole, a note saying how to read its labels);
 * else readable labels (checked by expectReadable) and a note saying how many boxes are in view.
 */
async function expectDefaultFrame(page: Page): Promise<Frame> {
  const f = await frame(page);
  expect([f.w, f.h], 'Cytoscape knows the current size of the pane').toEqual([f.clientW, f.clientH]);
  if (f.fitZoom >= READABLE) expect(f.cut, `node boxes cut off although the graph fits at zoom ${f.fitZoom.toFixed(2)}`).toEqual([]);
  else if (f.collapsed === 0 && f.fitZoom >= WHOLE) {
    expect(f.cut, 'node boxes of a small cluster cut off').toEqual([]);
    expect(f.note).toMatch(/^All \d+ nodes shown/);
  } else {
    expect(f.zoom).toBeGreaterThanOrEqual(READABLE);
    expect(f.note).toMatch(/node boxes in view/);
  }
  return f;
}

const report = (page: Page) => page.evaluate<GraphReport>(`(${REPORT})()`);
const inView = (page: Page, sel: string) => page.evaluate<{ count: number; outside: string[] }>(`(${IN_VIEW})(${JSON.stringify(sel)})`);
const shot = (page: Page, name: string) => page.screenshot({ path: join(RESULTS, `graph-${name}.png`) });

async function settled(page: Page): Promise<void> {
  await until(
    'the graph laid out',
    async () =>
      page.evaluate(
        `document.querySelector('.app')?.getAttribute('data-phase') === 'ready' && document.querySelector('[data-testid=graph]')?.getAttribute('data-layout') === 'done'`,
      ),
    120_000,
  );
  // Two more frames for the view to be set after the layout.
  await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`);
}

function expectNoOverlap(r: GraphReport): void {
  const boxes = r.boxes;
  expect(boxes.length).toBeGreaterThan(0);
  for (const a of boxes)
    for (const b of boxes)
      if (a.id < b.id) expect(a.x2 <= b.x1 || b.x2 <= a.x1 || a.y2 <= b.y1 || b.y2 <= a.y1, `${a.id} intersects ${b.id}`).toBe(true);
}

/** The default view: every label on screen drawn, at 9 px or more. */
function expectReadable(r: GraphReport): void {
  expect(r.tooSmall, 'labels on screen too small to be drawn').toEqual([]);
  expectDrawnReadable(r);
}

/** Any view: the labels drawn are 9 px or more. */
function expectDrawnReadable(r: GraphReport): void {
  expect(r.drawn.length).toBeGreaterThan(0);
  expect(Math.min(...r.drawn.map((d) => d.px))).toBeGreaterThanOrEqual(9);
}

/** Selects the first packet the filter lists: its path lights up in the graph. */
async function selectPacket(page: Page, filter: string): Promise<void> {
  await page.locator('[data-testid=filter-input]').fill(filter);
  await page.locator('[data-testid=filter-input]').press('Enter');
  const row = page.locator('.prow[data-no]').first();
  await until('a row of the filter', async () => (await row.count()) > 0);
  await row.click();
  await until(
    'the path lit',
    async () =>
      (await page.evaluate(
        () =>
          (globalThis as unknown as { __tunnelvisionGraph: { elements(s: string): { length: number } } }).__tunnelvisionGraph.elements(
            '.path',
          ).length,
      )) > 3,
  );
  await settled(page);
}

describe.skipIf(!haveChromium)('cluster graph in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => browser?.close());

  async function open(files: string[], run: (page: Page) => Promise<void>, viewport = { width: 1440, height: 900 }): Promise<void> {
    const copies = captureCopies(files);
    let mode: BrowserMode;
    try {
      mode = await startBrowserMode({ files: copies.files });
    } catch (e) {
      copies.dispose();
      throw e;
    }
    const page = await browser.newPage({ viewport });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    try {
      await page.goto(mode.url);
      await page.evaluate('localStorage.clear()');
      await page.reload();
      await settled(page);
      await run(page);
      expect(problems, 'no script error, no CSP violation').toEqual([]);
    } finally {
      await page.close();
      await mode.close();
      copies.dispose();
    }
  }

  it.skipIf(!haveLab)(
    'lab set: boxes apart, every label readable, the followed path whole, the pane expands',
    async () => {
      await open(demoCaptures(), async (page) => {
        const r = await report(page);
        expect(r.collapsed).toBe(0);
        expectNoOverlap(r);
        expectReadable(r);
        // Three node boxes in the default pane of a 1440x900 window: all of them, readable.
        expect(r.boxes.length).toBe(3);
        expect((await expectDefaultFrame(page)).cut).toEqual([]);
        await expectTunnelsClear(page, 2);
        // Its three services stand over their backends: their links and labels apart.
        await expectLabelsApart(page, 3);
        await shot(page, 'lab-default');

        // A cross-node VXLAN packet: its path, both nodes' devices, all in view.
        await selectPacket(page, 'inner.ip.src == 10.244.0.2 && inner.ip.dst == 10.244.1.2 && icmp && vxlan');
        const path = await inView(page, '.path');
        expect(path.count).toBeGreaterThan(5);
        expect(path.outside).toEqual([]);
        // Zoomed out as far as the path needs: labels too small then are left out, never drawn illegibly.
        expectDrawnReadable(await report(page));
        await shot(page, 'lab-path');

        // The pane fills the window and comes back, and remembers it across a reload.
        const pane = page.locator('[data-testid=graph-pane]');
        const drag = async (axis: 'x' | 'y', dx: number, dy: number) => {
          const h = (await page.locator(`[data-testid=graph-resize-${axis}]`).boundingBox())!;
          await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
          await page.mouse.down();
          await page.mouse.move(h.x + h.width / 2 + dx, h.y + h.height / 2 + dy, { steps: 5 });
          await page.mouse.up();
        };
        // A small pane first (the default one shows the three boxes whole and readable).
        await drag('x', 170, 0);
        await drag('y', 0, -160);
        await until('the pane made small', async () => ((await pane.boundingBox())?.height ?? 1e9) < 420);
        await settled(page);
        const small = (await pane.boundingBox())!;
        // Fit in the small pane shrinks the labels below 9 px; the full window then shows the whole
        // graph readable again, instead of keeping that zoom in one corner.
        await page.locator('[data-testid=graph-fit]').click();
        expect((await frame(page)).zoom).toBeLessThan(READABLE);
        await page.keyboard.press('Control+Shift+E');
        await until('the full-window graph', async () => ((await pane.boundingBox())?.width ?? 0) >= 1440);
        expect((await pane.boundingBox())!.height).toBeGreaterThanOrEqual(899);
        await settled(page);
        await until('the full-window view', async () => (await frame(page)).w >= 1440);
        const entered = await report(page);
        expectReadable(entered);
        expect((await expectDefaultFrame(page)).cut).toEqual([]);
        await shot(page, 'lab-expanded-after-fit');
        await page.reload();
        await settled(page);
        expect((await pane.boundingBox())!.width).toBeGreaterThanOrEqual(1440);
        const full = await report(page);
        expectNoOverlap(full);
        expectReadable(full);
        await shot(page, 'lab-expanded');
        await page.keyboard.press('Escape');
        await until('the pane back in place', async () => Math.abs(((await pane.boundingBox())?.width ?? 0) - small.width) < 2);
        await settled(page);
        await expectDefaultFrame(page);

        // A bigger pane, dragged by its edges, refits the view the user has not moved: the whole
        // graph then fits readable, every node box in view.
        await drag('x', -420, 0);
        await drag('y', 0, 330);
        await until('the pane enlarged', async () => ((await pane.boundingBox())?.height ?? 0) > small.height + 250);
        await settled(page);
        const big = await expectDefaultFrame(page);
        expect(big.fitZoom).toBeGreaterThanOrEqual(READABLE);
        expect(big.cut).toEqual([]);
        expectDrawnReadable(await report(page));
        await shot(page, 'lab-enlarged');
      });
    },
    300_000,
  );

  it.skipIf(!haveLab)(
    'lab set in a 1280x720 window: the whole graph in the default pane, readable, its labels apart',
    async () => {
      await open(
        demoCaptures(),
        async (page) => {
          const r = await report(page);
          expect(r.boxes.length).toBe(3);
          expectNoOverlap(r);
          expectReadable(r);
          const f = await expectDefaultFrame(page);
          expect(f.fitZoom, 'the whole graph fits with its labels at 9 px').toBeGreaterThanOrEqual(READABLE);
          expect(f.cut, 'node boxes not wholly in the default view').toEqual([]);
          await expectTunnelsClear(page, 2);
          await expectLabelsApart(page, 3);
          await shot(page, 'lab-1280');
        },
        { width: 1280, height: 720 },
      );
    },
    300_000,
  );

  it.skipIf(!haveCalico)(
    'three nodes in a 1440x900 window: every node box inside the default view, every label readable',
    async () => {
      await open(CALICO, async (page) => {
        const r = await report(page);
        expect(r.boxes.length).toBe(3);
        expectNoOverlap(r);
        expectReadable(r);
        const f = await frame(page);
        expect(f.cut, 'node boxes not wholly in the default view').toEqual([]);
        expect(f.zoom).toBeGreaterThanOrEqual(READABLE);
        await shot(page, 'calico-default');
      });
    },
    300_000,
  );

  it.skipIf(!haveRandom)(
    'random-lab cluster of four flannel-VXLAN nodes: tunnels clear of the boxes between their ends, labels apart',
    async () => {
      await open(RANDOM, async (page) => {
        const r = await report(page);
        expect(r.boxes.length).toBe(4);
        expectNoOverlap(r);
        await expectTunnelsClear(page, 3);
        await shot(page, 'random-default');
      });
    },
    300_000,
  );

  for (const { seed, files, spanning, linkLabels } of [
    // Two rows of three.
    { seed: 11, files: RANDOM_ROWS, spanning: 0, linkLabels: 2 },
    // Two rows of three, tunnels between the rows, a service with backends in both.
    { seed: 19, files: RANDOM_FAR, spanning: 1, linkLabels: 3 },
  ])
    it.skipIf(!files.length)(
      `random-lab seed ${seed}, six nodes in two rows at 1280x720: no service link through a box not its own, tunnels under the services, labels apart`,
      async () => {
        await open(
          files,
          async (page) => {
            const r = await report(page);
            expect(r.boxes.length).toBe(6);
            expectNoOverlap(r);
            const l = await linksThrough(page);
            expect(l.rows, 'node boxes in more than one row').toBeGreaterThan(1);
            expect(l.spanning, 'services with backends in two rows').toBeGreaterThanOrEqual(spanning);
            expect(l.through, 'service links drawn through a node box not theirs').toEqual([]);
            await expectTunnelsClear(page, 8);
            // A tunnel between two boxes of the first row runs under it, not over the services' band
            // above the boxes (where it would cross the services and their links).
            const above = await page.evaluate<string[]>(`(() => {
              const cy = globalThis.__tunnelvisionGraph;
              const top = Math.min(...cy.nodes('[kind = "k8s-node"]').map((n) => n.boundingBox({ includeLabels: true }).y1));
              return cy.edges('[kind = "underlay"]').filter((e) => e.boundingBox({ includeLabels: false }).y1 < top).map((e) => e.id());
            })()`);
            expect(above, 'tunnels drawn above the node boxes').toEqual([]);
            // The labels on screen apart, in the default pane and in the full window.
            await expectLabelsApart(page, 1);
            await page.keyboard.press('Control+Shift+E');
            await until('the full-window view', async () => (await frame(page)).w >= 1280);
            await settled(page);
            // Shown whole there with small labels: the labels apart once zoomed to a readable size
            // from the top left too.
            await expectLabelsApart(page, 0);
            await page.evaluate(`(() => {
              const cy = globalThis.__tunnelvisionGraph;
              const bb = cy.elements().boundingBox();
              cy.zoom(${READABLE} * 1.04);
              cy.pan({ x: 16 - bb.x1 * cy.zoom(), y: 16 - bb.y1 * cy.zoom() });
            })()`);
            await expectLabelsApart(page, linkLabels);
            await shot(page, `random-${seed}-expanded`);
          },
          { width: 1280, height: 720 },
        );
      },
      300_000,
    );

  it('generated cluster of six flannel-VXLAN nodes in a 1600x1000 window: every node box in the default view, labels at 8 px or more, one label for the tunnel mesh', async () => {
    const cluster = ensureBenchCluster({ nodes: 6, podsPerNode: 2, services: 1 });
    await open(
      cluster.files,
      async (page) => {
        const r = await report(page);
        expect(r.boxes.length).toBe(6);
        expect(r.collapsed).toBe(0);
        expectNoOverlap(r);
        await shot(page, 'six-default');
        // Six boxes wrap into rows shaped like the pane (three and three, not five and one), so the
        // default pane (767x577 px) shows all of them, their labels near full size.
        const f = await expectDefaultFrame(page);
        expect(f.cut, 'node boxes not wholly in the default view').toEqual([]);
        expect((await linksThrough(page)).rows, 'rows of node boxes').toBe(2);
        const px = [...r.drawn, ...r.tooSmall].map((d) => d.px);
        expect(px.length).toBeGreaterThan(30);
        expect(Math.min(...px), 'labels on screen').toBeGreaterThanOrEqual(8);
        await expectTunnelsClear(page, 6);
        await expectLabelsApart(page, 0);
        // The tunnels all say 'VXLAN VNI 1 UDP 8472': drawn once, in the legend, not on each tunnel.
        const mesh = await page.evaluate<{ tunnels: number; drawn: string[]; label: string }>(`(() => {
          const cy = globalThis.__tunnelvisionGraph;
          const t = cy.edges('[kind = "underlay"]');
          return { tunnels: t.length, drawn: t.map((e) => e.pstyle('label').strValue).filter((x) => x), label: t[0].data('label') };
        })()`);
        expect(mesh.tunnels).toBeGreaterThanOrEqual(6);
        expect(mesh.label).toMatch(/VXLAN VNI 1 UDP 8472/);
        expect(mesh.drawn, 'tunnel labels drawn on the graph').toEqual([]);
        expect(await page.locator('[data-testid=graph-tunnel-kind]').allTextContents()).toEqual([
          `${mesh.label} (${mesh.tunnels} tunnels)`,
        ]);
        // The pointer on a tunnel draws its own label along it.
        const at = await page.evaluate<{ id: string; x: number; y: number }>(`(() => {
          const cy = globalThis.__tunnelvisionGraph;
          const e = cy.edges('[kind = "underlay"]').filter((x) => x.pstyle('curve-style').strValue !== 'segments')[0];
          const m = e.renderedMidpoint(), c = cy.container().getBoundingClientRect();
          return { id: e.id(), x: c.left + m.x, y: c.top + m.y };
        })()`);
        await page.mouse.move(at.x, at.y);
        await until('the tunnel hovered', async () =>
          page.evaluate<boolean>(`globalThis.__tunnelvisionGraph.getElementById(${JSON.stringify(at.id)}).hasClass('hover')`),
        );
        const hovered = await page.evaluate<string>(
          `globalThis.__tunnelvisionGraph.getElementById(${JSON.stringify(at.id)}).pstyle('label').strValue`,
        );
        expect(hovered).toBe(mesh.label);
        await page.mouse.move(0, 0);
        // The full window shows them all at 9 px or more, labels apart, tunnels clear.
        await page.keyboard.press('Control+Shift+E');
        await until('the full-window view', async () => (await frame(page)).w >= 1600);
        await settled(page);
        expectReadable(await report(page));
        expect((await expectDefaultFrame(page)).cut).toEqual([]);
        await expectTunnelsClear(page, 6);
        await expectLabelsApart(page, 1);
        await shot(page, 'six-expanded');
      },
      { width: 1600, height: 1000 },
    );
  }, 300_000);

  it('generated cluster of 50 nodes, 1,000 pods, 100 services: collapsed, readable, searchable, paths opened', async () => {
    const cluster = ensureBenchCluster();
    await open(cluster.files, async (page) => {
      const els = await page.evaluate(
        () =>
          (globalThis as unknown as { __tunnelvisionGraph: { nodes(s: string): { length: number } } }).__tunnelvisionGraph.nodes(
            '[kind = "service"]',
          ).length,
      );
      expect(els).toBe(100);
      const r = await report(page);
      expect(r.collapsed).toBe(50);
      expect(r.boxes.length).toBe(50);
      expectNoOverlap(r);
      expectReadable(r);
      // Each service stands over the row of its backend: no link runs through the rows above it.
      const links = await linksThrough(page);
      expect(links.links).toBe(100);
      expect(links.rows).toBeGreaterThan(1);
      expect(links.through, 'service links drawn through a node box not theirs').toEqual([]);
      // The summaries on screen say what a box holds.
      expect(r.drawn.some((d) => d.id.startsWith('node:'))).toBe(true);
      await shot(page, 'big-default');

      // Search a pod: its box opens, the pod is centered and its label drawn.
      await page.locator('[data-testid=graph-search]').fill('10.244.33.7');
      await page.locator('[data-testid=graph-search]').press('Enter');
      await until('the pod found', async () =>
        page.evaluate(() =>
          (
            globalThis as unknown as { __tunnelvisionGraph: { getElementById(i: string): { hasClass(c: string): boolean } } }
          ).__tunnelvisionGraph
            .getElementById('pod:10.244.33.7')
            .hasClass('found'),
        ),
      );
      await settled(page);
      const found = await report(page);
      expect(found.collapsed).toBe(49);
      expect(found.drawn.map((d) => d.id)).toContain('pod:10.244.33.7');
      expect((await inView(page, '.found')).outside).toEqual([]);
      expectNoOverlap(found);
      await shot(page, 'big-search');

      // A packet from node-21's first pod to a service backed on node-22: its path whole, the
      // boxes it crosses open.
      await selectPacket(page, 'ip.src == 10.244.20.2 && ip.dst == 10.96.0.31');
      const path = await inView(page, '.path');
      expect(path.count).toBeGreaterThan(5);
      expect(path.outside).toEqual([]);
      const opened = await page.evaluate(() =>
        (
          globalThis as unknown as { __tunnelvisionGraph: { nodes(s: string): { map(f: (n: { id(): string }) => string): string[] } } }
        ).__tunnelvisionGraph
          .nodes('[kind = "k8s-node"][!collapsed]')
          .map((n) => n.id()),
      );
      expect(opened).toEqual(expect.arrayContaining(['node:node-21', 'node:node-22']));
      // Zoomed out as far as the path needs: the labels drawn are readable, the others wait for a
      // hover or a zoom.
      const pathView = await report(page);
      expectNoOverlap(pathView);
      if (pathView.drawn.length) expectDrawnReadable(pathView);
      await shot(page, 'big-path');

      // A click on a collapsed box opens it.
      await page.evaluate(() =>
        (globalThis as unknown as { __tunnelvisionGraph: { getElementById(i: string): { emit(e: string): void } } }).__tunnelvisionGraph
          .getElementById('node:node-40')
          .emit('tap'),
      );
      await until('node-40 open', async () =>
        page.evaluate(
          () =>
            (globalThis as unknown as { __tunnelvisionGraph: { nodes(s: string): { length: number } } }).__tunnelvisionGraph.nodes(
              '[parent = "node:node-40"]',
            ).length >= 20,
        ),
      );
      await settled(page);
      expectNoOverlap(await report(page));
    });
  }, 600_000);
});
