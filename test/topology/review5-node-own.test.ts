// A node's own addresses on its pod network (fixtures/captures/review5, see the README.md in each
// folder): the bridge's address, from which the node's host talks to its own pods (kubelet's
// probes), and the tunnel device's, from which it talks to pods on other nodes. Neither is a pod:
// the pod behind a veth the node probes is the other address on it, the bridge's gateway is the
// host's address, the node's own packets from either address are not forged in a pod's name, and
// the answers to them are delivered where they enter the node (the tunnel device from another
// node, the bridge from one of its pods). The dataset's SQL path finder judges them the same way.
// And a TCP reset a node's policy forges in a pod's name does not make the pod's address the
// node's tunnel device's, nor, forged on the client's node from the gateway's MAC, a pod of that node.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../main/dataset/duck';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { agreeOn } from '../dataset/compare';
import { allJourneys } from './lab';

const REVIEW5 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review5');
const set = (name: string): string[] =>
  readdirSync(join(REVIEW5, name))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(REVIEW5, name, f));

/** Every journey of the flows between two addresses (either way), with its first sighting's source and destination. */
function between(a: Analysis, x: string, y: string): Journey[] {
  return allJourneys(a).filter(({ hops: [{ headers: h }] }) => (h.src === x && h.dst === y) || (h.src === y && h.dst === x));
}

describe('kubelet-style probes: a node host talking to its own pod from the bridge, to a remote pod from its tunnel device (node-probe)', () => {
  const files = set('node-probe');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('the bridge’s gateway is the host’s address, and the pod behind the veth is the pod, not the host', () => {
    const b = a.model.bridges.find((x) => x.id === 'probe-1/cni0')!;
    expect([b.gatewayIp, b.gatewayMac]).toEqual(['10.244.1.1', '0a:58:0a:f4:01:01']);
    expect(a.model.pods.map((p) => [p.ip, p.mac, p.node, p.veth])).toEqual([
      ['10.244.1.11', '0a:58:0a:f4:01:11', 'probe-1', 'probe-1/vethpr000001'],
      ['10.244.2.11', '0a:58:0a:f4:02:11', 'probe-2', 'probe-2/vethpr000002'],
    ]);
    expect(a.model.nodes.find((n) => n.id === 'probe-1')!.vtepIp).toBe('10.244.1.0');
  });

  it('every probe and answer is delivered where it enters its receiver, and nothing is called forged or dropped', () => {
    expect(a.findings.filter((f) => f.severity === 'problem')).toEqual([]);
    const local = between(a, '10.244.1.1', '10.244.1.11');
    const remote = between(a, '10.244.1.0', '10.244.2.11');
    expect(local.length).toBeGreaterThan(10);
    expect(remote.length).toBeGreaterThan(10);
    for (const j of [...local, ...remote]) expect([j.id, j.status]).toEqual([j.id, 'delivered']);
    // The host receives its answers at the bridge from its pod, at the tunnel device from the remote pod.
    const toHost = (js: Journey[], host: string) =>
      js.filter((j) => j.hops[0].headers.dst === host && j.verdict?.code === 'reached-destination');
    expect(new Set(toHost(local, '10.244.1.1').map((j) => j.lastSeen.point))).toEqual(new Set(['probe-1-cni0.pcap']));
    expect(new Set(toHost(remote, '10.244.1.0').map((j) => j.lastSeen.point))).toEqual(new Set(['probe-1-flannel.1.pcap']));
    for (const j of [...local, ...remote]) expect(j.gaps.filter((g) => /for pod 10\.244\.1\.[01] /.test(g.reason))).toEqual([]);
  });

  it('the SQL path finder agrees row by row: no answer rejected, no packet missing', () =>
    agreeOn(files, async (db) => {
      const r = await queryRows(db, `SELECT verdict, COUNT(*) AS n FROM sql_verdicts WHERE status = 'dropped' GROUP BY verdict`);
      expect(r.rows).toEqual([]);
    }));
});

describe('a node host’s ping from its tunnel device’s address, and a reset a policy forges in a pod’s name (policy-forged)', () => {
  const files = set('policy-forged');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('each node’s tunnel device address is its own, not the pod whose name the forged reset took', () => {
    expect(a.model.nodes.map((n) => [n.id, n.vtepIp])).toEqual([
      ['worker-1', '10.244.1.0'],
      ['worker-2', '10.244.2.0'],
      ['worker-3', null],
    ]);
  });

  it('the echo replies to worker-1’s tunnel device address are delivered there; the forged reset is still a rejection', () => {
    const pings = between(a, '10.244.1.0', '10.244.2.11');
    expect(pings.length).toBe(4);
    for (const j of pings) expect(j.status).toBe('delivered');
    const replies = pings.filter((j) => j.hops[0].headers.dst === '10.244.1.0');
    expect(replies.map((j) => [j.verdict?.code, j.lastSeen.point])).toEqual([
      ['reached-destination', 'worker-1-flannel.1.pcap'],
      ['reached-destination', 'worker-1-flannel.1.pcap'],
    ]);
    expect(a.findings.filter((f) => /10\.244\.1\.0/.test(f.message))).toEqual([]);
    expect(a.findings.filter((f) => /rejected at worker-2: the TCP reset from 10\.244\.2\.11/.test(f.message)).length).toBe(1);
  });

  it('the SQL path finder agrees row by row', () =>
    agreeOn(files, async (db) => {
      const r = await queryRows(db, `SELECT COUNT(*) AS n FROM sql_verdicts WHERE verdict = 'rejected'`);
      expect(Number(r.rows[0].n)).toBe(1);
    }));
});

describe('an egress policy on the client’s node: nothing leaves it (egress-reject)', () => {
  const files = set('egress-reject');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('the gateway is the MAC that sent the ICMP error only a router sends, named by its ARP; unknown where nothing shows it', () => {
    expect(a.model.bridges.map((b) => [b.id, b.gatewayIp, b.gatewayMac])).toEqual([
      ['worker-a/cni0', '10.244.1.1', '0a:58:0a:f4:01:01'],
      ['worker-b/cni0', null, null],
    ]);
  });

  it('the reset the client’s node forged from its gateway’s MAC makes no pod of that node', () => {
    expect(a.model.pods.map((p) => [p.ip, p.mac, p.node])).toEqual([
      ['10.244.1.11', '0a:58:0a:f4:01:11', 'worker-a'],
      ['10.244.1.12', '0a:58:0a:f4:01:12', 'worker-a'],
    ]);
  });

  it('the SQL path finder agrees row by row', () => agreeOn(files));
});
