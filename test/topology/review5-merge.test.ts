// Nodes that share a segment are still several nodes (fixtures/captures/review5, see the README.md
// of each folder): three nodes on one flat underlay whose VXLAN runs on a port no table knows
// (Weave's 6784), and a bridged (L2) VXLAN overlay beside flannel, whose pods send unrouted on both
// nodes. Files named after different nodes are different nodes; the tunnel port can be given.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { queryRows } from '../../main/dataset/duck';
import { agreeOn } from '../dataset/compare';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review5');
const set = (name: string): string[] =>
  readdirSync(join(DIR, name))
    .filter((f) => f !== 'README.md')
    .map((f) => join(DIR, name, f));
const W1 = 'worker-1';
const N3 = 'k8s-node-03.lab';
const AKS = 'aks-nodepool1-12345678-vmss000000';
/** Each capture's node: the name its file starts with. */
const fileNode = (id: string) => [W1, N3, AKS, 'node1', 'node2'].find((n) => id.startsWith(`${n}-`));
const problems = (a: Analysis) => a.findings.filter((f) => f.severity === 'problem').map((f) => f.message);

describe('weave-port: three nodes on one L2 underlay, VXLAN VNI 7 on UDP 6784 (Weave)', () => {
  let plain: Analysis;
  let decoded: Analysis;
  beforeAll(async () => {
    plain = await loadCaptureSet(set('weave-port'));
    decoded = await loadCaptureSet(set('weave-port'), { decodeAs: [{ layer: 'udp', port: 6784, proto: 'vxlan' }] });
  });

  it('port 6784 undecoded: three nodes, each capture on the node its file names; hosts on one segment merge nothing', () => {
    expect(plain.model.nodes.map((n) => n.id).sort()).toEqual([AKS, N3, W1].sort());
    for (const p of plain.points) expect([p.id, p.node]).toEqual([p.id, fileNode(p.id)]);
    expect(plain.findings.filter((f) => / one segment, one node/.test(f.message)).map((f) => f.message)).toEqual([]);
  });

  it('port 6784 undecoded: no drop invented for tunnel packets or pod traffic (every flow was delivered)', () => {
    expect(problems(plain)).toEqual([]);
  });

  it('--decode-as udp:6784=vxlan: the cluster as built (addresses, pod blocks, VTEPs, three tunnels), nothing dropped', () => {
    const nodes = [...decoded.model.nodes].sort((x, y) => x.id.localeCompare(y.id));
    expect(nodes.map((n) => [n.id, n.underlayIps, n.podCidr, n.vtepMac])).toEqual([
      [AKS, ['192.168.50.13'], '10.244.3.0/24', 'aa:bb:cc:00:00:03'],
      [N3, ['192.168.50.12'], '10.244.2.0/24', 'aa:bb:cc:00:00:02'],
      [W1, ['192.168.50.11'], '10.244.1.0/24', 'aa:bb:cc:00:00:01'],
    ]);
    for (const p of decoded.points.filter((x) => x.id.endsWith('-eth0.pcap') || x.id.endsWith('-eth0.pcapng')))
      expect([p.id, p.kind, p.pod ?? null]).toEqual([p.id, 'underlay', null]);
    expect(decoded.model.tunnels.map((t) => [t.type, t.vni, t.port])).toEqual([
      ['vxlan', 7, 6784],
      ['vxlan', 7, 6784],
      ['vxlan', 7, 6784],
    ]);
    expect(problems(decoded)).toEqual([]);
  });
});

describe('second-overlay: flannel VNI 1 beside a bridged VXLAN VNI 100 (pods net1 in one stretched /24)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('second-overlay'));
  });

  it('two nodes with their own addresses, pod blocks and VTEP MACs: the bridged segment’s pod MACs are no VTEP', () => {
    for (const p of a.points) expect([p.id, p.node]).toEqual([p.id, fileNode(p.id)]);
    const nodes = [...a.model.nodes].sort((x, y) => x.id.localeCompare(y.id));
    expect(nodes.map((n) => [n.id, n.underlayIps, n.podCidr, n.vtepMac])).toEqual([
      ['node1', ['192.168.100.11'], '10.244.1.0/24', 'aa:bb:cc:00:00:01'],
      ['node2', ['192.168.100.12'], '10.244.2.0/24', 'aa:bb:cc:00:00:02'],
    ]);
  });

  it('the second network’s bridge has no gateway of its own in the captures: the pods’ gateway stays on cni0 only', () => {
    const gw = a.model.bridges.map((b) => [b.id, b.gatewayIp, b.gatewayMac]);
    expect(gw).toEqual([
      ['node1/br-net1', null, null],
      ['node1/cni0', '10.244.1.1', '0a:58:0a:f4:01:01'],
      ['node2/br-net1', null, null],
      ['node2/cni0', '10.244.2.1', '0a:58:0a:f4:02:01'],
    ]);
    expect(a.model.bridges.find((b) => b.id === 'node1/br-net1')!.unknown?.gatewayMac).toMatch(/is on another of its bridges/);
  });

  it('two tunnels between the same two nodes, VNI 1 and VNI 100', () => {
    expect(a.model.tunnels.map((t) => [t.nodes, t.vni]).sort((x, y) => Number(x[1]) - Number(y[1]))).toEqual([
      [['node1', 'node2'], 1],
      [['node1', 'node2'], 100],
    ]);
  });

  it('the pods’ answers across the bridged segment (TTL 64 end to end) are theirs: nothing rejected, forged or dropped', () => {
    expect(problems(a)).toEqual([]);
  });

  it('the SQL path finder agrees row by row and drops nothing either', () =>
    agreeOn(set('second-overlay'), async (db) => {
      const n = await queryRows(db, `SELECT COUNT(*) AS n FROM sql_verdicts WHERE status = 'dropped'`);
      expect(Number(n.rows[0].n)).toBe(0);
    }));
});

describe('two-clusters: the NIC captures of two separate clusters (same pod blocks, pod and VTEP MACs) opened as one set', () => {
  const files = set('two-clusters');
  const p = files.filter((f) => /\/worker-/.test(f));
  const r = files.filter((f) => /\/k8s-node-/.test(f));
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });
  const warning = (x: Analysis) => x.findings.filter((f) => /clusters opened together/.test(f.message));

  it('says the set looks like two clusters, with the underlay groups and the VTEP MACs both send', () => {
    const w = warning(a);
    expect(w.map((f) => [f.code, f.severity])).toEqual([['attribution', 'warning']]);
    expect(w[0].message).toMatch(
      /^the set looks like 2 clusters opened together: the node addresses \{192\.168\.60\.11, 192\.168\.60\.12, 192\.168\.60\.13\} and \{192\.168\.70\.11, 192\.168\.70\.12, 192\.168\.70\.13\} never exchange a tunnel packet, yet the VTEP MAC aa:bb:cc:00:00:01 is sent from 192\.168\.60\.11 and 192\.168\.70\.11;/,
    );
    expect(w[0].packets.length).toBeGreaterThan(0);
  });

  it('no node takes an address of the other cluster, and no tunnel joins the two underlays', () => {
    for (const n of a.model.nodes) {
      const nets = new Set(n.underlayIps.map((ip) => ip.split('.').slice(0, 3).join('.')));
      expect([n.id, nets.size]).toEqual([n.id, 1]);
    }
    expect(a.model.nodes.find((n) => n.id === 'worker-3')?.underlayIps).toEqual(['192.168.60.13']);
    const ipsOf = new Map(a.model.nodes.map((n) => [n.id, n.underlayIps[0]?.split('.')[2]]));
    for (const t of a.model.tunnels) expect([t.id, ipsOf.get(t.nodes[0])]).toEqual([t.id, ipsOf.get(t.nodes[1])]);
  });

  it('each cluster alone: no such warning', async () => {
    expect(warning(await loadCaptureSet(p))).toEqual([]);
    expect(warning(await loadCaptureSet(r))).toEqual([]);
  });
});
