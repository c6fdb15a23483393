// Two Calico-VXLAN-like nodes made by the kernel in network namespaces (fixtures/captures/calico-vxlan-node,
// see fixtures/README.md): each vxlan.calico holds its node's /26 block address (10.244.7.64,
// 10.244.9.128), not a network's .0, and each node pings the other's pod itself, so those packets
// leave from the tunnel device's address.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'calico-vxlan-node');

describe("a node's own packets through a Calico VXLAN tunnel (from vxlan.calico's block address)", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.pcap'))
        .map((f) => join(DIR, f)),
    );
  });

  it('the tunnel device addresses are no pods: the pods are the two behind the cali veths', () => {
    expect(a.model.pods.map((p) => [p.ip, p.node]).sort()).toEqual([
      ['10.244.7.70', 'node1'],
      ['10.244.9.131', 'node2'],
    ]);
  });

  it("each node's tunnel address is its VTEP's, and the node's ping to the other's pod is delivered", () => {
    expect(a.model.nodes.map((n) => [n.id, n.vtepIp]).sort()).toEqual([
      ['node1', '10.244.7.64'],
      ['node2', '10.244.9.128'],
    ]);
    const first = a.points.find((p) => p.id === 'node1-vxlan.calico.pcap')!;
    expect(first.kind).toBe('vtep');
    // node1's first ping to 10.244.9.131, from 10.244.7.64 (packet 5 of its vxlan.calico capture).
    const j = a.journeyForPacket('node1-vxlan.calico.pcap', 4)!;
    expect(j.status).toBe('delivered');
    expect(j.hops.map((h) => h.point)).toEqual([
      'node1-vxlan.calico.pcap',
      'node1-eth0.pcap',
      'node2-eth0.pcap',
      'node2-vxlan.calico.pcap',
      'node2-cali6f7e8d9c0b1.pcap',
    ]);
  });
});
