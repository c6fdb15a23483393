// Packets whose record has no timestamp (pcapng Simple Packet Blocks, built here byte by byte): the
// reader says so, `decode` prints no time ('-' in text, null in JSON), and the path finder follows
// them without ever timing them: their hop shows no time, the latencies into and out of it are
// unknown with the reason, and the journey's duration counts only the hops that have a time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCaptureSet } from '../../main/topology';
import { formatJourney } from '../../main/topology/text';
import { NgBuilder } from '../engine/readers/ngbuild';
import { FIXTURES } from './lab';

const root = mkdtempSync(join(tmpdir(), 'tv-notime-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CAP = join(FIXTURES, 'captures');
const BIN = resolve(FIXTURES, '..', 'main/cli/bin.mjs');

/** The frames of a little-endian classic pcap (the lab's own captures). */
function frames(path: string): Uint8Array[] {
  const b = readFileSync(path);
  const out: Uint8Array[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = b.readUInt32LE(o + 8);
    out.push(new Uint8Array(b.subarray(o + 16, o + 16 + incl)));
    o += 16 + incl;
  }
  return out;
}

// Node 1's bridge capture again, as a pcapng of Simple Packet Blocks only: same frames, no times.
const bridge = join(root, 'a-node1-cni0.pcapng');
const ng = new NgBuilder().shb().idb(1, 0, [{ code: 2, value: 'cni0' }]);
for (const f of frames(join(CAP, 'a-node1-cni0.pcap'))) ng.spb(f);
writeFileSync(bridge, ng.bytes());
const FLOW = 'udp 10.244.0.2:43999 > 10.244.2.3:9999';

describe('packets with no timestamp', () => {
  it('decode prints no time for them: "-" in text, null in JSON', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'decode', ...args], { encoding: 'utf8', timeout: 60_000 });
    const text = run(bridge);
    expect(text.status).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.length).toBe(frames(join(CAP, 'a-node1-cni0.pcap')).length);
    for (const l of lines) expect(l.split(' ')[1]).toBe('-');
    const json = run('--format', 'jsonl', bridge);
    for (const l of json.stdout.trim().split('\n')) expect((JSON.parse(l) as { time_epoch: unknown }).time_epoch).toBeNull();
  });

  it('the path finder follows them, never times them, and says why the latency is unknown', async () => {
    const others = ['a-node1-veth0d31a323.pcap', 'a-node1-flannel.1.pcap', 'a-node1-eth0.pcap', 'a-node3-eth0.pcap'];
    const a = await loadCaptureSet([...others.map((f) => join(CAP, f)), bridge]);
    // The epoch is the first packet that has a time, not 1970.
    expect(a.epochSec).toBeGreaterThan(1.7e9);
    const js = a.journeysForFlow(FLOW);
    expect(js.length).toBe(2);
    for (const j of js) {
      expect(j.hops.map((h) => h.point)).toEqual([
        'a-node1-veth0d31a323.pcap',
        'a-node1-cni0.pcapng',
        'a-node1-flannel.1.pcap',
        'a-node1-eth0.pcap',
        'a-node3-eth0.pcap',
      ]);
      const [veth, br, vtep, nic, far] = j.hops;
      expect(br.noTime).toBe(true);
      expect([veth, vtep, nic, far].every((h) => !h.noTime)).toBe(true);
      expect(br.latencyNs).toBeNull();
      expect(br.latencyNote).toMatch(/unknown: this sighting has no timestamp/);
      expect(vtep.latencyNs).toBeNull();
      expect(vtep.latencyNote).toMatch(/unknown: the sighting before has no timestamp/);
      expect(nic.latencyNs).not.toBeNull();
      expect(j.totalLatencyNs).toBe(Math.max(0, far.correctedNs - veth.correctedNs));
      const text = formatJourney(a, j);
      const row = text.split('\n').find((l) => l.includes('a-node1-cni0.pcapng#'))!;
      expect(row).toMatch(/no timestamp/);
      expect(row).not.toMatch(/\d\d:\d\d:\d\d\.\d{9}/);
    }
  });
});
