// Dual-stack pods over an IPv4 VXLAN device whose NIC captures were cut at 96 bytes
// (fixtures/captures/review7/dualstack-snap96, see its README.md): each pod's veth carries its IPv6
// address as well as its IPv4 one, and a tunnelled frame whose inner IPv6 header the snap length cut
// is captured but not identifiable: never "missed". The dataset's SQL path finder judges every
// journey the same way. And a date-time between node and interface in a file name
// (fixtures/captures/review7/stamp-names) is no part of the node's name.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { agreeOn } from '../dataset/compare';

const REVIEW7 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review7');
const set = (name: string): string[] =>
  readdirSync(join(REVIEW7, name))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(REVIEW7, name, f));
const DUALSTACK = set('dualstack-snap96');

const A6 = 'fd00:10:244:3::15';
const B6 = 'fd00:10:244:4::25';

function journeys(a: Analysis, port: number): Journey[] {
  const out: Journey[] = [];
  for (let k = 0; k < a.journeys.count; k++) {
    const j = a.journeys.get(k);
    const h = j.hops[0].headers;
    const ends = [h.src, h.dst].sort().join(' ');
    if (ends === [A6, B6].sort().join(' ') && (h.srcPort === port || h.dstPort === port)) out.push(j);
  }
  return out;
}

describe('dual-stack pods, NIC captures cut at 96 bytes', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(DUALSTACK);
  });

  it("ties a pod's IPv6 address to its veth: every packet of the IPv6 connection is delivered, no veth is said to be uncaptured", () => {
    const js = journeys(a, 8080);
    expect(js.length).toBe(10);
    for (const j of js) {
      expect(j.status).toBe('delivered');
      expect(j.gaps.map((g) => g.reason).filter((r) => /no capture of the veth/.test(r))).toEqual([]);
    }
  });

  it('a frame the snap length cut before its inner IPv6 header is not missed: no path gap, and the SYNs dropped on node4 are placed there', () => {
    expect(a.findings.filter((f) => f.code === 'path-gap')).toEqual([]);
    const syns = journeys(a, 9090);
    expect(syns.length).toBe(3);
    for (const j of syns) {
      expect(j.status).toBe('dropped');
      expect([j.lastSeen.node, j.lastSeen.interface]).toEqual(['node4', 'flannel.1']);
      const eth0 = j.gaps.filter((g) => g.kind === 'underlay');
      expect(eth0.map((g) => g.node).sort()).toEqual(['node3', 'node4']);
      for (const g of eth0) {
        expect(g.point).toBeNull();
        expect(g.reason).toMatch(
          /_eth0_2026-12-01\.pcap holds tunnelled frames .* cut before the inner IP header: not known whether one was this packet/,
        );
      }
    }
    const drop = a.findings.filter((f) => f.code === 'dropped');
    expect(drop.map((f) => f.message)).toEqual([
      `tcp [${A6}]:58836 > [${B6}]:9090 [SYN] (3 packets): last seen at node4_flannel.1_2026-12-01.pcap, never reached node4_cni0_2026-12-01.pcap`,
    ]);
  });

  it('the SQL path finder agrees journey by journey', async () => {
    await agreeOn(DUALSTACK);
  }, 60_000);
});

describe('a date-time between node and interface in a file name', () => {
  it("is no part of the node's name", async () => {
    const a = await loadCaptureSet(set('stamp-names'));
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual(['wk-01', 'wk-02']);
    expect(a.points.map((p) => p.interface).sort()).toEqual([
      'cni0',
      'cni0',
      'eth0',
      'eth0',
      'flannel.1',
      'flannel.1',
      'veth01a1b2c3',
      'veth02d4e5f6',
    ]);
  });
});

describe('a capture file with no packet after a journey (fixtures/captures/review7/late-stop)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('late-stop'));
  });

  const answers = (): Journey[] => {
    const out: Journey[] = [];
    for (let k = 0; k < a.journeys.count; k++) {
      const j = a.journeys.get(k);
      const h = j.hops[0].headers;
      if (h.src === '10.42.7.31' && h.srcPort === 8080 && h.length === 1450) out.push(j);
    }
    return out;
  };

  it("says whether it was still capturing is not known, from its node's last packet, instead of 'does not cover this time'", () => {
    const late = answers().filter((j) => j.status === 'unknown');
    expect(late.length).toBe(2);
    for (const j of late) {
      expect(j.verdict?.code).toBe('undetermined');
      const onWorker03 = j.gaps.filter((g) => g.node === 'worker03.dc1.example.com');
      expect(onWorker03.length).toBe(4);
      for (const g of onWorker03)
        expect(g.reason).toMatch(
          /^not known whether worker03\.dc1\.example\.com_\S+\.pcap was still capturing: a capture file gives no stop time, and worker03\.dc1\.example\.com's captures show it capturing only until \d+\.\d{3} (ms|s) before this$/,
        );
    }
  });

  it("takes a capture as running while its node's other captures have packets", () => {
    const dropped = answers().filter((j) => j.status === 'dropped');
    expect(dropped.length).toBeGreaterThanOrEqual(2);
    for (const j of dropped) {
      expect([j.lastSeen.node, j.lastSeen.interface]).toEqual(['worker07.dc2.example.com', 'eth0']);
      expect(j.gaps.map((g) => g.point)).toContain('worker03.dc1.example.com_flannel.1_2026-12-08.pcap');
    }
  });

  it('the SQL path finder agrees journey by journey', async () => {
    await agreeOn(set('late-stop'));
  }, 60_000);
});
