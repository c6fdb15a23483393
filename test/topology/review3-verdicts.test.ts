// Verdicts on kernel-made clusters (fixtures/captures/review3, see fixtures/README.md): a SYN a node
// rejects with a TCP reset it makes itself on the destination's behalf, the same policy with an
// ICMP error, and packets dropped on the destination node of a routed (host-gw) cluster, where no
// tunnel or pod CIDR ties a pod address to its node and the pod is placed by its own traffic. The
// dataset's SQL path finder (main/dataset/verdict.sql) judges them the same way.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../main/dataset/duck';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { agreeOn } from '../dataset/compare';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review3');
const set = (name: string): string[] => readdirSync(join(DIR, name)).map((f) => join(DIR, name, f));

/** Journeys whose first sighting matches (source, destination, and a test on the info text). */
function journeys(a: Analysis, src: string, dst: string, info: RegExp = /./): Journey[] {
  const out: Journey[] = [];
  for (let k = 0; k < a.journeys.count; k++) {
    const j = a.journeys.get(k);
    const h = j.hops[0].headers;
    if (h.src === src && h.dst === dst && info.test(`${h.dstPort ?? ''} ${h.info}`)) out.push(j);
  }
  return out;
}

const W2 = 'k8s-worker-02';
const W2_CNI0 = 'node_k8s-worker-02_cni0_2026-12-07T10-00-00.pcap';
const POD_CAP = 'ksniff-backend-5c6d7-abcde-default.pcap';

describe('a SYN rejected on the destination node with a TCP reset the node makes in the pod’s name (reset/)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('reset'));
  });

  it('is rejected at k8s-worker-02 flannel0, not delivered: the reset is the node’s (TTL 64 on its tunnel device) and the pod’s captures never saw the SYN', () => {
    const [j, ...more] = journeys(a, '10.244.1.2', '10.244.2.2', /^6380 \[SYN\]/);
    expect(more).toEqual([]);
    expect(j.status).toBe('dropped');
    expect(j.verdict?.code).toBe('rejected');
    expect([j.lastSeen.node, j.lastSeen.interface, j.lastSeen.kind]).toEqual([W2, 'flannel0', 'tun']);
    const reason = j.verdict!.reason;
    expect(reason).toMatch(/^rejected at k8s-worker-02: /);
    expect(reason).toMatch(/node_k8s-worker-02_flannel0_2026-12-07T10-00-00\.pcap#33/);
    expect(reason).toMatch(/with the initial TTL 64/);
    expect(reason).toMatch(/made by k8s-worker-02, not by 10\.244\.2\.2/);
    expect(reason).toContain(`${POD_CAP}, ${W2_CNI0} were capturing and never saw it`);
    expect(reason).toContain(`not seen on ${W2_CNI0} although it was capturing`);
    expect(j.verdict?.answeredBy).toEqual({ capture: 'node_k8s-worker-02_flannel0_2026-12-07T10-00-00.pcap', index: 32 });
  });

  it('is a drop finding at k8s-worker-02, and neither the bridge nor the pod’s capture is said to have missed packets', () => {
    const drops = a.findings.filter((f) => f.code === 'dropped' && /:6380/.test(f.message));
    expect(drops.map((f) => [f.node, f.message])).toEqual([
      [W2, expect.stringMatching(/last seen at node_k8s-worker-02_flannel0_2026-12-07T10-00-00\.pcap; rejected at k8s-worker-02/)],
    ]);
    const gaps = a.findings.filter((f) => f.code === 'path-gap').map((f) => f.message);
    expect(gaps.filter((m) => m.includes(W2_CNI0) || m.includes(POD_CAP))).toEqual([]);
  });

  it('the reset itself starts on the node: no capture before its tunnel device is expected to have seen it', () => {
    const [rst] = journeys(a, '10.244.2.2', '10.244.1.2', /^57612 \[ACK,RST\]/);
    expect(rst.hops[0].point).toBe('node_k8s-worker-02_flannel0_2026-12-07T10-00-00.pcap');
    expect(rst.gaps.filter((g) => g.point === W2_CNI0 || g.point === POD_CAP)).toEqual([]);
  });

  it('the same client’s connection to port 6379, which no policy stops, is answered by the pod itself', () => {
    const [j] = journeys(a, '10.244.1.2', '10.244.2.2', /^6379 \[SYN\]/);
    expect(j.status).toBe('delivered');
    expect(j.verdict?.code).toBe('reached-destination');
  });

  it('the SYN the source node rejects (its reset not captured) stays a drop at ip-10-0-3-17 cni0', () => {
    const [j] = journeys(a, '10.244.1.3', '10.244.2.2', /^6379 \[SYN\]/);
    expect(j.status).toBe('dropped');
    expect(j.verdict?.code).toBe('missing');
    expect(j.lastSeen.point).toBe('ip-10-0-3-17.eu-west-1.compute.internal-cni0.pcap');
  });
});

describe('the same policy on a host-gw node, where the reset leaves the NIC unencapsulated (hostgw-reset/, fixtures/lab/hostgw-reset.sh)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hostgw-reset'));
  });

  it("is rejected at hg-node1's eth0: the reset has TTL 64 there and the node's bridge and the pod's own capture, both running, never saw it", () => {
    const [j, ...more] = journeys(a, '10.244.0.2', '10.244.1.2', /^6380 \[SYN\]/);
    expect(more).toEqual([]);
    expect(j.status).toBe('dropped');
    expect(j.verdict?.code).toBe('rejected');
    expect(j.lastSeen.point).toBe('hg-node1-eth0.pcap');
    expect(j.verdict?.reason).toMatch(
      /^rejected at hg-node1: the TCP reset from 10\.244\.1\.2 \(hg-node1-eth0\.pcap#\d+\) was made by hg-node1, not by 10\.244\.1\.2/,
    );
    expect(j.verdict?.reason).toContain("on hg-node1's eth0 with the initial TTL 64");
    expect(j.verdict?.reason).toContain('redis-0-eth0.pcap, hg-node1-cni0.pcap were capturing and never saw it');
    const gaps = a.findings.filter((f) => f.code === 'path-gap').map((f) => f.message);
    expect(gaps.filter((m) => /hg-node1-cni0|redis-0-eth0/.test(m))).toEqual([]);
  });

  it('the open port 6379 is delivered to the pod, whose SYN-ACK leaves the NIC with TTL 63', () => {
    const [j] = journeys(a, '10.244.0.2', '10.244.1.2', /^6379 \[SYN\]/);
    expect(j.status).toBe('delivered');
    const [synAck] = journeys(a, '10.244.1.2', '10.244.0.2', /\[SYN,ACK\]/);
    expect(synAck.hops.find((h) => h.point === 'hg-node1-eth0.pcap')?.headers.ttl).toBe(63);
  });
});

describe('the same policy rejecting with ICMP port unreachable (reject-icmp/)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('reject-icmp'));
  });

  it('is the ICMP error from k8s-worker-02’s flannel0 address, last seen at its flannel0', () => {
    const [j] = journeys(a, '10.244.1.2', '10.244.2.2', /^6381 \[SYN\]/);
    expect(j.status).toBe('dropped');
    expect(j.verdict?.code).toBe('icmp-error');
    expect(j.verdict?.reason).toMatch(/^10\.244\.2\.0 answered ICMP port unreachable/);
    expect([j.lastSeen.node, j.lastSeen.interface]).toEqual([W2, 'flannel0']);
  });

  it('the ClusterIP with no endpoints is rejected by the source node’s cni0 gateway', () => {
    const [j] = journeys(a, '10.244.1.2', '10.96.0.50', /^80 \[SYN\]/);
    expect(j.status).toBe('dropped');
    expect(j.verdict?.reason).toMatch(/^10\.244\.1\.1 answered ICMP port unreachable/);
  });
});

const N1 = 'aks-nodepool1-12345678-vmss000001';
const N1_CNI0 = `${N1}-cni0.pcap`;
const N1_ETH0 = `${N1}-eth0.pcap`;

for (const name of ['hostgw', 'hostgw-nodes']) {
  describe(`host-gw: pings dropped in ${N1}'s FORWARD chain (${name}/)`, () => {
    let a: Analysis;
    beforeAll(async () => {
      a = await loadCaptureSet(set(name));
    });

    it('the pod 10.244.1.2 is placed on its node by its own traffic on the bridge', () => {
      expect(a.model.pods.find((p) => p.ip === '10.244.1.2')?.node).toBe(N1);
    });

    it(`10.244.2.2's echo requests are dropped, last seen at ${N1} eth0, not seen on its running cni0 capture`, () => {
      const js = journeys(a, '10.244.2.2', '10.244.1.2', /echo-request/);
      expect(js.length).toBe(3);
      for (const j of js) {
        expect(j.status).toBe('dropped');
        expect(j.verdict?.code).toBe('missing');
        expect(j.lastSeen.point).toBe(N1_ETH0);
        expect(j.verdict?.reason).toBe(`last seen at ${N1_ETH0}; not seen on ${N1_CNI0} although it was capturing`);
        expect(j.gaps.map((g) => [g.afterHop, g.point])).toContainEqual([j.hops.length - 1, N1_CNI0]);
      }
    });

    it('the echo replies to 10.244.1.2 (id 30047) are dropped at the same place', () => {
      const js = journeys(a, '10.244.2.2', '10.244.1.2', /echo-reply id=30047/);
      expect(js.length).toBe(2);
      for (const j of js) {
        expect(j.status).toBe('dropped');
        expect(j.lastSeen.point).toBe(N1_ETH0);
      }
    });

    it('the findings report the drops, and no verdict says a listed pod is outside the cluster', () => {
      const drops = a.findings.filter(
        (f) => f.code === 'dropped' && /10\.244\.2\.2 → 10\.244\.1\.2|10\.244\.2\.2 > 10\.244\.1\.2/.test(f.message),
      );
      expect(drops.length).toBeGreaterThan(0);
      for (const f of drops) expect(f.message).toContain(`last seen at ${N1_ETH0}, never reached ${N1_CNI0}`);
      const pods = new Set(a.model.pods.map((p) => p.ip));
      for (let k = 0; k < a.journeys.count; k++) {
        const m = /^(\S+) is not an address of the cluster/.exec(a.journeys.get(k).verdict?.reason ?? '');
        if (m) expect(pods.has(m[1])).toBe(false);
      }
    });

    it('what crossed to the same node and was answered stays delivered', () => {
      const js = journeys(a, '10.244.0.2', '10.244.1.2', /echo-request/);
      expect(js.length).toBe(3);
      for (const j of js) expect(j.status).toBe('delivered');
    });
  });
}

describe('the SQL path finder of an exported dataset judges these sets as the in-process one does', () => {
  const want: Record<string, string[]> = {
    reset: ['rejected'],
    'hostgw-reset': ['rejected'],
    'reject-icmp': ['icmp-error'],
    hostgw: ['missing'],
    'hostgw-nodes': ['missing'],
  };
  for (const [name, verdicts] of Object.entries(want)) {
    it(name, () =>
      agreeOn(set(name), async (db) => {
        for (const v of verdicts) {
          const n = await queryRows(db, `SELECT COUNT(*) AS n FROM sql_verdicts WHERE verdict = '${v}' AND status = 'dropped'`);
          expect(Number(n.rows[0].n), `SQL journeys judged ${v}`).toBeGreaterThan(0);
        }
      }),
    );
  }
});
