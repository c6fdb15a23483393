// Flannel VXLAN clusters made by the kernel in network namespaces (fixtures/captures/review2, see
// fixtures/README.md), each holding a case the other sets do not: a node's NIC carrying mostly the
// host's own traffic with an address outside the cluster, a pod restarted on a new veth, a bridge
// captured twice, an IPv6 underlay, a hairpin service and a veth name reused by a new pod.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review2');
const set = (name: string, skip: (f: string) => boolean = () => false): string[] =>
  readdirSync(join(DIR, name))
    .filter((f) => !skip(f))
    .map((f) => join(DIR, name, f));
const N1 = 'aks-nodepool1-31415926-vmss000000';

describe("a node's NIC carrying mostly the host's own bulk transfer with an external client (192.168.100.50) beside the tunnels", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('extern'));
  });

  it('the NIC is the underlay of node 192.168.100.11, and the external client is no pod', () => {
    const nic = a.points.find((p) => p.id === `${N1}-eth0.pcap2`)!;
    expect(nic.kind).toBe('underlay');
    expect(nic.node).toBe(N1);
    expect(nic.evidence.map((e) => e.reason).join('\n')).toMatch(
      /tunnel-encapsulated or go between node addresses, which no pod's interface carries/,
    );
    expect(a.model.nodes.filter((n) => n.id === N1 || n.underlayIps.includes('192.168.100.11')).map((n) => [n.id, n.underlayIps])).toEqual([
      [N1, ['192.168.100.11']],
    ]);
    expect(a.model.pods.map((p) => p.ip)).not.toContain('192.168.100.50');
    expect(
      a.model.pods
        .filter((p) => p.node === N1)
        .map((p) => p.ip)
        .sort(),
    ).toEqual(['10.244.1.2', '10.244.1.3']);
  });

  it("the host's own traffic is delivered where the NIC is: no drop of the client's ACKs or of the SNATed hostNetwork connection", () => {
    const drops = a.findings.filter((f) => f.code === 'dropped').map((f) => f.message);
    expect(drops.filter((m) => /192\.168\.100\.50|:37612/.test(m))).toEqual([]);
  });
});

describe("with the first piece of the same NIC's rotated capture, which holds only the host's own transfer with 192.168.100.50", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet([...set('extern'), ...set('nic-host-only')]);
  });

  it('that piece is the NIC too: a node address talks to an address outside every pod block on every packet', () => {
    const nic = a.points.find((p) => p.id === `${N1}-eth0.pcap`)!;
    expect([nic.node, nic.kind]).toEqual([N1, 'underlay']);
    expect(nic.evidence.map((e) => e.reason).join('\n')).toMatch(
      /every unicast IP packet is between a node address and 192\.168\.100\.50, which is outside every pod block the tunnels show/,
    );
    expect(a.model.pods.map((p) => p.ip)).not.toContain('192.168.100.50');
    expect(a.model.nodes.filter((n) => n.id === N1 || n.underlayIps.includes('192.168.100.11')).map((n) => [n.id, n.underlayIps])).toEqual([
      [N1, ['192.168.100.11']],
    ]);
    expect(a.findings.filter((f) => f.code === 'dropped' && /192\.168\.100\.50/.test(f.message)).map((f) => f.message)).toEqual([]);
  });

  it("a pod's packets to its own node's address end delivered on the node's bridge", () => {
    const js = Array.from({ length: a.journeys.count }, (_, k) => a.journeys.get(k)).filter(
      (j) => j.hops[0].headers.src === '10.244.1.3' && j.hops[0].headers.dst === '192.168.100.11',
    );
    expect(js.length).toBeGreaterThan(0);
    for (const j of js) expect(j.status).toBe('delivered');
  });
});

describe("a pod's connection to a hostNetwork server on another node (10.244.1.2:37612 to 192.168.100.13:9100, SNATed to n1's address, plain on the underlay)", () => {
  it('is expected nowhere near a tunnel device: not on n1 flannel.1 (captured), not on n3 (not captured); every packet is delivered', async () => {
    const a = await loadCaptureSet([...set('extern'), ...set('ring')]);
    const js = a.journeysForFlow('tcp 10.244.1.2:37612 > 192.168.100.13:9100');
    // Seven each way: the requests, and the replies to the node's address un-SNATed on n1.
    expect(js.length).toBe(14);
    for (const j of js) {
      expect(
        j.gaps.map((g) => g.reason).filter((r) => /flannel|vtep|tun/.test(r)),
        `journey ${j.id}`,
      ).toEqual([]);
      expect(j.hops.map((h) => h.kind).includes('vtep'), `journey ${j.id}`).toBe(false);
    }
    const requests = js.filter((j) => j.hops[0].headers.src === '10.244.1.2');
    expect(requests.length).toBe(7);
    for (const j of requests) expect([j.status, j.verdict?.code], `journey ${j.id}`).toEqual(['delivered', 'reached-destination']);
    expect(
      a.findings
        .filter((f) => f.code === 'path-gap' || f.code === 'dropped')
        .map((f) => f.message)
        .filter((m) => /37612/.test(m)),
    ).toEqual([]);
  });
});

describe('a veth name reused by a new pod, both captured (hp-node2-vethreuse01.pcap: pod A 10.244.2.3; hp-node2-vethreuse01-2.pcap: pod B 10.244.2.7)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hairpin', (f) => f === 'hp-node2-vethbbbb0002.pcap'));
  });

  it("the second file is pod B's veth, though a ping to deleted pod A, flooded by the bridge, crosses it too", () => {
    const b = a.points.find((p) => p.id === 'hp-node2-vethreuse01-2.pcap')!;
    expect(b.kind).toBe('veth');
    expect(b.node).toBe('hp-node2');
    expect(b.evidence.map((e) => e.reason).join('\n')).toMatch(/4 of 5 unicast IP packets are to or from 10\.244\.2\.7.*flood/);
    const pods = new Map(a.model.pods.map((p) => [p.ip, p]));
    expect(pods.get('10.244.2.7')?.node).toBe('hp-node2');
    expect(pods.get('10.244.2.7')?.mac).toBe('0a:58:0a:f4:02:07');
    // The veth's file name names no pod: pod B's name is in no capture.
    expect(pods.get('10.244.2.7')?.name).toBeNull();
    expect(pods.get('10.244.2.3')?.node).toBe('hp-node2');
  });

  it('the two nodes are at their underlay addresses, not at a pod or gateway address, and are not split', () => {
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps, n.podCidr]).sort()).toEqual([
      ['hp-node1', ['172.18.0.11'], '10.244.1.0/24'],
      ['hp-node2', ['172.18.0.12'], '10.244.2.0/24'],
    ]);
    for (const p of a.points) expect(p.node, p.id).toBe(p.id.startsWith('hp-node1-') ? 'hp-node1' : 'hp-node2');
  });
});

describe('a pod restarted on a new veth with the same address (10.244.2.3: vethb0000001, MAC 02:b1…, then vethb0000002, MAC 02:b2…)', () => {
  const N2 = 'aks-nodepool1-31415926-vmss000001';
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('restart'));
  });

  it("both veths are the pod's, one after the other; its peer on n1 keeps its node and no veth", () => {
    const pods = new Map(a.model.pods.map((p) => [p.ip, p]));
    const p = pods.get('10.244.2.3')!;
    expect([p.node, p.veth, p.mac]).toEqual([N2, `${N2}/vethb0000002`, '02:b2:00:00:02:03']);
    expect(p.earlier).toEqual([{ veth: `${N2}/vethb0000001`, mac: '02:b1:00:00:02:03' }]);
    expect(p.evidence.map((e) => e.reason).join('\n')).toMatch(/restarted on a new veth/);
    expect([pods.get('10.244.1.3')?.node, pods.get('10.244.1.3')?.veth]).toEqual([N1, null]);
    expect(a.model.veths.map((v) => [v.name, v.pod]).sort()).toEqual([
      ['vethb0000001', '10.244.2.3'],
      ['vethb0000002', '10.244.2.3'],
    ]);
  });

  it('the pings run n1 cni0, n1 flannel.1, n2 cni0, then the veth of the time, and nothing is dropped', () => {
    const js = Array.from({ length: a.journeys.count }, (_, k) => a.journeys.get(k)).filter(
      (j) => j.hops[0].headers.src === '10.244.1.3' && j.hops[0].headers.dst === '10.244.2.3',
    );
    expect(js.length).toBe(4);
    for (const j of js) {
      expect(j.hops.map((h) => `${h.node} ${h.interface}`).slice(0, 3)).toEqual([`${N1} cni0`, `${N1} flannel.1`, `${N2} cni0`]);
      expect(j.hops[3].interface).toBe(j.hops[0].tNs < js[2].hops[0].tNs ? 'vethb0000001' : 'vethb0000002');
      expect(j.status).toBe('delivered');
    }
    expect(a.findings.filter((f) => f.code === 'dropped').map((f) => f.message)).toEqual([]);
  });

  it("n1's flannel.1, whose peers' VTEP MACs no capture shows inside VXLAN, raises no conflict with its name", () => {
    expect(a.points.find((p) => p.id === `${N1}-flannel.1.pcap`)?.kind).toBe('vtep');
    expect(a.findings.filter((f) => f.code === 'attribution').map((f) => f.message)).toEqual([]);
  });
});

describe('a ClusterIP connection whose client veth was not captured (10.244.1.2:38224 to 10.96.0.100:80, DNATed to 10.244.2.2:8080 at the bridge port)', () => {
  it('is one flow, closed, with the service address as its NAT: the half holding only the un-DNATed replies is no flow of its own', async () => {
    const a = await loadCaptureSet(set('restart'));
    const conn = a.flows.filter((f) => f.a.port === 38224 || f.b.port === 38224);
    expect(conn.map((f) => [f.id, f.aToB.packets, f.bToA.packets, f.tcp?.state, f.natPeers])).toEqual([
      ['tcp 10.244.1.2:38224 > 10.244.2.2:8080', 7, 7, 'closed', ['tcp 10.244.1.2:38224 > 10.96.0.100:80']],
    ]);
    // The replies n1's bridge saw from the service address are the connection's there.
    const bridge = conn[0].perCapture.find((c) => c.point === `${N1}-cni0.pcap`)!;
    expect([bridge.aToB.packets, bridge.bToA.packets]).toEqual([7, 7]);
    // Every packet of it, replies included, is followed under the one flow.
    const js = a.journeysForFlow(conn[0].id);
    expect(js.length).toBe(14);
    for (const j of js) expect(j.flows).toEqual([conn[0].id]);
    // The service still comes from those replies' un-DNAT.
    expect(a.model.services.map((s) => [s.id, s.backends.map((b) => `${b.ip}:${b.port}`), s.natNodes])).toEqual([
      ['tcp 10.96.0.100:80', ['10.244.2.2:8080'], [N1]],
    ]);
  });
});

describe("n2's cni0 captured twice at once by two operators (…-cni0.pcap and …-cni0-ops2.pcap), and the second started late", () => {
  const N2 = 'aks-nodepool1-31415926-vmss000001';
  const check = (a: Analysis, twin: string) => {
    const p = a.points.find((x) => x.id === twin)!;
    expect([p.node, p.interface, p.kind]).toEqual([N2, 'cni0', 'bridge']);
    expect(a.findings.filter((f) => /captured twice at the same time/.test(f.message)).map((f) => f.message)).toEqual([
      `${N2}-cni0.pcap and ${twin} are the same interface (cni0 of ${N2}) captured twice at the same time: they hold the same frames at the same times; each frame counts once, as ${N2}-cni0.pcap's`,
    ]);
    expect(a.model.veths).toEqual([]);
    expect(a.model.pods.filter((x) => x.veth !== null)).toEqual([]);
    expect(a.findings.filter((f) => f.code === 'path-gap' || f.code === 'dropped').map((f) => f.message)).toEqual([]);
    // Every frame is one sighting on the bridge, not two hops.
    for (let k = 0; k < a.journeys.count; k++) {
      const j = a.journeys.get(k);
      expect(j.hops.filter((h) => h.node === N2 && h.kind === 'bridge').length, `journey ${k}`).toBe(1);
      expect(j.hops[0].point).toBe(`${N2}-cni0.pcap`);
    }
  };

  it('both from the start: one bridge, the same interface twice, one hop', async () => {
    check(await loadCaptureSet(set('dup')), `${N2}-cni0-ops2.pcap`);
  });

  it('10.244.2.3, restarted while the bridge was captured, sent from a new MAC: both are listed, the new one as its MAC', async () => {
    const a = await loadCaptureSet(set('dup'));
    const p = a.model.pods.find((x) => x.ip === '10.244.2.3')!;
    expect([p.mac, p.veth, p.earlier]).toEqual(['02:b2:00:00:02:03', null, [{ veth: null, mac: '02:b1:00:00:02:03' }]]);
    expect(p.evidence.map((e) => e.reason).join('\n')).toMatch(/before, it sent its own frames from MAC 02:b1:00:00:02:03/);
    expect(a.model.pods.find((x) => x.ip === '10.244.2.2')?.earlier).toBeUndefined();
  });

  it('the second from 12:24:24 on: still the bridge, not the veth of the pod it sees most', async () => {
    check(await loadCaptureSet([...set('dup', (f) => f.endsWith('-ops2.pcap')), ...set('dup-late')]), `${N2}-cni0-ops2.pcap`);
  });
});

describe('a bridge captured twice at once, by a tcpdump with --time-stamp-precision=nano and one without (prec-node1-cni0-nano.pcap, prec-node1-cni0.pcap)', () => {
  it('is one interface captured twice: the microsecond stamps are the nanosecond ones cut down, and each frame is one hop', async () => {
    const a = await loadCaptureSet(set('precision'));
    const nano = a.points.find((p) => p.id === 'prec-node1-cni0-nano.pcap')!;
    expect([nano.node, nano.interface, nano.kind]).toEqual(['prec-node1', 'cni0', 'bridge']);
    expect(nano.evidence.map((e) => e.reason).join('\n')).toMatch(/with the very same timestamp \(to the microsecond\)/);
    expect(a.findings.filter((f) => /captured twice at the same time/.test(f.message)).map((f) => f.message)).toEqual([
      "prec-node1-cni0.pcap and prec-node1-cni0-nano.pcap are the same interface (cni0 of prec-node1) captured twice at the same time: they hold the same frames at the same times; each frame counts once, as prec-node1-cni0.pcap's",
    ]);
    // Each frame is one sighting; only what one of the two saw alone (at the start or end) is the twin's.
    const at = new Map<string, number>();
    for (let k = 0; k < a.journeys.count; k++) {
      const hops = a.journeys.get(k).hops;
      expect(hops.length, `journey ${k}`).toBe(1);
      at.set(hops[0].point, (at.get(hops[0].point) ?? 0) + 1);
    }
    expect(at.get('prec-node1-cni0.pcap')).toBe(a.journeys.count - (at.get('prec-node1-cni0-nano.pcap') ?? 0));
    expect(at.get('prec-node1-cni0-nano.pcap') ?? 0).toBeLessThanOrEqual(2);
  });
});

describe('IPv6 only: IPv6 pods in VXLAN with an IPv6 outer header (v6-node1 fd00:100::11, v6-node2 fd00:100::12)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('v6'));
  });

  it('the named nodes are at their IPv6 underlay addresses: two nodes, not four', () => {
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps, n.podCidr])).toEqual([
      ['v6-node1', ['fd00:100::11'], 'fd00:10:244:1::/64'],
      ['v6-node2', ['fd00:100::12'], 'fd00:10:244:2::/64'],
    ]);
  });

  it("the bridges' gateways are the bridges' addresses, not pods", () => {
    expect(a.model.bridges.map((b) => [b.id, b.gatewayIp, b.gatewayMac])).toEqual([
      ['v6-node1/cni0', 'fd00:10:244:1::1', '0a:58:00:00:01:01'],
      ['v6-node2/cni0', 'fd00:10:244:2::1', '0a:58:00:00:02:01'],
    ]);
    expect(a.model.pods.map((p) => [p.ip, p.node])).toEqual([
      ['fd00:10:244:1::2', 'v6-node1'],
      ['fd00:10:244:2::2', 'v6-node2'],
    ]);
  });

  it('no journey misses a bridge or underlay capture that is one of its hops', () => {
    for (let k = 0; k < a.journeys.count; k++) {
      const j = a.journeys.get(k);
      expect(
        j.gaps.map((g) => g.reason).filter((r) => /no capture of the (bridge|underlay)/.test(r)),
        `journey ${k}`,
      ).toEqual([]);
    }
    // The two real drops stay: packet too big and no route, at node1's bridge.
    expect(a.findings.filter((f) => f.code === 'dropped').map((f) => f.message.replace(/ \(flow.*$/, ''))).toEqual([
      'icmpv6 fd00:10:244:1::2 > fd00:10:244:2::2 echo-request id=24831 seq=1',
      'icmpv6 fd00:10:244:1::2 > fd00:dead::1 echo-request id=24848 seq=1',
    ]);
  });
});

describe('a hairpin service: pod 10.244.2.2 calls ClusterIP 10.96.5.5:80, which is itself', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hairpin', (f) => f === 'hp-node2-vethreuse01-2.pcap'));
  });

  it('the pod is behind its veth, though a ping flooded by the bridge crossed the veth too', () => {
    const v = a.points.find((p) => p.id === 'hp-node2-vethbbbb0002.pcap')!;
    expect(v.evidence.map((e) => e.reason).join('\n')).toMatch(/40 of 41 unicast IP packets are to or from 10\.244\.2\.2.*flood/);
    const pod = a.model.pods.find((p) => p.ip === '10.244.2.2');
    expect([pod?.node, pod?.veth, pod?.mac]).toEqual(['hp-node2', 'hp-node2/vethbbbb0002', '0a:58:0a:f4:02:02']);
    expect(a.model.veths.filter((x) => x.pod === null)).toEqual([]);
  });

  it('the only service is 10.96.5.5:80 to the pod, translated on both nodes: the un-DNAT of its replies is no service the other way', () => {
    expect(a.model.services.map((s) => [s.id, s.backends.map((b) => `${b.ip}:${b.port}`), [...s.natNodes].sort()])).toEqual([
      ['tcp 10.96.5.5:80', ['10.244.2.2:8080'], ['hp-node1', 'hp-node2']],
    ]);
  });
});

describe("hp-node1's bridge, which holds one pod (10.244.1.2): every unicast packet on it is that pod's", () => {
  it('is the bridge its name says, with no conflict: the traffic of a bridge holding one pod is that of its veth', async () => {
    const a = await loadCaptureSet(set('hairpin'));
    const p = a.points.find((x) => x.id === 'hp-node1-cni0.pcap')!;
    expect([p.node, p.interface, p.kind]).toEqual(['hp-node1', 'cni0', 'bridge']);
    expect(a.findings.filter((f) => f.code === 'attribution').map((f) => f.message)).toEqual([]);
    expect(a.model.pods.find((x) => x.ip === '10.244.1.2')).toMatchObject({ node: 'hp-node1', veth: null });
  });
});

describe("a hairpinned connection's segments cross node2's bridge several times (up to the host, back down after NAT)", () => {
  it('were each sent once: no retransmission', async () => {
    const a = await loadCaptureSet(set('hairpin'));
    expect(a.findings.filter((f) => f.code === 'retransmission').map((f) => f.message)).toEqual([]);
    const fs = a.flows.filter((x) => x.a.port === 60934);
    expect(fs.length).toBe(2);
    for (const f of fs) expect(f.tcp?.retransmissions).toBe(0);
  });

  it('is listed as a service connection is: the tuple its client sends and the one its server receives, each packet once; the form in between is their NAT', async () => {
    const a = await loadCaptureSet(set('hairpin'));
    const client = 'tcp 10.244.2.2:60934 > 10.96.5.5:80';
    const server = 'tcp 10.244.2.1:60934 > 10.244.2.2:8080';
    const between = 'tcp 10.244.2.2:60934 > 10.244.2.2:8080';
    expect(
      a.flows
        .filter((f) => f.a.port === 60934)
        .map((f) => [f.id, f.aToB.packets, f.bToA.packets, f.tcp?.state, f.journeyCount, f.natPeers]),
    ).toEqual([
      [client, 6, 4, 'closed', 10, [server]],
      [server, 6, 4, 'closed', 10, [client, between]],
    ]);
    // Each packet is one journey through both, whichever form the bridge saw it in.
    const js = a.journeysForFlow(client);
    expect(js.length).toBe(10);
    for (const j of js) expect([...j.flows].sort()).toEqual([client, server].sort());
    expect(a.journeysForFlow(server).map((j) => j.id)).toEqual(js.map((j) => j.id));
    // node1's call of the same service (client veth not captured): one flow, as any such call.
    expect(a.flows.filter((f) => f.a.port === 47594).map((f) => [f.id, f.aToB.packets, f.bToA.packets, f.natPeers])).toEqual([
      ['tcp 10.244.1.2:47594 > 10.244.2.2:8080', 6, 4, ['tcp 10.244.1.2:47594 > 10.96.5.5:80']],
    ]);
  });
});

describe('a ping to deleted pod A (10.244.2.3) that node2 still sends to its old MAC: the bridge floods it to every port', () => {
  it("is not delivered at the other pods' veths it was flooded to, and the verdict says it was flooded", async () => {
    const a = await loadCaptureSet(set('hairpin'));
    const js = Array.from({ length: a.journeys.count }, (_, k) => a.journeys.get(k)).filter((j) =>
      j.hops[0].headers.info.startsWith('echo-request id=1016'),
    );
    expect(js.length).toBe(1);
    const j = js[0];
    expect(j.hops[0].headers.dst).toBe('10.244.2.3');
    expect(j.status).not.toBe('delivered');
    expect(j.verdict?.code).not.toBe('reached-destination');
    expect(j.verdict?.reason).toMatch(/^last seen at hp-node2-cni0\.pcap;/);
    const drop = a.findings.filter((f) => f.code === 'dropped' && /id=1016/.test(f.flow ?? '')).map((f) => f.message);
    expect(drop.length).toBe(1);
    expect(drop[0]).toMatch(
      /^icmp 10\.244\.1\.2 > 10\.244\.2\.3 echo-request id=1016 seq=1: last seen at hp-node2-cni0\.pcap\b.*; flooded by the bridge/,
    );
    expect(j.verdict?.reason).toMatch(
      /flooded by the bridge to other pods' veths \(hp-node2-vethreuse01-2\.pcap, hp-node2-vethbbbb0002\.pcap\), none of them its destination: no bridge port holds its destination MAC 0a:58:0a:f4:02:03/,
    );
  });
});
