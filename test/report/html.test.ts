// The HTML report opened in Chromium: the sections are there, the graph image shows, hostile strings
// from captures and annotations render as text, nothing runs and no request leaves the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { findChromium, launchChromium, REPORT_CSP, writeReport } from '../../main/report';
import { makeCase, NOTE_DNS, type Case } from './case';
import { tempDir } from './tools';
import { HOSTILE } from './hostile';
import { HOSTILE_CAPTURE_COMMENT, HOSTILE_DNS_NAME, HOSTILE_IF_NAME } from './scenario';
import { visibleText } from '../../main/report/escape';
import { itNeeding } from '../tools';

const chromium = findChromium();
const t = tempDir('tv-html-');
let c: Case;
let browser: Browser | null = null;
let html: string;
let file: string;

beforeAll(async () => {
  c = await makeCase(t.dir);
  file = join(t.dir, 'report.html');
  await writeReport(c.analysis, c.store, { out: file, title: `Case ${HOSTILE.script}` });
  html = readFileSync(file, 'utf8');
  if (chromium) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  t.cleanup();
});

describe('HTML report', () => {
  it('is one self-contained file with a strict CSP and no script, event handler or external reference', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(REPORT_CSP).toMatch(/default-src 'none'/);
    expect(REPORT_CSP).not.toMatch(/unsafe|script-src|https?:/);
    expect(html).not.toMatch(/<script/i);
    // every '<' of text is escaped, so each '<...>' is a real tag: check their attributes
    const tags = html.match(/<[^>]*>/g) ?? [];
    expect(tags.filter((t) => /\son[a-z]+\s*=/i.test(t))).toEqual([]);
    expect(tags.filter((t) => /\s(src|href)\s*=\s*"(?!data:image\/svg\+xml;base64,|#)/i.test(t))).toEqual([]);
    expect(tags.filter((t) => /javascript:|<\/?(script|iframe|object|embed|link|base|form)\b/i.test(t))).toEqual([]);
  });

  itNeeding(['chromium'], 'renders in Chromium: sections, graph image, hostile text as text, no request, nothing executed', async () => {
    const page = await browser!.newPage();
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await page.goto(url, { waitUntil: 'load' });

    // sections
    const sections = await page.$$eval('section', (ss) => ss.map((s) => [s.id, s.querySelector('h2')?.textContent]));
    expect(sections).toEqual([
      ['summary', 'Summary'],
      ['captures', 'Capture inventory'],
      ['graph', 'Cluster graph'],
      ['findings', 'Findings'],
      ['flows', 'Annotated flows'],
      ['packets', 'Annotated packets'],
      ['clocks', 'Clock offsets'],
      ['annotations', 'Annotations'],
    ]);
    // the graph image decoded and has a size
    type Img = { complete: boolean; naturalWidth: number; naturalHeight: number };
    const img = await page.$eval('#graph-image', (i) => ({
      ok: (i as unknown as Img).complete,
      w: (i as unknown as Img).naturalWidth,
      h: (i as unknown as Img).naturalHeight,
    }));
    expect(img.ok).toBe(true);
    expect(img.w).toBeGreaterThan(300);
    expect(img.h).toBeGreaterThan(100);
    // nothing ran, nothing loaded, no active content in the DOM
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(requests).toEqual([]);
    expect(await page.$$eval('script, iframe, object, embed, link, base, form', (x) => x.length)).toBe(0);
    expect(await page.$$eval('img', (x) => x.map((i) => i.id))).toEqual(['graph-image']);
    expect(
      await page.$$eval('*', (els) => els.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name))),
    ).toEqual([]);
    expect(await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')).filter((h) => !h?.startsWith('#')))).toEqual([]);
    expect(await page.$$eval('style', (x) => x.length)).toBe(1);

    // hostile strings show up as text, exactly
    const text = String(await page.evaluate('document.body.textContent'));
    const flat = text.replace(/\s+/g, ' ');
    for (const s of [HOSTILE_IF_NAME, HOSTILE_CAPTURE_COMMENT, NOTE_DNS, HOSTILE.mdLink, HOSTILE.jsUrl, HOSTILE.styleImport])
      expect(flat).toContain(s.replace(/\s+/g, ' '));
    expect(flat).toContain(visibleText(HOSTILE.control));
    expect(flat).toContain(HOSTILE.long.slice(0, 200));
    expect(await page.title()).toBe(`Case ${HOSTILE.script}`);
    // the DNS name from the packet is shown in the decoded headers (the decoder's rendering of it)
    expect(flat).toMatch(/onerror/);
    expect(HOSTILE_DNS_NAME).toContain('onerror');

    // annotated packets: outer and inner headers side by side for the VXLAN one
    const levels = await page.$$eval('#packets article', (as) =>
      as.map((a) => [...a.querySelectorAll('.level h4')].map((h) => h.textContent)),
    );
    expect(levels).toContainEqual(['Outer (level 0)', 'Inner (level 1)']);
    const vx = await page.$$eval('#packets article', (as) =>
      as.map((a) => [...a.querySelectorAll('.level')].map((l) => l.textContent ?? '')).find((l) => l.length === 2),
    );
    expect(vx![0]).toContain('192.168.50.11');
    expect(vx![0]).toMatch(/VXLAN|Virtual eXtensible/i);
    expect(vx![1]).toContain('10.244.0.5');
    expect(vx![1]).not.toContain('192.168.50.11');

    // the annotated flow's hop table: one row per capture the packet crossed, in order
    const hops = await page.$$eval('#flows table.hops', (ts) =>
      ts.map((t) => [...t.querySelectorAll('tbody tr')].map((r) => r.children[1].textContent)),
    );
    const where = hops.map((h) => h.map((w) => w!.split(' ').slice(0, 2).join(' ')));
    // the DNS query (annotated packet, first): last seen on node2's eth0, never in its cni0 capture
    expect(where[0]).toEqual(['node1 cni0', `node1 ${HOSTILE_IF_NAME.split(' ')[0]}`, 'node2 eth0']);
    // the pings (annotated flow and hop): all four captures, in path order
    expect(where.slice(1)).toContainEqual(['node1 cni0', `node1 ${HOSTILE_IF_NAME.split(' ')[0]}`, 'node2 eth0', 'node2 cni0']);
    const titles = await page.$$eval('#flows h4', (hs) => hs.map((h) => h.textContent ?? ''));
    expect(titles[0]).toMatch(/, last seen at node2 eth0 /);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
