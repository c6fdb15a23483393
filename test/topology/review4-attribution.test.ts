// Attribution on kernel-made clusters (fixtures/captures/review4, see fixtures/README.md): EKS-style
// nodes named by their full host names, with a second NIC (eth0, a management network beside the
// underlay ens5) and kube-router's bridge name `kube-bridge`; a bridge holding one pod; and two
// nodes in different subnets, a router between them.
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { attributionFromFileName } from '../../main/topology/naming';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review4');
const set = (name: string, keep: (f: string) => boolean = () => true): string[] =>
  readdirSync(join(DIR, name))
    .filter(keep)
    .map((f) => join(DIR, name, f));
const N1 = 'ip-10-0-3-17.eu-west-1.compute.internal';
const N2 = 'ip-10-0-3-18.eu-west-1.compute.internal';
const point = (a: Analysis, id: string) => a.points.find((p) => p.id === id)!;
const why = (ev: readonly { reason: string }[]) => ev.map((e) => e.reason).join('\n');

describe('file names of EKS nodes: the full host name, and hyphenated interface names', () => {
  it("'<fqdn>.pcapng' (dumpcap -w $(hostname -f).pcapng) names the whole host, not 'ip-10-0-3-18' with a pod 'eu-west-1.compute.internal'", () => {
    expect(attributionFromFileName(`/x/${N2}.pcapng`)).toMatchObject({ node: N2, interface: null, nodeIp: '10.0.3.18' });
    expect(attributionFromFileName(`${N1}-ens5.pcap`)).toMatchObject({ node: N1, interface: 'ens5', nodeIp: '10.0.3.17' });
    expect(attributionFromFileName('ip-10-0-3-17.ec2.internal.pcap')).toMatchObject({
      node: 'ip-10-0-3-17.ec2.internal',
      nodeIp: '10.0.3.17',
    });
    // A pod after the short cloud name still names the pod.
    expect(attributionFromFileName('ip-10-0-5-7-web-0.pcap')).toMatchObject({ node: 'ip-10-0-5-7', interface: null });
  });

  it("'<node>-kube-bridge.pcap' is the interface kube-bridge of that node, as '<node>-vxlan0.pcap' is vxlan0", () => {
    expect(attributionFromFileName(`${N1}-kube-bridge.pcap`)).toMatchObject({ node: N1, interface: 'kube-bridge', nodeIp: '10.0.3.17' });
    expect(attributionFromFileName('tcpdump-minikube-m02-kube-bridge-20261207.pcap')).toMatchObject({
      node: 'minikube-m02',
      interface: 'kube-bridge',
    });
    expect(attributionFromFileName('node1-genev_sys_6081.pcap')).toMatchObject({ node: 'node1', interface: 'genev_sys_6081' });
  });
});

describe('ipvs-ens5: two nodes with a management NIC eth0 (172.31.200.0/24) beside the underlay ens5', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('ipvs-ens5'));
  });

  it('each eth0 is its node’s NIC on a network of hosts, not a pod’s interface: two TTL-64 senders outside every pod block share it', () => {
    const eth0 = [`${N1}-eth0.pcap`, `${N2}.pcapng#eth0`].map((id) => point(a, id));
    expect(eth0.map((p) => [p.id, p.node, p.interface, p.kind, p.pod ?? null])).toEqual([
      [`${N1}-eth0.pcap`, N1, 'eth0', 'underlay', null],
      [`${N2}.pcapng#eth0`, N2, 'eth0', 'underlay', null],
    ]);
    for (const p of eth0)
      expect(why(p.evidence)).toMatch(
        /172\.31\.200\.1[78] and 172\.31\.200\.1[78] send here unrouted \(initial TTL\), each from a MAC of its own, and none is in a pod block/,
      );
    expect(a.model.pods.map((p) => p.ip)).toEqual(['10.42.1.5', '10.42.1.6', '10.42.2.3', '10.42.2.4']);
    expect(a.model.pods.flatMap((p) => p.ownPoints ?? [])).toEqual([]);
  });

  it('the two nodes stay two, under their full names, each with its own address; every capture on its own node', () => {
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps, n.underlayMacs, n.podCidr])).toEqual([
      [N1, ['10.0.3.17'], ['02:0a:00:03:00:17'], '10.42.1.0/24'],
      [N2, ['10.0.3.18'], ['02:0a:00:03:00:18'], '10.42.2.0/24'],
    ]);
    for (const p of a.points) expect([p.id, p.node]).toEqual([p.id, p.id.startsWith('ip-10-0-3-17') ? N1 : N2]);
    expect(a.findings.filter((f) => f.code === 'attribution').map((f) => f.message)).toEqual([]);
    expect(a.model.tunnels.map((t) => t.nodes)).toEqual([[N1, N2]]);
  });

  it('nothing is dropped or missed but the SYN its node rejects: the management traffic went eth0 to eth0, the pods’ traffic its true ways', () => {
    // The one drop: a SYN to a service address without a backend, reset by the client's own node.
    expect(a.findings.filter((f) => f.code === 'dropped' || f.code === 'path-gap').map((f) => [f.code, f.flow, f.node])).toEqual([
      ['dropped', 'tcp 10.42.1.5:45000 > 10.96.77.7:80', N1],
    ]);
    const mgmt = a.flows.find((f) => f.id.includes('172.31.200.17:44000'))!;
    const js = a.journeysForFlow(mgmt.id);
    expect(js.length).toBe(10); // 6 packets one way, 4 back
    for (const j of js) {
      expect(j.status).not.toBe('dropped');
      expect(j.hops.map((h) => [h.node, h.interface])).toEqual(
        j.hops[0].headers.src === '172.31.200.17'
          ? [
              [N1, 'eth0'],
              [N2, 'eth0'],
            ]
          : [
              [N2, 'eth0'],
              [N1, 'eth0'],
            ],
      );
    }
  });

  it('the n1 bridge capture is the interface kube-bridge (file name), as the pcapng names n2’s; one bridge per node', () => {
    expect([point(a, `${N1}-kube-bridge.pcap`)].map((p) => [p.node, p.interface, p.interfaceSource, p.kind])).toEqual([
      [N1, 'kube-bridge', 'file-name', 'bridge'],
    ]);
    expect(a.model.bridges.map((b) => b.id)).toEqual([`${N1}/kube-bridge`, `${N2}/kube-bridge`]);
    const ping = a.flows.find((f) => f.id.startsWith('icmp') && f.id.includes('10.42.1.5') && f.id.includes('10.42.2.4'))!;
    const [j] = a.journeysForFlow(ping.id, 1);
    expect(j.hops.map((h) => `${h.node === N1 ? 'n1' : 'n2'} ${h.interface}`)).toEqual([
      'n1 lxc9f3a1b2c0d4e',
      'n1 kube-bridge',
      'n1 vxlan0',
      'n1 ens5',
      'n2 ens5',
      'n2 vxlan0',
      'n2 kube-bridge',
      'n2 lxc7e8d6c5b4a39',
    ]);
  });

  it('without the two eth0 files (pcapng still holding n2’s): one name per node, n2’s veth files on n2', async () => {
    const b = await loadCaptureSet(set('ipvs-ens5', (f) => !f.endsWith('-eth0.pcap')));
    expect(b.model.nodes.map((n) => [n.id, n.underlayIps])).toEqual([
      [N1, ['10.0.3.17']],
      [N2, ['10.0.3.18']],
    ]);
    expect(b.points.filter((p) => p.id.startsWith('ip-10-0-3-18')).map((p) => p.node)).toEqual(Array(6).fill(N2));
  });
});

describe('bulk-gso: kube-bridge holding a single pod on each node (traffic alone cannot tell it from the pod’s veth)', () => {
  let a: Analysis;
  let tmp: string;
  beforeAll(async () => {
    a = await loadCaptureSet(set('bulk-gso'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the name decides: both kube-bridge captures are their node’s bridge, no capture was taken inside a pod', () => {
    const br = [N1, N2].map((n) => point(a, `${n}-kube-bridge.pcap`));
    expect(br.map((p) => [p.node, p.interface, p.kind, p.pod ?? null])).toEqual([
      [N1, 'kube-bridge', 'bridge', null],
      [N2, 'kube-bridge', 'bridge', null],
    ]);
    expect(a.model.bridges.map((b) => b.id)).toEqual([`${N1}/kube-bridge`, `${N2}/kube-bridge`]);
    expect(a.model.pods.map((p) => [p.ip, p.node, p.veth, p.ownPoints ?? []])).toEqual([
      ['10.42.1.5', N1, `${N1}/lxc9f3a1b2c0d4e`, []],
      ['10.42.2.4', N2, `${N2}/lxc7e8d6c5b4a39`, []],
    ]);
    expect(a.findings.filter((f) => f.code === 'attribution').map((f) => f.message)).toEqual([]);
  });

  it('on the receiving node the packet goes vxlan0 → kube-bridge → the pod’s veth', () => {
    const j = a.journeyForPacket(`${N2}-vxlan0.pcap`, 7)!;
    expect(j.hops.filter((h) => h.node === N2).map((h) => h.interface)).toEqual(['lxc7e8d6c5b4a39', 'kube-bridge', 'vxlan0']);
    expect(
      j.hops
        .filter((h) => h.node === N1)
        .map((h) => h.interface)
        .slice(-3),
    ).toEqual(['vxlan0', 'kube-bridge', 'lxc9f3a1b2c0d4e']);
  });

  it('a bridge whose file name says nothing (`<node>-switch.pcap`) is told by time: the pod’s packets reach it after the veth, so it is the bridge, never "in pod"', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tv-review4-'));
    for (const f of set('bulk-gso')) symlinkSync(f, join(tmp, f.slice(f.lastIndexOf('/') + 1).replace('kube-bridge', 'switch')));
    const b = await loadCaptureSet(readdirSync(tmp).map((f) => join(tmp, f)));
    const sw = [N1, N2].map((n) => point(b, `${n}-switch.pcap`));
    expect(sw.map((p) => [p.node, p.interface, p.kind, p.pod ?? null])).toEqual([
      [N1, null, 'bridge', null],
      [N2, null, 'bridge', null],
    ]);
    for (const p of sw)
      expect(why(p.evidence)).toMatch(
        /named 'lxc[0-9a-f]+', a host-side veth name; of \d+ packets seen on both, \d+ show the pod's packets there first .*: the bridge holding only that pod/,
      );
    expect(b.model.pods.flatMap((p) => p.ownPoints ?? [])).toEqual([]);
  });
});

describe('routed underlay: two nodes in different subnets, a router (not captured) between them', () => {
  it('each node’s MAC is the source of its own unrouted tunnel packets only; the router’s MAC on routed copies is no node’s', async () => {
    const a = await loadCaptureSet(set('routed-underlay'));
    expect(a.model.nodes.map((n) => [n.id, n.underlayIps, n.underlayMacs])).toEqual([
      ['k8s-prod-az1-w01', ['10.0.1.10'], ['02:0a:00:01:00:10']],
      ['k8s-prod-az2-w07', ['10.0.2.20'], ['02:0a:00:02:00:20']],
    ]);
    expect(why(a.model.nodes[0].evidence)).toMatch(/outer source MAC 02:0a:00:01:00:10 of tunnel packets from this node, not yet routed/);
  });
});
