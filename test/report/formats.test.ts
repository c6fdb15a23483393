// JSON against its schema, Markdown with hostile strings, and the model every format shares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport, writeReport, type ReportModel } from '../../main/report';
import { makeCase, NOTE_DNS, type Case } from './case';
import { validate } from './json-schema';
import { tempDir } from './tools';
import { SessionStore } from '../../main/session';
import { loadCaptureSet } from '../../main/topology';
import { HOSTILE } from './hostile';
import { HOSTILE_IF_NAME } from './scenario';

const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../main/report/report.schema.json', import.meta.url)), 'utf8'));
const t = tempDir('tv-formats-');
let c: Case;

beforeAll(async () => {
  c = await makeCase(t.dir);
});
afterAll(() => t.cleanup());

describe('report formats', () => {
  it('the schema checker itself catches wrong types, missing and extra properties', () => {
    const s = {
      type: 'object',
      additionalProperties: false,
      required: ['a'],
      properties: { a: { type: 'integer', minimum: 0 }, b: { enum: ['x'] } },
    };
    expect(validate(s, { a: 1 })).toEqual([]);
    expect(validate(s, { a: -1, b: 'y', c: 1 })).toEqual(['$.a: -1 < 0', '$.b: "y" not in ["x"]', '$: unexpected property c']);
    expect(validate(s, { a: 1.5 })).toEqual(['$.a: expected integer, got number']);
    expect(validate(s, {})).toEqual(['$: missing a']);
  });

  it('JSON output validates against main/report/report.schema.json and holds what the session holds', async () => {
    const out = join(t.dir, 'report.json');
    await writeReport(c.analysis, c.store, { out });
    const r = JSON.parse(readFileSync(out, 'utf8')) as ReportModel;
    expect(validate(schema, r)).toEqual([]);
    expect(r.annotations).toHaveLength(c.store.annotations.length);
    expect(r.annotations.map((a) => a.text)).toContain(NOTE_DNS);
    expect(r.annotations.filter((a) => a.source === 'capture-comment')).toHaveLength(1);
    // the two annotated packets, the hop's packet, and the packet carrying a pcapng comment
    expect(r.packets.map((p) => p.ref)).toEqual([
      'node1-cni0.pcapng#7',
      'node1-eth0.pcapng#7',
      expect.stringMatching(/#\d+$/),
      'node1-cni0.pcapng#1',
    ]);
    expect(r.packets[1].levels.map((l) => l.title)).toEqual(['Outer (level 0)', 'Inner (level 1)']);
    expect(r.flows.map((f) => f.protocol).sort()).toEqual(['icmp', 'udp']);
    expect(r.captures.map((x) => x.state)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(r.captures[1].points[0].interface).toBe(HOSTILE_IF_NAME);
    // a broken model is caught
    expect(validate(schema, { ...r, summary: { ...r.summary, packets: '27' } })).toEqual([
      '$.summary.packets: expected integer, got string',
    ]);
  });

  it('Markdown: the same sections, hostile strings escaped (no links, images, HTML or table breaks)', async () => {
    const out = join(t.dir, 'report.md');
    const res = await writeReport(c.analysis, c.store, { out });
    const md = readFileSync(out, 'utf8');
    expect(md.match(/^## .*/gm)).toEqual([
      '## Summary',
      '## Capture inventory',
      '## Cluster graph',
      '## Findings',
      '## Annotated flows',
      '## Annotated packets',
      '## Clock offsets',
      '## Annotations',
    ]);
    expect(res.extra).toEqual([join(t.dir, 'report.graph.svg')]);
    expect(md).toContain('![Cluster graph](report.graph.svg)');
    expect(readFileSync(res.extra[0], 'utf8')).toMatch(/^<svg /);
    // no raw HTML tag, no link or image except the graph, no unescaped hostile markup
    // (code spans show their content literally: take them out before looking for markup)
    const withoutGraph = md.replace('![Cluster graph](report.graph.svg)', '').replace(/(`+)[\s\S]*?\1/g, '');
    expect(withoutGraph).not.toMatch(/(?<!\\)<[a-z/!]/i);
    expect(withoutGraph).not.toMatch(/(?<!\\)!?(?<!\\)\[[^\]]*(?<!\\)\]\(/);
    expect(withoutGraph).not.toMatch(/(?<!\\)https?:\/\//);
    // every table row has as many cells as its header
    const lines = md.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith('| ') || (!lines[i + 1]?.startsWith('| --- ') && !lines[i + 1]?.startsWith('| ---|'))) continue;
      const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
      const n = cells(lines[i]);
      for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) expect([j, cells(lines[j])]).toEqual([j, n]);
    }
    expect(md).toContain('\\<script\\>window.\\_\\_pwned');
  });

  it('side by side, the fields the path changed between outer and inner levels are marked', async () => {
    const r = await buildReport(c.analysis, c.store);
    const vx = r.packets.find((p) => p.levels.length === 2)!;
    const marked = vx.levels.flatMap((l) =>
      l.layers.flatMap((ly) => ly.fields.filter((f) => f.differs).map((f) => `${l.level} ${f.name}`)),
    );
    // outer and inner IPv4 differ in addresses (and TTL); Ethernet MACs differ too
    expect(marked).toEqual(expect.arrayContaining(['0 ip.src', '1 ip.src', '0 ip.dst', '1 ip.dst', '0 eth.src', '1 eth.src']));
    // the IP version does not differ and is not marked
    expect(marked).not.toContain('0 ip.version');
  });

  it('a capture changed on disk: the report says so and shows its packet notes unattached, not on other packets', async () => {
    const t2 = tempDir('tv-changed-');
    try {
      const c2 = await makeCase(t2.dir);
      const bytes = readFileSync(c2.scenario.eth1);
      bytes[bytes.length - 10] ^= 0xff; // same size, one byte different
      writeFileSync(c2.scenario.eth1, bytes);
      const store = await SessionStore.open(c2.store.file, { autosaveMs: -1 });
      await store.loadCaptureComments();
      const r = await buildReport(c2.analysis, store);
      expect(r.session.warnings).toEqual([expect.stringContaining('node1-eth0.pcapng changed on disk (same size, different content)')]);
      expect(r.captures.find((x) => x.id === 'node1-eth0.pcapng')!.state).toBe('changed');
      const note = r.annotations.find((a) => a.text.startsWith('encapsulated query'))!;
      expect(note.attached).toBe(false);
      expect(r.packets.map((p) => p.ref)).not.toContain('node1-eth0.pcapng#7');
      expect(r.packets.every((p) => !p.annotations.includes(note.id))).toBe(true);
      expect(validate(schema, r)).toEqual([]);
    } finally {
      t2.cleanup();
    }
  });

  it('works without a session, and with a corrupt capture in the set (its errors listed, the rest reported)', async () => {
    const bare = await buildReport(c.analysis, null);
    expect(validate(schema, bare)).toEqual([]);
    expect(bare.annotations).toEqual([]);
    expect(bare.flows).toEqual([]);
    expect(bare.captures.every((x) => x.state === 'ok' && x.sha256 === null)).toBe(true);

    const t3 = tempDir('tv-corrupt-');
    try {
      const bytes = readFileSync(c.scenario.eth2);
      const broken = join(t3.dir, 'node2-eth0.pcap');
      writeFileSync(broken, bytes.subarray(0, bytes.length - 25)); // last record cut short
      const analysis = await loadCaptureSet([c.scenario.cni1, broken]);
      const out = join(t3.dir, 'r.html');
      await writeReport(analysis, null, { out });
      const r = await buildReport(analysis, null);
      const cap = r.captures.find((x) => x.file === 'node2-eth0.pcap')!;
      expect(cap.errors.length).toBeGreaterThan(0);
      expect(cap.packets).toBe(6);
      expect(readFileSync(out, 'utf8')).toContain(cap.errors[0].split(' ')[0]);
    } finally {
      t3.cleanup();
    }
  });

  it('every format starts from the same model; timestamps aside, building twice gives the same report', async () => {
    const a = await buildReport(c.analysis, c.store, { now: new Date(0) });
    const b = await buildReport(c.analysis, c.store, { now: new Date(0) });
    expect(a).toEqual(b);
    const few = await buildReport(c.analysis, c.store, { maxPackets: 1 });
    expect(few.packets).toHaveLength(1);
    expect(few.session.warnings).toEqual([
      '3 more annotated packets are listed under Annotations but not decoded here (the report shows the first 1)',
    ]);
    expect(a.summary.annotations).toBe(7);
    expect(a.graph.nodes.some((n) => n.annotated && n.kind === 'pod')).toBe(true);
    expect(HOSTILE.long.length).toBeGreaterThan(5000);
  });
});
