// A node is more than its tunnel NIC (fixtures/captures/review7/*, see the README.md in each folder).
// nodeport-2nic: a node's second NIC on a public network, NodePort clients behind it: the NIC is the
// node's (the routed packets there come from a MAC that gives a non-pod address in ARP), the client
// no pod, and the NodePort packets are not expected on the node's bridge. cilium-2nic: host-to-host
// API traffic on a second NIC, where the pods' proxy-ARP device asks ARP from that NIC's address:
// that address is no bridge address of the node but its host's own (the host sends from it), so
// the packets to it are delivered at that NIC, not expected in the tunnel. nodeport-drop:
// a SYN to a node's own NodePort, dropped by that node's filter and retransmitted, never answered: a
// NIC capture sees it before the filter, so it is dropped after the NIC, not delivered. The dataset's
// SQL path finder judges every journey the same way. And an ICMP error about a translated packet is
// credited to the node that made it (its first sighting), not to the service address conntrack
// gives it further on.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../main/dataset/duck';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { agreeOn } from '../dataset/compare';

const REVIEW7 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review7');
const set = (name: string): string[] =>
  readdirSync(join(REVIEW7, name), { recursive: true })
    .map(String)
    .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))
    .sort()
    .map((f) => join(REVIEW7, name, f));

function journeysOf(a: Analysis, src: string, dst: string, dport: number): Journey[] {
  const out: Journey[] = [];
  for (let k = 0; k < a.journeys.count; k++) {
    const j = a.journeys.get(k);
    const h = j.hops[0].headers;
    if (h.src === src && h.dst === dst && h.dstPort === dport) out.push(j);
  }
  return out;
}

describe("a node's second NIC with NodePort clients behind it (nodeport-2nic)", () => {
  const files = set('nodeport-2nic');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it("takes the public NIC for the node's, not for a pod's interface, and the client outside every pod block for no pod", () => {
    const eth1 = a.points.find((p) => p.id === 'aks-nodepool1-12345678-vmss000002/eth1.pcap.gz')!;
    expect([eth1.node, eth1.interface, eth1.kind]).toEqual(['aks-nodepool1-12345678-vmss000002', 'eth1', 'underlay']);
    expect(eth1.evidence.map((e) => e.reason).join('\n')).toContain(
      '00:0d:3a:10:00:04, which the routed packets here come from, gives 198.51.100.4 in ARP, outside every pod block too',
    );
    expect(a.model.pods.map((p) => p.ip).sort()).toEqual(['10.244.2.11', '10.244.3.11']);
  });

  it('follows the NodePort packets from the NIC into the tunnel, none missed on the bridge', () => {
    const nodePort = journeysOf(a, '198.51.100.200', '198.51.100.4', 30080);
    expect(nodePort).toHaveLength(12);
    for (const j of nodePort) {
      expect(j.status).toBe('delivered');
      expect(j.gaps).toEqual([]);
    }
    expect(a.findings.filter((f) => f.code === 'path-gap')).toEqual([]);
  });

  it('credits the refusal of a query to a dead endpoint to the node that made it, not to the service address', () => {
    const [query, ...more] = journeysOf(a, '10.244.2.11', '10.0.200.7', 53);
    expect(more).toEqual([]);
    expect(query.status).toBe('dropped');
    expect(query.verdict?.icmpError).toMatchObject({ from: '10.244.3.0', node: 'aks-nodepool1-12345678-vmss000003' });
    expect(query.verdict?.reason).toBe(
      '10.244.3.0 answered ICMP host unreachable (aks-nodepool1-12345678-vmss000003/flannel.1.pcap.gz#40): the packet went no further ' +
        "(10.244.3.0 is aks-nodepool1-12345678-vmss000003's own address)",
    );
  });

  it('the SQL path finder agrees', () => agreeOn(files));
});

describe('host-to-host API traffic on a second NIC (cilium-2nic)', () => {
  const files = set('cilium-2nic');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it("does not take the second NIC's address, which the pods' proxy-ARP device asks ARP from, for the bridge's", () => {
    expect(a.nodeOwn.get('172.16.0.29')).toBeUndefined();
  });

  it("knows each node's API address as its own: the host sends from it, out of its NIC (node-7's `-i any` capture), or to the other node's NIC", () => {
    const ips = Object.fromEntries(a.model.nodes.map((n) => [n.id, n.underlayIps]));
    expect(ips).toEqual({ 'prod-euw1-k8s-node-7': ['10.1.0.27', '172.16.0.27'], 'prod-euw1-k8s-node-9': ['10.1.0.29', '172.16.0.29'] });
    const node9 = a.model.nodes.find((n) => n.id === 'prod-euw1-k8s-node-9')!;
    expect(node9.evidence.map((e) => e.reason)).toContain(
      "172.16.0.29 sends from MAC 02:01:ac:10:00:1d with an initial TTL, unencapsulated, to another node's NIC, on this node's NIC capture (a NIC sees its own frames): the host's own address there",
    );
  });

  it('expects none of it in the tunnel: every packet delivered, none missed', () => {
    const api = journeysOf(a, '172.16.0.27', '172.16.0.29', 6443);
    expect(api).toHaveLength(6);
    for (const j of api) {
      expect(j.status).toBe('delivered');
      expect(j.gaps).toEqual([]);
    }
    expect(a.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('the SQL path finder agrees', () => agreeOn(files));
});

describe("a SYN to a node's own NodePort its filter drops (nodeport-drop)", () => {
  const files = set('nodeport-drop');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('says each send reached the NIC, before the filters, and was never answered: dropped after the NIC', () => {
    const syns = journeysOf(a, '192.168.64.2', '192.168.64.3', 31000);
    expect(syns).toHaveLength(3);
    for (const j of syns) {
      expect(j.status).toBe('dropped');
      expect(j.verdict?.code).toBe('unanswered');
      expect([j.lastSeen.node, j.lastSeen.interface]).toEqual(['k3s-agent-1', 'eth0']);
      expect(j.verdict?.reason).toBe(
        "reached 192.168.64.3, k3s-agent-1's own address, at its NIC (k3s-agent-1/capture-eth0.pcapng), where a capture sees packets " +
          "before the node's filters, not that the node took them in; sent 3 times, never answered: dropped or ignored on k3s-agent-1 after eth0",
      );
    }
    const drop = a.findings.filter((f) => f.code === 'dropped' && f.message.includes('192.168.64.3:31000'));
    expect(drop.map((f) => [f.severity, f.node])).toEqual([['problem', 'k3s-agent-1']]);
    expect(drop[0].message).toContain('[SYN] (3 packets): last seen at k3s-agent-1/capture-eth0.pcapng; reached 192.168.64.3');
  });

  it('keeps an answered handshake to a pod delivered', () => {
    const conn = journeysOf(a, '10.42.0.9', '10.42.1.7', 8080);
    expect(conn.length).toBeGreaterThan(0);
    for (const j of conn) expect(j.status).toBe('delivered');
  });

  it('the SQL path finder judges the three sends the same way', () =>
    agreeOn(files, async (db) => {
      const r = await queryRows(db, `SELECT verdict, status, COUNT(*) AS n FROM sql_verdicts WHERE verdict = 'unanswered' GROUP BY 1, 2`);
      expect(r.rows.map((x) => [x.verdict, x.status, Number(x.n)])).toEqual([['unanswered', 'dropped', 3]]);
    }));
});
