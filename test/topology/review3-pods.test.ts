// Captures taken inside pods, on clusters built by the kernel in network namespaces
// (fixtures/captures/review3, see fixtures/README.md): a flannel UDP cluster (ip-10-0-3-17… 10.0.3.17
// pods 10.244.1.0/24, k8s-worker-02 10.0.3.42 pods 10.244.2.0/24) with a tcpdump on eth0 inside pod
// 10.244.1.2 (frontend-7d9f8b-x2k4p) and inside pod 10.244.2.2 (backend-5c6d7-abcde, namespace
// default), under the names operators give such files; and a host-gw cluster (k8s-worker-01..03)
// with ksniff's `tcpdump -i any` inside pods 10.244.1.2 (cart-5d4f-hh2pq, namespace shop: its eth0
// and its own lo) and 10.244.2.2 (checkout-7b8-mm3rt).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { formatJourney, formatTopology } from '../../main/topology/text';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review3');
const set = (name: string): string[] => readdirSync(join(DIR, name)).map((f) => join(DIR, name, f));
const N1 = 'ip-10-0-3-17.eu-west-1.compute.internal';

const point = (a: Analysis, id: string) => {
  const p = a.points.find((x) => x.id === id);
  if (!p) throw new Error(`no point ${id} among ${a.points.map((x) => x.id).join(', ')}`);
  return p;
};
const pod = (a: Analysis, ip: string) => {
  const p = a.model.pods.find((x) => x.ip === ip);
  if (!p) throw new Error(`no pod ${ip}`);
  return p;
};

describe("a capture inside pod backend-5c6d7-abcde named 'backend-5c6d7-abcde-eth0.pcap', its node (10.0.3.42) not otherwise captured", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('podonly2'));
  });

  it('names no node after the pod: the node at 10.0.3.42 is known by its address only', () => {
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps])).toEqual([
      [N1, ['10.0.3.17']],
      ['node-10.0.3.42', ['10.0.3.42']],
    ]);
    const p = point(a, 'backend-5c6d7-abcde-eth0.pcap');
    expect([p.node, p.kind]).toEqual(['node-10.0.3.42', 'veth']);
    expect(p.evidence.map((e) => e.reason).join('\n')).toMatch(/10\.244\.2\.2, the one address sending here, lies in a pod block/);
    expect(pod(a, '10.244.2.2').node).toBe('node-10.0.3.42');
  });

  it("is the pod's own interface, shown as eth0 in pod backend-5c6d7-abcde, not a veth of the node", () => {
    const p = point(a, 'backend-5c6d7-abcde-eth0.pcap');
    expect([p.interface, p.pod]).toEqual(['eth0', 'backend-5c6d7-abcde']);
    const b = pod(a, '10.244.2.2');
    expect([b.veth, b.ownPoints, b.name]).toEqual([null, ['backend-5c6d7-abcde-eth0.pcap'], 'backend-5c6d7-abcde']);
    expect(a.model.veths.map((v) => v.point)).not.toContain('backend-5c6d7-abcde-eth0.pcap');
    expect(formatTopology(a)).toMatch(/backend-5c6d7-abcde-eth0\.pcap +node-10\.0\.3\.42 +eth0 in pod backend-5c6d7-abcde +veth/);
  });
});

describe('the flannel UDP cluster with its two in-pod captures named after the pods (frontend-7d9f8b-x2k4p.pcap, ksniff-backend-5c6d7-abcde-default.pcap)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('podcap'));
  });

  it("names the node of 'node_k8s-worker-02_cni0_<date>.pcap' k8s-worker-02", () => {
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual([N1, 'k8s-worker-02']);
  });

  it("shows ksniff's capture as eth0 in pod backend-5c6d7-abcde (namespace default), not as a veth of the node", () => {
    const back = point(a, 'ksniff-backend-5c6d7-abcde-default.pcap');
    expect([back.node, back.pod]).toEqual(['k8s-worker-02', 'backend-5c6d7-abcde']);
    const b = pod(a, '10.244.2.2');
    expect([b.veth, b.ownPoints, b.name, b.namespace]).toEqual([
      null,
      ['ksniff-backend-5c6d7-abcde-default.pcap'],
      'backend-5c6d7-abcde',
      'default',
    ]);
    expect(a.model.veths.map((v) => v.point)).not.toContain('ksniff-backend-5c6d7-abcde-default.pcap');
  });

  it("names pod 10.244.1.2 after 'frontend-7d9f8b-x2k4p.pcap', whose end of the veth pair is not known (operators name host-side veth captures after the pod too)", () => {
    const front = point(a, 'frontend-7d9f8b-x2k4p.pcap');
    expect([front.node, front.kind, front.pod]).toEqual([N1, 'veth', undefined]);
    const f = pod(a, '10.244.1.2');
    expect([f.veth, f.name, f.namespace]).toEqual([`${N1}/frontend-7d9f8b-x2k4p.pcap`, 'frontend-7d9f8b-x2k4p', null]);
  });

  it("a journey's last hop is the destination pod's own interface", () => {
    const flow = a.flows.find((f) => f.id.startsWith('tcp 10.244.1.2:') && f.id.includes('> 10.244.2.2:8080'))!;
    const j = a.journeysForFlow(flow.id)[0];
    const text = formatJourney(a, j);
    expect(text).toMatch(/k8s-worker-02 +interface in pod backend-5c6d7-abcde +veth /);
    expect(text).not.toMatch(/ksniff-backend-5c6d7-abcde-default\.pcap +veth/);
  });
});

describe("the same captures named '<pod>-eth0.pcap' and '<pod>_eth0.pcap', both nodes captured", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('podeth0'));
  });

  it('each is eth0 in its pod, not a second eth0 of the node, with no node named after a pod and no warning about one', () => {
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual([N1, 'k8s-worker-02']);
    expect(a.model.veths).toEqual([]);
    expect([pod(a, '10.244.1.2').veth, pod(a, '10.244.1.2').name]).toEqual([null, 'frontend-7d9f8b-x2k4p']);
    expect([pod(a, '10.244.2.2').veth, pod(a, '10.244.2.2').name]).toEqual([null, 'backend-5c6d7-abcde']);
    expect(point(a, 'backend-5c6d7-abcde-eth0.pcap').node).toBe('k8s-worker-02');
    expect(a.findings.filter((f) => f.code === 'attribution').map((f) => f.message)).not.toContainEqual(
      expect.stringMatching(/backend-5c6d7-abcde/),
    );
  });
});

describe('host-gw cluster with ksniff `tcpdump -i any` inside pods, nodes captured as node_k8s-worker-0N_<iface>_<date>.pcap', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hg3'));
  });

  it("names the nodes k8s-worker-01..03, without the files' 'node_' label", () => {
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual(['k8s-worker-01', 'k8s-worker-02', 'k8s-worker-03']);
  });

  it("the pod's interface if276 is its own (in pod cart-5d4f-hh2pq), not a device of the node", () => {
    const eth = point(a, 'ksniff-cart-5d4f-hh2pq-shop.pcap#if276');
    expect([eth.node, eth.kind, eth.pod]).toEqual(['k8s-worker-02', 'veth', 'cart-5d4f-hh2pq']);
    const cart = pod(a, '10.244.1.2');
    expect([cart.veth, cart.name, cart.namespace]).toEqual([null, 'cart-5d4f-hh2pq', 'shop']);
    expect(a.model.veths.map((v) => v.id)).not.toContain('k8s-worker-02/if276');
    expect(formatTopology(a)).toMatch(/ksniff-cart-5d4f-hh2pq-shop\.pcap#if276 +k8s-worker-02 +if276 in pod cart-5d4f-hh2pq +veth/);
    expect(pod(a, '10.244.2.2').name).toBe('checkout-7b8-mm3rt');
  });

  it("the pod's lo is the pod's, not the node's loopback", () => {
    const lo = point(a, 'ksniff-cart-5d4f-hh2pq-shop.pcap#if1');
    expect([lo.node, lo.kind, lo.interface, lo.pod]).toEqual(['k8s-worker-02', 'loopback', 'lo', 'cart-5d4f-hh2pq']);
    expect(pod(a, '10.244.1.2').ownPoints).toEqual(['ksniff-cart-5d4f-hh2pq-shop.pcap#if276', 'ksniff-cart-5d4f-hh2pq-shop.pcap#if1']);
    expect(formatTopology(a)).toMatch(/ksniff-cart-5d4f-hh2pq-shop\.pcap#if1 +k8s-worker-02 +lo in pod cart-5d4f-hh2pq +loopback/);
  });

  it('follows each of the 14 packets of the loopback connection once (7 each way, each recorded once)', () => {
    const flow = a.flows.find((f) => f.id.startsWith('tcp 127.0.0.1:') && f.id.endsWith('> 127.0.0.1:80'))!;
    expect([flow.aToB.packets, flow.bToA.packets]).toEqual([7, 7]);
    const js = a.journeysForFlow(flow.id);
    expect(js.length).toBe(14);
    expect(js.map((j) => j.hops.length)).toEqual(Array(14).fill(1));
    expect(new Set(js.map((j) => j.hops[0].packet.index)).size).toBe(14);
  });
});
