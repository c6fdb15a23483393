// Reports of a GSO transfer (fixtures/captures/review4/bulk-gso, see fixtures/README.md): a journey
// that crossed places only in pieces (the sender's NIC cut its segment, the receiver's GRO merged it)
// lists those places in its hop table, between the hops, as `follow` prints them (IN PIECES), in the
// report model, the JSON, the HTML, the Markdown and the PDF.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, renderHtml, renderMarkdown, writeReport, type ReportJourney, type ReportModel } from '../../main/report';
import { SessionStore } from '../../main/session';
import { formatJourney, loadCaptureSet, type Analysis } from '../../main/topology';
import { itNeeding } from '../tools';
import { validate } from './json-schema';
import { tempDir } from './tools';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review4', 'bulk-gso');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => join(DIR, f));
const FLOW = 'tcp 10.42.2.4:46000 > 10.42.1.5:9000';
const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../main/report/report.schema.json', import.meta.url)), 'utf8'));

const t = tempDir('tv-offload-');
let a: Analysis;
let store: SessionStore;
let model: ReportModel;
/** The first data segment of the transfer that crossed places in pieces: its report journey. */
let j: ReportJourney;

beforeAll(async () => {
  a = await loadCaptureSet(FILES);
  store = await SessionStore.create(join(t.dir, 'gso.tvsession'), FILES, { autosaveMs: -1 });
  const offloaded = a.journeysForFlow(FLOW).find((x) => x.offloaded?.length)!;
  const hop = offloaded.hops[0];
  store.addAnnotation({
    target: { kind: 'hop', journey: String(offloaded.id), hop: 0, capture: hop.packet.capture, packet: hop.packet.index },
    text: 'cut into pieces at the NIC',
    severity: 'info',
  });
  model = await buildReport(a, store);
  j = model.flows.find((f) => f.id === FLOW)!.journeys.find((x) => x.id === offloaded.id)!;
});
afterAll(() => t.cleanup());

describe('a journey that crossed places in pieces, in the report', () => {
  it('the model lists each place in pieces with its node, interface, packets and reason, as follow does', () => {
    const journey = a.journeysForFlow(FLOW).find((x) => x.id === j.id)!;
    expect(j.offloaded?.length).toBe(journey.offloaded!.length);
    expect(j.offloaded!.length).toBeGreaterThan(0);
    const follow = formatJourney(a, journey);
    for (const o of j.offloaded!) {
      expect(o.kind).not.toBe('unknown');
      expect(o.interface).not.toBeNull();
      expect(o.packets.length).toBeGreaterThan(0);
      expect(o.packets.every((p) => p.startsWith(`${o.point}#`))).toBe(true);
      expect(o.reason).toMatch(/segmentation offload/);
      // The same reason follow prints.
      expect(follow).toContain(o.reason);
    }
    expect(validate(schema, JSON.parse(JSON.stringify(model)))).toEqual([]);
  });

  it('HTML: rows of the hop table between the hops, in path order', () => {
    const html = renderHtml(model);
    const at = html.indexOf(`Journey ${j.id}:`);
    expect(at).toBeGreaterThan(0);
    const hops = html.slice(at, html.indexOf('</table>', at));
    const rows = hops
      .split('<tr>')
      .slice(2) // after the header row
      .map((r) => r.replaceAll('<wbr>', ''));
    const kinds = rows.map((r) => (r.includes('>in pieces</span></td>') ? 'pieces' : 'hop'));
    expect(kinds.filter((k) => k === 'pieces').length).toBe(j.offloaded!.length);
    // Each place in pieces follows the hop it lies after.
    for (const o of j.offloaded!) {
      const row = rows.findIndex((r) => r.includes('>in pieces</span></td>') && r.includes(`<code>${o.packets[0]}`));
      expect(row).toBeGreaterThanOrEqual(0);
      const hopsBefore = kinds.slice(0, row).filter((k) => k === 'hop').length;
      expect(hopsBefore).toBe(o.afterHop + 1);
    }
  });

  it('Markdown: the same rows', () => {
    const md = renderMarkdown(model);
    const part = md.slice(md.indexOf(`#### Journey ${j.id}:`));
    const rows = part.split('\n').filter((l) => l.startsWith('| in pieces |'));
    expect(rows.length).toBe(j.offloaded!.length);
    expect(rows[0]).toMatch(/segmentation offload/);
  });

  itNeeding(['chromium', 'pdftotext'], 'PDF: the places in pieces are printed in the hop table', async () => {
    const out = join(t.dir, 'gso.pdf');
    await writeReport(a, store, { out });
    const text = execFileSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('in pieces');
    expect(text).toMatch(/in pieces [^]*segmentation offload/);
  });
});
