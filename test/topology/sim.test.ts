// Topology on a hand-built flannel-VXLAN cluster (real bytes through the real reader and decoder):
// attribution, model, journeys, NAT, drop, clock skew, random names, a missing capture.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { formatJourney, loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { NODES, PODS, VIP, droppedPackets, simulate, type SimCaptureSet } from './sim';

const sets: SimCaptureSet[] = [];
function sim(o?: Parameters<typeof simulate>[0]): SimCaptureSet {
  const s = simulate(o);
  sets.push(s);
  return s;
}
afterAll(() => sets.forEach((s) => rmSync(s.dir, { recursive: true, force: true })));

const pod = (n: string) => PODS.find((p) => p.name === n)!;

function journeysOf(a: Analysis, pred: (j: Journey) => boolean): Journey[] {
  const out: Journey[] = [];
  for (let i = 0; i < a.journeys.count; i++) if (pred(a.journeys.get(i))) out.push(a.journeys.get(i));
  return out;
}

const crossPath = (from: string, to: string, fromVeth: string, toVeth: string) => [
  `${from}-${fromVeth}.pcap`,
  `${from}-cni0.pcap`,
  `${from}-flannel.1.pcap`,
  `${from}-eth0.pcap`,
  `${to}-eth0.pcap`,
  `${to}-flannel.1.pcap`,
  `${to}-cni0.pcap`,
  `${to}-${toVeth}.pcap`,
];

describe('hand-built flannel VXLAN cluster', async () => {
  const s = sim();
  const a = await loadCaptureSet(s.files);

  it('attributes every capture from its file name', () => {
    for (const p of a.points) {
      expect(p.nodeSource).toBe('file-name');
      const iface = p.id.replace(/^node\d-/, '').replace(/\.pcap$/, '');
      expect(p.interface).toBe(iface);
    }
    expect(a.points.find((p) => p.id === 'node2-flannel.1.pcap')?.kind).toBe('vtep');
  });

  it('infers nodes, CIDRs, VTEP MACs, pods, veths, tunnels and the service', () => {
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps, n.podCidr, n.vtepMac, n.underlayMacs])).toEqual(
      NODES.map((n) => [n.name, [n.ip], n.cidr, n.vtepMac, [n.nicMac]]),
    );
    // 'blocked' never sends: it is not invented from the packets addressed to it.
    const sending = PODS.filter((p) => p.name !== 'blocked');
    expect(a.model.pods.map((p) => [p.ip, p.mac, p.node, p.veth])).toEqual(
      sending.map((p) => [p.ip, p.mac, p.node, `${p.node}/${p.veth}`]),
    );
    expect(a.model.veths.map((v) => v.pod).sort()).toEqual(sending.map((p) => p.ip).sort());
    expect(a.model.bridges.map((b) => [b.id, b.gatewayMac])).toEqual(NODES.map((n) => [`${n.name}/cni0`, n.gwMac]));
    expect(a.model.tunnels.map((t) => [t.nodes, t.type, t.vni, t.port])).toEqual([
      [['node1', 'node2'], 'vxlan', 1, 8472],
      [['node1', 'node3'], 'vxlan', 1, 8472],
    ]);
    expect(a.model.services).toHaveLength(1);
    expect(a.model.services[0]).toMatchObject({
      ip: VIP,
      port: 53,
      protocol: 'udp',
      backends: [{ ip: pod('coredns').ip, port: 53, pod: pod('coredns').ip }],
      natNodes: ['node1'],
    });
    for (const n of a.model.nodes) expect(n.evidence.every((e) => e.count > 0 && e.packets.length > 0)).toBe(true);
  });

  it('follows a cross-node ping hop by hop', () => {
    const js = journeysOf(a, (j) => j.flow.startsWith('icmp 10.244.0.2 > 10.244.1.2') && j.hops[0].headers.src === pod('client').ip);
    expect(js).toHaveLength(3);
    for (const j of js) {
      expect(j.hops.map((h) => h.point)).toEqual(crossPath('node1', 'node2', pod('client').veth, pod('web').veth));
      expect(j.hops.map((h) => h.ttlDelta)).toEqual([null, 0, -1, 0, 0, 0, -1, 0]);
      expect(j.status).toBe('delivered');
      expect(j.gaps).toEqual([]);
      expect(j.hops[3].headers.encap).toMatchObject({
        type: 'vxlan',
        vni: 1,
        outerSrc: '192.168.56.11',
        outerDst: '192.168.56.12',
        udpDstPort: 8472,
      });
      expect(j.hops[4].latencyNs).toBeGreaterThan(20_000);
      expect(j.hops[4].latencyNs).toBeLessThan(30_000);
    }
    const replies = journeysOf(a, (j) => j.flow.startsWith('icmp 10.244.0.2 > 10.244.1.2') && j.hops[0].headers.src === pod('web').ip);
    expect(replies.map((j) => j.hops[0].point)).toEqual(Array(3).fill(`node2-${pod('web').veth}.pcap`));
  });

  it('finds the DNAT at the right hop and links the two flows', () => {
    const [j] = journeysOf(a, (j) => j.hops[0].headers.dst === VIP);
    expect(j.nat).toHaveLength(1);
    expect(j.nat[0]).toMatchObject({
      kind: 'dnat',
      node: 'node1',
      between: ['node1-cni0.pcap', 'node1-flannel.1.pcap'],
      before: { dst: VIP, dstPort: 53 },
      after: { dst: pod('coredns').ip, dstPort: 53 },
    });
    expect(j.hops.at(-1)!.point).toBe(`node3-${pod('coredns').veth}.pcap`);
    const f = a.flow(`udp 10.244.0.2:41053 > ${VIP}:53`)!;
    expect(f.natPeers).toEqual(['udp 10.244.0.2:41053 > 10.244.2.2:53']);
    expect(a.journeysForFlow(f.id).length).toBe(2);
  });

  it('says where the dropped datagrams were last seen', () => {
    const js = journeysOf(a, (j) => j.hops[0].headers.dst === pod('blocked').ip);
    expect(js).toHaveLength(2);
    for (const j of js) {
      expect(j.status).toBe('dropped');
      expect(j.lastSeen.point).toBe('node3-flannel.1.pcap');
      expect(j.gaps.find((g) => g.point !== null)?.point).toBe('node3-cni0.pcap');
    }
    expect(droppedPackets(a)).toBe(2);
  });

  it('keeps flows with TCP state and per-direction counts', () => {
    const f = a.flow('tcp 10.244.0.2:42080 > 10.244.1.2:8080')!;
    expect(f.aToB.packets).toBe(3);
    expect(f.bToA.packets).toBe(2);
    expect(f.tcp).toMatchObject({ syn: true, synAck: true, established: true, dataAToB: 5, dataBToA: 0, retransmissions: 0 });
    expect(f.perCapture.find((c) => c.point === 'node1-eth0.pcap')).toMatchObject({ aToB: { packets: 3 }, bToA: { packets: 2 } });
  });

  it('answers by packet reference', () => {
    const j = a.journeyForPacket('node2-eth0.pcap', 0)!;
    expect(j.hops.some((h) => h.packet.capture === 'node2-eth0.pcap' && h.packet.index === 0)).toBe(true);
    expect(a.journeyForPacket('node2-eth0.pcap', 10_000)).toBeNull();
    expect(a.journeyForPacket('nope.pcap', 0)).toBeNull();
    expect(JSON.parse(JSON.stringify(a)).model.nodes).toHaveLength(3);
  });
});

describe('variants of the same cluster', () => {
  it('one node clock 2 s ahead: offset estimated within 1 ms, hops still in order', async () => {
    const a = await loadCaptureSet(sim({ skew: { node: 'node2', seconds: 2 } }).files);
    const o = a.clockOffsets.find((c) => c.node === 'node2')!;
    expect(o.method).toBe('two-way');
    expect(Math.abs(o.offsetNs - 2e9)).toBeLessThan(1e6);
    expect(o.uncertaintyNs!).toBeLessThan(1e6);
    expect(formatJourney(a, a.journeys.get(0))).toMatch(
      /clock: node2 times corrected by -2\.000 s \(its clock runs 2\.000 s ahead of node1's/,
    );
    const js = journeysOf(a, (j) => j.flow.startsWith('icmp 10.244.0.2 > 10.244.1.2') && j.hops[0].headers.src === pod('client').ip);
    expect(js).toHaveLength(3);
    for (const j of js) {
      expect(j.hops.map((h) => h.point)).toEqual(crossPath('node1', 'node2', pod('client').veth, pod('web').veth));
      for (const h of j.hops.slice(1)) expect(h.latencyNs!).toBeGreaterThanOrEqual(0);
      expect(j.totalLatencyNs).toBeLessThan(1e6);
    }
  });

  it('a clock 30 s off is found when asked to look that far, and by default from packets seen at that constant offset (said so)', async () => {
    const files = sim({ skew: { node: 'node2', seconds: 30 } }).files;
    const far = await loadCaptureSet(files, { maxClockSkewMs: 60_000 });
    const o = far.clockOffsets.find((c) => c.node === 'node2')!;
    expect(o.method).toBe('two-way');
    expect(Math.abs(o.offsetNs - 30e9)).toBeLessThan(1e6);
    expect(o.note).not.toMatch(/beyond|--max-skew/);
    const near = await loadCaptureSet(files);
    const n = near.clockOffsets.find((c) => c.node === 'node2')!;
    expect(n.method).toBe('two-way');
    expect(Math.abs(n.offsetNs - o.offsetNs)).toBeLessThan(1e6);
    expect(n.note).toMatch(/taken out before the clocks were estimated \(re-run with --max-skew 60000/);
    expect(near.findings.filter((f) => f.code === 'clock-offset' && /beyond --max-skew \(10000 ms\)/.test(f.message)).length).toBe(1);
    expect(near.journeys.count).toBe(far.journeys.count);
  });

  it('a missing capture shows as a gap in the path', async () => {
    const a = await loadCaptureSet(sim({ omit: ['node2-flannel.1'] }).files);
    const js = journeysOf(a, (j) => j.flow.startsWith('icmp 10.244.0.2 > 10.244.1.2') && j.hops[0].headers.src === pod('client').ip);
    for (const j of js) {
      expect(j.hops.map((h) => h.point)).toEqual(
        crossPath('node1', 'node2', pod('client').veth, pod('web').veth).filter((p) => p !== 'node2-flannel.1.pcap'),
      );
      expect(j.gaps).toEqual([{ afterHop: 4, node: 'node2', kind: 'vtep', point: null, reason: 'no capture of the vtep/tun on node2' }]);
      expect(j.status).toBe('delivered');
    }
  });

  it('random file names in random order: nodes, kinds and paths from the traffic', async () => {
    const names = new Map<string, string>();
    let k = 0;
    const s = sim({
      name: (n, i) => {
        const x = `capture-${(k++ * 7919) % 101}.pcap`;
        names.set(x, `${n}-${i}`);
        return x;
      },
    });
    const a = await loadCaptureSet([...s.files].sort(() => 0.5 - Math.random()));
    const byIp = new Map(NODES.map((n) => [n.ip, n.name]));
    const truthNode = (nodeId: string) => byIp.get(a.model.nodes.find((n) => n.id === nodeId)!.underlayIps[0]);
    for (const p of a.points) {
      const [node, ...iface] = names.get(p.id)!.split('-');
      expect(truthNode(p.node!), p.id).toBe(node);
      const i = iface.join('-');
      if (i === 'eth0') expect(p.kind).toBe('underlay');
      if (i === 'flannel.1') expect(p.kind).toBe('vtep');
    }
    expect(a.model.nodes.map((n) => [n.underlayIps, n.podCidr]).sort()).toEqual(NODES.map((n) => [[n.ip], n.cidr]).sort());
    expect(a.model.pods.map((p) => [p.ip, truthNode(p.node!)])).toEqual(
      PODS.filter((p) => p.name !== 'blocked').map((p) => [p.ip, p.node]),
    );
    const js = journeysOf(a, (j) => j.flow.startsWith('icmp 10.244.0.2 > 10.244.1.2') && j.hops[0].headers.src === pod('client').ip);
    for (const j of js)
      expect(j.hops.map((h) => names.get(h.point))).toEqual(
        crossPath('node1', 'node2', pod('client').veth, pod('web').veth).map((x) => x.replace(/\.pcap$/, '')),
      );
    expect(a.model.services.map((x) => x.ip)).toEqual([VIP]);
  });

  it('a capture that lost a packet shows as a path gap, not a drop', async () => {
    const a = await loadCaptureSet(sim({ lose: ['node1-eth0', 0] }).files);
    const [j] = journeysOf(a, (x) => x.hops[0].headers.src === pod('client').ip && x.hops.length === 7);
    expect(j.status).toBe('delivered');
    expect(j.gaps).toMatchObject([{ afterHop: 2, node: 'node1', kind: 'underlay', point: 'node1-eth0.pcap' }]);
    expect(a.findings.filter((f) => f.code === 'path-gap').map((f) => f.message)).toEqual([
      expect.stringMatching(/^node1-eth0\.pcap missed 1 packets/),
    ]);
    expect(droppedPackets(a)).toBe(2);
  });

  it('explicit attribution wins over file names', async () => {
    const s = sim();
    const a = await loadCaptureSet(s.files, { overrides: [{ capture: 'node3-eth0.pcap', node: 'worker-c', interface: 'ens5' }] });
    const p = a.points.find((x) => x.id === 'node3-eth0.pcap')!;
    expect([p.node, p.nodeSource, p.interface, p.kind, p.kindSource]).toEqual(['worker-c', 'user', 'ens5', 'underlay', 'user']);
    expect(a.model.nodes.map((n) => n.id)).toContain('worker-c');
  });
});

describe('trouble on the path', async () => {
  const s = sim({ trouble: true });
  const env = `${s.dir}/node2-subnet.env`;
  (await import('node:fs')).writeFileSync(env, 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.7.1/24\nFLANNEL_MTU=1450\n');
  const a = await loadCaptureSet([...s.files, env]);

  it('counts a retransmission and a zero window', () => {
    const f = a.flow('tcp 10.244.0.2:42080 > 10.244.1.2:8080')!;
    expect(f.tcp).toMatchObject({ retransmissions: 1, zeroWindows: 1 });
    expect(
      a.findings
        .filter((x) => x.code === 'retransmission' || x.code === 'zero-window')
        .map((x) => x.code)
        .sort(),
    ).toEqual(['retransmission', 'zero-window']);
  });

  it('explains the packet too big for the tunnel', () => {
    const [j] = journeysOf(a, (x) => x.hops[0].headers.dstPort === 7777);
    expect(j.hops.map((h) => h.point)).toEqual([`node1-${pod('client').veth}.pcap`, 'node1-cni0.pcap']);
    expect(j.status).toBe('dropped');
    expect(j.gaps.find((g) => g.point !== null)?.point).toBe('node1-flannel.1.pcap');
    expect(j.mtu.map((m) => m.code).sort()).toEqual(['icmp-frag-needed', 'too-big-for-tunnel']);
    expect(j.mtu.find((m) => m.code === 'icmp-frag-needed')!.message).toMatch(/MTU 1450/);
    expect(j.mtu.find((m) => m.code === 'too-big-for-tunnel')!.message).toBe(
      '1500-byte packet with DF set exceeds what a vxlan tunnel over a 1500-byte underlay carries (1450)',
    );
    expect(a.findings.some((f) => f.code === 'icmp-frag-needed' && /MTU 1450/.test(f.message))).toBe(true);
  });

  it('flags a bad header checksum on the hop that shows it, and still follows the packet', () => {
    const [j] = journeysOf(a, (x) => x.flow.startsWith('icmp 10.244.0.2 > 10.244.1.2 id=80') && x.hops[0].headers.src === pod('client').ip);
    expect(j.hops).toHaveLength(8);
    expect(j.hops[0].problems).toEqual(['bad-checksum']);
    expect(j.hops.slice(1).every((h) => h.problems.length === 0)).toBe(true);
    expect(a.findings.find((f) => f.code === 'bad-checksum')?.message).toMatch(/^1 packets with a bad IPv4 header checksum on node1-veth/);
  });

  it('keeps identical packets sent at different times apart (IP ID 0 duplicate ACKs)', () => {
    const js = journeysOf(
      a,
      (x) => x.hops[0].headers.src === pod('web').ip && x.hops[0].headers.ipId === 0 && x.hops[0].headers.protocol === 'tcp',
    );
    expect(js).toHaveLength(2);
    for (const j of js) expect(j.hops.map((h) => h.point)).toEqual(crossPath('node2', 'node1', pod('web').veth, pod('client').veth));
    expect(Math.abs(js[0].hops[0].correctedNs - js[1].hops[0].correctedNs)).toBeGreaterThan(1e8);
  });

  it('reports where subnet.env and the traffic disagree', () => {
    expect(a.captures.map((c) => c.id)).not.toContain('node2-subnet.env');
    expect(a.findings.filter((f) => f.code === 'enrichment-disagreement').map((f) => f.message)).toEqual([
      `${env}: FLANNEL_SUBNET 10.244.7.1/24 but the traffic shows node2's pods in 10.244.1.0/24`,
    ]);
  });
});
