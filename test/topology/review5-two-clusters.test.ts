// Two clusters' captures opened as one set (fixtures/captures/review5/two-clusters, see its
// README.md): the same pod blocks, pod addresses and MACs, VTEP MACs and VNI, on two underlays that
// never exchange a packet. Each cluster is analysed on its own: what the set shows is what each
// cluster's files show alone, side by side.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { queryRows } from '../../main/dataset/duck';
import { buildClusterGraph } from '../../main/topology/graph';
import { agreeOn } from '../dataset/compare';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review5', 'two-clusters');
const files = readdirSync(DIR)
  .filter((f) => f !== 'README.md')
  .map((f) => join(DIR, f));
const clusterP = files.filter((f) => /\/worker-/.test(f));
const clusterR = files.filter((f) => /\/k8s-node-/.test(f));

/** What a journey came to, by its first packet: status, verdict, where last seen, its hops' packets. */
const fate = (a: Analysis, capture: string, index: number) => {
  const j = a.journeyForPacket(capture, index);
  return j && { status: j.status, verdict: j.verdict?.code, last: j.lastSeen.packet, hops: j.hops.map((h) => [h.node, h.packet]) };
};
const nodesOf = (a: Analysis) => a.model.nodes.map((n) => [n.id, n.underlayIps, n.podCidr, n.vtepMac]).sort();
const podsOf = (a: Analysis) => a.model.pods.map((p) => [p.ip, p.mac, p.node, p.veth]).sort();
const withoutSplit = (a: Analysis) => a.findings.filter((f) => !/clusters opened together/.test(f.message));

describe('two-clusters: each cluster of a mixed set analysed on its own', () => {
  let mixed: Analysis;
  let p: Analysis;
  let r: Analysis;
  beforeAll(async () => {
    [mixed, p, r] = await Promise.all([loadCaptureSet(files), loadCaptureSet(clusterP), loadCaptureSet(clusterR)]);
  });

  it('every named node keeps its own underlay address; the uncaptured 192.168.70.13 is a node of its own', () => {
    const ips = new Map(mixed.model.nodes.map((n) => [n.id, n.underlayIps]));
    expect(Object.fromEntries(ips)).toEqual({
      'worker-1': ['192.168.60.11'],
      'worker-2': ['192.168.60.12'],
      'worker-3': ['192.168.60.13'],
      'k8s-node-01': ['192.168.70.11'],
      'k8s-node-02': ['192.168.70.12'],
      'node-192.168.70.13': ['192.168.70.13'],
    });
  });

  it("10.244.1.11 is two pods, each behind its own node's veth, with ids that tell them apart", () => {
    const pods = mixed.model.pods.filter((x) => x.ip === '10.244.1.11');
    expect(pods.map((x) => [x.node, x.veth]).sort()).toEqual([
      ['k8s-node-01', 'k8s-node-01/veth11aa22bb'],
      ['worker-1', 'worker-1/veth1a2b3c4d'],
    ]);
    expect(new Set(mixed.model.pods.map((x) => x.id)).size).toBe(mixed.model.pods.length);
    for (const v of mixed.model.veths) expect(mixed.model.pods.find((x) => x.id === v.pod)?.node ?? null).toBe(v.pod ? v.node : null);
  });

  it('nodes, pods, tunnels, clocks and findings are those of each cluster alone', () => {
    expect(nodesOf(mixed)).toEqual([...nodesOf(p), ...nodesOf(r)].sort());
    expect(podsOf(mixed)).toEqual([...podsOf(p), ...podsOf(r)].sort());
    expect(mixed.model.tunnels.map((t) => t.id).sort()).toEqual([...p.model.tunnels, ...r.model.tunnels].map((t) => t.id).sort());
    // In the set's order: the files of k8s-node-01 come first, so their cluster is cluster 1.
    expect(mixed.clockOffsets).toEqual([...r.clockOffsets, ...p.clockOffsets]);
    expect(withoutSplit(mixed).map((f) => f.message)).toEqual([...r.findings, ...p.findings].map((f) => f.message));
  });

  it('every packet comes to what it comes to in its own cluster (the drops on worker-2 last seen on its flannel.1)', () => {
    let judged = 0;
    for (const alone of [p, r])
      for (const c of alone.captures)
        for (let i = 0; i < c.packetCount; i++) {
          const want = fate(alone, c.id, i);
          expect([c.id, i, fate(mixed, c.id, i)]).toEqual([c.id, i, want]);
          if (want) judged++;
        }
    expect(judged).toBeGreaterThan(100);
    const drops = mixed.findings.filter((f) => f.code === 'dropped').map((f) => f.message);
    expect(drops.length).toBe(3);
    for (const d of drops) expect(d).toMatch(/last seen at worker-2-flannel\.1\.pcap/);
  });

  it('journeys are numbered on across the clusters, and a flow both clusters hold is named with its cluster', () => {
    const ids = Array.from({ length: mixed.journeys.count }, (_, k) => mixed.journeys.get(k).id);
    expect(ids).toEqual(ids.map((_, k) => k));
    expect(mixed.journeys.count).toBe(p.journeys.count + r.journeys.count);
    const flowIds = mixed.flows.map((f) => f.id);
    expect(new Set(flowIds).size).toBe(flowIds.length);
    const both = p.flows.filter((f) => r.flows.some((x) => x.id === f.id)).map((f) => f.id);
    expect(both.length).toBeGreaterThan(0);
    for (const id of both) {
      expect(mixed.flow(id)).toBeUndefined();
      expect(mixed.flow(`${id} (cluster 1)`)?.perCapture.every((c) => c.point.startsWith('k8s-node-'))).toBe(true);
      expect(mixed.flow(`${id} (cluster 2)`)?.perCapture.every((c) => c.point.startsWith('worker-'))).toBe(true);
    }
    // What `follow` shows of a flow: its own cluster's journeys, with the mixed set's numbers.
    for (const f of mixed.flows) {
      const js = mixed.journeysForFlow(f.id);
      expect(js.map((j) => j.id)).toEqual(mixed.journeyIdsForFlow(f.id));
      for (const j of js) expect(j.flows).toContain(f.id);
    }
  });

  it('the warning says the set is two clusters and that each was analysed on its own', () => {
    const w = mixed.findings.filter((f) => /clusters opened together/.test(f.message));
    expect(w.map((f) => [f.code, f.severity])).toEqual([['attribution', 'warning']]);
    expect(w[0].message).toContain(
      "Each cluster's captures are analysed on their own (cluster 1: the captures of k8s-node-01, k8s-node-02; cluster 2: the captures of worker-1, worker-2, worker-3)",
    );
  });

  it("the graph (app and reports): one element per node, pod and service, the service wired to its own cluster's pod", () => {
    const g = buildClusterGraph(mixed);
    const ids = [...g.nodes.map((n) => n.id), ...g.edges.map((e) => e.id)];
    expect(new Set(ids).size).toBe(ids.length);
    const svc = g.edges.filter((e) => e.kind === 'service');
    expect(svc.map((e) => [e.source, mixed.model.pods.find((x) => `pod:${x.id}` === e.target)?.node])).toEqual([
      ['svc:tcp 10.96.0.50:80', 'worker-3'],
    ]);
  });

  it('the SQL path finder agrees row by row: each journey judged in its own cluster, one verdict each', () =>
    agreeOn(files, async (db) => {
      const v = await queryRows(
        db,
        `SELECT v.status, v.last_point FROM sql_verdicts v JOIN sql_journeys j ON j.jkey = v.jkey
         WHERE v.status = 'dropped' ORDER BY v.last_point`,
      );
      expect(v.rows.map((x) => x.last_point)).toEqual(Array(5).fill('worker-2-flannel.1.pcap'));
      const pods = await queryRows(db, `SELECT cluster, node FROM pods WHERE ip = '10.244.1.11' ORDER BY cluster`);
      expect(pods.rows.map((x) => [x.cluster, x.node])).toEqual([
        [1, 'k8s-node-01'],
        [2, 'worker-1'],
      ]);
    }));
});
