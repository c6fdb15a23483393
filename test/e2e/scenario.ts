// The end-to-end scenario of the app, shared by browser mode (Debian's Chromium) and the desktop
// shell (Electron, where its runtime exists): open the demo set, check the graph against the lab
// manifest, read a VXLAN packet's outer and inner headers, apply and clear a filter, follow a flow
// across two nodes, add a corrupt file and see its error while the rest still opens.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../../main/report/pdf';
import { demoCaptures } from '../../main/server/browser-mode';
import type { MenuItemId } from '../../main/app/menu';
import type { Requirement } from '../tools';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RESULTS = join(ROOT, 'test-results');
/** Debian's Chromium, found as the product finds it (tests that need it declare the 'chromium' tool, test/tools.ts). */
export const CHROMIUM = findChromium() ?? '/usr/bin/chromium';
/** The product's own Chromium flags (headless, offline, sandbox-less). */
export { CHROMIUM_ARGS };

interface ManifestHop {
  capture: string;
  node: string;
  interface: string;
  ttl: number;
  encap: { kind: string; vni: number; src: string; dst: string } | null;
}
export interface Manifest {
  clusters: { name: string; nodes: { name: string }[]; pods: { name: string; node: string; ip: string }[] }[];
  captures: { file: string; cluster: string; packets: number; node: string }[];
  flows: { name: string; cluster: string; request: (ManifestHop & { src: string; dst: string })[]; drop: unknown }[];
}

export function manifest(): Manifest | null {
  const p = join(ROOT, 'fixtures', 'manifest.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Manifest) : null;
}

/** The lab's demo set and its manifest, which the scenario checks against. */
export const labNeed: Requirement = {
  what: 'the lab captures (fixtures/manifest.json, fixtures/captures)',
  present: manifest() !== null && demoCaptures().length > 0,
};

const shot = (page: Page, name: string) => page.screenshot({ path: join(RESULTS, `${name}.png`) });

export async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the page has nothing loading and its cluster graph has elements: the set is read and analysed. */
export function analysed(page: Page, what = 'the analysis', ms = 60_000): Promise<unknown> {
  return until(
    what,
    async () =>
      (await page.locator('[data-testid=progress]').count()) === 0 &&
      (await page.locator('[data-testid=graph-count]').textContent())?.match(/^[1-9]/),
    ms,
  );
}

/** Writes a note through the note box in `scope` and waits until it is saved. */
export async function writeNote(
  page: Page,
  scope: ReturnType<Page['locator']>,
  text: string,
  tag: string,
  severity: string,
): Promise<void> {
  await scope.locator('[data-testid=note-add]').first().click();
  const form = page.locator('[data-testid=note-form]');
  await form.locator('[data-testid=note-text]').fill(text);
  await form.locator('[data-testid=note-tag]').fill(tag);
  await form.locator('[data-testid=note-severity]').selectOption(severity);
  await form.locator('[data-testid=note-save]').click();
  await until('the note saved', async () => (await page.locator('[data-testid=note-form]').count()) === 0);
}

/** Picks a report format in the toolbar and returns the downloaded file's path. */
export async function exportReport(page: Page, format: string): Promise<string> {
  await page.locator('[data-testid=report-format]').selectOption(format);
  const link = page.locator('[data-testid=notice] a[download]');
  await until(`the ${format} report`, async () => (await link.count()) > 0, 120_000);
  const download = page.waitForEvent('download');
  await link.click();
  const path = await (await download).path();
  await page.locator('[data-testid=notice] button').click();
  return path;
}

export interface CorruptFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Browser mode: the Add button opens the page's file picker. */
export async function addThroughFilePicker(page: Page, files: CorruptFile[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.locator('[data-testid=add]').click();
  await (await chooser).setFiles(files);
}

export async function runScenario(
  page: Page,
  opts: { prefix: string; corruptFiles: CorruptFile[]; corruptCut: number; addFiles(page: Page, files: CorruptFile[]): Promise<void> },
): Promise<void> {
  const m = manifest()!;
  const cluster = m.clusters[0];
  const demo = m.captures.filter((c) => c.cluster === cluster.name);
  const demoPackets = demo.reduce((s, c) => s + c.packets, 0);

  // 1. The demo set opens: every capture listed with its packets, the analysis done.
  await until('the demo captures', async () => (await page.locator('[data-testid=capture]').count()) === demo.length);
  await analysed(page, 'the analysis', 30_000);
  for (const c of demo) {
    await expect
      .poll(() => page.locator(`[data-testid=capture][data-name="${c.file}"] [data-testid=capture-packets]`).textContent())
      .toBe(`${c.packets.toLocaleString('en-US')} pkts`);
  }
  await expect.poll(() => page.locator('[data-testid=packet-list]').getAttribute('data-total')).toBe(String(demoPackets));
  await shot(page, `${opts.prefix}-1-demo-set`);

  // 2. The graph: the lab's nodes, each holding its pods.
  const graph = await page.evaluate(() => {
    const cy = (
      globalThis as unknown as {
        __tunnelvisionGraph: {
          nodes(): { data(): Record<string, string> }[] & { map<T>(f: (n: { data(): Record<string, string> }) => T): T[] };
        };
      }
    ).__tunnelvisionGraph;
    return cy.nodes().map((n) => n.data());
  });
  const nodes = graph
    .filter((d) => d.kind === 'k8s-node')
    .map((d) => d.label)
    .sort();
  expect(nodes).toEqual(cluster.nodes.map((n) => n.name).sort());
  const pods = graph.filter((d) => d.kind === 'pod');
  // A pod is known from its traffic: the target of the lab's dropped flow never answers, so it
  // cannot be told from an address the cluster merely routes to.
  const silent = new Set(m.flows.filter((f) => f.cluster === cluster.name && f.drop).map((f) => f.request[0].dst));
  for (const p of cluster.pods.filter((x) => !silent.has(x.ip))) {
    const el = pods.find((d) => d.id === `pod:${p.ip}`);
    expect(el, `pod ${p.name} ${p.ip}`).toBeTruthy();
    expect(el!.parent).toBe(`node:${p.node}`);
  }
  for (const el of pods)
    expect(
      cluster.pods.map((p) => `pod:${p.ip}`),
      'no invented pods',
    ).toContain(el.id);
  expect(graph.filter((d) => d.kind === 'nic').length).toBe(cluster.nodes.length);

  // 3. A VXLAN packet: outer and inner columns side by side.
  const flow = m.flows.find((f) => f.name === `${cluster.name}-icmp-cross-node`)!;
  const [client, server] = [flow.request[0], flow.request[flow.request.length - 1]];
  const wire = flow.request.find((h) => h.encap)!;
  const input = page.locator('[data-testid=filter-input]');
  await input.fill('ip.src == 10.244.0.2 && ip.dst ==');
  await expect.poll(() => page.locator('[data-testid=filter-box]').getAttribute('data-state')).toBe('invalid');
  await expect.poll(() => page.locator('[data-testid=filter-error]').textContent()).toMatch(/value is expected/);
  await shot(page, `${opts.prefix}-2-filter-error`);
  const filter = `inner.ip.src == 10.244.0.2 && inner.ip.dst == 10.244.1.2 && icmp && vxlan.vni == ${wire.encap!.vni} && outer.udp.dstport == 8472 && node == "${wire.node}"`;
  await input.fill(filter);
  await expect.poll(() => page.locator('[data-testid=filter-box]').getAttribute('data-state')).toBe('valid');
  await input.press('Enter');
  await until('filtered rows', async () => {
    const total = Number(await page.locator('[data-testid=packet-list]').getAttribute('data-total'));
    return total > 0 && total < demoPackets;
  });
  const rows = page.locator('.prow[data-no]');
  await until('rows on screen', async () => (await rows.count()) > 0);
  expect(await rows.first().locator('.c-encap').textContent()).toBe(`VXLAN ${wire.encap!.vni}`);
  await rows.first().click();
  const outer = page.locator('[data-testid=level-0]');
  const inner = page.locator('[data-testid=level-1]');
  await until('packet detail', async () => (await inner.count()) > 0);
  const outerText = (await outer.textContent()) ?? '';
  const innerText = (await inner.textContent()) ?? '';
  expect(outerText).toContain(wire.encap!.src);
  expect(outerText).toContain(wire.encap!.dst);
  expect(outerText).toMatch(/Virtual eXtensible Local Area Network|VXLAN/);
  expect(await outer.locator('[data-field="vxlan.vni"] .fvalue').first().textContent()).toMatch(new RegExp(`^${wire.encap!.vni}\\b`));
  expect(outerText).not.toContain(client.src);
  expect(innerText).toContain(client.src);
  expect(await inner.locator('h3').textContent()).toBe(`Inner (VXLAN ${wire.encap!.vni})`);
  expect(await inner.locator('[data-field="ip.src"] .fvalue').first().textContent()).toBe('10.244.0.2');
  expect(await inner.locator('[data-field="ip.dst"] .fvalue').first().textContent()).toBe('10.244.1.2');
  expect(await outer.locator('[data-field="ip.src"] .fvalue').first().textContent()).toBe(wire.encap!.src);
  // Differing fields are marked in both columns.
  expect(await outer.locator('.field.differs[data-field="ip.src"]').count()).toBe(1);
  expect(await inner.locator('.field.differs[data-field="ip.src"]').count()).toBe(1);
  // Field -> bytes: the inner source address lights up 4 bytes of the hex pane.
  await inner.locator('[data-field="ip.src"]').first().click();
  expect(await page.locator('[data-testid=hex] .hb.on').count()).toBe(4);
  // Byte -> field: clicking the first byte of the inner destination address selects that field.
  const selectedBytes = await page
    .locator('[data-testid=hex] .hb.on')
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-off'))));
  await page.locator(`[data-testid=hex] .hb[data-off="${selectedBytes[0] + 4}"]`).click();
  await expect.poll(() => inner.locator('.field.selected').getAttribute('data-field')).toBe('ip.dst');

  // Selecting the packet lights up its path on the graph, with its own capture point marked.
  const graphClasses = (cls: string) =>
    page.evaluate(
      (c) =>
        (
          globalThis as unknown as { __tunnelvisionGraph: { elements(s: string): { map(f: (e: { id(): string }) => string): string[] } } }
        ).__tunnelvisionGraph
          .elements(`.${c}`)
          .map((e) => e.id()),
      cls,
    );
  await expect.poll(() => graphClasses('focus')).toEqual([`nic:${wire.node}`]);
  expect(await graphClasses('path')).toEqual(
    expect.arrayContaining([`pod:${client.src}`, `nic:${wire.node}`, `pod:${flow.request[0].dst}`]),
  );
  await shot(page, `${opts.prefix}-3-vxlan-detail`);

  // 4. Follow the flow across the two nodes: the hop table is the lab's path.
  await page.locator('[data-testid=follow-button]').click();
  const hops = page.locator('[data-testid=hop]');
  await until('hop table', async () => (await hops.count()) > 0);
  const table = await hops.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  expect(table.map((r) => [r[1], r[2], r[3]])).toEqual(flow.request.map((h) => [h.capture, h.node, h.interface]));
  expect(table.map((r) => Number(r[6]))).toEqual(flow.request.map((h) => h.ttl));
  expect(table.filter((r) => r[8].startsWith('vxlan')).length).toBe(flow.request.filter((h) => h.encap).length);
  expect(new Set(table.map((r) => r[2])).size).toBe(2);
  // The path is highlighted on the graph.
  const lit = await page.evaluate(
    () =>
      (globalThis as unknown as { __tunnelvisionGraph: { elements(s: string): { length: number } } }).__tunnelvisionGraph.elements('.path')
        .length,
  );
  expect(lit).toBeGreaterThanOrEqual(flow.request.length - 2);
  await shot(page, `${opts.prefix}-4-follow`);

  // 5. Clear the filter: every packet is back.
  await page.locator('[data-testid=filter-clear]').click();
  await expect.poll(() => page.locator('[data-testid=packet-list]').getAttribute('data-total')).toBe(String(demoPackets));

  // 5a. The filter history remembers what was applied; sorting by a column.
  await page.locator('[data-testid=filter-input]').press('ArrowDown');
  await expect.poll(() => page.locator('[data-testid=filter-history] li').first().textContent()).toBe(filter);
  await page.locator('[data-testid=filter-input]').press('Escape');
  await page.locator('[role=columnheader]', { hasText: 'Length' }).click();
  await expect.poll(() => page.locator('[role=columnheader]', { hasText: 'Length' }).getAttribute('aria-sort')).toBe('ascending');
  const lengths = (await page.locator('.prow[data-no] .c-len').allTextContents()).map(Number);
  expect(lengths).toEqual([...lengths].sort((x, y) => x - y));
  await page.locator('[role=columnheader]', { hasText: 'No.' }).click();
  await expect.poll(() => page.locator('[role=columnheader]', { hasText: 'No.' }).getAttribute('aria-sort')).toBe('ascending');

  // 5a'. The graph exports as SVG and PNG.
  for (const [button, magic] of [
    ['graph-svg', '<svg'],
    ['graph-png', '\u0089PNG'],
  ] as const) {
    const download = page.waitForEvent('download');
    await page.locator(`[data-testid=${button}]`).click();
    const file = await (await download).path();
    const head = readFileSync(file).subarray(0, 200).toString('latin1');
    expect(head.includes(magic), button).toBe(true);
  }

  // 5b. Keyboard: the list follows the arrow keys.
  await page.locator('.prow[data-no]').first().click();
  const body = page.locator('[data-testid=packet-list-body]');
  await body.press('ArrowDown');
  await body.press('ArrowDown');
  await expect.poll(() => page.locator('.prow.selected').getAttribute('data-index')).toBe('2');
  await body.press('End');
  await expect.poll(() => page.locator('.prow.selected').getAttribute('data-index')).toBe(String(demoPackets - 1));
  await body.press('Home');

  // 5c. Selecting a graph element filters the list to its packets.
  const node2 = demo.filter((c) => c.node === server.node).reduce((s, c) => s + c.packets, 0);
  await page.evaluate(
    (id) =>
      void (globalThis as unknown as { __tunnelvisionGraph: { getElementById(i: string): { emit(e: string): void } } }).__tunnelvisionGraph
        .getElementById(id)
        .emit('tap'),
    `node:${server.node}`,
  );
  await expect.poll(() => page.locator('[data-testid=packet-list]').getAttribute('data-total')).toBe(String(node2));
  await expect.poll(() => page.locator('[data-testid=element-filter]').textContent()).toContain(server.node);
  await shot(page, `${opts.prefix}-4b-element-filter`);
  // 5c'. From a graph edge: the underlay link between the two nodes lists its flows; follow one.
  const link = `link:${[client.node, server.node].sort().join('~')}`;
  await page.evaluate(
    (id) =>
      void (globalThis as unknown as { __tunnelvisionGraph: { getElementById(i: string): { emit(e: string): void } } }).__tunnelvisionGraph
        .getElementById(id)
        .emit('tap'),
    link,
  );
  await page.locator('[data-testid=tab-follow]').click();
  const flowButton = page.locator('[data-testid=element-flows] button', { hasText: `ICMP ${client.src}:` }).first();
  await until('flows through the link', async () => (await flowButton.count()) > 0);
  await flowButton.click();
  await until('hop table of the picked flow', async () =>
    (await page.locator('[data-testid=follow-flow]').textContent())?.startsWith(`ICMP ${client.src}:`),
  );
  const nodesSeen = await page.locator('[data-testid=hop] td:nth-child(3)').allTextContents();
  expect(new Set(nodesSeen)).toEqual(new Set([client.node, server.node]));
  await shot(page, `${opts.prefix}-4c-link-flows`);
  await page.locator('[data-testid=element-filter] button').click();
  await expect.poll(() => page.locator('[data-testid=packet-list]').getAttribute('data-total')).toBe(String(demoPackets));

  // 5d. Correct a capture's node by hand: the analysis is redone with it.
  const target = page.locator(`[data-testid=capture][data-name="${wire.capture}"]`);
  await target.locator('[data-testid=attr-edit]').click();
  await target.locator('[data-testid=attr-node]').fill('node-by-hand');
  await target.locator('button[type=submit]').click();
  await expect.poll(() => target.locator('.capture-meta').first().textContent(), { timeout: 30_000 }).toContain('node-by-hand');
  await target.locator('[data-testid=attr-edit]').click();
  await target.locator('[data-testid=attr-node]').fill(wire.node);
  await target.locator('button[type=submit]').click();
  await expect.poll(() => target.locator('.capture-meta').first().textContent(), { timeout: 30_000 }).toContain(`${wire.node} /`);

  // 6. Add corrupt files: their errors show, the rest still opens.
  await opts.addFiles(page, opts.corruptFiles);
  await until(
    'the set with the corrupt files',
    async () => (await page.locator('[data-testid=capture]').count()) === demo.length + opts.corruptFiles.length,
    60_000,
  );
  await analysed(page, 'loading done');
  for (const f of opts.corruptFiles) {
    await expect
      .poll(() => page.locator(`[data-testid=capture][data-name="${f.name}"] [data-testid=capture-errors]`).textContent())
      .toMatch(/\S/);
  }
  await expect.poll(() => page.locator('[data-testid=packet-list]').getAttribute('data-total')).toBe(String(demoPackets + opts.corruptCut));
  for (const c of demo) expect(await page.locator(`[data-testid=capture][data-name="${c.file}"] .dot.ok`).count(), c.file).toBe(1);
  await shot(page, `${opts.prefix}-5-corrupt-files`);

  // The dark theme follows the OS setting.
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(() => page.locator('.app').getAttribute('class')).toContain('dark');
  await shot(page, `${opts.prefix}-6-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * The menu's commands, given through `menu` as the shell has it (Electron: its application menu;
 * browser mode: the same template with a stand-in for the window's preload). The exports run with
 * the list's filter and end in a notice naming the file; *Add captures* opens `extra` beside the set.
 */
export async function runMenuCommands(
  page: Page,
  opts: { prefix: string; menu(id: MenuItemId): Promise<void>; extra: string },
): Promise<void> {
  const notice = page.locator('[data-testid=notice]');
  for (const [id, ext] of [
    ['exportReport', 'html'],
    ['exportPcapng', 'pcapng'],
  ] as const) {
    if ((await notice.count()) > 0) await notice.locator('button').last().click();
    await opts.menu(id);
    // The file's name: the download link's (browser mode) or the saved path in the notice's text (desktop).
    const link = notice.locator('a[download]');
    const file = async () => ((await link.count()) ? await link.getAttribute('download') : await notice.textContent());
    await expect.poll(file, { timeout: 60_000 }).toMatch(new RegExp(`\\.${ext}\\b`));
    await shot(page, `${opts.prefix}-menu-${id}`);
  }
  const before = await page.locator('[data-testid=capture]').count();
  await opts.menu('addCaptures');
  await until(
    'the capture added from the menu',
    async () => (await page.locator(`[data-testid=capture][data-name="${basename(opts.extra)}"]`).count()) === 1,
    60_000,
  );
  expect(await page.locator('[data-testid=capture]').count()).toBe(before + 1);
}

/** A garbage file and a capture cut in the middle of a record, with how many whole packets it keeps. */
export function corruptFiles(): { files: CorruptFile[]; cutPackets: number } {
  const src = readFileSync(join(ROOT, 'fixtures', 'captures', 'a-node1-eth0.pcap'));
  // Walk the records to cut inside the 11th one.
  let off = 24;
  for (let i = 0; i < 10; i++) off += 16 + src.readUInt32LE(off + 8);
  const cut = src.subarray(0, off + 16 + 7);
  return {
    files: [
      {
        name: 'broken-node9-eth0.pcap',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from('this is not a packet capture, just text that claims to be one\n'),
      },
      { name: 'cut-node9-eth0.pcap', mimeType: 'application/octet-stream', buffer: Buffer.from(cut) },
    ],
    cutPackets: 10,
  };
}
