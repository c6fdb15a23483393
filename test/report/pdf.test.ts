// The PDF report: Chromium prints it, every page renders (pdftoppm), and its text has the graph, the
// tables and the hostile strings as text. The page images are kept in the system temp folder
// (tunnelvision-report-pages/) for a person to look at.
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../../main/report';
import { makeCase, type Case } from './case';
import { tempDir } from './tools';
import { HOSTILE_IF_NAME } from './scenario';
import { itNeeding, unmet, type Need } from '../tools';

const NEEDS: Need[] = ['chromium', 'pdftoppm', 'pdftotext'];
const ready = unmet(...NEEDS) === null;
const t = tempDir('tv-pdf-');
let c: Case;

beforeAll(async () => {
  if (ready) c = await makeCase(t.dir);
});
afterAll(() => t.cleanup());

describe('PDF report', () => {
  itNeeding(NEEDS, 'prints through headless Chromium; pages render with the graph and the tables', async () => {
    const out = join(t.dir, 'report.pdf');
    const r = await writeReport(c.analysis, c.store, { out });
    expect(r.format).toBe('pdf');
    const pdf = readFileSync(out);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);

    const pages = join(tmpdir(), 'tunnelvision-report-pages');
    rmSync(pages, { recursive: true, force: true });
    mkdirSync(pages, { recursive: true });
    execFileSync('pdftoppm', ['-r', '60', '-png', out, join(pages, 'page')]);
    const pngs = readdirSync(pages)
      .filter((f) => f.endsWith('.png'))
      .sort();
    expect(pngs.length).toBeGreaterThanOrEqual(3);
    for (const p of pngs) expect(statSync(join(pages, p)).size).toBeGreaterThan(5_000);
    console.log(`PDF pages rendered to ${pages}: ${pngs.join(', ')}`);

    const text = execFileSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8' });
    for (const h of [
      'Capture inventory',
      'Cluster graph',
      'Findings',
      'Annotated flows',
      'Annotated packets',
      'Clock offsets',
      'Annotations',
    ])
      expect(text).toContain(h);
    // the graph picture is printed as vector art: its labels are text on the page
    expect(text).toMatch(/VTEP|NIC/);
    expect(text).toContain('node1');
    // tables: hop table and side-by-side header columns
    expect(text).toContain('Inner src → dst');
    expect(text).toContain('Outer (level 0)');
    expect(text).toContain('Inner (level 1)');
    // hostile interface name printed as text
    expect(text.replace(/\s+/g, ' ')).toContain(HOSTILE_IF_NAME.slice(0, 20));
  });
});
