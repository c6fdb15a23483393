// Calico-style clusters made by the kernel in network namespaces (fixtures/captures/review7/calico-*,
// see their README.md): /26 blocks per node, IP-in-IP through tunl0 or VXLAN through vxlan.calico,
// and in the CrossSubnet sets a tunnel only between nodes of two subnets (through a router), pods
// routed natively between the two nodes of one subnet.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../main/dataset/duck';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { agreeOn } from '../dataset/compare';
import { allJourneys } from './lab';

const REVIEW7 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review7');
const set = (name: string) =>
  readdirSync(join(REVIEW7, name))
    .filter((f) => f.endsWith('.pcap'))
    .sort()
    .map((f) => join(REVIEW7, name, f));
const short = (id: string) => id.replace('.eu-west-1.compute.internal', '');
/** Each node's stated pod CIDR and the smallest block its unknown line names. */
const blocks = (a: Analysis) =>
  a.model.nodes.map((n) => [
    short(n.id),
    n.podCidr,
    /a block holding (?:them all|it) is (\S+) or wider/.exec(n.unknown?.podCidr ?? '')?.[1] ?? null,
  ]);

describe('Calico IP-in-IP, two nodes of one subnet (calico-ipip)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('calico-ipip'));
  });

  it('the /26 blocks are not stated: pod CIDR unknown, with the smallest block holding the pods seen', () => {
    expect(blocks(a)).toEqual([
      ['ip-172-31-4-17', null, '10.233.64.4/30'],
      ['ip-172-31-9-201', null, '10.233.64.70/32'],
    ]);
    for (const n of a.model.nodes) {
      expect(n.podCidrs).toEqual([]);
      expect(n.unknown?.podCidr).toContain('IP-in-IP, which carry addresses only');
    }
  });

  it('the drop on the receiving node is still placed between its tunl0 and the pod’s veth', () => {
    const f = a.findings.filter((x) => x.code === 'dropped');
    expect(f.map((x) => x.message)).toEqual([
      expect.stringMatching(/last seen at ip-172-31-9-201_tunl0_.*never reached ip-172-31-9-201_cali9e8d7c6b5a4_/),
    ]);
  });
});

describe('Calico IP-in-IP CrossSubnet: tunnel through a router only, native routing within a subnet (calico-crosssubnet)', () => {
  let a: Analysis;
  const files = set('calico-crosssubnet');
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('pod CIDRs unknown; the tunnel device address of ip-10-20-2-12 is named in the smallest block', () => {
    expect(blocks(a)).toEqual([
      ['ip-10-20-1-10', null, '192.168.45.70/32'],
      ['ip-10-20-1-11', null, '192.168.45.140/32'],
      ['ip-10-20-2-12', null, '192.168.101.0/29'],
    ]);
  });

  it('each node has its own NIC MAC only: the router’s MACs on the IP-in-IP packets it forwarded are no node’s', () => {
    expect(a.model.nodes.map((n) => [short(n.id), n.underlayMacs])).toEqual([
      ['ip-10-20-1-10', ['06:7a:0a:14:01:0a']],
      ['ip-10-20-1-11', ['06:7a:0a:14:01:0b']],
      ['ip-10-20-2-12', ['06:7a:0a:14:02:0c']],
    ]);
  });

  it('the natively routed flow is not expected on the tunl0s: delivered, no gap, no path-gap finding', () => {
    const native = allJourneys(a).filter((j) =>
      j.hops.some((h) => h.headers.src.startsWith('192.168.45.') && h.headers.dst.startsWith('192.168.45.')),
    );
    expect(native.length).toBeGreaterThan(0);
    for (const j of native) {
      expect(j.gaps, j.hops.map((h) => h.point).join(' ')).toEqual([]);
      expect(j.hops.some((h) => h.point.endsWith('tunl0.pcap'))).toBe(false);
    }
    expect(a.findings.filter((f) => f.code === 'path-gap')).toEqual([]);
  });

  it('the SQL path finder expects no tunnel between the two nodes of one subnet either, and agrees row by row', () =>
    agreeOn(files, async (db) => {
      const n = await queryRows(db, `SELECT COUNT(*) AS n FROM sql_verdicts WHERE status = 'dropped' OR missed_by IS NOT NULL`);
      expect(Number(n.rows[0].n)).toBe(0);
      // The tunnel device slots (3: the sender's, 6: the receiver's) of the same-subnet pods' journeys.
      const tunnelSlots = await queryRows(
        db,
        `SELECT COUNT(*) AS n FROM sql_expected e JOIN sql_path_ends p ON p.jkey = e.jkey
         WHERE e.slot IN (3, 6) AND p.f_src LIKE '192.168.45.%' AND p.l_dst LIKE '192.168.45.%'`,
      );
      expect(Number(tunnelSlots.rows[0].n)).toBe(0);
    }));
});

describe('Calico VXLAN CrossSubnet: vxlan.calico only through the router (calico-vxlan-crosssubnet)', () => {
  let a: Analysis;
  const files = set('calico-vxlan-crosssubnet');
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('pod CIDRs unknown (VNI 4096 on 4789: Calico’s blocks), not a /24 or the span of the pods seen', () => {
    expect(blocks(a)).toEqual([
      ['ip-10-20-1-10', null, '192.168.45.70/32'],
      ['ip-10-20-1-11', null, '192.168.45.140/32'],
      ['ip-10-20-2-12', null, '192.168.101.5/32'],
    ]);
  });

  it('no path-gap on the vxlan.calico captures of the same-subnet pair, and the SQL agrees', async () => {
    expect(a.findings.filter((f) => f.code === 'path-gap')).toEqual([]);
    expect(allJourneys(a).filter((j) => j.gaps.length > 0)).toEqual([]);
    await agreeOn(files, async (db) => {
      const n = await queryRows(db, `SELECT COUNT(*) AS n FROM sql_verdicts WHERE missed_by IS NOT NULL`);
      expect(Number(n.rows[0].n)).toBe(0);
      const tunnelSlots = await queryRows(
        db,
        `SELECT COUNT(*) AS n FROM sql_expected e JOIN sql_path_ends p ON p.jkey = e.jkey
         WHERE e.slot IN (3, 6) AND p.f_src LIKE '192.168.45.%' AND p.l_dst LIKE '192.168.45.%'`,
      );
      expect(Number(tunnelSlots.rows[0].n)).toBe(0);
    });
  });
});
