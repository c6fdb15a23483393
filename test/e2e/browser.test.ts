// End to end in browser mode: the real server, backend worker and built UI, driven through
// Debian's Chromium with playwright-core. Screenshots go to test-results/.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { demoCaptures, startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { captureCopies, describeNeeding, type CaptureCopies } from '../tools';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, addThroughFilePicker, corruptFiles, labNeed, runScenario } from './scenario';

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
});
