// A router on the underlay refusing a tunnel packet (fixtures/captures/review4/frag-needed, see
// fixtures/README.md): two nodes in different subnets, VXLAN between them, the router's link MTU
// 1400 and the outer header's DF set. A pod's 1428-byte ping is wrapped into a 1478-byte VXLAN
// packet; the router answers the node with ICMP fragmentation needed, quoting the VXLAN packet and,
// inside it, the ping. The ping's journey is dropped for that reason, and the finding names the
// tunnel. The dataset's SQL path finder judges it the same way.
// And a service backed on its client's own node (fixtures/captures/review4/ipvs-local): the SYN-ACKs
// are bridged straight back to the client, never translated back from the backend's address to the
// service's, and the client resets each; a NodePort call on the backend's node is DNATed and
// SNATed. Both connections are followed by the tuple either side has, and the first is a finding.
// And clocks related only by microsecond captures are never pinned down below a microsecond.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../main/dataset/duck';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { agreeOn } from '../dataset/compare';

const REVIEW4 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review4');
const set = (name: string): string[] => readdirSync(join(REVIEW4, name)).map((f) => join(REVIEW4, name, f));
const FILES = set('frag-needed');

function pings(a: Analysis): Journey[] {
  const out: Journey[] = [];
  for (let k = 0; k < a.journeys.count; k++) {
    const j = a.journeys.get(k);
    const h = j.hops[0].headers;
    if (h.src === '10.50.1.2' && h.dst === '10.50.2.2' && /echo-request|Echo \(ping\) request/i.test(h.info)) out.push(j);
  }
  return out;
}

describe('a VXLAN packet refused by a router on the underlay (fragmentation needed)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(FILES);
  });

  it('drops the ping inside it for that reason: the router, the next-hop MTU and the tunnel packet are named', () => {
    const [first, second, third, ...more] = pings(a);
    expect(more).toEqual([]);
    expect(first.status).toBe('dropped');
    expect(first.verdict?.code).toBe('icmp-error');
    expect([first.lastSeen.node, first.lastSeen.interface]).toEqual(['k8s-prod-az1-w01', 'ens5']);
    expect(first.verdict!.reason).toBe(
      '10.0.1.1 answered ICMP fragmentation needed (next-hop MTU 1400) for the tunnel packet 10.0.1.10 → 10.0.2.20 carrying it ' +
        '(k8s-prod-az1-w01-ens5.pcap#6): the packet went no further',
    );
    expect(first.verdict!.icmpError).toMatchObject({ from: '10.0.1.1', mtu: 1400, node: 'k8s-prod-az1-w01' });
    // The next two never left the node: its kernel had learned the path MTU and dropped them at the tunnel.
    for (const j of [second, third]) {
      expect(j.status).toBe('dropped');
      expect(j.verdict?.code).toBe('missing');
      expect([j.lastSeen.node, j.lastSeen.interface]).toEqual(['k8s-prod-az1-w01', 'vxlan0']);
    }
  });

  it('the finding names the tunnel between the two nodes and the largest packet that crosses it', () => {
    const f = a.findings.filter((x) => x.code === 'icmp-frag-needed');
    expect(f.map((x) => x.message)).toEqual([
      'ICMP fragmentation needed (next-hop MTU 1400) for 10.0.1.10 -> 10.0.2.20: a tunnel packet from k8s-prod-az1-w01 to ' +
        'k8s-prod-az2-w07; packets over 1350 bytes inside that tunnel cannot cross',
    ]);
  });

  it('the SQL path finder judges the ping dropped by that ICMP error too, and agrees row by row', () =>
    agreeOn(FILES, async (db) => {
      const n = await queryRows(db, `SELECT COUNT(*) AS n FROM sql_verdicts WHERE verdict = 'icmp-error' AND status = 'dropped'`);
      expect(Number(n.rows[0].n)).toBe(1);
    }));
});

describe('a service backed on its client’s node whose replies are never translated back (ipvs-local)', () => {
  const files = set('ipvs-local');
  const follow = (flow: string) =>
    promisify(execFile)(process.execPath, ['main/cli/bin.mjs', 'follow', ...files, '--flow', flow, '--limit', '1']).then((r) => r.stdout);

  it('follows the connection by the service address the client dialled, and the NodePort call by the tuple its backend sees', async () => {
    const dialled = await follow('10.42.1.6:47000 -> 10.96.12.34:443 tcp');
    expect(dialled).toMatch(
      /^Flow TCP 10\.42\.1\.6:47000 ⇄ 10\.42\.1\.5:8443 {2}\(NAT: tcp 10\.42\.1\.6:47000 > 10\.96\.12\.34:443\)\n {2}22 packets followed/,
    );
    const nodePort = await follow('10.42.1.1:53000 -> 10.42.1.5:8080 tcp');
    expect(nodePort).toMatch(/\n {2}6 packets followed: 6 delivered/);
  });

  it('says the replies reached the client from the backend, not from the service address it dialled', async () => {
    const a = await loadCaptureSet(files);
    const f = a.findings.filter((x) => x.code === 'nat-not-reversed');
    expect(f.map((x) => [x.flow, x.severity])).toEqual([['tcp 10.42.1.6:47000 > 10.42.1.5:8443', 'problem']]);
    expect(f[0].message).toContain('10.42.1.6:47000 sent to 10.96.12.34:443 and got its replies from 10.42.1.5:8443');
    expect(f[0].message).toContain('(the connection was reset)');
    expect(f[0].packets.map((p) => p.capture)).toEqual([
      'ip-10-0-3-17.eu-west-1.compute.internal-lxc41d7e2aa9b10.pcap',
      'ip-10-0-3-17.eu-west-1.compute.internal-lxc41d7e2aa9b10.pcap',
    ]);
  });
});

describe('node clocks known only from microsecond captures (bulk-gso: every capture stamps whole microseconds)', () => {
  it('allow the offset at least a microsecond either way, however many packets relate them', async () => {
    const a = await loadCaptureSet(set('bulk-gso'));
    const o = a.clockOffsets.find((c) => c.node === 'ip-10-0-3-18.eu-west-1.compute.internal');
    expect(o?.method).toBe('two-way');
    expect(o!.samples).toBeGreaterThan(100);
    expect(o!.upperNs! - o!.lowerNs!).toBeGreaterThanOrEqual(2000);
    expect(o!.uncertaintyNs).toBeGreaterThanOrEqual(1000);
  });
});

describe('service addresses the client’s own node holds (ipvs-ens5: IPVS addresses are local ones on kube-ipvs0)', () => {
  const files = set('ipvs-ens5');
  const N1 = 'ip-10-0-3-17.eu-west-1.compute.internal';
  const bridge = `${N1}-kube-bridge.pcap`;
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });
  const journeysOf = (b: Analysis, src: string, dst: string, protocol: string): Journey[] => {
    const out: Journey[] = [];
    for (let k = 0; k < b.journeys.count; k++) {
      const j = b.journeys.get(k);
      const h = j.hops[0].headers;
      if (h.src === src && h.dst === dst && h.protocol === protocol) out.push(j);
    }
    return out;
  };

  it('a SYN to a service without endpoints, reset by the node itself, is rejected there: no backend received it', () => {
    const [syn, ...more] = journeysOf(a, '10.42.1.5', '10.96.77.7', 'tcp');
    expect(more).toEqual([]);
    expect(syn.status).toBe('dropped');
    expect(syn.verdict?.code).toBe('rejected');
    expect(syn.verdict!.reason).toBe(
      `rejected at ${N1}: the node answered for 10.96.77.7 itself, an address it holds that no pod or node of the captures owns ` +
        `(a service's virtual address, or one of its own); no backend received it: the TCP reset (${bridge}#52) first appears on ${N1}'s kube-bridge with the ` +
        `initial TTL 64, from ${N1}'s own MAC 02:b0:00:00:01:01 (the one it forwards routed packets to its pods from), and neither ` +
        `the packet nor the TCP reset was seen beyond ${N1}`,
    );
    expect(syn.verdict!.answeredBy).toEqual({ capture: bridge, index: 51 });
    expect(a.findings.filter((f) => f.code === 'dropped' && f.message.includes('the node answered for 10.96.77.7 itself'))).toHaveLength(1);
  });

  it('a ping to a service address is answered by the node holding it, not by the backend behind the service', () => {
    const pings = journeysOf(a, '10.42.1.5', '10.96.45.12', 'icmp');
    expect(pings.map((j) => [j.status, j.verdict?.code, j.verdict?.answeredBy])).toEqual([
      ['delivered', 'answered-by-node', { capture: bridge, index: 53 }],
      ['delivered', 'answered-by-node', { capture: bridge, index: 55 }],
    ]);
    expect(pings[0].verdict!.reason).toMatch(
      `answered by ${N1} itself, which holds 10.96.45.12, an address no pod or node of the captures owns (a service's virtual address, or one of its own), ` +
        `not by a backend: the answer (${bridge}#54) first appears on ${N1}'s kube-bridge with the initial TTL 64`,
    );
  });

  it('no genuine delivery is taken for one: DNAT to a backend, pods, nodes and an address outside the cluster keep their verdicts', () => {
    const byNode = new Set<string>();
    const codes = new Map<string, string>();
    for (let k = 0; k < a.journeys.count; k++) {
      const j = a.journeys.get(k);
      const h = j.hops[0].headers;
      if (j.verdict?.code === 'answered-by-node' || j.verdict?.code === 'rejected') byNode.add(`${h.src}>${h.dst}`);
      if (j.verdict && !codes.has(`${h.src}>${h.dst}/${h.protocol}`)) codes.set(`${h.src}>${h.dst}/${h.protocol}`, j.verdict.code);
    }
    expect([...byNode]).toEqual(['10.42.1.5>10.96.77.7', '10.42.1.5>10.96.45.12']);
    // The service dialled (DNAT on the client's node to a backend on the other node), the DNS
    // service, a pod on the same node, egress masqueraded to an address outside the cluster.
    expect(codes.get('10.42.1.5>10.96.45.12/tcp')).toBe('reached-destination');
    expect(codes.get('10.42.1.5>10.96.0.10/udp')).toBe('reached-destination');
    expect(codes.get('10.42.1.5>10.42.1.6/icmp')).toBe('reached-destination');
    expect(codes.get('10.42.1.6>198.51.100.7/tcp')).toBe('answered');
    expect(codes.get('10.42.1.5>10.42.2.4/icmp')).toBe('reached-destination');
    expect(codes.get('172.31.200.17>172.31.200.18/icmp')).toBe('answered');
  });

  it('a pod calling its own node’s address answers to the node that holds it, whether or not a capture shows the address is the node’s (review2)', async () => {
    const dir = join(REVIEW4, '..', 'review2');
    const files2 = (name: string) => readdirSync(join(dir, name)).map((f) => join(dir, name, f));
    // With the node's NIC (extern): the address is the node's, and the packet reached it.
    const withNic = journeysOf(await loadCaptureSet(files2('extern')), '10.244.1.3', '192.168.100.11', 'tcp');
    expect(new Set(withNic.map((j) => j.verdict?.code))).toEqual(new Set(['reached-destination']));
    // Without it (restart: cni0 and flannel.1 only), no capture owns the address: the node that answered holds it.
    const [syn] = journeysOf(await loadCaptureSet(files2('restart')), '10.244.1.3', '192.168.100.11', 'tcp');
    expect([syn.status, syn.verdict?.code]).toEqual(['delivered', 'answered-by-node']);
    expect(syn.verdict!.reason).toMatch(/^answered by aks-nodepool1-31415926-vmss000000 itself, which holds 192\.168\.100\.11/);
  });

  it('pods answering one another on one bridge, one of them placed on no node, are no node’s answer: their MACs route nothing (review2 precision)', async () => {
    const dir = join(REVIEW4, '..', 'review2', 'precision');
    const b = await loadCaptureSet(readdirSync(dir).map((f) => join(dir, f)));
    const pings = journeysOf(b, '10.244.9.2', '10.244.9.3', 'icmp');
    expect(pings.map((j) => j.verdict?.code)).toEqual(['answered', 'answered', 'answered']);
  });

  it('without a capture of the node’s bridge the client’s veth still tells who made the reset: the node’s own MAC, the initial TTL', async () => {
    const b = await loadCaptureSet(files.filter((f) => !f.endsWith('-kube-bridge.pcap')));
    const [syn] = journeysOf(b, '10.42.1.5', '10.96.77.7', 'tcp');
    expect([syn.status, syn.verdict?.code]).toEqual(['dropped', 'rejected']);
    expect(syn.verdict!.reason).toMatch(
      /nor whether ip-10-0-3-17\.eu-west-1\.compute\.internal holds it as a service's address without a backend/,
    );
  });

  it('the SQL path finder gives the same verdicts, row by row', () =>
    agreeOn(files, async (db) => {
      const r = await queryRows(
        db,
        `SELECT verdict, status, COUNT(*) AS n FROM sql_verdicts WHERE verdict IN ('rejected', 'answered-by-node') GROUP BY 1, 2 ORDER BY 1`,
      );
      expect(r.rows.map((x) => [x.verdict, x.status, Number(x.n)])).toEqual([
        ['answered-by-node', 'delivered', 2],
        ['rejected', 'dropped', 1],
      ]);
    }));
});
