// End to end in browser mode: a user annotates a packet (with a hostile text), its flow, a hop, a
// graph node and the set, sees the list mark the packet, exports all five report formats from the toolbar, closes
// the app, opens the same captures again and finds the notes, and a note leads back to its packet.
// Runs on copies of the lab captures (the session file is written beside them).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoCaptures, startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, analysed, exportReport, labNeed, until, writeNote } from './scenario';
import { copyCaptures, describeNeeding } from '../tools';

const demo = demoCaptures();

const HOSTILE = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2"> javascript:alert(1)';

async function opened(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await analysed(page);
}

describeNeeding(['chromium', 'tshark', labNeed], 'notes end to end', () => {
  let dir: string;
  let caps: string[];
  let browser: Browser;
  const modes: BrowserMode[] = [];
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'tv-notes-e2e-'));
    caps = copyCaptures(demo, dir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    for (const m of modes) await m.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('annotates, exports five formats, closes, reopens and finds the notes', async () => {
    const problems: string[] = [];
    const watch = (page: Page) => {
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (msg) => msg.type() === 'error' && problems.push(`console error: ${msg.text()}`));
      page.on('dialog', (d) => void d.accept());
    };
    const first = await startBrowserMode({ files: caps });
    modes.push(first);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    watch(page);
    await opened(page, first.url);

    // A VXLAN packet: a note on it, from the packet detail.
    const input = page.locator('[data-testid=filter-input]');
    await input.fill('vxlan && icmp');
    await input.press('Enter');
    const rows = page.locator('.prow[data-no]');
    await until(
      'filtered rows',
      async () => (await rows.count()) > 0 && (await rows.first().locator('.c-encap').textContent())?.startsWith('VXLAN'),
    );
    const no = Number(await rows.first().getAttribute('data-no'));
    await rows.first().click();
    const detail = page.locator('[data-testid=packet-detail]');
    await until('packet detail', async () => (await detail.getAttribute('data-no')) === String(no));
    await writeNote(page, detail, HOSTILE, 'mtu', 'problem');
    const packetNote = detail.locator('[data-testid=note]');
    await until('the packet note shown', async () => (await packetNote.count()) === 1);
    expect(await packetNote.locator('.note-text').textContent()).toBe(HOSTILE);
    await until('the row marked', async () => (await page.locator(`.prow[data-no="${no}"] [data-testid=note-mark]`).count()) === 1);
    expect(await page.locator(`.prow[data-no="${no}"] .note-mark`).getAttribute('class')).toContain('problem');

    // Its flow and one hop, from the follow view.
    await detail.locator('[data-testid=follow-button]').click();
    const follow = page.locator('[data-testid=follow]');
    await until('hop table', async () => (await page.locator('[data-testid=hop]').count()) > 1);
    await writeNote(page, follow.locator('> [data-testid=note-box]'), 'ping across nodes, one journey per echo', 'path', 'info');
    await page.locator('[data-testid=hop]').nth(1).locator('[data-testid=hop-note]').click();
    await writeNote(page, follow.locator('[data-testid=note-box]').last(), 'the bridge sees it 40 µs later', 'latency', 'warning');
    await until('hop note mark', async () => (await page.locator('[data-testid=hop]').nth(1).locator('.note-mark').count()) === 1);

    // A graph element: the node selected in the graph.
    await page.evaluate(
      () =>
        void (
          globalThis as unknown as { __tunnelvisionGraph: { getElementById(i: string): { emit(e: string): void } } }
        ).__tunnelvisionGraph
          .getElementById('node:a-node2')
          .emit('tap'),
    );
    await until('element selected', async () => (await page.locator('[data-testid=element-filter]').count()) === 1);
    await writeNote(page, page.locator('.list-head'), 'node under suspicion', '', 'warning');
    await page.locator('[data-testid=element-filter] button').click();
    // The graph marks the noted element, as the report does.
    await until('noted element marked in the graph', () =>
      page.evaluate(() =>
        (
          globalThis as unknown as { __tunnelvisionGraph: { getElementById(i: string): { hasClass(c: string): boolean } } }
        ).__tunnelvisionGraph
          .getElementById('node:a-node2')
          .hasClass('noted'),
      ),
    );

    // The whole set, from the Notes tab, which lists all five.
    await page.locator('[data-testid=tab-notes]').click();
    const pane = page.locator('[data-testid=notes-pane]');
    await writeNote(page, pane, 'captures taken during the outage', 'context', 'info');
    await until('five notes listed', async () => (await pane.locator('[data-testid=note]').count()) === 5);
    expect(await page.locator('[data-testid=tab-notes]').textContent()).toBe('Notes (5)');
    expect(await pane.locator('[data-testid=note][data-kind=element] [data-testid=note-about]').textContent()).toBe('a-node2');
    expect(await pane.locator('[data-testid=note][data-kind=packet] .note-text').textContent()).toBe(HOSTILE);
    expect(await page.locator('img[src=x]').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await until('the session saved', async () => (await pane.locator('[data-testid=session-file]').textContent())?.startsWith('Saved in'));
    await page.screenshot({ path: join(RESULTS, 'browser-notes.png') });

    // Every report format, from the toolbar.
    const html = readFileSync(await exportReport(page, 'html'), 'utf8');
    expect(html).toContain('captures taken during the outage');
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).not.toContain('<script>window.__pwned');
    expect(readFileSync(await exportReport(page, 'md'), 'utf8')).toContain('the bridge sees it 40 µs later');
    const json = JSON.parse(readFileSync(await exportReport(page, 'json'), 'utf8'));
    expect(json.annotations.map((a: { text: string }) => a.text).sort()).toEqual(
      [
        HOSTILE,
        'captures taken during the outage',
        'node under suspicion',
        'ping across nodes, one journey per echo',
        'the bridge sees it 40 µs later',
      ].sort(),
    );
    expect(
      readFileSync(await exportReport(page, 'pdf'))
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
    const pcapng = await exportReport(page, 'pcapng');
    const comments = spawnSync('tshark', ['-r', pcapng, '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' }).stdout;
    expect(comments).toContain('window.__pwned=1');
    expect(comments).toContain('the bridge sees it 40 µs later');

    // Close the app; the session file is beside the captures.
    await page.close();
    await first.close();
    expect(readdirSync(dir).filter((n) => n.endsWith('.tvsession'))).toHaveLength(1);

    // Open the same captures again: the notes are back, and one leads to its packet.
    const second = await startBrowserMode({ files: caps });
    modes.push(second);
    const again = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watch(again);
    await opened(again, second.url);
    await again.locator('[data-testid=tab-notes]').click();
    const pane2 = again.locator('[data-testid=notes-pane]');
    await until('the notes after reopening', async () => (await pane2.locator('[data-testid=note]').count()) === 5);
    // The session remembered the filter too.
    expect(await again.locator('[data-testid=filter-input]').inputValue()).toBe('vxlan && icmp');
    await pane2.locator('[data-testid=note][data-kind=packet] [data-testid=note-about]').click();
    await until(
      'the annotated packet selected',
      async () => (await again.locator('[data-testid=packet-detail]').getAttribute('data-no')) === String(no),
    );
    expect(await again.locator('[data-testid=packet-detail] [data-testid=note] .note-text').textContent()).toBe(HOSTILE);
    await again.screenshot({ path: join(RESULTS, 'browser-notes-reopened.png') });
    if (problems.length) throw new Error(problems.join('\n'));
  }, 300_000);
});
