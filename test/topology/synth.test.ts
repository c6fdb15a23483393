// The cluster model on the synthetic captures of encapsulations the lab kernel cannot build
// (fixtures/synth: Calico IP-in-IP, Geneve with options, GRE with key, VXLAN carrying IPv6 over an
// IPv4 and an IPv6 underlay).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCaptureSet } from '../../main/topology';

const SYNTH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'synth', 'captures');
const load = (...files: string[]) => loadCaptureSet(files.map((f) => join(SYNTH, f)));

describe('synthetic encapsulations', () => {
  it('Calico IP-in-IP: tunl0 is a TUN device, the tunnel is ipip between the node addresses', async () => {
    const a = await load('calico-ipip-node1-cali.pcap', 'calico-ipip-node1-eth0.pcap', 'calico-ipip-node1-tunl0.pcap');
    expect(a.points.map((p) => [p.id, p.node, p.kind])).toEqual([
      ['calico-ipip-node1-cali.pcap', 'calico-ipip-node1', 'veth'],
      ['calico-ipip-node1-eth0.pcap', 'calico-ipip-node1', 'underlay'],
      ['calico-ipip-node1-tunl0.pcap', 'calico-ipip-node1', 'tun'],
    ]);
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps])).toEqual([
      ['calico-ipip-node1', ['192.168.58.11']],
      ['node-192.168.58.12', ['192.168.58.12']],
    ]);
    expect(a.model.tunnels.map((t) => [t.nodes, t.type, t.vni, t.port])).toEqual([
      [['calico-ipip-node1', 'node-192.168.58.12'], 'ipip', null, null],
    ]);
    expect(a.model.pods.find((p) => p.ip === '10.42.37.2')).toMatchObject({ node: 'calico-ipip-node1', veth: 'calico-ipip-node1/cali' });
    // Paths: out through the cali veth, tunl0, then eth0 in IP-in-IP; back the other way to the pod.
    const hops = (j: { hops: readonly { point: string; headers: { ttl: number | null; encap: { type: string } | null } }[] }) =>
      j.hops.map((h) => [h.point.replace('calico-ipip-node1-', ''), h.headers.encap?.type ?? '', h.headers.ttl]);
    for (const f of a.flows) {
      const [out, back] = a.journeysForFlow(f.id);
      expect(hops(out), f.id).toEqual([
        ['cali.pcap', '', 64],
        ['tunl0.pcap', '', 63],
        ['eth0.pcap', 'ipip', 63],
      ]);
      // The remote node was not captured, but the reply that came back shows the request arrived.
      expect(out.status).toBe('delivered');
      expect(out.verdict?.code).toBe('answered');
      expect(hops(back), f.id).toEqual([
        ['eth0.pcap', 'ipip', 63],
        ['tunl0.pcap', '', 63],
        ['cali.pcap', '', 62],
      ]);
      expect(back.status).toBe('delivered');
    }
  });

  it('Geneve and GRE: each VNI / key a tunnel of its own between the two endpoints', async () => {
    const g = await load('geneve-options.pcap');
    expect(g.model.tunnels.map((t) => [t.type, t.vni, t.port]).sort()).toEqual([
      ['geneve', 1193046, 6081],
      ['geneve', 5, 6081],
    ]);
    expect(new Set(g.model.tunnels.map((t) => t.id)).size).toBe(2);
    // Both endpoints send from 10.0.1.0/24: no /24 per node can be right, and addresses give no
    // prefix length: the blocks are unknown, and the line says why.
    expect(g.model.nodes.map((n) => n.podCidr)).toEqual([null, null]);
    for (const n of g.model.nodes) expect(n.unknown?.podCidr).toContain("its pod addresses and another node's share the /24");
    const r = await load('gre-key.pcap');
    expect(r.model.tunnels.map((t) => [t.type, t.vni]).sort()).toEqual([
      ['gre', 1001],
      ['gre', 168496141],
    ]);
    expect(r.model.nodes.map((n) => [n.underlayIps, n.podCidr])).toEqual([
      [['10.10.0.1'], '172.16.1.0/24'],
      [['10.10.0.2'], '172.16.2.0/24'],
    ]);
  });

  it('IPv6 pods over IPv4 and IPv6 underlays: one node per pod block, /64 blocks, both underlay addresses', async () => {
    const a = await load('vxlan-ipv6-inner.pcap');
    expect(a.model.nodes.map((n) => [n.underlayIps, n.podCidr, n.podCidrs])).toEqual([
      [['192.168.59.11', 'fd00:59::11'], 'fd00:10:244:1::/64', ['fd00:10:244:1::/64']],
      [['192.168.59.12', 'fd00:59::12'], 'fd00:10:244:2::/64', ['fd00:10:244:2::/64']],
    ]);
    expect(a.model.tunnels.map((t) => [t.type, t.vni, t.port])).toEqual([['vxlan', 4096, 4789]]);
    expect(a.model.pods.map((p) => [p.ip, p.node])).toEqual([
      ['fd00:10:244:1::2', a.model.nodes[0].id],
      ['fd00:10:244:2::3', a.model.nodes[1].id],
    ]);
    const f = a.flows.find((x) => x.protocol === 'tcp')!;
    expect(f.id).toBe('tcp [fd00:10:244:1::2]:40001 > [fd00:10:244:2::3]:443');
  });
});
