// Interface names and kinds on kernel-made clusters (fixtures/captures/review5, see each folder's
// README.md): Antrea's device names (antrea-gw0, antrea-tun0, '<pod prefix>-<6 hex>' host veths) with
// a node holding one pod; a node's own `tcpdump -i any` file (SLL2) beside a `tcpdump -i eth0` of the
// same NIC; a node that sent no tunnel packet, known by its NIC capture alone.
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { attributionFromFileName, interfaceKindFromName } from '../../main/topology/naming';
import { agreeOn } from '../dataset/compare';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review5');
const set = (name: string, keep: (f: string) => boolean = () => true): string[] =>
  readdirSync(join(DIR, name))
    .filter((f) => !f.endsWith('.md') && keep(f))
    .map((f) => join(DIR, name, f));
const point = (a: Analysis, id: string) => a.points.find((p) => p.id === id)!;
const why = (ev: readonly { reason: string }[]) => ev.map((e) => e.reason).join('\n');
const attributionFindings = (a: Analysis) => a.findings.filter((f) => f.code === 'attribution').map((f) => f.message);
const temps: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tv-review5-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('names Antrea and Weave give their interfaces', () => {
  it('split a file name where the interface name starts, and say the kind the name tells', () => {
    const parts = (f: string) => {
      const a = attributionFromFileName(f);
      return [a.node, a.interface, a.interface === null ? null : interfaceKindFromName(a.interface)];
    };
    expect(parts('k8s-node-03.lab-antrea-gw0.pcap')).toEqual(['k8s-node-03.lab', 'antrea-gw0', 'bridge']);
    expect(parts('worker_2_antrea-gw0.pcapng')).toEqual(['worker_2', 'antrea-gw0', 'bridge']);
    // Antrea's tunnel port is VXLAN, Geneve or GRE as configured: the name gives no kind, the frames do.
    expect(parts('k8s-node-03.lab-antrea-tun0.pcap')).toEqual(['k8s-node-03.lab', 'antrea-tun0', 'unknown']);
    expect(parts('k8s-node-03.lab-weave.pcap')).toEqual(['k8s-node-03.lab', 'weave', 'bridge']);
    expect(parts('worker-1-vxlan-6784.pcap')).toEqual(['worker-1', 'vxlan-6784', 'vtep']);
    expect(parts('antrea-gw0-node-07.pcap')).toEqual(['node-07', 'antrea-gw0', 'bridge']);
    // The names already known keep their meaning.
    expect(parts('worker-1-tun0.pcap')).toEqual(['worker-1', 'tun0', 'tun']);
    expect(parts('node1-vxlan100.pcap')).toEqual(['node1', 'vxlan100', 'vtep']);
    expect(parts('worker-1-vethwepl101.pcap')).toEqual(['worker-1', 'vethwepl101', 'veth']);
  });

  it("an Antrea host veth's name is a veth's when recorded; in a file name alone it could be a node's, so it is not split off there", () => {
    expect(['frontend-3a1c2e', 'coredns--9d2c41', 'db-0-4f1a2b', 'backend-7e8f10'].map(interfaceKindFromName)).toEqual(
      Array(4).fill('veth'),
    );
    expect(['frontend-3a1c2ef', 'node-07', 'br-3a1c2e', 'vxlan-3a1c2e'].map(interfaceKindFromName)).toEqual([
      'unknown',
      'unknown',
      'bridge',
      'vtep',
    ]);
    expect(attributionFromFileName('gke-prod-pool-1a2b3c.pcap')).toMatchObject({ interface: null });
  });
});

describe('antrea-any: Antrea device names; worker_2 holds one pod behind antrea-gw0', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('antrea-any'));
  });

  it('every file is on the node its name gives, as the interface its name gives, with no merge and no kind against the traffic', () => {
    expect(a.points.filter((p) => p.ifindex === null).map((p) => [p.id, p.node, p.interface, p.kind, p.pod ?? null])).toEqual([
      ['k8s-node-03.lab-antrea-gw0.pcap', 'k8s-node-03.lab', 'antrea-gw0', 'bridge', null],
      ['k8s-node-03.lab-antrea-tun0.pcap', 'k8s-node-03.lab', 'antrea-tun0', 'vtep', null],
      ['k8s-node-03.lab-coredns--9d2c41.pcap', 'k8s-node-03.lab', 'coredns--9d2c41', 'veth', null],
      ['k8s-node-03.lab-eth0.pcap', 'k8s-node-03.lab', 'eth0', 'underlay', null],
      ['k8s-node-03.lab-frontend-3a1c2e.pcap', 'k8s-node-03.lab', 'frontend-3a1c2e', 'veth', null],
      ['worker_2_antrea-gw0.pcapng', 'worker_2', 'antrea-gw0', 'bridge', null],
      ['worker_2_backend-7e8f10.pcapng', 'worker_2', 'backend-7e8f10', 'veth', null],
      ['worker_2_eth0.pcapng', 'worker_2', 'eth0', 'underlay', null],
    ]);
    expect(why(point(a, 'k8s-node-03.lab-frontend-3a1c2e.pcap').evidence)).toMatch(
      /the rest, 'frontend-3a1c2e', is an interface's name as Antrea names a pod's host-side veth/,
    );
    expect(attributionFindings(a)).toEqual([]);
  });

  it("the one-pod node's gateway interface is its bridge and the pod's veth its host side: nothing was captured inside a pod", () => {
    expect(a.model.bridges.map((b) => [b.id, b.gatewayIp, b.gatewayMac])).toEqual([
      ['k8s-node-03.lab/antrea-gw0', '10.244.1.1', '0a:58:0a:f4:01:01'],
      ['node-07/if3', '10.244.3.1', '0a:58:0a:f4:03:01'],
      ['worker_2/antrea-gw0', '10.244.2.1', '0a:58:0a:f4:02:01'],
    ]);
    expect(a.model.pods.map((p) => [p.ip, p.node, p.veth, p.ownPoints ?? []])).toEqual([
      ['10.244.1.11', 'k8s-node-03.lab', 'k8s-node-03.lab/frontend-3a1c2e', []],
      ['10.244.1.12', 'k8s-node-03.lab', 'k8s-node-03.lab/coredns--9d2c41', []],
      ['10.244.2.11', 'worker_2', 'worker_2/backend-7e8f10', []],
      ['10.244.3.11', 'node-07', 'node-07/if5', []],
    ]);
  });

  it('a packet leaving the pod goes veth → bridge → NIC on worker_2; the only gap is its tunnel port, which nobody captured there', () => {
    const j = a.journeyForPacket('worker_2_backend-7e8f10.pcapng', 32)!;
    expect(j.hops.map((h) => [h.node, h.point, h.kind])).toEqual([
      ['worker_2', 'worker_2_backend-7e8f10.pcapng', 'veth'],
      ['worker_2', 'worker_2_antrea-gw0.pcapng', 'bridge'],
      ['worker_2', 'worker_2_eth0.pcapng', 'underlay'],
      ['node-07', 'node-07-any.pcap#if2', 'underlay'],
      ['node-07', 'node-07-any.pcap#if4', 'vtep'],
      ['node-07', 'node-07-any.pcap#if3', 'bridge'],
      ['node-07', 'node-07-any.pcap#if5', 'veth'],
    ]);
    expect(j.gaps.map((g) => [g.afterHop, g.node, g.kind])).toEqual([[1, 'worker_2', 'vtep']]);
    expect(j.status).toBe('delivered');
  });

  it('each node lists its NIC MAC only: the VTEP MAC inside the cooked capture’s VXLAN frames is no NIC’s', () => {
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps, n.underlayMacs, n.vtepMac])).toEqual([
      ['k8s-node-03.lab', ['172.18.0.2'], ['02:00:c0:a8:00:01'], 'aa:bb:cc:00:00:01'],
      ['node-07', ['172.18.0.4'], ['02:00:c0:a8:00:03'], 'aa:bb:cc:00:00:03'],
      ['worker_2', ['172.18.0.3'], ['02:00:c0:a8:00:02'], 'aa:bb:cc:00:00:02'],
    ]);
  });

  it('a capture of Ethernet frames named like a TUN device (tun0) is no TUN: its frames between VTEP MACs make it the VXLAN device', async () => {
    const dir = tempDir();
    for (const f of set('antrea-any')) symlinkSync(f, join(dir, f.slice(f.lastIndexOf('/') + 1).replace('antrea-tun0', 'tun0')));
    const b = await loadCaptureSet(readdirSync(dir).map((f) => join(dir, f)));
    const p = point(b, 'k8s-node-03.lab-tun0.pcap');
    expect([p.node, p.interface, p.kind]).toEqual(['k8s-node-03.lab', 'tun0', 'vtep']);
    expect(why(p.evidence)).toMatch(/a TUN device's name, but its frames have Ethernet headers, which a TUN device has not/);
    expect(attributionFindings(b)).toEqual([]);
  });
});

describe("any-dns: kind-worker2's own `-i any` file (SLL2: eth0, cni0, flannel.1, one pod's veth) beside its eth0.pcap", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('any-dns'));
  });

  it('the interface receiving the pod’s frames for its own MAC is the bridge, the bridge port the host veth; none is inside the pod', () => {
    expect(['if3', 'if5'].map((i) => point(a, `kind-worker2-any.pcap#${i}`)).map((p) => [p.kind, p.pod ?? null])).toEqual([
      ['bridge', null],
      ['veth', null],
    ]);
    expect(a.model.bridges.map((b) => [b.id, b.gatewayIp, b.gatewayMac])).toEqual([
      ['kind-worker2/if3', '10.244.2.1', '0a:58:0a:f4:02:01'],
    ]);
    const pod = a.model.pods.find((p) => p.ip === '10.244.2.11')!;
    expect([pod.node, pod.veth, pod.ownPoints ?? []]).toEqual(['kind-worker2', 'kind-worker2/if5', []]);
  });

  it('the NIC seen by both tcpdumps is one interface, eth0: one hop per frame, not two with a latency between eth0 and itself', () => {
    const if2 = point(a, 'kind-worker2-any.pcap#if2');
    expect([if2.interface, if2.kind]).toEqual(['eth0', 'underlay']);
    expect(why(if2.evidence)).toMatch(
      /none stamped earlier on kind-worker2-eth0\.pcap than on kind-worker2-any\.pcap#if2: each socket stamps its own copy/,
    );
    expect(attributionFindings(a)).toEqual([
      "kind-worker2-eth0.pcap and kind-worker2-any.pcap#if2 are the same interface (eth0 of kind-worker2) captured twice at the same time: they hold the same frames at the same times; each frame counts once, as kind-worker2-eth0.pcap's",
    ]);
    // The second DNS query (kind-worker-any.pcap#53): its two copies on kind-worker2's NIC were stamped 3 µs apart.
    const j = a.journeyForPacket('kind-worker-any.pcap', 52)!;
    expect(j.hops.filter((h) => h.node === 'kind-worker2').map((h) => [h.point, h.kind])).toEqual([
      ['kind-worker2-eth0.pcap', 'underlay'],
      ['kind-worker2-any.pcap#if4', 'vtep'],
      ['kind-worker2-any.pcap#if3', 'bridge'],
      ['kind-worker2-any.pcap#if5', 'veth'],
    ]);
    expect(j.status).toBe('delivered');
  });

  it('the SQL path finder drops the twin’s copies too, and agrees row by row', () => agreeOn(set('any-dns')), 60_000);

  it('NIC MACs are the SLL header’s senders, never the VTEP MACs inside VXLAN, with the cooked files in the set or alone', async () => {
    const macs = (b: Analysis) => b.model.nodes.map((n) => [n.id, n.underlayIps, n.underlayMacs, n.vtepMac]);
    expect(macs(a)).toEqual([
      ['kind-worker', ['172.19.0.2'], ['02:00:c0:a8:00:01'], 'aa:bb:cc:00:00:01'],
      ['kind-worker2', ['172.19.0.3'], ['02:00:c0:a8:00:02'], 'aa:bb:cc:00:00:02'],
    ]);
    const alone = await loadCaptureSet(set('any-dns', (f) => f === 'kind-worker2-any.pcap'));
    expect(macs(alone)).toEqual([
      ['kind-worker2', ['172.19.0.3'], ['02:00:c0:a8:00:02'], 'aa:bb:cc:00:00:02'],
      ['node-172.19.0.2', ['172.19.0.2'], ['02:00:c0:a8:00:01'], 'aa:bb:cc:00:00:01'],
    ]);
  });

  it('with packet types that tell no bridge port, time alone still never puts one of two interfaces of the file inside the pod', async () => {
    // The same file with every frame the veth (ifindex 5) received "for another host" marked "for us".
    const bytes = readFileSync(join(DIR, 'any-dns', 'kind-worker2-any.pcap'));
    let changed = 0;
    for (let off = 24; off + 16 <= bytes.length;) {
      const len = bytes.readUInt32LE(off + 8);
      const d = off + 16;
      if (bytes.readUInt32BE(d + 4) === 5 && bytes[d + 10] === 3) {
        bytes[d + 10] = 0;
        changed++;
      }
      off = d + len;
    }
    expect(changed).toBe(6);
    const dir = tempDir();
    writeFileSync(join(dir, 'kind-worker2-any.pcap'), bytes);
    const b = await loadCaptureSet([join(dir, 'kind-worker2-any.pcap')]);
    expect(['if3', 'if5'].map((i) => point(b, `kind-worker2-any.pcap#${i}`)).map((p) => [p.kind, p.pod ?? null])).toEqual([
      ['bridge', null],
      ['veth', null],
    ]);
    expect(why(point(b, 'kind-worker2-any.pcap#if3').evidence)).toMatch(
      /one `-i any` capture holds both, so they are of one network namespace and neither is the pod's own interface .*kind-worker2-any\.pcap#if5 is its host-side veth; .*the bridge holding only that pod/,
    );
    expect(b.model.pods.flatMap((p) => p.ownPoints ?? [])).toEqual([]);
  });
});

describe('nic-masq: node1 sends no tunnel packet (its pod talks only to hosts, masqueraded), its eth0 is captured', () => {
  it('node1’s MAC is the source of the packets from its own address on its NIC capture', async () => {
    const a = await loadCaptureSet(set('nic-masq'));
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps, n.underlayMacs])).toEqual([
      ['node1', ['192.168.90.11'], ['02:00:c0:a8:00:01']],
      ['node2', ['192.168.90.12'], ['02:00:c0:a8:00:02']],
      ['node3', ['192.168.90.13'], ['02:00:c0:a8:00:03']],
    ]);
    expect(why(a.model.nodes[0].evidence)).toMatch(
      /source MAC 02:00:c0:a8:00:01 of the packets from this node's own address on its NIC captures, which it sent itself: its NIC's MAC/,
    );
  });
});
