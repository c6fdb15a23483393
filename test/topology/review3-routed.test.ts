// Routed clusters made by the kernel in network namespaces (fixtures/captures/review3, see
// fixtures/README.md): flannel host-gw (no tunnel: pod CIDR routes via the other node's NIC address)
// and a Calico-like BGP cluster (bird2, /26 blocks, cali* veths). A node captured only on its NIC, pods
// captured only from inside, bridges with no pod CIDR known, a pod seen only on the underlay.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { buildClusterGraph, nicId, nodeId, podId } from '../../main/topology/graph';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review3');
const set = (name: string, keep: (f: string) => boolean = () => true): string[] =>
  readdirSync(join(DIR, name))
    .filter(keep)
    .map((f) => join(DIR, name, f));
const VM = (i: number) => `aks-nodepool1-12345678-vmss00000${i}`;
const nodeCapture = (f: string) => f.startsWith('aks-');
const node = (a: Analysis, id: string) => a.model.nodes.find((n) => n.id === id)!;
const why = (ev: readonly { reason: string }[]) => ev.map((e) => e.reason).join('\n');

describe('host-gw, node captures only: vmss000002 is captured on its NIC alone, none of its pods captured', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hostgw', nodeCapture));
  });

  it("its address and MAC come from the NIC capture's own frames and the ARP that names the MAC", () => {
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps, n.underlayMacs])).toEqual([
      [VM(0), ['10.224.0.4'], ['00:22:48:00:00:00']],
      [VM(1), ['10.224.0.5'], ['00:22:48:00:00:01']],
      [VM(2), ['10.224.0.6'], ['00:22:48:00:00:02']],
    ]);
    const nic = a.points.find((p) => p.id === `${VM(2)}-eth0.pcap`)!;
    expect(why(nic.evidence)).toMatch(
      /unicast frames on its NIC captures are to or from MAC 00:22:48:00:00:02 \(a NIC sees its own frames\), which ARP on the underlay gives 10\.224\.0\.6/,
    );
    expect(why(node(a, VM(2)).evidence)).toMatch(/ARP on the underlay: 10\.224\.0\.6 is at 00:22:48:00:00:02/);
    const g = buildClusterGraph(a);
    expect(g.nodes.find((n) => n.id === nicId(VM(2)))?.detail).toContain('10.224.0.6');
  });
});

describe('host-gw with two captures taken inside pods of vmss000002 (checkout 10.244.2.2, egress-worker 10.244.2.5)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hostgw'));
  });

  it('both captures and both pods are on vmss000002: its NIC routes their packets first (the egress one after its SNAT)', () => {
    const pod = ['checkout-7b8-mm3rt.pcap', 'ksniff-egress-worker-7c9-zz9kq-batch.pcap'].map((id) => a.points.find((p) => p.id === id)!);
    expect(pod.map((p) => [p.id, p.node])).toEqual([
      ['checkout-7b8-mm3rt.pcap', VM(2)],
      ['ksniff-egress-worker-7c9-zz9kq-batch.pcap', VM(2)],
    ]);
    expect(why(pod[0].evidence)).toMatch(
      /packets 10\.244\.2\.2 sent leave on the underlay one routing step later .*from MAC 00:22:48:00:00:02/,
    );
    expect(why(pod[1].evidence)).toMatch(
      /packets 10\.244\.2\.5 sent leave on the underlay one routing step later .*from MAC 00:22:48:00:00:02/,
    );
    expect(a.model.pods.filter((p) => p.ip === '10.244.2.2' || p.ip === '10.244.2.5').map((p) => [p.ip, p.mac, p.node])).toEqual([
      ['10.244.2.2', '0a:58:0a:f4:02:02', VM(2)],
      ['10.244.2.5', '0a:58:0a:f4:02:05', VM(2)],
    ]);
    expect(a.findings.filter((f) => /could be on/.test(f.message)).map((f) => f.message)).toEqual([]);
    expect(node(a, VM(2)).underlayIps).toEqual(['10.224.0.6']);
  });

  it('in the graph the two pods sit in the vmss000002 box', () => {
    const g = buildClusterGraph(a);
    for (const ip of ['10.244.2.2', '10.244.2.5']) expect(g.nodes.find((n) => n.id === podId(ip))?.parent).toBe(nodeId(VM(2)));
  });

  it("the bridges' gateway address and MAC come from the frames routed onto them and the gateway's ARP reply", () => {
    expect(a.model.bridges.map((b) => [b.id, b.gatewayIp, b.gatewayMac])).toEqual([
      [`${VM(0)}/cni0`, '10.244.0.1', '0a:58:0a:f4:00:01'],
      [`${VM(1)}/cni0`, '10.244.1.1', '0a:58:0a:f4:01:01'],
    ]);
    expect(a.model.nodes.map((n) => n.podCidr)).toEqual([null, null, null]); // the mask is not on the wire
  });
});

describe('host-gw, k8s-worker-0N files and ksniff `-i any` captures inside pods (hg3)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hg3'));
  });

  it('every bridge has its gateway address and MAC', () => {
    expect(a.model.bridges.map((b) => [b.gatewayIp, b.gatewayMac])).toEqual([
      ['10.244.0.1', '0a:58:0a:f4:00:01'],
      ['10.244.1.1', '0a:58:0a:f4:01:01'],
      ['10.244.2.1', '0a:58:0a:f4:02:01'],
    ]);
    // The gateways are no pods.
    expect(a.model.pods.map((p) => p.ip)).toEqual(['10.244.0.2', '10.244.1.2', '10.244.2.2']);
  });
});

describe.each(['bgp', 'bgp-dstdrop'])('Calico-like BGP (%s): pod 10.244.17.2 of x9z2, its veth not captured', (name) => {
  const X9 = 'gke-prod-pool-1-a1b2c3d4-x9z2';
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set(name));
  });

  it("is a pod of x9z2: it sends routed onto the underlay from inside x9z2's BGP block; its MAC and veth are unknown", () => {
    const p = a.model.pods.find((x) => x.ip === '10.244.17.2');
    expect(p && [p.node, p.mac, p.veth]).toEqual([X9, null, null]);
    expect(why(p!.evidence)).toMatch(/inside gke-prod-pool-1-a1b2c3d4-x9z2's pod CIDR, routed unencapsulated onto the underlay \(TTL 63\)/);
    expect(a.model.pods.map((x) => x.ip)).toEqual(['10.244.17.1', '10.244.17.2', '10.244.42.65', '10.244.42.66']);
    expect(buildClusterGraph(a).nodes.find((n) => n.id === podId('10.244.17.2'))?.parent).toBe(nodeId(X9));
  });
});
