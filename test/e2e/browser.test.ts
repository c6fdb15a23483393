// End to end in browser mode: the real server, backend worker and built UI, driven through
// Debian's Chromium with playwright-core. The toolbar at laptop sizes: at 1024, 1280 and 1440 px
// wide the display filter box shows about thirty characters of filter (measured in its own
// monospace font), every control is whole inside the window and on no other, Tab reaches each
// enabled one in turn, and the graph pane's header keeps its buttons on one line. Screenshots go to test-results/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { demoCaptures, startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { captureCopies, describeNeeding, type CaptureCopies } from '../tools';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, addThroughFilePicker, analysed, corruptFiles, labNeed, runScenario } from './scenario';

/** The toolbar's controls, by the test ids the other tests and users' scripts rely on. */
const CONTROLS = [
  'open',
  'add',
  'open-dataset',
  'recent',
  'filter-input',
  'filter-apply',
  'filter-clear',
  'decode-as-open',
  'export-filter',
  'report-format',
  'settings-open',
];
/** Characters of filter the box shows at the least (a filter such as `ip.src == 10.244.1.2 && vxlan`). */
const FILTER_CHARS = 28;

interface Measure {
  /** Width of the filter input (px) and how many of its characters that holds. */
  inputWidth: number;
  chars: number;
  controls: { id: string; x1: number; x2: number; y1: number; y2: number; disabled: boolean }[];
}

const MEASURE = `(ids) => {
  const input = document.querySelector('[data-testid=filter-input]');
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = getComputedStyle(input).font;
  const style = getComputedStyle(input);
  const inner = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const controls = ids.map((id) => {
    const el = document.querySelector('[data-testid="' + id + '"]');
    if (!el) return { id, x1: NaN, x2: NaN, y1: NaN, y2: NaN, disabled: true };
    const r = el.getBoundingClientRect();
    return { id, x1: r.left, x2: r.right, y1: r.top, y2: r.bottom, disabled: el.disabled };
  });
  return { inputWidth: input.getBoundingClientRect().width, chars: inner / ctx.measureText('0').width, controls };
}`;

describeNeeding(['chromium', labNeed], 'browser mode end to end', () => {
  let lab: CaptureCopies;
  let mode: BrowserMode;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    lab = captureCopies(demoCaptures());
    mode = await startBrowserMode({ files: lab.files });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await mode?.close();
    lab?.dispose();
  });

  it('opens the demo set, shows the cluster, decodes VXLAN, filters, follows a flow, survives corrupt files', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    await page.goto(mode.url);
    // The token leaves the address bar (and history) on the first load: the page goes on with its cookie.
    await page.waitForFunction(() => !(globalThis as unknown as { location: { search: string } }).location.search.includes('token'));
    expect(page.url()).toBe(`${mode.server.origin}/`);
    const { files, cutPackets } = corruptFiles();
    await runScenario(page, { prefix: 'browser', corruptFiles: files, corruptCut: cutPackets, addFiles: addThroughFilePicker });
    // A reload without the token in the address still reaches the API (the port-named cookie).
    await page.reload();
    await page.waitForSelector('[data-phase="ready"]', { timeout: 60_000 });
    expect(await page.locator('[data-testid="file-input"]').count()).toBe(1);
    // No CSP violation, no script error along the way.
    if (problems.length) throw new Error(problems.join('\n'));
  }, 300_000);

  for (const [width, height] of [
    [1024, 768],
    [1280, 720],
    [1440, 900],
  ])
    it(`${width}x${height}: the filter box keeps ${FILTER_CHARS} characters, every control whole, apart and reached by Tab`, async () => {
      const page = await browser.newPage({ viewport: { width, height } });
      try {
        await page.goto(mode.url);
        await analysed(page);
        // A filter applied, so Clear is enabled too.
        await page.locator('[data-testid=filter-input]').fill('udp');
        await page.locator('[data-testid=filter-input]').press('Enter');
        await expect.poll(() => page.locator('[data-testid=filter-clear]').isEnabled()).toBe(true);
        await page.screenshot({ path: join(RESULTS, `toolbar-${width}x${height}.png`), clip: { x: 0, y: 0, width, height: 140 } });

        const m = await page.evaluate<Measure>(`(${MEASURE})(${JSON.stringify(CONTROLS)})`);
        expect(m.chars, `characters the filter box shows (${m.inputWidth.toFixed(0)} px)`).toBeGreaterThanOrEqual(FILTER_CHARS);
        for (const c of m.controls) {
          expect(c.x1, `${c.id} inside the window`).toBeGreaterThanOrEqual(0);
          expect(c.x2, `${c.id} inside the window`).toBeLessThanOrEqual(width);
          expect(c.x2 - c.x1, `${c.id} drawn`).toBeGreaterThan(10);
        }
        const overlapping: string[] = [];
        for (const a of m.controls)
          for (const b of m.controls)
            if (a.id < b.id && a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) overlapping.push(`${a.id} / ${b.id}`);
        expect(overlapping, 'controls drawn on one another').toEqual([]);
        // The graph pane's header (search, zoom, fit, export, full window) on one line over the graph.
        const head = (await page.locator('.graph-pane .pane-head').boundingBox())!;
        const expand = (await page.locator('[data-testid=graph-expand]').boundingBox())!;
        const search = (await page.locator('[data-testid=graph-search]').boundingBox())!;
        expect(Math.abs(expand.y + expand.height / 2 - (search.y + search.height / 2)), 'graph header on one line').toBeLessThan(4);
        expect(head.height).toBeLessThan(40);

        // Tab from the toolbar's start (a click on the product's name) reaches every enabled control.
        const enabled = m.controls.filter((c) => !c.disabled).map((c) => c.id);
        expect(enabled.length).toBeGreaterThanOrEqual(CONTROLS.length - 1);
        await page.locator('.toolbar .brand').click();
        const reached = new Set<string>();
        for (let i = 0; i < 40 && enabled.some((id) => !reached.has(id)); i++) {
          await page.keyboard.press('Tab');
          const id = await page.evaluate<string | null>(`document.activeElement?.getAttribute('data-testid') ?? null`);
          if (id) reached.add(id);
        }
        expect(
          enabled.filter((id) => !reached.has(id)),
          'controls Tab never reaches',
        ).toEqual([]);
      } finally {
        await page.close();
      }
    }, 120_000);
});
