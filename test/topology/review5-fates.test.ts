// Where a packet's way ends when the captures show it only in part (fixtures/captures/review5/*/README.md
// says what each set holds and the truth checked here).
// vni-mismatch: a capture file with no packet, named after a node and an interface, is a capture that
// ran and saw nothing: the tunnel packets that reached node-b's NIC and never its (empty) tunnel
// device capture are dropped there, with what is unknown about that capture's time said.
// egress-reject: a TCP reset the client's own node makes in a remote address's name (from its own MAC
// on its pod side, with the initial TTL, seen nowhere beyond that node's pod side) is no answer of the
// remote address: the packet was rejected there. A packet to an address no capture places is
// undetermined, saying where the address is unknown and which of its node's outward captures ran.
// The SQL path finder judges them alike.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../main/dataset/duck';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { agreeOn } from '../dataset/compare';
import { allJourneys } from './lab';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures');
const set = (dir: string): string[] =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .map((f) => join(FIXTURES, dir, f));

function journeysOf(a: Analysis, src: string, dst: string, dport?: number): Journey[] {
  return allJourneys(a).filter(
    ({ hops: [{ headers: h }] }) => h.src === src && h.dst === dst && (dport === undefined || h.dstPort === dport),
  );
}

/** The SQL path finder's verdict of each journey from `src` to `dst` (by its first sighting), in journey order. */
const SQL_VERDICTS = (src: string, dst: string) => `
  SELECT j.id, v.status, v.verdict, v.missed_by, v.answer_capture || '#' || CAST(v.answer_idx + 1 AS VARCHAR) AS answer
  FROM journeys j JOIN hops h ON h.journey = j.id AND h.hop = 0
  JOIN sql_hops f ON f.capture = h.capture AND f.idx = h.idx
  JOIN sql_verdicts v ON v.jkey = f.jkey
  WHERE h.src = '${src}' AND h.dst = '${dst}' ORDER BY j.id`;

describe('tunnel packets a node never decapsulates, its tunnel device captured empty (vni-mismatch)', () => {
  const files = set('review5/vni-mismatch');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('each is dropped at node-b after its NIC: the empty capture of its tunnel device ran and did not see it', () => {
    const js = journeysOf(a, '10.244.1.11', '10.244.2.11');
    expect(js.length).toBe(5);
    for (const j of js) {
      expect([j.status, j.verdict?.code]).toEqual(['dropped', 'missing']);
      expect([j.lastSeen.node, j.lastSeen.interface]).toEqual(['node-b', 'eth0']);
      const g = j.gaps.find((x) => x.node === 'node-b' && x.kind === 'vtep')!;
      expect([g.point, g.afterHop]).toEqual(['node-b-flannel.1.pcap', j.hops.length - 1]);
      expect(j.verdict!.reason).toBe(
        "last seen at node-b-eth0.pcap; not seen on node-b-flannel.1.pcap, node-b's flannel.1 by the file's name, which holds no packet at all: " +
          'that capture ran (the file has its header) and saw nothing; when it ran is unknown, because a capture with no packet has no time stamp, ' +
          "so it is taken to run while node-b's other captures did",
      );
    }
    // node-c's empty tunnel device capture changes nothing where an ICMP error tells the fate.
    for (const j of journeysOf(a, '10.244.1.11', '10.244.3.11')) expect([j.status, j.verdict?.code]).toEqual(['dropped', 'icmp-error']);
  });

  it('the SQL path finder drops them at the same empty capture, row by row', () =>
    agreeOn(files, async (db) => {
      const { rows } = await queryRows(db, SQL_VERDICTS('10.244.1.11', '10.244.2.11'));
      expect(rows.map((r) => [r.status, r.verdict, r.missed_by])).toEqual(
        Array.from({ length: 5 }, () => ['dropped', 'missing', 'node-b-flannel.1.pcap']),
      );
    }));
});

describe('an egress policy on the client’s node answering for a remote address (egress-reject)', () => {
  const files = set('review5/egress-reject');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('the reset worker-a made from its own MAC with the initial TTL rejects the SYN there: no answer of 10.244.2.11', () => {
    const [syn] = journeysOf(a, '10.244.1.11', '10.244.2.11', 9091);
    expect([syn.status, syn.verdict?.code]).toEqual(['dropped', 'rejected']);
    expect(syn.verdict!.answeredBy).toEqual({ capture: 'worker-a-vethaa000001.pcap', index: 15 });
    expect(syn.verdict!.reason).toMatch(
      /^rejected at worker-a, the sender's own node: the TCP reset from 10\.244\.2\.11 \(worker-a-vethaa000001\.pcap#16\) was made by worker-a, not by 10\.244\.2\.11: it first appears on worker-a's vethaa000001 with the initial TTL 64, from worker-a's own MAC 0a:58:0a:f4:01:01 /,
    );
    expect(syn.verdict!.reason).toMatch(/; where 10\.244\.2\.11 is, the captures do not tell \(/);
  });

  it('the reset went straight out of the client’s port: the bridge capture lost nothing', () => {
    const [rst] = journeysOf(a, '10.244.2.11', '10.244.1.11');
    expect(rst.gaps).toEqual([]);
    expect(a.findings.filter((f) => f.code === 'path-gap')).toEqual([]);
  });

  it('the dropped SYNs to an address no capture places say so, and which outward captures of worker-a ran', () => {
    const f = a.findings.filter((x) => x.code === 'not-seen-leaving');
    expect(f.map((x) => [x.node, x.flow, x.severity])).toEqual([['worker-a', 'tcp 10.244.1.11:59202 > 10.244.2.11:9090', 'warning']]);
    expect(f[0].message).toMatch(
      /\(3 packets\): to 10\.244\.2\.11, an address no capture places on a node .*: worker-a dropped it, or sent it on where nothing was captured$/,
    );
    const js = journeysOf(a, '10.244.1.11', '10.244.2.11', 9090);
    expect(js.length).toBe(3);
    for (const j of js) {
      expect([j.status, j.verdict?.code]).toEqual(['unknown', 'undetermined']);
      expect(j.verdict!.reason).toMatch(
        /^where 10\.244\.2\.11 is, the captures do not tell \(.*\), so neither is the way it should have gone: last seen at worker-a-cni0\.pcap; /,
      );
      expect(j.verdict!.reason).toContain(
        "worker-a's captures beyond its pod side (worker-a-eth0.pcap, worker-a-flannel.1.pcap (no packet at all)) were capturing and never saw it",
      );
    }
  });

  it('the SQL path finder rejects the SYN on the same reset, row by row', () =>
    agreeOn(files, async (db) => {
      const { rows } = await queryRows(db, SQL_VERDICTS('10.244.1.11', '10.244.2.11'));
      expect(rows.map((r) => [r.status, r.verdict, r.answer])).toEqual([
        ['unknown', 'undetermined', null],
        ['unknown', 'undetermined', null],
        ['unknown', 'undetermined', null],
        ['dropped', 'rejected', 'worker-a-vethaa000001.pcap#16'],
        ['dropped', 'icmp-error', null],
      ]);
    }));

  it('a reset for a service address the node holds, its bridge not captured, is told the same way in SQL (review4 ipvs-ens5)', () =>
    agreeOn(
      set('review4/ipvs-ens5').filter((f) => !f.endsWith('-kube-bridge.pcap')),
      async (db) => {
        const { rows } = await queryRows(db, SQL_VERDICTS('10.42.1.5', '10.96.77.7'));
        expect(rows.map((r) => [r.status, r.verdict])).toContainEqual(['dropped', 'rejected']);
      },
    ));
});
