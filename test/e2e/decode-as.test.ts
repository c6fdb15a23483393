// End to end in browser mode: a capture whose VXLAN runs on a custom port (8999) shows no tunnel
// until the user adds "UDP port 8999 as vxlan" in the Decode as panel; then the list shows VXLAN and
// the detail the inner headers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { demoCaptures, startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { movePort } from '../app/helpers';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, until } from './scenario';
import { describeNeeding } from '../tools';

const source = demoCaptures().find((f) => f.endsWith('a-node1-eth0.pcap'));

describeNeeding(
  ['chromium', { what: 'the lab capture fixtures/captures/a-node1-eth0.pcap', present: !!source }],
  'decode as end to end',
  () => {
    let dir: string;
    let mode: BrowserMode;
    let browser: Browser;
    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      dir = mkdtempSync(join(tmpdir(), 'tv-decode-as-e2e-'));
      const bytes = readFileSync(source!);
      movePort(bytes, 8472, 8999);
      writeFileSync(join(dir, 'a-node1-eth0.pcap'), bytes);
      mode = await startBrowserMode({ files: [join(dir, 'a-node1-eth0.pcap')] });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });
    afterAll(async () => {
      await browser?.close();
      await mode?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('decodes a custom VXLAN port from the Decode as panel', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(mode.url);
      const ready = () => until('the analysis', async () => (await page.locator('.app').getAttribute('data-phase')) === 'ready', 60_000);
      await ready();
      const encaps = () => page.locator('.prow[data-no] .c-encap').allTextContents();
      await until('rows', async () => (await page.locator('.prow[data-no]').count()) > 0);
      expect((await encaps()).some((e) => e.startsWith('VXLAN'))).toBe(false);

      await page.locator('[data-testid=decode-as-open]').click();
      await page.locator('[data-testid=decode-as-add]').click();
      await page.locator('[data-testid=decode-as-port]').fill('8999');
      await page.locator('[data-testid=decode-as-proto]').selectOption('vxlan');
      await page.screenshot({ path: join(RESULTS, 'browser-decode-as.png') });
      await page.locator('[data-testid=decode-as-apply]').click();
      await until('the panel closed', async () => (await page.locator('[data-testid=decode-as]').count()) === 0);
      await ready();
      await until('VXLAN rows', async () => (await encaps()).some((e) => e === 'VXLAN 1'));
      expect(await page.locator('[data-testid=decode-as-open]').textContent()).toBe('Decode as (1)');
      const row = page.locator('.prow[data-no]', { has: page.locator('.c-encap', { hasText: 'VXLAN 1' }) }).first();
      await row.click();
      await until('inner headers', async () => (await page.locator('[data-testid=level-1] h3').count()) === 1);
      expect(await page.locator('[data-testid=level-1] h3').textContent()).toBe('Inner (VXLAN 1)');
    }, 120_000);
  },
);
