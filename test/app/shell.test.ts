// The shells' side of exports: a PDF report goes through the shell's own printer when it has one
// (the desktop app's printToPDF; Electron cannot run here, so the printer is a stand-in that checks
// it was handed the real report HTML), and the file is delivered under a .pdf name.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../main/backend/backend';
import { shellApi } from '../../main/backend/shell';
import { ready } from './helpers';
import { demoCaptures } from '../../main/server/browser-mode';
import { captureCopies } from '../tools';

const demo = demoCaptures();
if (!demo.length) console.warn('SKIPPED shell export test: the lab captures (fixtures/captures) are missing');

describe.skipIf(!demo.length)('shell exports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-shell-'));
  const lab = captureCopies(demo);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    lab.dispose();
  });

  it('prints a PDF report through the shell printer from the report HTML', async () => {
    const backend = createBackend({ shell: 'electron', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
    const printed: string[] = [];
    const delivered: { file: string; name: string }[] = [];
    const api = shellApi(
      backend,
      {
        chooseFiles: async () => null,
        async deliverExport(file, name, packets) {
          delivered.push({ file, name });
          return { kind: 'saved', path: file, packets };
        },
        async printPdf(html, pdf) {
          printed.push(readFileSync(html, 'utf8'));
          writeFileSync(pdf, '%PDF-1.7 stand-in');
        },
      },
      dir,
    );
    await backend.openCaptures({ paths: lab.files, append: false });
    expect((await ready(backend)).phase).toBe('ready');
    const r = await api.exportReport({ format: 'pdf' });
    expect(r.kind).toBe('saved');
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^<!doctype html>/i);
    expect(printed[0]).toContain('a-node1');
    expect(delivered).toHaveLength(1);
    expect(delivered[0].name).toBe('tunnelvision-report.pdf');
    expect(readFileSync(delivered[0].file, 'latin1')).toMatch(/^%PDF-/);
    await backend.close();
  });
});
