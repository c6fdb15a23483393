// Small flannel VXLAN clusters made by the kernel in network namespaces (fixtures/captures/flannel-mixed,
// see fixtures/README.md), each holding what the lab clusters do not: node-to-node traffic on the
// underlay beside the tunnels.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'flannel-mixed');
const set = (name: string): string[] =>
  readdirSync(join(DIR, name)).flatMap((f) =>
    statSync(join(DIR, name, f)).isDirectory() ? set(join(name, f)) : /\.pcap(ng)?(\.gz)?$/.test(f) ? [join(DIR, name, f)] : [],
  );
const journeys = (a: Analysis) => Array.from({ length: a.journeys.count }, (_, k) => a.journeys.get(k));

describe('node-to-node traffic on the underlay (a ping and a TCP connection between node addresses)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('node-traffic'));
  });

  it('keeps the two nodes apart: every capture on the node its file names', () => {
    for (const p of a.points) expect(p.node, p.id).toBe(p.capture.startsWith('worker-2-') ? 'worker-2' : 'node1');
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps]).sort()).toEqual([
      ['node1', ['10.0.1.23']],
      ['worker-2', ['10.0.1.24']],
    ]);
    expect(a.findings.filter((f) => /same node|both placed/.test(f.message)).map((f) => f.message)).toEqual([]);
    // Node-to-node packets cross the underlay as they are: no tunnel device is expected to see them.
    expect(a.findings.filter((f) => f.code === 'dropped' || f.code === 'path-gap').map((f) => f.message)).toEqual([]);
  });

  it("the eth0 captures are the nodes' NICs, and node addresses are no pods", () => {
    for (const id of ['node1-eth0.pcap', 'worker-2-eth0.pcap']) expect(a.points.find((p) => p.id === id)?.kind, id).toBe('underlay');
    expect(a.model.pods.map((p) => p.ip).sort()).toEqual(['10.244.0.5', '10.244.1.7']);
    expect(a.model.bridges.map((b) => b.id).sort()).toEqual(['node1/cni0', 'worker-2/cbr0']);
  });
});

describe("outer VXLAN fragmented on the way (node1's NIC MTU 1400 under flannel.1's 1450; the replies dropped entering node1)", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('outer-frag'));
  });

  it('later outer fragments are tunnel traffic: both NICs are the underlay by their traffic, and the nodes stay two', () => {
    for (const p of a.points) expect(p.node, p.id).toBe(p.capture.startsWith('worker-2-') ? 'worker-2' : 'node1');
    const nic = a.points.find((p) => p.id === 'node1-eth0.pcap')!;
    expect(nic.kind).toBe('underlay');
    expect(nic.evidence.map((e) => e.reason).join('\n')).toMatch(/2 of them later fragments of tunnel packets/);
    expect(a.model.pods.map((p) => p.ip).sort()).toEqual(['10.244.0.5', '10.244.1.7']);
  });

  it('the replies are last seen on worker-2 eth0, and missed next on node1 eth0', () => {
    const drops = a.findings.filter((f) => f.code === 'dropped');
    expect(drops.length).toBeGreaterThan(0);
    for (const f of drops) {
      expect(f.flow).toBe('icmp 10.244.0.5 > 10.244.1.7 id=10721');
      expect(f.message).toMatch(/last seen at worker-2-eth0\.pcap, never reached node1-eth0\.pcap/);
    }
  });
});

describe('three nodes, pods of MTU 1500 and 1450 under flannel.1 of MTU 1450', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('three-nodes'));
  });

  it("fragments made on the way are expected only from where they were made: the pod's veth and bridge never saw them", () => {
    // 1500-byte pings without DF from the pod of MTU 1500: node1 fragments them onto flannel.1.
    const later = journeys(a).filter((j) => j.hops[0].headers.src === '10.244.0.6' && j.hops[0].headers.info.startsWith('fragment'));
    expect(later.length).toBe(2);
    for (const j of later) {
      expect(j.hops[0].point).toMatch(/flannel\.1/);
      expect(j.gaps.map((g) => g.reason)).toEqual([]);
      expect(j.status).toBe('delivered');
    }
    expect(a.findings.filter((f) => f.code === 'path-gap' && /cali9f8e7d6c|cni0/.test(f.message)).map((f) => f.message)).toEqual([]);
  });

  it("a drop names the dropped packet's own direction, and its flow when that goes the other way", () => {
    // worker-2 drops every third packet from 10.244.1.7:7000: the server's SYN-ACK among them.
    const msgs = a.findings
      .filter((f) => f.code === 'dropped' && f.flow === 'tcp 10.244.2.9:42000 > 10.244.1.7:7000')
      .map((f) => f.message);
    expect(msgs.length).toBeGreaterThan(0);
    // (Capture ids left out: they are the file names' business.)
    expect(
      msgs.filter((m) =>
        m.startsWith('tcp 10.244.1.7:7000 > 10.244.2.9:42000 [SYN,ACK] (flow tcp 10.244.2.9:42000 > 10.244.1.7:7000): last seen at '),
      ),
    ).toHaveLength(1);
  });

  it('drops told the same way are one finding with a count', () => {
    // gke's FORWARD chain drops the three datagrams to 10.244.2.9:9999.
    const msgs = a.findings
      .filter((f) => f.code === 'dropped' && f.message.startsWith('udp 10.244.0.5:45000 > 10.244.2.9:9999'))
      .map((f) => f.message);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(/^udp 10\.244\.0\.5:45000 > 10\.244\.2\.9:9999 \(3 packets\): last seen at /);
    expect(new Set(a.findings.map((f) => f.message)).size).toBe(a.findings.length);
  });

  it("finds the bridge's gateway in a cooked `-i any` capture, which keeps the source MAC only", () => {
    // The bridge (ifindex 3) asks "who has 10.244.2.10 tell 10.244.2.1" from its own MAC.
    const gke = a.model.bridges.find((b) => b.node === 'gke-prod-pool-1-abc123')!;
    expect([gke.gatewayIp, gke.gatewayMac]).toEqual(['10.244.2.1', '8e:30:bc:04:42:7b']);
  });
});

describe("the three nodes again, gke-prod-pool-1-abc123's capture shifted by +30 s (beyond --max-skew's 10 s)", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('skewed'));
  });

  it('finds the clock all the same, says it was beyond --max-skew, and follows the packets across it', () => {
    const gke = a.clockOffsets.find((o) => o.node === 'gke-prod-pool-1-abc123')!;
    expect(gke.method).toBe('two-way');
    expect(Math.abs(gke.offsetNs - 30e9)).toBeLessThan(1e6);
    expect(gke.note).toMatch(/--max-skew/);
    expect(a.findings.some((f) => f.code === 'clock-offset' && /seems 30\.000 s ahead .* beyond --max-skew/.test(f.message))).toBe(true);
    // One journey per packet: each ping crosses the skewed node once.
    const ping = a.flows.find((f) => f.id === 'icmp 10.244.2.9 > 10.244.0.5 id=7778')!;
    expect([ping.aToB.packets, ping.bToA.packets]).toEqual([2, 2]);
    for (const j of journeys(a))
      for (const g of j.gaps) expect(g.reason).not.toMatch(/not known whether .* (was still capturing|had started capturing)/);
  });
});
