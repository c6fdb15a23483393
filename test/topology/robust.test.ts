// Whatever users bring: every public capture (other projects' files, read in place) alone and all
// together, an empty set, garbage, a truncated capture. Nothing throws; problems are findings.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatJourney, formatTopology, loadCaptureSet, type Analysis } from '../../main/topology';
import { fileNeed, itNeeding } from '../tools';
import { encodePcap } from '../../main/engine/writers/pcap';
import { captureFiles } from './lab';
import { eth, ipv4, udp } from './sim';

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'captures', 'public');
const havePublic = existsSync(PUBLIC);
const dir = mkdtempSync(join(tmpdir(), 'tv-topo-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exercise(a: Analysis): number {
  let hops = 0;
  for (let i = 0; i < a.journeys.count; i++) hops += a.journeys.get(i).hops.length;
  for (const f of a.flows.slice(0, 50)) a.journeysForFlow(f.id, 5);
  JSON.parse(JSON.stringify(a));
  return hops;
}

describe('robustness', () => {
  it.skipIf(!havePublic)('every public capture, alone and all together', async () => {
    const files = readdirSync(PUBLIC)
      .filter((f) => /\.(pcap|pcapng|gz)$/.test(f))
      .map((f) => join(PUBLIC, f));
    expect(files.length).toBeGreaterThan(20);
    const all = await loadCaptureSet(files);
    expect(all.captures).toHaveLength(files.length);
    expect(all.packetCount).toBe(all.captures.reduce((n, c) => n + c.packetCount, 0));
    expect(exercise(all)).toBeGreaterThanOrEqual(all.journeys.count);
    // Files the reader flags show up as read-error findings.
    const flagged = all.captures.filter((c) => c.errors.length > 0).length;
    expect(all.findings.filter((f) => f.code === 'read-error').length).toBeGreaterThanOrEqual(Math.min(flagged, 1));
    for (const f of files) exercise(await loadCaptureSet([f]));
  });
  if (!havePublic) it.skip(`public captures not found at ${PUBLIC}: skipped`, () => {});

  itNeeding(
    [fileNeed('public captures', PUBLIC), 'tshark'],
    "fragmented datagrams (IPv6, IPv4 out of order) count tshark's reassembled length in their flow",
    async () => {
      const cases: [file: string, filter: string, flow: string, dir: 'aToB' | 'bToA', header: number][] = [
        [
          'ipv6-fragmented-dns.pcap',
          'ipv6.reassembled.length',
          'udp [2001:470:1f11:81f:d138:5f55:6d4:1fe2]:51851 > [2607:f740:b::f93]:53',
          'bToA',
          40,
        ],
        ['fragmented-4.pcap', 'ip.reassembled.length', 'tcp 128.32.46.142:7790 > 10.0.0.1:80', 'aToB', 20],
      ];
      for (const [file, field, id, dir, header] of cases) {
        const out = execFileSync('tshark', ['-r', join(PUBLIC, file), '-Y', field, '-T', 'fields', '-e', field], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const lens = out.trim().split('\n').map(Number);
        expect(lens, file).toHaveLength(1);
        const a = await loadCaptureSet([join(PUBLIC, file)]);
        const f = a.flows.find((x) => x.id === id)!;
        // fragmented-4 also carries one unfragmented 40-byte packet on that flow.
        const others = file === 'fragmented-4.pcap' ? 40 : 0;
        expect(f[dir].bytes, file).toBe(lens[0] + header + others);
      }
    },
  );

  it('names from the capture set cannot drive the terminal', async () => {
    // Every capture of a-node1 under the hostile name (one renamed alone would join the captures
    // still named a-node1: the traffic shows they are one node).
    const evil = captureFiles('a')
      .filter((f) => basename(f).startsWith('a-node1-'))
      .map((f) => {
        const to = join(dir, basename(f).replace('a-node1', 'node\u001b[2J\u0007x'));
        writeFileSync(to, readFileSync(f));
        return to;
      });
    const a = await loadCaptureSet([...evil, ...captureFiles('a').filter((f) => !basename(f).startsWith('a-node1-'))]);
    expect(a.points.some((p) => p.node === 'node\u001b[2J\u0007x')).toBe(true);
    const text = formatTopology(a) + Array.from({ length: a.journeys.count }, (_, i) => formatJourney(a, a.journeys.get(i))).join('');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('node?[2J?x');
  });

  it('an empty set, garbage and a truncated capture', async () => {
    const empty = await loadCaptureSet([]);
    expect([empty.packetCount, empty.journeys.count, empty.model.nodes.length]).toEqual([0, 0, 0]);
    const garbage = join(dir, 'garbage.pcap');
    writeFileSync(garbage, 'not a capture at all, just text');
    const cut = join(dir, 'a-node1-eth0.pcap');
    const whole = readFileSync(captureFiles('a').find((f) => f.endsWith('a-node1-eth0.pcap'))!);
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2) + 7));
    const a = await loadCaptureSet([garbage, cut, join(dir, 'missing.pcap')]);
    expect(a.captures.map((c) => c.errors.length > 0)).toEqual([true, true, true]);
    expect(a.findings.filter((f) => f.code === 'read-error')).toHaveLength(3);
    expect(a.packetCount).toBeGreaterThan(20);
    exercise(a);
  });

  it('one packet is too few for the traffic to tell the kind: unknown, and why; two from one pod are its veth', async () => {
    const frame = (id: number) =>
      eth(
        '02:00:00:00:00:02',
        '02:00:00:00:00:01',
        0x0800,
        ipv4({ src: '10.244.0.5', dst: '10.244.1.7', proto: 17, ttl: 64, id }, udp('10.244.0.5', '10.244.1.7', 40000, 53, [1, 2, 3, id])),
      );
    const write = (name: string, n: number) => {
      const path = join(dir, name);
      const records = Array.from({ length: n }, (_, i) => ({ tsSec: 1 + i, tsNsec: 0, data: Uint8Array.from(frame(i + 1)) }));
      writeFileSync(path, encodePcap({ linktype: 1 }, records));
      return path;
    };
    const [p] = (await loadCaptureSet([write('one-packet.pcap', 1)])).points;
    expect(p.kind).toBe('unknown');
    expect(p.evidence.map((e) => e.reason)).toEqual([expect.stringMatching(/^only 1 IP packet: too few for the traffic to tell/)]);
    expect((await loadCaptureSet([write('two-packets.pcap', 2)])).points[0].kind).toBe('veth');
  });
});
