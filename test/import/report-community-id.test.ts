// Reports carry the Community ID of every flow they show (JSON per its schema, Markdown, HTML), so a
// reader can look the flow up in Zeek/Suricata logs.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCaptureSet } from '../../main/topology';
import { buildReport } from '../../main/report';
import { renderMarkdown } from '../../main/report/markdown';
import { renderHtml } from '../../main/report/html';
import { SessionStore } from '../../main/session';
import { communityId } from '../../main/engine/flow/community-id';
import { validate } from '../report/json-schema';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tv-cid-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Community ID in reports', () => {
  it('an annotated Calico flow shows its Community ID in JSON, Markdown and HTML', async () => {
    const m = JSON.parse(readFileSync(join(root, 'fixtures/calico-manifest.json'), 'utf8')) as { captures: { file: string }[] };
    const files = m.captures.map((c) => join(root, c.file));
    const a = await loadCaptureSet(files);
    const flow = a.flows.find((f) => f.protocol === 'tcp' && f.b.port === 8080)!;
    const want = communityId({ proto: 6, src: flow.a.ip, dst: flow.b.ip, sport: flow.a.port, dport: flow.b.port });
    expect(flow.communityId).toBe(want);
    const store = await SessionStore.create(join(dir, 'calico.tvsession'), files);
    store.addAnnotation({ target: { kind: 'flow', flow: flow.id }, text: 'slow transfer', severity: 'warning' });
    const r = await buildReport(a, store);
    const rf = r.flows.find((f) => f.id === flow.id)!;
    expect(rf.communityId).toBe(want);
    const schema = JSON.parse(readFileSync(join(root, 'main/report/report.schema.json'), 'utf8'));
    expect(validate(schema, JSON.parse(JSON.stringify(r)))).toEqual([]);
    expect(renderMarkdown(r).replace(/\\/g, '')).toContain(`Community ID ${want}`); // Markdown escapes removed
    expect(renderHtml(r)).toContain(`Community ID ${want}`);
    await store.close();
  });
});
