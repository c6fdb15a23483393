// A Parquet dataset opened in the app, end to end in browser mode: the real server, backend worker,
// DuckDB and built UI in Debian's Chromium. The toolbar's Dataset button takes a folder's path; the
// list shows the dataset's rows (fetched a page at a time), the filter keeps what the captures' filter
// keeps and names a field the dataset lacks, the graph is drawn, a packet decodes in full from its
// original capture and follows across nodes. A note written on a packet of the dataset is in the
// report exported from the toolbar, and is back on its packet when the dataset is opened again; a
// node correction on the dataset shows the command that exports it again.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { exportDataset } from '../../main/dataset/export';
import { captureCopies, describeNeeding, fileNeed, type CaptureCopies } from '../tools';
import { DATASET_SESSION } from '../../main/backend/notes';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, exportReport, until, writeNote } from './scenario';
import { LAB, labA } from '../dataset/lab-set';

describeNeeding(['chromium', fileNeed('lab a captures', join(LAB, 'a-node1-eth0.pcap'))], 'a dataset in the app (browser mode)', () => {
  let tmp: string;
  let lab: CaptureCopies;
  let dir: string;
  let mode: BrowserMode;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'tv-dse2e-'));
    lab = captureCopies(labA());
    dir = join(tmp, 'dataset');
    await exportDataset(lab.files, dir);
    // Started with no set, the dataset's folder allowed: the page opens it by path.
    mode = await startBrowserMode({ files: [], allowDirs: [tmp, lab.dir] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await mode?.close();
    lab?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('opens the folder, lists, filters, draws the graph, decodes from the original file and follows', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const pages: { offset: number; limit: number }[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/queryPackets') {
        const body = r.postData();
        if (body) pages.push(JSON.parse(body)[0] as { offset: number; limit: number });
      }
    });
    await page.goto(mode.url);
    const expected = await mode.backend.getState();
    expect(expected.totalPackets).toBe(0);

    // The Dataset button asks for the folder's path.
    page.once('dialog', (d) => void d.accept(dir));
    await page.locator('[data-testid=open-dataset]').click();
    await expect.poll(async () => (await mode.backend.getState()).totalPackets, { timeout: 60_000 }).toBeGreaterThan(0);
    const total = (await mode.backend.getState()).totalPackets;
    await expect.poll(() => page.locator('[data-testid=packet-list]').getAttribute('data-total'), { timeout: 60_000 }).toBe(String(total));
    expect(total).toBeGreaterThan(500);
    // Only pages are fetched, never the whole list.
    expect(pages.every((p) => p.limit <= 1000)).toBe(true);
    const rows = page.locator('.prow[data-no]');
    await until('rows on screen', async () => (await rows.count()) > 0);
    expect(await rows.first().getAttribute('data-no')).toBe('1');
    await expect.poll(() => page.locator('[data-testid=capture]').count()).toBe(13);
    await expect
      .poll(async () => Number((await page.locator('[data-testid=graph-count]').textContent())?.match(/^\d+/)?.[0] ?? 0), {
        timeout: 30_000,
      })
      .toBeGreaterThan(10);

    // A field the dataset lacks is named, not ignored.
    const input = page.locator('[data-testid=filter-input]');
    await input.fill('icmp && community_id == "1:x"');
    await input.press('Enter');
    await expect
      .poll(() => page.locator('[data-testid=filter-server-error]').textContent(), { timeout: 20_000 })
      .toContain("'community_id'");

    // A filter the dataset answers keeps the rows the backend's query keeps.
    const filter = 'icmp && vxlan';
    const want = await mode.backend.queryPackets({ filter, element: null, sort: 'no', descending: false, offset: 0, limit: 1, locate: 0 });
    expect(want.total).toBeGreaterThan(0);
    await input.fill(filter);
    await input.press('Enter');
    await expect
      .poll(() => page.locator('[data-testid=packet-list]').getAttribute('data-total'), { timeout: 20_000 })
      .toBe(String(want.total));
    await until('filtered rows', async () => (await rows.first().getAttribute('data-no')) === String(want.rows[0].no));
    expect(await rows.first().locator('.c-encap').textContent()).toMatch(/^VXLAN \d+$/);

    // The full decode comes from the original capture: outer and inner levels.
    await rows.first().click();
    await until('packet detail', async () => (await page.locator('[data-testid=level-1]').count()) > 0);
    expect(await page.locator('[data-testid=level-1] h3').textContent()).toMatch(/^Inner \(VXLAN \d+\)$/);
    await page.screenshot({ path: join(RESULTS, 'dataset-1-detail.png') });

    // Follow: the hop table across two nodes, from the dataset's journeys.
    await page.locator('[data-testid=follow-button]').click();
    const hops = page.locator('[data-testid=hop]');
    await until('hop table', async () => (await hops.count()) > 1);
    const table = await hops.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(new Set(table.map((r) => r[2])).size).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(RESULTS, 'dataset-2-follow.png') });
    if (problems.length) throw new Error(problems.join('\n'));
  }, 300_000);

  it('keeps a note on a dataset packet through a report and a reopening, and gives the export command for a correction', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(mode.url);
    const rows = page.locator('.prow[data-no]');
    await until('rows on screen', async () => (await rows.count()) > 0);
    const input = page.locator('[data-testid=filter-input]');
    await input.fill('icmp && vxlan');
    await input.press('Enter');
    await until('filtered rows', async () => (await rows.first().locator('.c-encap').textContent())?.startsWith('VXLAN'));
    const no = Number(await rows.first().getAttribute('data-no'));
    await rows.first().click();
    const detail = page.locator('[data-testid=packet-detail]');
    await until('packet detail', async () => (await detail.getAttribute('data-no')) === String(no));
    await writeNote(page, detail, 'echo crosses the tunnel here', 'vxlan', 'problem');
    await until('the row marked', async () => (await page.locator(`.prow[data-no="${no}"] [data-testid=note-mark]`).count()) === 1);
    expect(existsSync(join(dir, DATASET_SESSION))).toBe(true);

    // The report from the toolbar carries the note and the packet decoded from its original capture.
    const report = JSON.parse(readFileSync(await exportReport(page, 'json'), 'utf8')) as {
      annotations: { text: string }[];
      packets: { levels: unknown[]; unavailable: string | null }[];
    };
    expect(report.annotations.map((a) => a.text)).toEqual(['echo crosses the tunnel here']);
    expect(report.packets).toHaveLength(1);
    expect(report.packets[0].unavailable).toBeNull();
    expect(report.packets[0].levels.length).toBeGreaterThan(1);
    expect(readFileSync(await exportReport(page, 'html'), 'utf8')).toContain('echo crosses the tunnel here');

    // A node correction: the dataset is not analysed again in place; the command to export it again is shown.
    const capture = page.locator('[data-testid=capture]').first();
    await capture.locator('[data-testid=attr-edit]').click();
    await capture.locator('[data-testid=attr-node]').fill('node9');
    await capture.locator('[data-testid=attr-apply]').click();
    const command = page.locator('[data-testid=reexport-command]');
    await until('the export command', async () => (await command.count()) === 1);
    expect(await command.textContent()).toMatch(new RegExp(`^tunnelvision export --parquet ${dir} --assign [^ ]+=node9`));
    await page.screenshot({ path: join(RESULTS, 'dataset-3-correction.png') });
    await page.close();

    // Opened again in a new app: the note is back on its packet.
    const again = await startBrowserMode({ files: [dir] });
    try {
      const page2 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page2.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page2.goto(again.url);
      await page2.locator('[data-testid=tab-notes]').click();
      const pane = page2.locator('[data-testid=notes-pane]');
      await until('the note after reopening', async () => (await pane.locator('[data-testid=note]').count()) === 1, 60_000);
      expect(await pane.locator('[data-testid=note] .note-text').textContent()).toBe('echo crosses the tunnel here');
      await pane.locator('[data-testid=note][data-kind=packet] [data-testid=note-about]').click();
      await until(
        'the noted packet selected',
        async () => (await page2.locator('[data-testid=packet-detail]').getAttribute('data-no')) === String(no),
      );
      expect(await page2.locator('[data-testid=packet-detail] [data-testid=note] .note-text').textContent()).toBe(
        'echo crosses the tunnel here',
      );
      await page2.screenshot({ path: join(RESULTS, 'dataset-4-reopened.png') });
      await page2.close();
    } finally {
      await again.close();
    }
    if (problems.length) throw new Error(problems.join('\n'));
  }, 300_000);

  it('opens a dataset directory given at start, as `npm start -- DIR` does', async () => {
    const started = await startBrowserMode({ files: [dir] });
    try {
      await expect
        .poll(async () => (await started.backend.getState()).totalPackets, { timeout: 60_000 })
        .toBe((await mode.backend.getState()).totalPackets);
      expect((await started.backend.getState()).message).toContain(`Dataset ${dir}`);
    } finally {
      await started.close();
    }
  }, 120_000);
});
