// Two NIC captures whose names say nothing about their node (both `eth0.pcap` in per-node folders,
// or `eth0.pcap` beside `tcpdump-<date>.pcap`): each belongs to the node whose underlay address it
// carries as its own, not to the node whose captures happen to be closest in time. Node 3's NIC
// sees only tunnel packets between .11 and .13; node 1's NIC already accounts for .11, so the
// capture is .13's, and a packet followed across them crosses two nodes (two clocks).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { FIXTURES } from './lab';

const root = mkdtempSync(join(tmpdir(), 'tv-renamed-nic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CAP = join(FIXTURES, 'captures');

/** Copies `src` (a committed capture) to `dir/as`; returns the new path. */
function put(dir: string, as: string, src: string): string {
  mkdirSync(join(root, dir), { recursive: true });
  const to = join(root, dir, as);
  copyFileSync(join(CAP, src), to);
  return to;
}
/** The nodes of a file's capture points. */
function nodeOf(a: Analysis, file: string): (string | null)[] {
  const ids = a.captures.find((c) => c.path === file)!.points;
  return a.points.filter((p) => ids.includes(p.id)).map((p) => p.node);
}
const FLOW = 'udp 10.244.0.2:43999 > 10.244.2.3:9999';

describe('NIC captures named only eth0', () => {
  it('per-node folders n1/eth0.pcap and n3/eth0.pcap: each on the node its folder names, the UDP flow crosses two nodes', async () => {
    const n1 = put('n1', 'eth0.pcap', 'a-node1-eth0.pcap');
    const n3 = put('n3', 'eth0.pcap', 'a-node3-eth0.pcap');
    const a = await loadCaptureSet([n1, n3]);
    expect(a.captures.map((c) => c.id)).toEqual(['n1/eth0.pcap', 'n3/eth0.pcap']);
    expect(nodeOf(a, n1)).toEqual(['n1']);
    expect(nodeOf(a, n3)).toEqual(['n3']);
    // Each folder's node owns the underlay address its NIC sends from (node 2, seen only as a tunnel peer, keeps its address name).
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps])).toEqual([
      ['n1', ['192.168.56.11']],
      ['n3', ['192.168.56.13']],
      ['node-192.168.56.12', ['192.168.56.12']],
    ]);
    const why = a.points.find((p) => p.node === 'n3')!.evidence.map((e) => e.reason);
    expect(why.some((r) => /directory 'n3'/.test(r))).toBe(true);
    expect(why.some((r) => /closest in time/.test(r))).toBe(false);
    expect(a.findings.filter((f) => f.code === 'attribution')).toEqual([]);

    const js = Array.from({ length: a.journeys.count }, (_, k) => a.journeys.get(k)).filter((j) => j.flow === FLOW);
    expect(js.length).toBe(2);
    for (const j of js) {
      expect(j.hops.map((h) => h.node)).toEqual(['n1', 'n3']);
      expect(j.hops[1].latencyNs).toBeGreaterThanOrEqual(0);
    }
  });

  it("one folder: eth0.pcap (node 3's), tcpdump-2024-12-03.pcap (node 1's), cni0.pcap, capture.pcapng", async () => {
    const files = [
      put('stem', 'eth0.pcap', 'a-node3-eth0.pcap'),
      put('stem', 'tcpdump-2024-12-03.pcap', 'a-node1-eth0.pcap'),
      put('stem', 'cni0.pcap', 'a-node1-cni0.pcap'),
      put('stem', 'capture.pcapng', 'a-node2.pcapng'),
    ];
    const a = await loadCaptureSet(files);
    expect(nodeOf(a, files[0])).toEqual(['node-192.168.56.13']);
    expect(nodeOf(a, files[1])).toEqual(['node-192.168.56.11']);
    expect(a.findings.some((f) => /placed on .* as its underlay interface/.test(f.message))).toBe(false);
  });

  it("node 3's NIC beside node 1's bridge only: closeness in time to the one node captured does not decide, it stays unknown", async () => {
    const nic = put('bridge', 'eth0.pcap', 'a-node3-eth0.pcap');
    const br = put('bridge', 'cni0.pcap', 'a-node1-cni0.pcap');
    const a = await loadCaptureSet([nic, br]);
    expect(nodeOf(a, br)).toEqual(['node-192.168.56.11']);
    expect(nodeOf(a, nic)).toEqual([null]);
    expect(a.findings.some((f) => /eth0\.pcap: could be on node-192\.168\.56\.11 or node-192\.168\.56\.13/.test(f.message))).toBe(true);
  });

  it('the same NIC captured into two files: both on one node, and said to be suspicious', async () => {
    const x = put('twice', 'eth0.pcap', 'a-node1-eth0.pcap');
    const y = put('twice/again', 'eth0.pcap', 'a-node1-eth0.pcap');
    const a = await loadCaptureSet([x, y]);
    expect(nodeOf(a, x)).toEqual(nodeOf(a, y));
    // The very same frames at the very same times: one interface captured twice, said so once.
    expect(
      a.findings.filter((f) => /are the same interface \(eth0 of node-192\.168\.56\.11\) captured twice at the same time/.test(f.message))
        .length,
    ).toBe(1);
  });
});
