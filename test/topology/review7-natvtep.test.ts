// Kernel-built clusters (fixtures/captures/review7, see the README.md of each folder).
// icmp-nat: a pod's DNS query to a Service whose one endpoint does not exist; the endpoint's node
// answers ICMP host unreachable, and the client's node, which DNATed the query, translates the
// error back (its source and the header it quotes become the Service's). The error is one journey
// across that rewrite, delivered to the pod, in the path finder and in the dataset's SQL alike.
// cilium-vni: Cilium puts the sender's security identity in the VXLAN VNI, so one node pair's tunnel
// carries four VNIs; it is one tunnel, while two overlays with their own VNIs stay two.
// stale-vtep: a node's VXLAN device gets a new MAC mid-capture and its peer keeps addressing the
// old one: both MACs with their times, and a finding on the packets sent to the old one.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../main/dataset/duck';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { buildClusterGraph } from '../../main/topology/graph';
import { tunnelText } from '../../common/text';
import { agreeOn } from '../dataset/compare';
import { allJourneys, FIXTURES } from './lab';

const dir = (...p: string[]) => join(FIXTURES, 'captures', ...p);
const filesIn = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesIn(join(d, e.name)) : e.name.endsWith('.md') ? [] : [join(d, e.name)],
  );

describe('an ICMP error translated back by the node that NATed the packet it quotes (icmp-nat)', () => {
  const files = filesIn(dir('review7', 'icmp-nat'));
  const B = 'aks-nodepool1-12345678-vmss000002';
  const C = 'aks-nodepool1-12345678-vmss000003';
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('is one journey from the node that made it to the pod, the translation named, delivered', () => {
    const errors = allJourneys(a).filter(
      (j) => j.hops.some((h) => /type=3 code=1|unreachable/i.test(h.headers.info)) && j.hops[0].headers.protocol === 'icmp',
    );
    expect(errors).toHaveLength(1);
    const [j] = errors;
    expect(j.status).toBe('delivered');
    expect(j.hops.map((h) => [h.node, h.interface, h.headers.src])).toEqual([
      [C, 'flannel.1', '10.244.3.0'],
      [C, 'eth0', '10.244.3.0'],
      [B, 'eth0', '10.244.3.0'],
      [B, 'flannel.1', '10.244.3.0'],
      [B, 'cni0', '10.0.200.7'],
      [B, 'veth5f3a2b1c', '10.0.200.7'],
    ]);
    expect(j.nat.map((n) => [n.kind, n.node])).toEqual([['snat', B]]);
  });

  it('no finding says the error was dropped', () => {
    expect(a.findings.filter((f) => f.code === 'dropped').map((f) => f.flow)).toEqual(['udp 10.244.2.11:50439 > 10.0.200.7:53']);
  });

  it('the SQL path finder judges it delivered too, and agrees row by row', () =>
    agreeOn(files, async (db) => {
      const n = await queryRows(db, `SELECT COUNT(*) AS n FROM sql_verdicts WHERE status = 'dropped'`);
      // The query itself (refused at the endpoint's node); not its error.
      expect(Number(n.rows[0].n)).toBe(1);
    }));
});

describe('VNIs that name the sender (cilium-vni: the source identity in the VXLAN VNI)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(filesIn(dir('review7', 'cilium-vni')));
  });

  it('are one tunnel between the two nodes, with every VNI it carried', () => {
    expect(a.model.tunnels).toHaveLength(1);
    const [t] = a.model.tunnels;
    expect([t.id, t.type, t.port, t.vni, t.vnis, t.vniBySource, t.packets]).toEqual([
      'prod-euw1-k8s-node-7~prod-euw1-k8s-node-9',
      'vxlan',
      8472,
      null,
      [1, 4117, 21002, 52301],
      true,
      72,
    ]);
    expect(tunnelText(t)).toBe('VXLAN VNI per sender (1, 4117, 21002, 52301) UDP 8472');
    expect(t.evidence[1].reason).toContain('21002 from 10.0.9.88 on prod-euw1-k8s-node-9; 52301 from 10.0.7.34 on prod-euw1-k8s-node-7)');
  });

  it('the graph draws that one tunnel', () => {
    const edges = buildClusterGraph(a).edges.filter((e) => e.kind === 'tunnel');
    expect(edges.map((e) => e.label)).toEqual(['VXLAN VNI per sender (1, 4117, 21002, 52301) UDP 8472']);
  });

  it('a second overlay with its own VNI and addresses stays a tunnel of its own (review5/second-overlay)', async () => {
    const b = await loadCaptureSet(filesIn(dir('review5', 'second-overlay')));
    expect(b.model.tunnels.map((t) => [t.vni, t.vnis ?? null]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
      [1, null],
      [100, null],
    ]);
  });
});

describe('a VTEP that got a new MAC while the captures ran (stale-vtep)', () => {
  const N2 = (n: { id: string }) => n.id.startsWith('wk-02');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(filesIn(dir('review7', 'stale-vtep')));
  });

  it('lists both MACs with the times each was sent from, the new one as its VTEP MAC', () => {
    const n = a.model.nodes.find(N2)!;
    expect(n.vtepMac).toBe('aa:00:00:00:02:99');
    expect(n.vtepMacs!.map((m) => m.mac)).toEqual(['aa:00:00:00:02:00', 'aa:00:00:00:02:99']);
    const [old, now] = n.vtepMacs!;
    expect([old.first, old.last, now.first, now.last].map((x) => x.toFixed(6))).toEqual([
      '1796688801.976877',
      '1796688801.982252',
      '1796688806.091726',
      '1796688807.099526',
    ]);
    expect(a.model.nodes.find((x) => !N2(x))!.vtepMacs).toBeUndefined();
  });

  it('a finding names the packets addressed to the old MAC after its last use, and what the captures cannot tell', () => {
    const f = a.findings.filter((x) => x.code === 'stale-vtep-mac');
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('warning');
    expect(f[0].packets.map((p) => `${p.capture}#${p.index}`)).toEqual([
      // tshark frames 19, 20 and 23: the second connection's three SYNs.
      'wk-02_2026-12-08T00-13-00_eth0.pcap#18',
      'wk-02_2026-12-08T00-13-00_eth0.pcap#19',
      'wk-02_2026-12-08T00-13-00_eth0.pcap#22',
    ]);
    expect(f[0].message).toContain(
      'changed its MAC from aa:00:00:00:02:00 (last sent from at 00:13:21.982252) to aa:00:00:00:02:99 (first at 00:13:26.091726)',
    );
    expect(f[0].message).toContain('so the captures do not show whether the MAC had already changed');
  });
});
