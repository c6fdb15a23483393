// A bridged (L2) overlay beside the pods' own network, and connections a node SNATs
// (fixtures/captures/review5/second-overlay, fixtures/captures/review6/snat-flows and any-bridge;
// see the README.md of each folder). The overlay's pods sit behind veths whose frames are the
// overlay hosts' own, not a LAN of the node's NIC; a connection rewritten on its client's node is
// one flow with its NAT.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../main/dataset/duck';
import { flowsMatching, loadCaptureSet, parseFlowSpec, type Analysis } from '../../main/topology';
import { formatTopology } from '../../main/topology/text';
import { agreeOn } from '../dataset/compare';
import { allJourneys } from './lab';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures');
const set = (dir: string): string[] =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f !== 'README.md')
    .map((f) => join(FIXTURES, dir, f));

describe('second-overlay: pods’ second interfaces on a bridged VXLAN overlay (br-net1 + vxlan100, veths net1h1 / net1h2)', () => {
  const files = set('review5/second-overlay');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });
  const point = (id: string) => a.points.find((p) => p.id === id)!;
  const overlay = (x: Analysis) =>
    allJourneys(x).filter((j) => j.hops[0].headers.src.startsWith('10.100.0.') && j.hops[0].headers.dst.startsWith('10.100.0.'));

  it('the overlay pods are pods of their nodes, behind the veths their frames start and end on', () => {
    const pods = a.model.pods.filter((p) => p.ip.startsWith('10.100.0.')).map((p) => [p.ip, p.mac, p.node, p.veth]);
    expect(pods).toEqual([
      ['10.100.0.11', '0e:00:00:00:0a:11', 'node1', 'node1/net1h1'],
      ['10.100.0.21', '0e:00:00:00:0a:21', 'node2', 'node2/net1h2'],
    ]);
  });

  it('without the VXLAN devices’ captures the tunnel still tells which node encapsulates each overlay host', async () => {
    const b = await loadCaptureSet(files.filter((f) => !f.includes('vxlan100')));
    const pods = b.model.pods.filter((p) => p.ip.startsWith('10.100.0.')).map((p) => [p.ip, p.node, p.veth]);
    expect(pods).toEqual([
      ['10.100.0.11', 'node1', 'node1/net1h1'],
      ['10.100.0.21', 'node2', 'node2/net1h2'],
    ]);
    for (const j of overlay(b)) expect([j.id, j.status], j.verdict?.reason).toEqual([j.id, 'delivered']);
  });

  it('every packet of the overlay’s TCP connection and pings is delivered to its pod', () => {
    const js = overlay(a);
    expect(js.length).toBe(12);
    for (const j of js) {
      expect([j.id, j.status], j.verdict?.reason).toEqual([j.id, 'delivered']);
      expect(j.verdict?.reason, `journey ${j.id}`).not.toMatch(/not an address of the cluster/);
    }
  });

  it('net1h1 and net1h2 are the interfaces the file names give after the node, veths; the bridge and VXLAN device keep their kinds', () => {
    expect(
      ['node1-net1h1.pcap', 'node2-net1h2.pcap'].map((id) => [point(id).interface, point(id).kind, point(id).unknown ?? null]),
    ).toEqual([
      ['net1h1', 'veth', null],
      ['net1h2', 'veth', null],
    ]);
    for (const id of ['node1-br-net1.pcap', 'node2-br-net1.pcap']) expect([id, point(id).kind]).toEqual([id, 'bridge']);
    for (const id of ['node1-vxlan100.pcap', 'node2-vxlan100.pcap']) expect([id, point(id).kind]).toEqual([id, 'vtep']);
    expect(a.findings.filter((f) => f.code === 'attribution').map((f) => f.message)).toEqual([]);
  });

  it('the SQL path finder agrees row by row and delivers every packet that crossed net1h1 or net1h2 too', () =>
    agreeOn(files, async (db) => {
      const r = await queryRows(
        db,
        `SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE status <> 'delivered') AS bad FROM sql_verdicts
         WHERE jkey IN (SELECT jkey FROM sql_hops WHERE capture LIKE '%net1h%' AND inner_src LIKE '10.100.0.%')`,
      );
      expect([Number(r.rows[0].n), Number(r.rows[0].bad)]).toEqual([12, 0]);
    }));
});

describe('snat-flows: connections SNATed on their client’s node are one flow each, with the NAT shown', () => {
  it('a pod’s connections masqueraded to its node’s address (per-interface captures)', async () => {
    const a = await loadCaptureSet(set('review6/snat-flows'));
    const tcp = a.flows
      .filter((f) => f.protocol === 'tcp' && /^10\.244\.1\.|^192\.168\.90\.11$/.test(f.a.ip))
      .map((f) => [f.id, f.aToB.packets, f.bToA.packets, f.natPeers]);
    expect(tcp).toEqual([
      ['tcp 10.244.1.11:40556 > 192.168.90.12:10250', 5, 4, ['tcp 192.168.90.11:40556 > 192.168.90.12:10250']],
      ['tcp 10.244.1.11:38140 > 192.168.90.99:5432', 5, 3, ['tcp 192.168.90.11:38140 > 192.168.90.99:5432']],
    ]);
    // The tuple after the rewrite still names the connection, and its journeys are all of it.
    const [f] = flowsMatching(a.flows, parseFlowSpec('192.168.90.11:40556 -> 192.168.90.12:10250 tcp'));
    expect(f.id).toBe('tcp 10.244.1.11:40556 > 192.168.90.12:10250');
    expect(a.journeysForFlow(f.id).length).toBe(9);
    const text = formatTopology(a);
    expect(text).toContain('  tcp 10.244.1.11:40556 > 192.168.90.12:10250 ');
    expect(text).not.toMatch(/\n {2}tcp 192\.168\.90\.11:40556 > /);
  });

  it('the same through `-i any` captures: the pod’s connections to a hostNetwork server on the other node', async () => {
    const a = await loadCaptureSet(set('review6/any-bridge'));
    const snat = a.flows.filter((f) => f.b.port === 9100 && f.natPeers.length > 0);
    expect(snat.map((f) => [f.id, f.aToB.packets + f.bToA.packets, f.natPeers])).toEqual([
      ['tcp 10.244.2.11:45290 > 10.0.0.5:9100', 9, ['tcp 10.0.0.6:45290 > 10.0.0.5:9100']],
      ['tcp 10.244.2.11:45304 > 10.0.0.5:9100', 9, ['tcp 10.0.0.6:45304 > 10.0.0.5:9100']],
    ]);
    expect(a.flows.filter((f) => f.a.ip === '10.0.0.6')).toEqual([]);
  });
});
