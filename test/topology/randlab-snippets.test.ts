// Captures from fresh random-lab runs (fixtures/captures/randlab) where the product once got a
// cluster fact wrong, each cut to what shows it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaptureSet } from '../../main/topology';
import { FIXTURES } from './lab';

const dir = join(FIXTURES, 'captures', 'randlab');

describe('random-lab snippets', () => {
  it("a dual-stack bridge whose IPv6 traffic is one pod's is still a bridge: its IPv4 packets hold three pods", async () => {
    // Seed 45 (flannel host-gw, dual stack): cbr0 of a node with pods 10.42.17.37, .12 and .38; only
    // the first one's IPv6 packets crossed it while it was captured.
    const a = await loadCaptureSet([join(dir, 'dualstack-bridge', 'capture-5.pcap')]);
    const [p] = a.points;
    expect(p.kind).toBe('bridge');
    expect(p.pod).toBeUndefined();
    expect(a.model.pods.filter((x) => x.veth === p.id)).toEqual([]);
  });

  it('a NIC capture whose name says nothing is on the host whose MAC is on every unicast frame it holds', async () => {
    // Seed 38 (Calico BGP, one flat segment): BGP to every node and pod traffic to three nodes' pods
    // cross node5's NIC, so no node's address is on enough packets to win a vote; node5's MAC is on all.
    const b = join(dir, 'bgp-nic');
    const a = await loadCaptureSet(
      ['capture-6.pcap', 'node5-cali58c6a6c6cb7.pcap', 'trace-2124.pcapng', 'node2-cali56bdf70d481.pcap'].map((f) => join(b, f)),
    );
    const nodeOf = new Map(a.points.map((p) => [p.id, p.node]));
    expect(nodeOf.get('capture-6.pcap')).toBe('node5');
    expect(nodeOf.get('trace-2124.pcapng')).toBe('node2');
    const why = a.points.find((p) => p.id === 'capture-6.pcap')!.evidence.map((e) => e.reason);
    expect(why).toContainEqual(expect.stringMatching(/f6:e3:ea:1e:82:bc, which sends 192\.168\.84\.60 \(node5\) with an initial TTL/));
    expect(a.findings.filter((f) => /does not tell them apart/.test(f.message))).toEqual([]);
  });

  it('a node no capture names is made from its NIC, not merged by time into a named node on the same clock', async () => {
    // Seed 57 (flannel host-gw): kind-worker4's captures are all unnamed; kind-control-plane's stamps
    // are on the same kernel clock, so its captures were nearest in time to all of them.
    const u = join(dir, 'unnamed-node');
    const files = [
      'capture-5.pcap',
      'capture-6.pcap',
      'capture-7.pcap',
      'redis-582ea27d3c-xpvmn.pcap',
      'kind-control-plane-br-b0bd49293e33.pcap',
      'kind-control-plane_veth2041cb9c_20260922T132627Z.pcap',
    ];
    const a = await loadCaptureSet(files.map((f) => join(u, f)));
    const nodeOf = new Map(a.points.map((p) => [p.id, p.node]));
    for (const f of files.slice(0, 4)) expect(nodeOf.get(f), f).toBe('node-172.16.35.128');
    expect(a.points.find((p) => p.id === 'capture-6.pcap')!.kind).toBe('bridge');
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps])).toEqual([
      ['kind-control-plane', ['172.16.35.198']],
      ['node-172.16.35.128', ['172.16.35.128']],
    ]);
    const why = a.points.find((p) => p.id === 'capture-5.pcap')!.evidence.map((e) => e.reason);
    expect(why).toContainEqual(expect.stringMatching(/ee:00:01:3c:d0:87, which gives 172\.16\.35\.128 as its address in ARP/));
  });

  it("a '<node>-<pod>' file name gives the node when another capture was taken inside exactly that pod", async () => {
    // Seed 69 (flannel host-gw): no file names kind-control-plane alone; its pod's veth file is
    // '<node>-<pod>' and the pod's own eth0 file is '<pod>-eth0'. The whole first name is pod-shaped
    // too, so without the second file the split would be a guess.
    const n = join(dir, 'named-pod');
    const files = ['kind-control-plane-nginx-309aba7bf-qzc96.pcap', 'nginx-309aba7bf-qzc96-eth0.pcap', 'trace-2922.pcapng'];
    const a = await loadCaptureSet(files.map((f) => join(n, f)));
    expect(a.model.nodes.map((x) => [x.id, x.underlayIps])).toEqual([['kind-control-plane', ['192.168.13.30']]]);
    const why = a.points.find((p) => p.id === files[0])!.evidence.map((e) => e.reason);
    expect(why).toContainEqual(
      expect.stringMatching(
        /followed by the pod nginx-309aba7bf-qzc96, which the capture 'nginx-309aba7bf-qzc96-eth0\.pcap' was taken inside/,
      ),
    );
    // Alone, the name is not split: it may be one pod's whole name.
    const alone = await loadCaptureSet([join(n, files[0]), join(n, files[2])]);
    expect(alone.model.nodes.map((x) => x.id)).toEqual(['node-192.168.13.30']);
  });
});
