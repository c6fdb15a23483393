// The UI hears of the backend's changes without asking: in browser mode, real server, backend
// worker and built UI in Debian's Chromium. An idle window makes no API call at all; a change made
// in the backend by someone else (a capture added, a note taken, as the desktop menu or a second
// window would) shows in the page with no request for the state.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { demoCaptures, startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { copyCaptures, describeNeeding } from '../tools';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, analysed, labNeed, until } from './scenario';

describeNeeding(['chromium', labNeed], 'state pushed to the page (browser mode)', () => {
  let demo: string[];
  let extra: string;
  let dir: string;
  let mode: BrowserMode;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    // Copies: the notes taken here go to a session file beside the captures.
    dir = mkdtempSync(join(tmpdir(), 'tv-push-'));
    demo = copyCaptures(demoCaptures(), dir);
    // The capture added later carries markup in its name: the page must show it as text.
    extra = join(dir, `<img src=x onerror=window.__pwned=1>${basename(demo[demo.length - 1])}`);
    copyFileSync(demo[demo.length - 1], extra);
    mode = await startBrowserMode({ files: demo.slice(0, -1) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await mode?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an idle page calls nothing; changes made in the backend show without a request for the state', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const calls: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/')) calls.push(path.slice(5));
    });
    let streams = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/events') streams++;
    });
    await page.goto(mode.url);
    await analysed(page);
    // The state was read once when the page opened; it comes down one event stream.
    expect(calls.filter((c) => c === 'getState')).toHaveLength(1);
    expect(streams).toBe(1);

    // Idle for longer than any poll interval the page ever used (1.5 s): not one call.
    await new Promise((r) => setTimeout(r, 2000));
    calls.length = 0;
    await new Promise((r) => setTimeout(r, 4000));
    expect(calls).toEqual([]);

    // A capture added behind the page's back (the desktop menu does this): it shows, read and analysed.
    const before = await page.locator('[data-testid=capture]').count();
    await mode.backend.openCaptures({ paths: [extra], append: true });
    await until(
      'the added capture',
      async () => (await page.locator(`[data-testid=capture][data-name="${basename(extra)}"]`).count()) === 1,
      60_000,
    );
    await page.waitForSelector('[data-phase="ready"]', { timeout: 60_000 });
    expect(await page.locator('[data-testid=capture]').count()).toBe(before + 1);
    expect(await page.locator('[data-testid=captures]').textContent()).toContain('<img src=x onerror=window.__pwned=1>');
    expect(await page.locator('[data-testid=captures] img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // A note taken elsewhere: the Notes tab counts it.
    await mode.backend.addNote({ target: { kind: 'set' }, text: 'seen from the backend', tag: '', severity: 'info' });
    await expect.poll(() => page.locator('[data-testid=tab-notes]').textContent(), { timeout: 20_000 }).toBe('Notes (1)');

    // The page asked for what changed (rows, graph, notes) but never for the state itself.
    expect(calls).not.toContain('getState');
    expect(calls).toContain('listNotes');

    // The stream cut (the server gone): the page says its state may be old instead of showing it as current.
    await mode.server.close();
    await expect.poll(() => page.locator('[data-testid=banner]').textContent(), { timeout: 20_000 }).toMatch(/connection .* was lost/);
  }, 300_000);
});
