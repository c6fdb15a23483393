// The committed lab captures under the names operators give them (`<node>-<pod>.pcap`, `<pod>.pcap`,
// `capture-3.pcap`, `node-<ip>.pcap`, a pcapng whose interfaces are named but whose file is not
// `<node>.pcapng`, interfaces renamed cbr0 / br-* / lxc* / cilium_vxlan), and a score of the cluster
// rebuilt from them against the manifests: each point's node and kind, each pod's node, MAC and veth
// capture, one bridge per node, no phantom nodes. Files are written to a temp dir, never committed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodePcapng, type PcapngInterface, type PcapngPacket } from '../../main/engine/writers/pcapng';
import type { Analysis } from '../../main/topology';
import { captureNames } from '../../main/topology/naming';
import type { InterfaceKind } from '../../main/topology/types';
import { FIXTURES, manifest } from './lab';

interface CalicoManifest {
  nodes: { name: string; underlayIp: string }[];
  pods: { name: string; node: string; ip: string; mac: string; veth: string }[];
  captures: { file: string; node: string; interface: string; kind: string }[];
  vxlan: {
    nodes: { name: string; underlayIp: string }[];
    pods: { name: string; node: string; ip: string; mac: string; veth: string }[];
    captures: { file: string; node: string; interface: string; kind: string }[];
  };
}
const calico = JSON.parse(readFileSync(join(FIXTURES, 'calico-manifest.json'), 'utf8')) as CalicoManifest;

/** What a capture point truly is. */
export interface PointTruth {
  node: string;
  kind: InterfaceKind;
}
export interface PodTruth {
  name: string;
  node: string;
  ip: string;
  mac: string;
  /** Point id of the pod's veth capture, null when none was taken. */ vethPoint: string | null;
}
export interface Truth {
  nodes: { name: string; underlayIp: string }[];
  points: Map<string, PointTruth>;
  pods: PodTruth[];
}

/** One file of a scenario: a committed capture copied under a new name, or a pcapng built from several with named interfaces. */
type FileSpec =
  | { as: string; src: string; truth: PointTruth; pod?: string }
  | { as: string; pcapng: { src: string; name: string; truth: PointTruth; pod?: string }[] };

export interface Scenario {
  name: string;
  files: FileSpec[];
  nodes: Truth['nodes'];
  pods: Omit<PodTruth, 'vethPoint'>[];
  /** tcpdump filter applied while copying (to leave out what a capture filter would). */
  bpf?: string;
}

const FLANNEL_A = manifest.clusters.find((c) => c.name === 'a')!;
const FLANNEL_B = manifest.clusters.find((c) => c.name === 'b')!;
const flannelPods = (c: typeof FLANNEL_A) => c.pods.map((p) => ({ name: p.name, node: p.node, ip: p.ip, mac: p.mac }));
const flannelNodes = (c: typeof FLANNEL_A) => c.nodes.map((n) => ({ name: n.name, underlayIp: n.underlayIp }));
const podVeth = (c: typeof FLANNEL_A, pod: string) =>
  `${c.pods.find((p) => p.name === pod)!.node}-${c.pods.find((p) => p.name === pod)!.hostVeth}.pcap`;
const U = (node: string): PointTruth => ({ node, kind: 'underlay' });
const K = (node: string, kind: InterfaceKind): PointTruth => ({ node, kind });

export const SCENARIOS: Scenario[] = [
  {
    // Flannel VXLAN: pod captures named after the pod (with and without the node), a node named by
    // its address, a capture whose name says nothing, a pcapng of named interfaces not named after its node.
    name: 'flannel-vxlan, operator names',
    nodes: flannelNodes(FLANNEL_A),
    pods: flannelPods(FLANNEL_A),
    files: [
      { as: 'node-192.168.56.11.pcap', src: 'a-node1-eth0.pcap', truth: U('a-node1') },
      { as: 'capture-3.pcap', src: 'a-node1-cni0.pcap', truth: K('a-node1', 'bridge') },
      { as: 'a-node1-flannel.1.pcap', src: 'a-node1-flannel.1.pcap', truth: K('a-node1', 'vtep') },
      {
        as: 'a-node1-client-7c9d8b6f5-x2kqp.pcap',
        src: podVeth(FLANNEL_A, 'client-7c9d8b6f5-x2kqp'),
        truth: K('a-node1', 'veth'),
        pod: '10.244.0.2',
      },
      { as: 'tools-0.pcap', src: podVeth(FLANNEL_A, 'tools-0'), truth: K('a-node1', 'veth'), pod: '10.244.0.3' },
      { as: 'capture-1.pcapng', src: 'a-node2.pcapng', truth: K('a-node2', 'unknown') },
      {
        as: 'a-node2-web-5d78cf5b9-hk4wz.pcap',
        src: podVeth(FLANNEL_A, 'web-5d78cf5b9-hk4wz'),
        truth: K('a-node2', 'veth'),
        pod: '10.244.1.2',
      },
      { as: 'backend-0.pcap', src: podVeth(FLANNEL_A, 'backend-0'), truth: K('a-node2', 'veth'), pod: '10.244.1.3' },
      { as: 'a-node3_eth0.pcap', src: 'a-node3-eth0.pcap', truth: U('a-node3') },
      { as: 'a-node3-cni0.pcap', src: 'a-node3-cni0.pcap', truth: K('a-node3', 'bridge') },
      { as: 'a-node3-flannel.1.pcap', src: 'a-node3-flannel.1.pcap', truth: K('a-node3', 'vtep') },
      {
        as: 'a-node3-coredns-76f75df574-8xk2p.pcap',
        src: podVeth(FLANNEL_A, 'coredns-76f75df574-8xk2p'),
        truth: K('a-node3', 'veth'),
        pod: '10.244.2.2',
      },
      // The blocked pod's veth carries one ARP request of its gateway: nothing tells what it is.
      { as: 'blocked-0.pcap', src: podVeth(FLANNEL_A, 'blocked-0'), truth: K('a-node3', 'unknown'), pod: '10.244.2.3' },
    ],
  },
  {
    // Flannel VXLAN again, interfaces named the way other CNIs name them, in pcapngs whose file names
    // say nothing: a bridge called cbr0 / br-*, veths called lxc*, a VXLAN device called cilium_vxlan.
    name: "flannel-vxlan, other CNIs' interface names",
    nodes: flannelNodes(FLANNEL_A),
    pods: flannelPods(FLANNEL_A),
    files: [
      {
        as: 'host-a.pcapng',
        pcapng: [
          { src: 'a-node1-eth0.pcap', name: 'ens5', truth: U('a-node1') },
          { src: 'a-node1-cni0.pcap', name: 'cbr0', truth: K('a-node1', 'bridge') },
          { src: 'a-node1-flannel.1.pcap', name: 'cilium_vxlan', truth: K('a-node1', 'vtep') },
          { src: podVeth(FLANNEL_A, 'client-7c9d8b6f5-x2kqp'), name: 'lxc1f2e3d4c5b6a', truth: K('a-node1', 'veth'), pod: '10.244.0.2' },
          { src: podVeth(FLANNEL_A, 'tools-0'), name: 'lxc9a8b7c6d5e4f', truth: K('a-node1', 'veth'), pod: '10.244.0.3' },
        ],
      },
      { as: 'a-node2.pcapng', src: 'a-node2.pcapng', truth: K('a-node2', 'unknown') },
      {
        as: 'a-node2-web-5d78cf5b9-hk4wz.pcap',
        src: podVeth(FLANNEL_A, 'web-5d78cf5b9-hk4wz'),
        truth: K('a-node2', 'veth'),
        pod: '10.244.1.2',
      },
      {
        as: 'dump-7.pcapng',
        pcapng: [
          { src: 'a-node3-eth0.pcap', name: 'eth0', truth: U('a-node3') },
          { src: 'a-node3-cni0.pcap', name: 'br-6f1c2a9e4b7d', truth: K('a-node3', 'bridge') },
          { src: podVeth(FLANNEL_A, 'coredns-76f75df574-8xk2p'), name: 'lxc0c1d2e3f4a5b', truth: K('a-node3', 'veth'), pod: '10.244.2.2' },
        ],
      },
    ],
  },
  {
    // Flannel VXLAN captured into one directory per node, files named by interface, pod, tool and
    // date ('a-node1/eth0_2026-12-07.pcap', 'a-node3/tcpdump-eth0-20261207T101010Z.pcap'): the
    // directory names the node; same-named files keep apart as 'a-node1/cni0.pcap', 'a-node3/cni0.pcap'.
    name: 'flannel-vxlan, one directory per node',
    nodes: flannelNodes(FLANNEL_A),
    pods: flannelPods(FLANNEL_A),
    files: [
      { as: 'a-node1/eth0_2026-12-07.pcap', src: 'a-node1-eth0.pcap', truth: U('a-node1') },
      { as: 'a-node1/cni0.pcap', src: 'a-node1-cni0.pcap', truth: K('a-node1', 'bridge') },
      { as: 'a-node1/flannel.1.pcap', src: 'a-node1-flannel.1.pcap', truth: K('a-node1', 'vtep') },
      {
        as: 'a-node1/client-7c9d8b6f5-x2kqp.pcap',
        src: podVeth(FLANNEL_A, 'client-7c9d8b6f5-x2kqp'),
        truth: K('a-node1', 'veth'),
        pod: '10.244.0.2',
      },
      { as: 'a-node2/capture.pcapng', src: 'a-node2.pcapng', truth: K('a-node2', 'unknown') },
      {
        as: 'a-node2/web-5d78cf5b9-hk4wz.pcap',
        src: podVeth(FLANNEL_A, 'web-5d78cf5b9-hk4wz'),
        truth: K('a-node2', 'veth'),
        pod: '10.244.1.2',
      },
      { as: 'a-node3/tcpdump-eth0-20261207T101010Z.pcap', src: 'a-node3-eth0.pcap', truth: U('a-node3') },
      { as: 'a-node3/cni0.pcap', src: 'a-node3-cni0.pcap', truth: K('a-node3', 'bridge') },
      { as: 'a-node3/flannel.1.pcap', src: 'a-node3-flannel.1.pcap', truth: K('a-node3', 'vtep') },
      {
        as: 'a-node3/coredns-76f75df574-8xk2p.pcap',
        src: podVeth(FLANNEL_A, 'coredns-76f75df574-8xk2p'),
        truth: K('a-node3', 'veth'),
        pod: '10.244.2.2',
      },
    ],
  },
  {
    // Flannel UDP: a TUN capture and a whole-node `-i any` capture whose names say nothing.
    name: 'flannel-udp, operator names',
    nodes: flannelNodes(FLANNEL_B),
    pods: flannelPods(FLANNEL_B),
    files: [
      { as: 'b-node1-eth0.pcap', src: 'b-node1-eth0.pcap', truth: U('b-node1') },
      { as: 'b-node1-docker0.pcap', src: 'b-node1-docker0.pcap', truth: K('b-node1', 'bridge') },
      { as: 'capture-2.pcap', src: 'b-node1-flannel0.pcap', truth: K('b-node1', 'tun') },
      { as: 'b-node1-frontend-0.pcap', src: podVeth(FLANNEL_B, 'frontend-0'), truth: K('b-node1', 'veth'), pod: '10.245.1.2' },
      { as: 'capture-9.pcap', src: 'b-node2-any.pcap', truth: K('b-node2', 'any') },
    ],
  },
  {
    // Calico BGP-routed (no bridge, cali* veths): pod captures named after the pod, a node named by address.
    name: 'calico-bgp, operator names',
    nodes: calico.nodes.map((n) => ({ name: n.name, underlayIp: n.underlayIp })),
    pods: calico.pods.map((p) => ({ name: p.name, node: p.node, ip: p.ip, mac: p.mac })),
    files: [
      { as: 'calico1-eth0.pcap', src: 'calico/calico1-eth0.pcap', truth: U('calico1') },
      { as: 'calico1-web1.pcap', src: 'calico/calico1-cali15104693972.pcap', truth: K('calico1', 'veth'), pod: '192.168.101.66' },
      { as: 'client.pcap', src: 'calico/calico1-calia7a3e029a7b.pcap', truth: K('calico1', 'veth'), pod: '192.168.101.65' },
      { as: 'node-172.18.0.12.pcap', src: 'calico/calico2-eth0.pcap', truth: U('calico2') },
      { as: 'web2.pcap', src: 'calico/calico2-cali4e54bcdb445.pcap', truth: K('calico2', 'veth'), pod: '192.168.102.130' },
      { as: 'calico3-eth0.pcap', src: 'calico/calico3-eth0.pcap', truth: U('calico3') },
      { as: 'calico3-web3.pcap', src: 'calico/calico3-cali2edf923f493.pcap', truth: K('calico3', 'veth'), pod: '192.168.103.5' },
    ],
  },
  {
    // Calico routed with the BGP sessions filtered out: no tunnel and no BGP to learn pod blocks or
    // node addresses from; pod captures named after the pod, one NIC under a name that says nothing.
    name: 'calico routed without BGP, operator names',
    bpf: 'not tcp port 179',
    nodes: calico.nodes.map((n) => ({ name: n.name, underlayIp: n.underlayIp })),
    pods: calico.pods.map((p) => ({ name: p.name, node: p.node, ip: p.ip, mac: p.mac })),
    files: [
      { as: 'calico1-eth0.pcap', src: 'calico/calico1-eth0.pcap', truth: U('calico1') },
      { as: 'client.pcap', src: 'calico/calico1-calia7a3e029a7b.pcap', truth: K('calico1', 'veth'), pod: '192.168.101.65' },
      { as: 'calico1-web1.pcap', src: 'calico/calico1-cali15104693972.pcap', truth: K('calico1', 'veth'), pod: '192.168.101.66' },
      { as: 'capture-5.pcap', src: 'calico/calico2-eth0.pcap', truth: U('calico2') },
      {
        as: 'calico2-cali4e54bcdb445.pcap',
        src: 'calico/calico2-cali4e54bcdb445.pcap',
        truth: K('calico2', 'veth'),
        pod: '192.168.102.130',
      },
      { as: 'calico3-eth0.pcap', src: 'calico/calico3-eth0.pcap', truth: U('calico3') },
      { as: 'web3.pcap', src: 'calico/calico3-cali2edf923f493.pcap', truth: K('calico3', 'veth'), pod: '192.168.103.5' },
    ],
  },
  {
    // Calico VXLAN (vxlan.calico, 4789, VNI 4096): the VTEP and a pod capture under names that say nothing.
    name: 'calico-vxlan, operator names',
    nodes: calico.vxlan.nodes.map((n) => ({ name: n.name, underlayIp: n.underlayIp })),
    pods: calico.vxlan.pods.map((p) => ({ name: p.name, node: p.node, ip: p.ip, mac: p.mac })),
    files: [
      { as: 'calvx1-eth0.pcap', src: 'calico/vxlan/calvx1-eth0.pcap', truth: U('calvx1') },
      { as: 'capture-4.pcap', src: 'calico/vxlan/calvx1-vxlan.calico.pcap', truth: K('calvx1', 'vtep') },
      { as: 'api.pcap', src: 'calico/vxlan/calvx1-calibd0ecddfcf2.pcap', truth: K('calvx1', 'veth'), pod: '192.168.201.2' },
      { as: 'calvx2-eth0.pcap', src: 'calico/vxlan/calvx2-eth0.pcap', truth: U('calvx2') },
      { as: 'calvx2-vxlan.calico.pcap', src: 'calico/vxlan/calvx2-vxlan.calico.pcap', truth: K('calvx2', 'vtep') },
      { as: 'calvx2-db.pcap', src: 'calico/vxlan/calvx2-calie57ed5aa5ae.pcap', truth: K('calvx2', 'veth'), pod: '192.168.202.66' },
    ],
  },
];

/** Whether tcpdump runs here (scenarios with a filter need it). */
export const haveTcpdump = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;

/** Kinds of the interfaces of the committed multi-interface captures (pcapng names, -i any ifindexes). */
function subPoints(id: string, src: string, node: string): [string, PointTruth][] {
  const c = manifest.captures.find((x) => x.file === src);
  if (!c || c.interfaces.length < 2) return [];
  return c.interfaces
    .filter((i) => i.ifindex !== null || i.kind !== 'any')
    .map((i) => [i.ifindex !== null ? `${id}#if${i.ifindex}` : i.kind === 'any' ? id : `${id}#${i.name}`, { node, kind: i.kind }]);
}

interface PcapRec {
  sec: number;
  frac: number;
  data: Uint8Array;
  origLen: number;
}
/** The records of a classic pcap file (enough of the format for the lab's own captures). */
function readPcap(path: string): { linktype: number; nano: boolean; recs: PcapRec[] } {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  if (magic !== 0xa1b2c3d4 && !nano) throw new Error(`${path}: not a little-endian pcap`);
  const recs: PcapRec[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = b.readUInt32LE(o + 8);
    recs.push({
      sec: b.readUInt32LE(o),
      frac: b.readUInt32LE(o + 4),
      origLen: b.readUInt32LE(o + 12),
      data: new Uint8Array(b.subarray(o + 16, o + 16 + incl)),
    });
    o += 16 + incl;
  }
  return { linktype: b.readUInt32LE(20), nano, recs };
}

/** Writes the scenario's files into `dir`; returns their paths and the truth in point ids. */
export function materializeScenario(s: Scenario, dir: string): { files: string[]; truth: Truth } {
  mkdirSync(dir, { recursive: true });
  const points = new Map<string, PointTruth>();
  const vethOf = new Map<string, string>();
  const files: string[] = [];
  // Capture ids as the product names them ('a-node1/eth0.pcap' where names collide).
  const ids = captureNames(s.files.map((f) => f.as));
  for (const [n, f] of s.files.entries()) {
    const out = join(dir, f.as);
    const id = ids[n];
    mkdirSync(dirname(out), { recursive: true });
    files.push(out);
    if ('src' in f) {
      if (s.bpf) {
        const r = spawnSync('tcpdump', ['-r', join(FIXTURES, 'captures', f.src), '-w', out, s.bpf], { stdio: 'ignore' });
        if (r.status !== 0) throw new Error(`tcpdump could not filter ${f.src}`);
      } else copyFileSync(join(FIXTURES, 'captures', f.src), out);
      const subs = subPoints(id, f.src, f.truth.node);
      if (subs.length) subs.forEach(([sub, t]) => points.set(sub, t));
      else points.set(id, f.truth);
      if (f.pod) vethOf.set(f.pod, id);
      continue;
    }
    const ifaces: PcapngInterface[] = [];
    const packets: PcapngPacket[] = [];
    for (const [i, x] of f.pcapng.entries()) {
      const p = readPcap(join(FIXTURES, 'captures', x.src));
      ifaces.push({ linktype: p.linktype, name: x.name, tsresolExp: p.nano ? 9 : 6 });
      for (const r of p.recs)
        packets.push({ iface: i, tsSec: r.sec, tsNsec: p.nano ? r.frac : r.frac * 1000, data: r.data, origLen: r.origLen });
      const sub = `${id}#${x.name}`;
      points.set(sub, x.truth);
      if (x.pod) vethOf.set(x.pod, sub);
    }
    packets.sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
    writeFileSync(out, encodePcapng({ interfaces: ifaces, packets }));
  }
  return { files, truth: { nodes: s.nodes, points, pods: s.pods.map((p) => ({ ...p, vethPoint: vethOf.get(p.ip) ?? null })) } };
}

export interface Score {
  right: number;
  total: number;
  misses: string[];
}
export type ScoreCard = Record<'point-node' | 'point-kind' | 'pod-node' | 'pod-mac' | 'pod-veth' | 'nodes' | 'bridges', Score>;

/** Scores the analysis against the truth, per fact class, with every miss named. */
export function scoreAnalysis(a: Analysis, truth: Truth): ScoreCard {
  const card = Object.fromEntries(
    ['point-node', 'point-kind', 'pod-node', 'pod-mac', 'pod-veth', 'nodes', 'bridges'].map((k) => [k, { right: 0, total: 0, misses: [] }]),
  ) as unknown as ScoreCard;
  const check = (k: keyof ScoreCard, ok: boolean, miss: string) => {
    card[k].total++;
    if (ok) card[k].right++;
    else card[k].misses.push(miss);
  };
  // Model node -> truth node: by underlay address, else by name.
  const truthOf = new Map<string, string>();
  for (const n of a.model.nodes) {
    const t = truth.nodes.find((x) => n.underlayIps.includes(x.underlayIp)) ?? truth.nodes.find((x) => x.name === n.id);
    if (t) truthOf.set(n.id, t.name);
  }
  const mapped = (id: string | null) => (id === null ? null : (truthOf.get(id) ?? null));
  for (const [id, t] of truth.points) {
    const p = a.points.find((x) => x.id === id);
    check(
      'point-node',
      !!p && mapped(p.node) === t.node,
      `${id}: node ${p?.node ?? 'missing'} (${mapped(p?.node ?? null)}), want ${t.node}`,
    );
    if (t.kind !== 'unknown') check('point-kind', !!p && p.kind === t.kind, `${id}: kind ${p?.kind ?? 'missing'}, want ${t.kind}`);
  }
  for (const tp of truth.pods) {
    const p = a.model.pods.find((x) => x.ip === tp.ip);
    // A pod that never sends a packet of the set shows neither its MAC nor itself (its veth may be captured).
    if (!p && !a.flows.some((f) => (f.a.ip === tp.ip && f.aToB.packets > 0) || (f.b.ip === tp.ip && f.bToA.packets > 0))) continue;
    check('pod-node', !!p && mapped(p.node) === tp.node, `${tp.name} ${tp.ip}: node ${p?.node ?? 'no pod'}, want ${tp.node}`);
    check('pod-mac', !!p && p.mac === tp.mac, `${tp.name} ${tp.ip}: MAC ${p?.mac ?? 'no pod'}, want ${tp.mac}`);
    if (tp.vethPoint !== null) {
      const v = a.model.veths.find((x) => x.point === tp.vethPoint);
      check(
        'pod-veth',
        !!v && v.pod === tp.ip,
        `${tp.name} ${tp.ip}: veth capture ${tp.vethPoint} holds ${v ? (v.pod ?? 'no pod') : 'no veth'}`,
      );
    }
  }
  const seen = new Map<string, string[]>();
  for (const n of a.model.nodes) {
    const t = truthOf.get(n.id);
    if (t) seen.set(t, [...(seen.get(t) ?? []), n.id]);
    else check('nodes', false, `phantom node ${n.id}`);
  }
  for (const t of truth.nodes) {
    const got = seen.get(t.name) ?? [];
    const captured = [...truth.points.values()].some((p) => p.node === t.name);
    if (got.length === 0 && !captured) continue;
    check('nodes', got.length === 1, `${t.name}: ${got.length ? `split into ${got.join(', ')}` : 'missing'}`);
  }
  const wantBridges = new Set([...truth.points.values()].filter((p) => p.kind === 'bridge').map((p) => p.node));
  for (const t of truth.nodes) {
    const got = a.model.bridges.filter((b) => mapped(b.node) === t.name);
    check(
      'bridges',
      got.length === (wantBridges.has(t.name) ? 1 : 0),
      `${t.name}: ${got.length} bridges (${got.map((b) => b.id).join(', ')})`,
    );
  }
  for (const b of a.model.bridges) if (!mapped(b.node)) check('bridges', false, `bridge ${b.id} on no known node`);
  return card;
}
