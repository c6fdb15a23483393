// End to end in browser mode: the Settings panel shows the read limits with their defaults; a packet
// limit of 50 saved there and applied with "Save and read again" stops reading the lab's captures
// at 50 packets with the "Reading stopped" message, and the limit is still there after a reload of
// the page (the backend remembers it in the user's config folder, here a temporary one).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { demoCaptures, startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, until } from './scenario';
import { captureCopies, describeNeeding, type CaptureCopies } from '../tools';

const files = demoCaptures().slice(0, 2);

describeNeeding(['chromium', { what: 'two lab captures in fixtures/captures', present: files.length === 2 }], 'settings end to end', () => {
  let dir: string;
  let lab: CaptureCopies;
  let mode: BrowserMode;
  let browser: Browser;
  const configHome = process.env.XDG_CONFIG_HOME;
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'tv-settings-e2e-'));
    // The settings go to the config folder: a temporary one, never the user's.
    process.env.XDG_CONFIG_HOME = dir;
    lab = captureCopies(files);
    mode = await startBrowserMode({ files: lab.files });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await mode?.close();
    if (configHome === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = configHome;
    rmSync(dir, { recursive: true, force: true });
    lab?.dispose();
  });

  it('a packet limit set in the panel stops the next reading with its message', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(mode.url);
    const ready = () => until('the analysis', async () => (await page.locator('.app').getAttribute('data-phase')) === 'ready', 60_000);
    await ready();
    const rows = () => page.locator('.prow[data-no]').count();
    await until('rows', async () => (await rows()) > 0);
    expect(await page.locator('[data-testid=banner]').count()).toBe(0);

    await page.locator('[data-testid=settings-open]').click();
    const packets = page.locator('[data-testid=limit-maxPackets]');
    await until('the limits', async () => (await packets.count()) === 1);
    expect(await packets.inputValue()).toBe('20M');
    expect(await page.locator('[data-testid=limit-maxMemoryBytes]').inputValue()).toBe('6G');
    expect(await page.locator('[data-testid=settings]').textContent()).toContain('default 32G');
    // Not a count: the field is marked and nothing can be saved.
    await packets.fill('lots');
    expect(await page.locator('[data-testid=limits-save]').isDisabled()).toBe(true);
    await packets.fill('50');
    await page.screenshot({ path: join(RESULTS, 'browser-settings.png') });
    await page.locator('[data-testid=limits-reload]').click();
    await until('the panel closed', async () => (await page.locator('[data-testid=settings]').count()) === 0);
    await until('the stop message', async () =>
      ((await page.locator('[data-testid=banner]').textContent()) ?? '').startsWith('Reading stopped'),
    );
    await ready();
    expect(await page.locator('[data-testid=banner]').textContent()).toMatch(
      /packet limit of 50 packets is reached.*the limits are in Settings/,
    );
    expect(JSON.parse(readFileSync(join(dir, 'tunnelvision', 'limits.json'), 'utf8'))).toMatchObject({ maxPackets: 50 });

    // The limit stays for the next open: the page reloaded shows it.
    await page.reload();
    await ready();
    await page.locator('[data-testid=settings-open]').click();
    await until('the limits', async () => (await packets.count()) === 1);
    expect(await packets.inputValue()).toBe('50');
  }, 120_000);
});
