// Interface naming conventions of Linux pod networks and capture file-name conventions.
//
//   veth*, cali*, tap*, lxc*       -> veth     (pod side of a veth pair, Calico's and Cilium's host-side veths;
//   <pod prefix>-<6 hex>                       Antrea's host-side veths, 'frontend-3a1c2e', recorded names only)
//   docker0, cni0, cbr0, br-*, antrea-gw0, weave  -> bridge (Antrea's gateway interface, Weave's bridge)
//   flannel.1, vxlan.calico, vxlan*, genev_sys_*  -> vtep (kernel tunnel endpoint devices; Weave's vxlan-6784)
//   flannel0, tunl0, tun*          -> tun      (raw IP devices: flannel UDP backend, Calico IP-in-IP)
//   antrea-tun0                    -> no kind  (Antrea's tunnel port: VXLAN, Geneve or GRE, so its frames tell)
//   eth*, ens*, enp*, eno*, bond*, em*  -> underlay (the node's NIC)
//   any                            -> any      (Linux cooked capture of every interface)
//   lo                             -> loopback

import type { InterfaceKind } from './types';

/**
 * Antrea's host-side veth name: the pod name's first 8 characters (a trailing '-' kept:
 * 'coredns--9d2c41'), '-' and 6 hex digits of a hash, 15 characters at most. Read in a file name
 * only after a node name other captures give: alone, it could be a node's name.
 */
const ANTREA_VETH_RE = /^[a-z0-9][a-z0-9.-]{0,7}-[0-9a-f]{6}$/i;

interface KindRule {
  readonly re: RegExp;
  readonly kind: InterfaceKind;
}

/** Ordered: the first rule that matches the whole name wins. */
const KIND_RULES: readonly KindRule[] = [
  { re: /^(veth[0-9a-z@_.-]*|cali[0-9a-z]+|tap[0-9a-z-]+|lxc[0-9a-z]+)$/i, kind: 'veth' },
  { re: /^(docker0|cni0|cbr0|br-[0-9a-z]+|kube-bridge|antrea-gw\d+|weave)$/i, kind: 'bridge' },
  { re: /^(flannel\.\d+|flannel-v6\.\d+|vxlan\.calico|vxlan[0-9a-z._-]*|genev_sys_\d+|cilium_vxlan|cilium_geneve)$/i, kind: 'vtep' },
  { re: /^(flannel0|tunl0|tun\d+|wg\d+|flannel-wg)$/i, kind: 'tun' },
  { re: /^(eth\d+(\.\d+)?|ens[0-9a-z]+|enp[0-9a-z]+|eno\d+|bond\d+|em\d+|enx[0-9a-f]+)$/i, kind: 'underlay' },
  { re: /^any$/i, kind: 'any' },
  { re: /^lo$/i, kind: 'loopback' },
  // Last: a name only a recorded interface name, or a file name with a node before it, gives.
  { re: ANTREA_VETH_RE, kind: 'veth' },
];

/** Whether a name is Antrea's host-side veth name ('frontend-3a1c2e', 'coredns--9d2c41'). */
export function isAntreaVethName(name: string): boolean {
  return ANTREA_VETH_RE.test(name);
}

/**
 * A name of a Linux interface's form that no convention gives a kind ('net1h1', 'storage0', 'data0.100'):
 * 15 characters at most (the kernel's limit), a letter first, then letters and digits (a VLAN's '.N'
 * at the end), and a digit, as interface names carry (a word such as 'test' or 'before' names no
 * interface, 'capture2' a capture's). No separator: 'cni0-ops2' is a known interface with a note after
 * it, and a pod's name as controllers make it has a '-'. Read only where a file name's rest follows a node name other captures give.
 */
export function isInterfaceLikeName(name: string): boolean {
  return (
    name.length <= 15 &&
    /^[a-z][a-z0-9]*(\.\d+)?$/i.test(name) &&
    /\d/.test(name) &&
    !GENERIC_WORDS.has(name.toLowerCase().replace(/\d+$/, ''))
  );
}

/** Kind of an interface from its name; 'unknown' when no convention applies. */
export function interfaceKindFromName(name: string): InterfaceKind {
  for (const r of KIND_RULES) if (r.re.test(name)) return r.kind;
  return 'unknown';
}

/** Interface names that may appear in a file name (the same conventions, unanchored pieces). */
const IFACE_IN_NAME =
  'cilium_vxlan|cilium_geneve|cilium_host|cilium_net|veth[0-9a-z]*|cali(?!co$)[0-9a-z]*|lxc[0-9a-z]+|docker0|cni0|cbr0|br-[0-9a-z]+|kube-bridge|flannel\\.\\d+|flannel-v6\\.\\d+|flannel0|vxlan\\.calico|' +
  'antrea-gw\\d+|antrea-tun\\d+|weave|vxlan-\\d+|vxlan[0-9a-z]*|genev_sys_\\d+|tunl0|tun\\d+|wg\\d+|eth\\d+|ens[0-9a-z]+|enp[0-9a-z]+|eno\\d+|bond\\d+|any|lo';
/** Names that may open a file name ('eth0-node1.pcap'): only unmistakable ones ('calico-x' is no cali* veth). */
const IFACE_AS_PREFIX =
  'docker0|cni0|cbr0|antrea-gw\\d+|antrea-tun\\d+|flannel\\.\\d+|flannel-v6\\.\\d+|flannel0|tunl0|eth\\d+|ens\\d[0-9a-z]*|enp\\d[0-9a-z]*|eno\\d+|bond\\d+';
const SUFFIX_RE = new RegExp(`^(.+?)[-_.@+](${IFACE_IN_NAME})$`, 'i');
const PREFIX_RE = new RegExp(`^(${IFACE_AS_PREFIX})[-_@+](.+)$`, 'i');
const ONLY_RE = new RegExp(`^(${IFACE_IN_NAME})$`, 'i');
/** A capture's extension, with the piece number `tcpdump -C` appends ('eth0.pcap1', 'eth0.pcap12') and a compression suffix. */
const EXT_RE = /(\.(pcapng|pcap|cap|dmp|trace)\d*)?(\.(gz|gzip))?$/i;

/**
 * Words capture tools and people name files with ('capture.pcapng', 'trace.pcap', 'tcpdump-2348.pcapng',
 * 'out.pcap'): they say the file is a capture, not which node took it.
 */
const GENERIC_WORDS = new Set(
  (
    'capture captures cap pcap pcapng trace traces dump dumps tcpdump dumpcap tshark wireshark termshark snoop sniff ' +
    'packets pkts out output tmp temp untitled pcaps data logs files nodes'
  ).split(' '),
);
/** A number, date or time ('2348', '2024', '20241203T101010', '1733220000'): a file name's serial, never a node's name. */
const SERIAL_RE = /^\d+([tT]\d+)?[zZ]?$/;

/**
 * Whether a file name's stem is only generic capture words with serials or dates around them
 * ('capture', 'capture-1', 'tcpdump-2024-12-03', 'out', 'trace_001'): no node name is in it.
 */
export function isGenericCaptureName(stem: string): boolean {
  const words = stem
    .toLowerCase()
    .split(/[-_.\s]+/)
    .filter((w) => w !== '');
  return words.some((w) => GENERIC_WORDS.has(w)) && words.every((w) => GENERIC_WORDS.has(w) || SERIAL_RE.test(w));
}

function hasGenericWord(stem: string): boolean {
  return stem
    .toLowerCase()
    .split(/[-_.\s]+/)
    .some((w) => GENERIC_WORDS.has(w));
}

export interface FileNameAttribution {
  readonly node: string | null;
  readonly interface: string | null;
  /** The node's address when the file is named after it ('node-10.0.0.5.pcap', 'ip-10-0-0-5-eth0.pcap'). */
  readonly nodeIp: string | null;
  /** The name without directories, capture extensions, dates and tools' words ('a-node2' for 'a-node2_2026-12-07.pcapng'). */
  readonly stem: string;
  /** The name is a generic capture name ('capture.pcapng', 'tcpdump-eth0.pcap'): whatever it holds besides an interface names no node. */
  readonly generic: boolean;
}

/** Base name of a path, without directories ('/' or '\'). */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

/**
 * Node and interface from a capture file name: 'node1-docker0.pcap', 'node1_eth0.pcapng',
 * 'kind-worker2-flannel.1.pcap', 'eth0-node1.pcap', 'cni0.pcap' (interface only), 'ip-10-0-5-7-web-0.pcap'
 * (node only: the rest names a pod).
 */
export function attributionFromFileName(path: string): FileNameAttribution {
  const whole = baseName(path).replace(EXT_RE, '');
  const a = withoutLabel(withAddress(nodeAndInterface(namePart(whole))));
  // 'capture-eth0.pcap', 'tcpdump-2348.pcapng': the interface stands, the rest names no node.
  const generic =
    a.node === null ? isGenericCaptureName(whole) || (a.interface !== null && hasGenericWord(whole)) : isGenericCaptureName(a.node);
  if (a.nodeIp === null && generic) return { ...a, node: null, generic: true };
  return a;
}

/**
 * Whether a file name says it is one piece of a rotated capture: the number `tcpdump -C`/`-W` puts
 * after the extension ('eth0.pcap3'), or a ring buffer's piece number and time ('…_00004_20261207122425.pcapng').
 */
export function isRotationPiece(path: string): boolean {
  const name = baseName(path).replace(/\.(gz|gzip)$/i, '');
  return /\.(pcapng|pcap|cap|dmp|trace)\d+$/i.test(name) || RING_AT_END.test(name.replace(EXT_RE, ''));
}

/** A date or time as people and rotation scripts put in file names: '2026-12-07', '20261207T101010Z', '10-10-10', '1733220000'. */
const STAMP_RE = /^(\d{4}-\d{2}-\d{2}([tT_-]?\d{2}[-:]?\d{2}([-:]?\d{2})?)?[zZ]?|\d{8}([tT_-]?\d{4,6})?[zZ]?|\d{2}-\d{2}-\d{2}|\d{9,})$/;
const STAMP_AT_END = new RegExp(`[-_.](${STAMP_RE.source.slice(1, -1)})$`);
/**
 * A ring buffer's piece number and start time, as dumpcap and tshark `-b` name the pieces
 * ('node3_eth0_00004_20261207122429.pcapng'): the piece, not the place.
 */
const RING_AT_END = /[-_]\d{5}[-_]\d{14}$/;
const STAMP_AT_START = new RegExp(`^(${STAMP_RE.source.slice(1, -1)})[-_.]`);
/** A capture tool's word opening or closing a name ('tcpdump-worker-2-cni0', 'node1_eth0_capture'). */
const TOOL_AT_START = /^(tcpdump|dumpcap|tshark|capture|trace|dump|pcap)[-_.]/i;
const TOOL_AT_END = /[-_.](tcpdump|dumpcap|tshark|capture|trace|dump|pcap)$/i;

/**
 * The part of a file name's stem that may name a node and an interface: dates, times and capture
 * tools' words around it are dropped ('node1_eth0_2026-12-07' -> 'node1_eth0',
 * 'tcpdump-worker-2-veth3f9a2b1c' -> 'worker-2-veth3f9a2b1c'), as long as something is left.
 */
function namePart(stem: string): string {
  let s = stem;
  for (let changed = true; changed;) {
    changed = false;
    for (const re of [RING_AT_END, STAMP_AT_END, STAMP_AT_START, TOOL_AT_START, TOOL_AT_END]) {
      const m = re.exec(s);
      if (m && m[0].length < s.length) {
        s = m.index === 0 ? s.slice(m[0].length) : s.slice(0, m.index);
        changed = true;
      }
    }
  }
  return s;
}

function nodeAndInterface(stem: string): FileNameAttribution {
  const generic = false;
  // 'vxlan.calico', 'flannel.1': the whole name is an interface's before any split is tried.
  let m = ONLY_RE.exec(stem);
  if (m) return { node: null, interface: m[1], nodeIp: null, stem, generic };
  m = SUFFIX_RE.exec(stem);
  if (m) return { node: m[1], interface: m[2], nodeIp: null, stem, generic };
  m = PREFIX_RE.exec(stem);
  if (m) return { node: m[2], interface: m[1], nodeIp: null, stem, generic };
  // A cloud host's full name ('ip-10-0-3-17.eu-west-1.compute.internal.pcapng', as `hostname -f`
  // gives it): the whole name is the node's, the domain after the first dot names no pod.
  if (CLOUD_FQDN_RE.test(stem)) return { node: stem, interface: null, nodeIp: null, stem, generic };
  // A cloud host name opening the name ('ip-10-0-5-7-web-0'): that node, the rest names a pod.
  m = ADDRESS_PREFIX_RE.exec(stem);
  if (m) return { node: m[1], interface: null, nodeIp: null, stem, generic };
  return { node: null, interface: null, nodeIp: null, stem, generic };
}

/** An address-named node opening a longer name: 'ip-10-0-0-5-…' (as cloud hosts are named), 'node-10.0.0.5-…'. */
const ADDRESS_PREFIX_RE = /^(ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}|node-\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})[-_.](?!\d)(.+)$/i;

/** 'node-10.0.0.5', '10.0.0.5', 'ip-10-0-0-5' (cloud host names), with an optional 'node'/'host' prefix. */
const ADDRESS_NODE_RE = /^(?:(?:node|host|ip)[-_.]?)?(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})$/i;
/**
 * A cloud host's fully qualified name: 'ip-10-0-3-17.eu-west-1.compute.internal', 'ip-10-0-3-17.ec2.internal'
 * (EKS nodes are named so): the address and a domain of two labels or more.
 */
const CLOUD_FQDN_RE = /^ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?){2,}$/i;

/**
 * A node named after its address ('ip-10-0-5-7' as cloud hosts are, 'node-10.0.5.7'): the name
 * stays (a bare address becomes 'node-<address>', the id a node with no name gets) and the address
 * ties it to the node that owns it.
 */
function withAddress(a: FileNameAttribution): FileNameAttribution {
  const m = ADDRESS_NODE_RE.exec(a.node ?? a.stem) ?? (a.node !== null ? CLOUD_FQDN_RE.exec(a.node) : null);
  if (!m || (a.node === null && a.interface !== null)) return a;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((x) => x > 255)) return a;
  const ip = parts.join('.');
  const named = a.node ?? a.stem;
  return { ...a, node: /^\d/.test(named) ? `node-${ip}` : named, nodeIp: ip };
}

/**
 * A word that labels what follows as a node ('node_k8s-worker-02_cni0'): a Kubernetes node's name
 * never holds '_' (it is a DNS name), so 'node_' or 'host_' before a name with a letter in it is a
 * label, not part of the name. 'node-2' and 'node_1' stay as they are.
 */
const LABEL_RE = /^(?:node|host)_(?=[^_]*[a-z])([a-z0-9][^_]*)$/i;

function withoutLabel(a: FileNameAttribution): FileNameAttribution {
  const m = a.node !== null && a.nodeIp === null ? LABEL_RE.exec(a.node) : null;
  return m ? { ...a, node: m[1] } : a;
}

/** The directories of a path, innermost last ('a/b/c.pcap' -> ['a', 'b']). */
function directories(path: string): string[] {
  return path.split(/[\\/]/).slice(0, -1);
}

/**
 * Names for the captures of a set: the file's base name, with as many of its directories before it
 * as tell it from other files of the same name ('worker-1/eth0.pcap', 'worker-2/eth0.pcap'); a
 * counter only where the paths themselves are equal ('eth0.pcap (2)').
 */
export function captureNames(paths: readonly string[]): string[] {
  const parts = paths.map((p) => p.split(/[\\/]/).filter((x) => x !== '' && x !== '.'));
  const nameOf = (i: number, depth: number) => parts[i].slice(Math.max(0, parts[i].length - depth)).join('/');
  const depth = paths.map(() => 1);
  for (let grew = true; grew;) {
    grew = false;
    const byName = new Map<string, number[]>();
    parts.forEach((_, i) => {
      const n = nameOf(i, depth[i]);
      (byName.get(n) ?? byName.set(n, []).get(n)!).push(i);
    });
    for (const same of byName.values()) {
      if (same.length < 2) continue;
      for (const i of same) {
        if (depth[i] < parts[i].length && same.some((j) => j !== i && nameOf(j, depth[i] + 1) !== nameOf(i, depth[i] + 1))) {
          depth[i]++;
          grew = true;
        }
      }
    }
  }
  const used = new Map<string, number>();
  return parts.map((_, i) => {
    const b = nameOf(i, depth[i]);
    const n = (used.get(b) ?? 0) + 1;
    used.set(b, n);
    return n === 1 ? b : `${b} (${n})`;
  });
}

export interface DirectoryNode {
  readonly node: string;
  readonly nodeIp: string | null;
  readonly directory: string;
}

/**
 * Nodes named by a capture set laid out one directory per node ('worker-1/eth0.pcap',
 * 'worker-2/eth0.pcap'): a file's directory names its node when other files of the set lie in sibling
 * directories (the same parent), and the directory's name reads as a node's (not 'captures', a
 * date, or an interface's). A set whose files all share one directory says nothing by it.
 */
export function nodesFromDirectories(paths: readonly string[]): (DirectoryNode | null)[] {
  const dirs = paths.map(directories);
  const parentKey = (d: string[]) => d.slice(0, -1).join('/');
  const siblings = new Map<string, Set<string>>();
  for (const d of dirs) {
    if (!d.length) continue;
    const k = parentKey(d);
    (siblings.get(k) ?? siblings.set(k, new Set()).get(k)!).add(d[d.length - 1]);
  }
  return dirs.map((d) => {
    if (!d.length || (siblings.get(parentKey(d))?.size ?? 0) < 2) return null;
    const directory = d[d.length - 1];
    const a = attributionFromFileName(directory);
    if (a.generic || a.interface !== null) return null;
    const node = a.node ?? a.stem;
    if (!node || SERIAL_RE.test(node) || STAMP_RE.test(node) || isGenericCaptureName(node) || GENERIC_WORDS.has(node.toLowerCase()))
      return null;
    return { node, nodeIp: a.nodeIp, directory };
  });
}

/**
 * Interface names that exist both on a node and inside a pod's network namespace (eth0): they tell
 * the kind less surely than a name only one side uses (cni0, flannel.1, veth*, cali*, lxc*).
 */
export function isAmbiguousInterfaceName(name: string): boolean {
  return /^eth\d+$/i.test(name);
}

/**
 * The node a file name starts with, among node names other captures already give ('a-node2-web-0'
 * -> 'a-node2', the rest naming a pod): the longest such prefix followed by '-', '_' or '.'.
 */
export function nodePrefixOf(stem: string, nodes: Iterable<string>): string | null {
  let best: string | null = null;
  for (const n of nodes) {
    if (stem.length > n.length + 1 && stem.startsWith(n) && /[-_.]/.test(stem[n.length]) && (!best || n.length > best.length)) best = n;
  }
  return best;
}

/** A Kubernetes pod name: '<workload>-<template hash>-<suffix>' (Deployment) or '<workload>-<ordinal>' (StatefulSet). */
const POD_NAME_RE = /^([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)-(?:[a-z0-9]{6,10}-[a-z0-9]{5}|\d{1,4})$/;

/** The workload a pod name belongs to ('web-5d78cf5b9-hk4wz' -> 'web', 'redis-0' -> 'redis'), or null. */
export function workloadOf(podName: string): string | null {
  return POD_NAME_RE.exec(podName)?.[1] ?? null;
}

/**
 * The node a '<node>-<pod>' file name starts with, when the pod's workload is one other captures are
 * named after ('k3s-agent-4-coredns-1' with 'coredns-46a2c3a0f-rwvms.pcap' beside it -> 'k3s-agent-4'):
 * the longest such prefix. Without that the split is not known ('a-b-web-0' may be pod 'b-web-0').
 */
export function nodeBeforePod(stem: string, workloads: ReadonlySet<string>): string | null {
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    const w = workloadOf(stem.slice(i + 1));
    if (w !== null && workloads.has(w)) return stem.slice(0, i);
  }
  return null;
}

/**
 * The node a '<node>-<pod>' file name starts with, when the rest is exactly a pod that another capture
 * taken inside that pod is named after ('kind-control-plane-nginx-309aba7bf-qzc96' beside
 * 'nginx-309aba7bf-qzc96-eth0.pcap' -> 'kind-control-plane'): the longest such pod; the node part
 * must hold a letter.
 */
export function nodeBeforeNamedPod(stem: string, pods: Iterable<string>): { node: string; pod: string } | null {
  let best: { node: string; pod: string } | null = null;
  for (const pod of pods) {
    const cut = stem.length - pod.length - 1;
    if (cut <= 0 || !stem.endsWith(pod) || !/[-_.]/.test(stem[cut]) || (best && pod.length <= best.pod.length)) continue;
    const node = stem.slice(0, cut);
    if (/[a-z]/i.test(node)) best = { node, pod };
  }
  return best;
}

/** A name with its digits' runs made one: the shape numbered names share ('node3', 'node12' -> 'node0'; 'worker-02' -> 'worker-0'). */
export function nameShape(name: string): string {
  return name.replace(/\d+/g, '0');
}

/**
 * The node a '<node>-<pod>' file name starts with when the name splits only one way: one place where
 * the rest is a pod's name, the whole name is not one, and the node part holds a letter
 * ('gke-prod-default-53c71b30-67qb-auth-863b5ea511-zpbj8' -> 'gke-prod-default-53c71b30-67qb': no
 * workload name starts with '67qb'). 'a-b-web-0' splits two ways and gives null.
 */
export function nodeBeforeOnlyPod(stem: string): string | null {
  if (workloadOf(stem) !== null) return null;
  let node: string | null = null;
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (workloadOf(stem.slice(i + 1)) === null) continue;
    if (node !== null) return null;
    node = stem.slice(0, i);
  }
  return node !== null && /[a-z]/i.test(node) ? node : null;
}

/**
 * A name shaped like a pod's, loosely: a workload name and a 5-character suffix (Deployment and
 * DaemonSet pods, 'frontend-7d9f8b-x2k4p', 'node-exporter-x7k2p') or an ordinal (StatefulSet
 * pods, 'redis-0'). Only used for files the traffic already shows were taken inside a pod.
 */
const POD_LIKE_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*-(?:[a-z0-9]{5}|\d{1,4})$/;

export interface PodInFileName {
  readonly pod: string;
  readonly namespace: string | null;
}

/**
 * The pod a capture taken inside a pod is named after: '<pod>.pcap', '<pod>-eth0.pcap',
 * '<pod>_eth0.pcap', '<node>-<pod>.pcap' (a node `nodes` holds opening the name), and ksniff's
 * 'ksniff-<pod>-<namespace>.pcap'. Null when the name holds no pod-shaped name, or only a node's.
 */
export function podFromFileName(path: string, nodes: readonly string[]): PodInFileName | null {
  const stem = namePart(baseName(path).replace(EXT_RE, ''));
  const ksniff = /^k?sniff[-_](.+)$/i.exec(stem);
  if (ksniff) {
    const rest = ksniff[1];
    // '<pod>-<namespace>': the namespace may hold dashes too ('kube-system'), so the longest pod-shaped left part wins.
    for (let i = rest.lastIndexOf('-'); i > 0; i = rest.lastIndexOf('-', i - 1))
      if (POD_LIKE_RE.test(rest.slice(0, i))) return { pod: rest.slice(0, i), namespace: rest.slice(i + 1) };
    return POD_LIKE_RE.test(rest) ? { pod: rest, namespace: null } : null;
  }
  const eth = /^(.+?)[-_.](eth\d+)$/i.exec(stem);
  let name = eth ? eth[1] : stem;
  const node = nodePrefixOf(name, nodes);
  if (node !== null) name = name.slice(node.length + 1);
  return podShaped(name) && !nodes.includes(name) ? { pod: name, namespace: null } : null;
}

/** The alphabet of Kubernetes' random name suffixes (no vowels, no 0, 1 or 3, so no word is spelt). */
const K8S_SUFFIX_RE = /-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

/**
 * A file name that names a pod, more surely than `POD_LIKE_RE` (no ksniff prefix says so): not an
 * interface's name ('vethreuse01-2'), not a capture word with a serial ('capture-2'), and a suffix
 * Kubernetes could have drawn, or digits after the workload name (a pod-template hash), so that a
 * file named 'custom-block' names no pod.
 */
function podShaped(name: string): boolean {
  if (!POD_LIKE_RE.test(name) || interfaceKindFromName(name) !== 'unknown') return false;
  const dash = name.indexOf('-');
  if (GENERIC_WORDS.has(name.slice(0, dash))) return false;
  return /-\d{1,4}$/.test(name) || K8S_SUFFIX_RE.test(name) || /\d/.test(name.slice(dash));
}
