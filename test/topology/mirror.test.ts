// A VXLAN mirror session outside Kubernetes, built byte by byte: one host copies both directions of
// an office conversation (172.16.5.5 <-> 172.16.9.9, TCP 443) to a collector over UDP 4789, and
// nothing comes back. No cluster is there to find: the two tunnel ends stay two hosts, the
// conversation's ends are no pods, the inner MACs no tunnel device's, and the capture's node is
// unknown with the reason.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcap } from '../../main/engine/writers/pcap';
import { loadCaptureSet } from '../../main/topology';
import { eth, ipv4, tcp, udp, vxlan } from '../engine/decode/build';

const dir = mkdtempSync(join(tmpdir(), 'tv-mirror-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = [0x52, 0x54, 0, 0xaa, 0, 1];
const B = [0x52, 0x54, 0, 0xaa, 0, 2];
const frames = Array.from({ length: 40 }, (_, i) => {
  const there = i % 2 === 0;
  const inner = eth(
    0x0800,
    ipv4(
      { src: there ? '172.16.5.5' : '172.16.9.9', dst: there ? '172.16.9.9' : '172.16.5.5', proto: 6, id: 100 + i },
      there
        ? tcp(50000 + (i % 3), 443, 0x18, [], new Uint8Array(50), 1000 + i)
        : tcp(443, 50000 + (i % 3), 0x18, [], new Uint8Array(80), 5000 + i),
    ),
    there ? B : A,
    there ? A : B,
  );
  return eth(0x0800, ipv4({ src: '192.0.2.10', dst: '192.0.2.20', proto: 17, id: i }, udp(40000 + (i % 7), 4789, vxlan(5001, inner))));
});
const file = join(dir, 'mirror.pcap');
writeFileSync(
  file,
  encodePcap(
    { linktype: 1 },
    frames.map((data, i) => ({ tsSec: 1765000000 + Math.floor(i / 10), tsNsec: (i % 10) * 100_000_000, data })),
  ),
);

describe('a one-way VXLAN mirror session outside Kubernetes', () => {
  it('invents no cluster: two hosts, no pods, no VTEP MACs, the capture unplaced with the reason', async () => {
    const a = await loadCaptureSet([file]);
    expect(a.model.pods).toEqual([]);
    expect(a.model.nodes.map((n) => [n.underlayIps, n.podCidr, n.vtepMac])).toEqual([
      [['192.0.2.10'], null, null],
      [['192.0.2.20'], null, null],
    ]);
    expect(a.points.map((p) => p.node)).toEqual([null]);
    expect(a.findings.some((f) => /mirror\.pcap: could be on node-192\.0\.2\.10 or node-192\.0\.2\.20/.test(f.message))).toBe(true);
  });
});

describe('the clock table of a capture no node could be given', () => {
  it('names the capture as a capture, not as a node', async () => {
    const a = await loadCaptureSet([file]);
    const names = a.clockOffsets.flatMap((o) => [o.node, o.reference]);
    expect(names).toContain('capture mirror.pcap (node unknown)');
    // Nothing in the table is spelled like a node's id when no node holds it.
    const nodeIds = new Set(a.model.nodes.map((n) => n.id));
    for (const n of names) expect(nodeIds.has(n) || /^capture .+ \(node unknown\)$/.test(n), n).toBe(true);
  });
});
