// UI benchmark (issue 5), measured through Playwright in Debian's Chromium against browser mode:
//   - time from opening a 1M-packet capture (Recent... in the toolbar) to its first rows on screen
//   - frame times while scrolling the packet list (steady scroll, then jumps across the whole list)
//   - the cluster graph of a generated cluster of 50 nodes, 1,000 pods and 100 services: layout
//     time and frame rate while panning and zooming
// Goals: first rows within 1.5 s, scrolling at 60 frames per second; the graph laid out in 2 s,
// panned and zoomed at 30 frames per second or better.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt } from './measure';
import type { BenchContext, BenchSection } from './types';
import type { Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

interface Frames {
  frames: number;
  ms: number;
  median: number;
  p95: number;
  max: number;
  /** Frames on which some visible row was still a placeholder (page not yet fetched). */
  placeholders: number;
}

// Page-side scripts, as JavaScript source (they run in Chromium, not in Node).
const FIRST_ROWS = `async (path) => {
  const app = document.querySelector('.app');
  const g0 = app.dataset.generation;
  const select = document.querySelector('[data-testid=recent]');
  const t0 = performance.now();
  select.value = path;
  select.dispatchEvent(new Event('change', { bubbles: true }));
  await new Promise((resolve) => {
    const tick = () => (app.dataset.generation !== g0 && document.querySelector('.prow[data-no="1"]') ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  });
  return performance.now() - t0;
}`;
const WAIT_LISTED = `async (packets) => {
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const app = document.querySelector('.app');
      const total = document.querySelector('[data-testid=packet-list]').getAttribute('data-total');
      (app.dataset.phase !== 'loading' && total === String(packets) ? resolve() : setTimeout(tick, 20));
    };
    tick();
  });
  return performance.now() - t0;
}`;
const WAIT_READY = `async () => {
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = () => (document.querySelector('.app').dataset.phase === 'ready' ? resolve() : setTimeout(tick, 20));
    tick();
  });
  return performance.now() - t0;
}`;
const SCROLL = `async (how, seconds) => {
  const body = document.querySelector('[data-testid=packet-list-body]');
  body.scrollTop = 0;
  await new Promise((r) => setTimeout(r, 500));
  const times = [];
  let placeholders = 0;
  let last = performance.now();
  const end = last + seconds * 1000;
  let seed = 1;
  await new Promise((resolve) => {
    const frame = (now) => {
      times.push(now - last);
      last = now;
      if (body.querySelector('.prow.loading')) placeholders++;
      if (how === 'steady') body.scrollTop += 220;
      else {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        body.scrollTop = (seed / 0x7fffffff) * (body.scrollHeight - body.clientHeight);
      }
      if (now < end) requestAnimationFrame(frame);
      else resolve();
    };
    requestAnimationFrame(frame);
  });
  times.shift();
  return { times, placeholders };
}`;

// The cluster graph: wait for its layout, then pan and zoom it (alternating, one step a frame).
const GRAPH_LAID_OUT = `async () => {
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = () => (document.querySelector('.app').dataset.phase === 'ready' && document.querySelector('[data-testid=graph]').getAttribute('data-layout') === 'done' ? resolve() : setTimeout(tick, 20));
    tick();
  });
  return performance.now() - t0;
}`;
const GRAPH_LAYOUT_MS = `() => Number(document.querySelector('[data-testid=graph]').getAttribute('data-layout-ms'))`;
const GRAPH_EXPAND_ALL = `async () => {
  const graph = document.querySelector('[data-testid=graph]');
  const t0 = performance.now();
  graph.setAttribute('data-layout', 'asked');
  document.querySelector('[data-testid=graph-collapse-all]').click();
  await new Promise((resolve) => {
    const tick = () => (graph.getAttribute('data-layout') === 'done' ? requestAnimationFrame(() => resolve()) : setTimeout(tick, 20));
    tick();
  });
  return { wall: performance.now() - t0, layout: Number(graph.getAttribute('data-layout-ms')), elements: globalThis.__tunnelvisionGraph.elements().length };
}`;
const PAN_ZOOM = `async (seconds) => {
  const cy = globalThis.__tunnelvisionGraph;
  const times = [];
  let last = performance.now();
  const end = last + seconds * 1000;
  let i = 0;
  await new Promise((resolve) => {
    const frame = (now) => {
      times.push(now - last);
      last = now;
      i++;
      if (i % 2) cy.panBy({ x: i % 80 < 40 ? 9 : -9, y: i % 120 < 60 ? 4 : -4 });
      else cy.zoom({ level: cy.zoom() * (i % 60 < 30 ? 1.015 : 1 / 1.015), renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
      if (now < end) requestAnimationFrame(frame);
      else resolve();
    };
    requestAnimationFrame(frame);
  });
  times.shift();
  return { times, placeholders: 0 };
}`;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const summarize = (r: { times: number[]; placeholders: number }): Frames => {
  const sorted = [...r.times].sort((a, b) => a - b);
  const ms = r.times.reduce((s, t) => s + t, 0);
  return {
    frames: r.times.length,
    ms,
    median: pct(sorted, 0.5),
    p95: pct(sorted, 0.95),
    max: sorted.at(-1) ?? 0,
    placeholders: r.placeholders,
  };
};
const fps = (f: Frames) => f.frames / (f.ms / 1000);

/**
 * The graph of the generated cluster (50 nodes, 1,000 pods, 100 services): its layout, collapsed
 * (the default view) and with every box opened, and the frame rate while panning and zooming.
 * Goal: laid out in under 2 s, 30 frames per second or better.
 */
async function graphBench(ctx: BenchContext, browser: Browser): Promise<void> {
  const { startBrowserMode } = await import('../server/browser-mode');
  const { ensureBenchCluster } = await import('./synth');
  const cluster = ensureBenchCluster(undefined, ctx.out);
  const mode = await startBrowserMode({ files: cluster.files });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(mode.url);
    await page.evaluate('localStorage.clear()');
    await page.reload();
    await page.evaluate(`(${GRAPH_LAID_OUT})()`);
    const collapsedMs = await page.evaluate<number>(`(${GRAPH_LAYOUT_MS})()`);
    const collapsedCount = await page.evaluate<number>('globalThis.__tunnelvisionGraph.elements().length');
    const panCollapsed = summarize(await page.evaluate<{ times: number[]; placeholders: number }>(`(${PAN_ZOOM})(4)`));
    const expanded = await page.evaluate<{ wall: number; layout: number; elements: number }>(`(${GRAPH_EXPAND_ALL})()`);
    const panExpanded = summarize(await page.evaluate<{ times: number[]; placeholders: number }>(`(${PAN_ZOOM})(4)`));
    const { nodes, podsPerNode, services } = cluster.shape;
    ctx.out(
      `graph: ${nodes} nodes, ${fmt.int(nodes * podsPerNode)} pods, ${services} services (${fmt.int(cluster.packets)} packets in ${cluster.files.length} captures), window 1440x900`,
    );
    ctx.out(
      `graph layout, nodes collapsed (default), ${fmt.int(collapsedCount)} elements   ${(collapsedMs / 1000).toFixed(2)} s   (goal 2 s)`,
    );
    ctx.out(
      `graph layout, every node opened, ${fmt.int(expanded.elements)} elements   ${(expanded.layout / 1000).toFixed(2)} s   (click to drawn: ${(expanded.wall / 1000).toFixed(2)} s)`,
    );
    for (const [name, f] of [
      ['pan/zoom, nodes collapsed', panCollapsed],
      ['pan/zoom, every node opened', panExpanded],
    ] as const) {
      ctx.out(
        `${name.padEnd(38)} ${fps(f).toFixed(1)} fps   frame median ${f.median.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms   (goal 30 fps)`,
      );
    }
    ctx.figures.set('ui.graphLayoutMs', collapsedMs);
    ctx.figures.set('ui.graphFps', fps(panCollapsed));
    await page.close();
  } finally {
    await mode.close();
  }
}

export const uiSection: BenchSection = {
  id: 'ui',
  title: 'User interface (browser mode, Chromium): open to first rows, scrolling, cluster graph',
  async run(ctx: BenchContext): Promise<void> {
    if (!existsSync(CHROMIUM)) {
      ctx.out(`skipped: ${CHROMIUM} is not installed`);
      return;
    }
    const { chromium } = await import('playwright-core');
    const { startBrowserMode } = await import('../server/browser-mode');
    const config = mkdtempSync(join(tmpdir(), 'tv-bench-ui-'));
    const savedConfig = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = config;
    const mode = await startBrowserMode({ files: [ctx.capture.path] });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(mode.url);
      // The first open (at start) warms the page cache, as a user's second look at a file would.
      await page.evaluate(`(${WAIT_READY})()`);

      // Open again from the toolbar and time it inside the page, up to the frame that shows row 1
      // of the new set with its first rows listed (more arrive while reading; the analysis follows).
      const firstRowsMs = await page.evaluate<number>(`(${FIRST_ROWS})(${JSON.stringify(ctx.capture.path)})`);
      const listedMs = await page.evaluate<number>(`(${WAIT_LISTED})(${ctx.capture.packets})`);
      const readyMs = await page.evaluate<number>(`(${WAIT_READY})()`);
      const scroll = (how: 'steady' | 'jump') =>
        page.evaluate<{ times: number[]; placeholders: number }>(`(${SCROLL})(${JSON.stringify(how)}, 4)`);

      const steady = summarize(await scroll('steady'));
      const jump = summarize(await scroll('jump'));

      ctx.out(`capture: ${fmt.int(ctx.capture.packets)} packets, ${fmt.mb(ctx.capture.bytes)} (page cache warm), window 1280x800`);
      ctx.out(`open to first rows on screen          ${(firstRowsMs / 1000).toFixed(2)} s   (goal 1.5 s)`);
      ctx.out(`then all ${fmt.int(ctx.capture.packets)} rows listed (time order)   +${(listedMs / 1000).toFixed(2)} s`);
      ctx.out(`then the cluster analysis done         +${(readyMs / 1000).toFixed(2)} s`);
      for (const [name, f] of [
        ['scroll, steady (600 rows/s)', steady],
        ['scroll, random jumps over 1M rows', jump],
      ] as const) {
        ctx.out(
          `${name.padEnd(38)} ${(f.frames / (f.ms / 1000)).toFixed(1)} fps   frame median ${f.median.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms   frames with rows still loading: ${f.placeholders}/${f.frames}`,
        );
      }
      ctx.figures.set('ui.firstRowsMs', firstRowsMs);
      ctx.figures.set('ui.scrollFps', steady.frames / (steady.ms / 1000));
      await page.close();
      await graphBench(ctx, browser);
    } finally {
      await browser.close();
      await mode.close();
      if (savedConfig === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = savedConfig;
      rmSync(config, { recursive: true, force: true });
    }
  },
};
