// The cluster graph: one model of the elements an analysis found (Kubernetes nodes as boxes holding
// their NIC, tunnel device, bridges, veths and pods; services; tunnels between nodes; the wires inside
// a node and from a service to its backends), with the ids notes are keyed by. The app draws it
// (main/backend/graph.ts maps it to Cytoscape elements) and the reports draw it (main/report), so a
// note on any element marks the same element in both.
//
// Ids are '<prefix>:<key>': node:, nic:, tun: (tunnel device), bridge:, veth:, pod:, svc:
// (service), link: (tunnel between two nodes) and e:<source>|<target> (a wire in a node, or a
// service to a backend pod). Older reports spelled some differently (tunnel-device:, service:,
// tunnel:, service:<s>>pod:<p>, or the bare model id): `resolveElement` maps those onto these.
import { endpoint, tunnelText, unknownLines } from '../../common/text';
import type { AnalysisData, CapturePoint, ClusterModel, Hop } from './types';

export type GraphNodeKind = 'node' | 'nic' | 'vtep' | 'tun' | 'bridge' | 'veth' | 'pod' | 'service';
/** wire: inside a node (pod—veth—bridge—tunnel device—NIC); tunnel: between two nodes' NICs; service: a service to a backend pod. */
export type GraphEdgeKind = 'wire' | 'tunnel' | 'service';

export interface GraphNode {
  readonly id: string;
  readonly kind: GraphNodeKind;
  /** The element's name: node name, interface name, namespace/pod, namespace/service. */
  readonly label: string;
  /** Its main address when the label does not say it (a pod's IP, a bridge's gateway), else null. */
  readonly address: string | null;
  /** Every address it is known by, ' · ' between them. */
  readonly detail: string;
  /** The Kubernetes node box it sits in, null for nodes, services and what no node claims. */
  readonly parent: string | null;
  /** Why the analysis believes in it (the first reasons). */
  readonly evidence: string;
  /** Findings about it (nodes only; 0 for the rest). */
  readonly findings: number;
  /** The capture points taken on it. */
  readonly points: readonly string[];
  /** Why its unknown facts are unknown, one line each ('gateway address unknown: no ARP or IP packet of …'); absent when none. */
  readonly unknown?: readonly string[];
}

export interface GraphEdge {
  readonly id: string;
  readonly kind: GraphEdgeKind;
  readonly source: string;
  readonly target: string;
  readonly label: string;
  readonly evidence: string;
  /** Packets seen on a tunnel; null for the other kinds (the app counts them from its packet table). */
  readonly packets: number | null;
}

export interface ClusterGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export const nodeId = (n: string) => `node:${n}`;
export const nicId = (n: string) => `nic:${n}`;
export const tunId = (n: string) => `tun:${n}`;
export const bridgeId = (b: string) => `bridge:${b}`;
export const vethId = (v: string) => `veth:${v}`;
export const podId = (ip: string) => `pod:${ip}`;
export const svcId = (s: string) => `svc:${s}`;
export const linkId = (t: string) => `link:${t}`;
export const wireId = (source: string, target: string) => `e:${source}|${target}`;

/** The prefix and the key of an element id ('svc', 'udp 10.96.0.10:53'). */
export function splitElementId(id: string): { prefix: string; key: string } {
  const i = id.indexOf(':');
  return i < 0 ? { prefix: '', key: id } : { prefix: id.slice(0, i), key: id.slice(i + 1) };
}

const why = (e: readonly { reason: string }[]) =>
  e
    .map((x) => x.reason)
    .slice(0, 3)
    .join('; ');

export function buildClusterGraph(a: AnalysisData): ClusterGraph {
  const m = a.model;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const ids = new Set<string>();
  const addNode = (n: Omit<GraphNode, 'findings' | 'points' | 'evidence'> & Partial<GraphNode>) => {
    if (ids.has(n.id)) return;
    ids.add(n.id);
    const { unknown, ...rest } = n;
    nodes.push({ evidence: '', findings: 0, points: [], ...rest, ...(unknown?.length ? { unknown } : {}) });
  };
  /** The reasons of some of an element's unknown fields, as lines. */
  const whyOf = <K extends string>(u: { readonly [F in K]?: string } | undefined, keys: readonly K[]) =>
    unknownLines(u && Object.fromEntries(keys.map((k) => [k, u[k]])));
  const addEdge = (kind: GraphEdgeKind, source: string, target: string, more: Partial<GraphEdge> = {}) => {
    const id = more.id ?? wireId(source, target);
    if (ids.has(id) || !ids.has(source) || !ids.has(target)) return;
    ids.add(id);
    edges.push({ id, kind, source, target, label: '', evidence: '', packets: null, ...more });
  };
  const findingsOn = new Map<string, number>();
  for (const f of a.findings) if (f.node) findingsOn.set(f.node, (findingsOn.get(f.node) ?? 0) + 1);
  const ptIds = (pts: readonly CapturePoint[]) => pts.map((p) => p.id);

  for (const n of m.nodes) {
    const box = nodeId(n.id);
    const points = a.points.filter((p) => p.node === n.id || (n.name !== null && p.node === n.name));
    // Calico: the pod blocks BGP says this node owns (next hop = its address).
    const bgpBlocks = (m.bgp?.blocks ?? []).filter((b) => b.node === n.id && !b.withdrawn).map((b) => b.cidr);
    const cidrs = bgpBlocks.length
      ? `BGP blocks ${bgpBlocks.join(', ')}`
      : n.podCidr
        ? `pods ${n.podCidr}`
        : n.unknown?.podCidr
          ? 'pods unknown'
          : '';
    addNode({
      id: box,
      kind: 'node',
      label: n.name ?? n.id,
      address: null,
      detail: [n.underlayIps.join(', '), cidrs].filter(Boolean).join(' · '),
      parent: null,
      evidence: [why(n.evidence), bgpBlocks.length ? `BGP: owns ${bgpBlocks.join(', ')}` : ''].filter(Boolean).join('; '),
      findings: findingsOn.get(n.id) ?? 0,
      points: ptIds(points),
      unknown: bgpBlocks.length ? [] : whyOf(n.unknown, ['podCidr']),
    });
    const nics = points.filter((p) => p.kind === 'underlay');
    addNode({
      id: nicId(n.id),
      kind: 'nic',
      label: [...new Set(nics.map((p) => p.interface ?? 'NIC'))].join(', ') || 'NIC',
      address: n.underlayIps.join(', ') || null,
      detail: [
        ...(n.underlayIps.length ? n.underlayIps : n.unknown?.underlayIps ? ['address unknown'] : []),
        ...(n.underlayMacs.length ? n.underlayMacs : n.unknown?.underlayMacs ? ['MAC unknown'] : []),
      ].join(' · '),
      parent: box,
      points: ptIds(nics),
      unknown: whyOf(n.unknown, ['underlayIps', 'underlayMacs']),
    });
    const tuns = points.filter((p) => p.kind === 'vtep' || p.kind === 'tun');
    if (tuns.length || n.vtepIp !== null || n.vtepMac !== null || m.tunnels.some((t) => t.nodes.includes(n.id))) {
      addNode({
        id: tunId(n.id),
        kind: tuns.some((p) => p.kind === 'tun') ? 'tun' : 'vtep',
        label: [...new Set(tuns.map((p) => p.interface ?? 'tunnel'))].join(', ') || 'tunnel device',
        address: n.vtepIp,
        detail: [n.vtepIp ?? (n.unknown?.vtepIp ? 'address unknown' : null), n.vtepMac ?? (n.unknown?.vtepMac ? 'MAC unknown' : null)]
          .filter(Boolean)
          .join(' · '),
        parent: box,
        evidence: n.vtepMac ? `VTEP MAC ${n.vtepMac}` : '',
        points: ptIds(tuns),
        unknown: whyOf(n.unknown, ['vtepIp', 'vtepMac']),
      });
    }
  }
  const parentOf = (node: string | null) => (node && ids.has(nodeId(node)) ? nodeId(node) : null);
  for (const b of m.bridges)
    addNode({
      id: bridgeId(b.id),
      kind: 'bridge',
      label: b.name,
      address: b.gatewayIp,
      detail: [
        b.gatewayIp ?? (b.unknown?.gatewayIp ? 'gateway unknown' : null),
        b.gatewayMac ?? (b.unknown?.gatewayMac ? 'MAC unknown' : null),
      ]
        .filter(Boolean)
        .join(' · '),
      parent: parentOf(b.node),
      evidence: why(b.evidence),
      points: b.point ? [b.point] : [],
      unknown: whyOf(b.unknown, ['gatewayIp', 'gatewayMac']),
    });
  for (const v of m.veths)
    addNode({
      id: vethId(v.id),
      kind: 'veth',
      label: v.name,
      address: null,
      detail: v.pod ? `pod ${v.pod}` : '',
      parent: parentOf(v.node),
      evidence: why(v.evidence),
      points: v.point ? [v.point] : [],
    });
  for (const p of m.pods)
    addNode({
      id: podId(p.id),
      kind: 'pod',
      label: p.name ? `${p.namespace ? `${p.namespace}/` : ''}${p.name}` : p.ip,
      address: p.name ? p.ip : null,
      detail: [p.ip, p.mac ?? (p.unknown?.mac ? 'MAC unknown' : null)].filter(Boolean).join(' · '),
      parent: parentOf(p.node),
      evidence: why(p.evidence),
      points: p.ownPoints ?? [],
      unknown: whyOf(p.unknown, ['mac', 'node', 'veth']),
    });
  for (const s of m.services) {
    const at = endpoint(s.ip, s.port);
    addNode({
      id: svcId(s.id),
      kind: 'service',
      label: s.name ? `${s.namespace ? `${s.namespace}/` : ''}${s.name}` : `${s.protocol.toUpperCase()} ${at}`,
      address: s.name ? at : null,
      detail: [
        s.name ? `${s.protocol.toUpperCase()} ${at}` : '',
        s.natNodes.length ? `NAT on ${s.natNodes.join(', ')}` : s.unknown?.natNodes ? 'NAT node unknown' : '',
      ]
        .filter(Boolean)
        .join(' · '),
      parent: null,
      evidence: why(s.evidence),
      unknown: whyOf(s.unknown, ['natNodes']),
    });
  }

  // Inside each node: pod — veth — bridge — tunnel device — NIC.
  const bridgeOf = (node: string) => m.bridges.find((b) => b.node === node);
  for (const v of m.veths) {
    if (v.pod) addEdge('wire', podId(v.pod), vethId(v.id));
    const br = bridgeOf(v.node);
    if (br) addEdge('wire', vethId(v.id), bridgeId(br.id));
  }
  for (const p of m.pods) {
    if (!p.node || m.veths.some((v) => v.pod === p.id)) continue;
    const br = bridgeOf(p.node);
    addEdge('wire', podId(p.id), br ? bridgeId(br.id) : ids.has(tunId(p.node)) ? tunId(p.node) : nicId(p.node));
  }
  for (const n of m.nodes) {
    const up = ids.has(tunId(n.id)) ? tunId(n.id) : nicId(n.id);
    for (const b of m.bridges) if (b.node === n.id) addEdge('wire', bridgeId(b.id), up);
    if (ids.has(tunId(n.id))) addEdge('wire', tunId(n.id), nicId(n.id));
  }
  for (const t of m.tunnels)
    addEdge('tunnel', nicId(t.nodes[0]), nicId(t.nodes[1]), {
      id: linkId(t.id),
      label: tunnelText(t),
      evidence: why(t.evidence),
      packets: t.packets,
    });
  for (const s of m.services)
    for (const b of s.backends) {
      // By the model's pod id, else by address when one pod only has it (two clusters opened together may both hold it).
      const byIp = m.pods.filter((p) => p.ip === b.ip);
      const pod = m.pods.find((p) => p.id === b.pod) ?? (byIp.length === 1 ? byIp[0] : undefined);
      if (pod) addEdge('service', svcId(s.id), podId(pod.id), { label: endpoint(b.ip, b.port) });
    }
  return { nodes, edges };
}

/** What an element is called on its own: its name, then its address when the name does not say it. */
export const caption = (n: GraphNode): string => (n.address ? `${n.label} ${n.address}` : n.label);

/** How notes and lists name an element of `g`: a node's caption; a link's label and its two ends. */
export function elementName(g: ClusterGraph, id: string): string | null {
  const node = (x: string) => g.nodes.find((n) => n.id === x);
  const n = node(id);
  if (n) return caption(n);
  const e = g.edges.find((x) => x.id === id);
  if (!e) return null;
  const end = (x: string) => {
    const m = node(x);
    return m ? caption(m) : x;
  };
  return `${e.label || e.kind} (${end(e.source)} ⇄ ${end(e.target)})`;
}

/** Id forms older reports and sessions used, by prefix, and what they are now. */
const LEGACY_PREFIX: Record<string, string> = { 'tunnel-device': 'tun', service: 'svc', tunnel: 'link' };
const BARE_KINDS = new Set<GraphNodeKind>(['node', 'bridge', 'veth', 'pod', 'service']);

/**
 * The id an element goes by in `g` when a note names it `id`: the id itself, an older spelling of it
 * (tunnel-device:, service:, tunnel:, 'service:<s>>pod:<p>'), or a bare model id naming one element
 * only ('node1', 'node1/cni0': a node, bridge, veth, pod or service). Null when it names nothing in this graph.
 */
export function resolveElement(g: ClusterGraph, id: string): string | null {
  const ix = indexOf(g);
  if (ix.ids.has(id)) return id;
  const { prefix, key } = splitElementId(id);
  const now = LEGACY_PREFIX[prefix];
  if (now) {
    const backend = prefix === 'service' ? key.lastIndexOf('>pod:') : -1;
    const mapped = backend >= 0 ? wireId(svcId(key.slice(0, backend)), key.slice(backend + 1)) : `${now}:${key}`;
    if (ix.ids.has(mapped)) return mapped;
  }
  const bare = ix.bare.get(id);
  return bare?.length === 1 ? bare[0] : null;
}

/** Every id of a graph, and the ids by bare key (older reports took the bare model id of a node, bridge, veth, pod or service). */
const indexes = new WeakMap<ClusterGraph, { ids: Set<string>; bare: Map<string, string[]> }>();
function indexOf(g: ClusterGraph): { ids: Set<string>; bare: Map<string, string[]> } {
  let ix = indexes.get(g);
  if (!ix) {
    ix = { ids: new Set([...g.nodes.map((n) => n.id), ...g.edges.map((e) => e.id)]), bare: new Map() };
    for (const n of g.nodes) {
      if (!BARE_KINDS.has(n.kind)) continue;
      const k = splitElementId(n.id).key;
      ix.bare.set(k, [...(ix.bare.get(k) ?? []), n.id]);
    }
    indexes.set(g, ix);
  }
  return ix;
}

/** Element id a capture point stands for in the graph. */
export function pointElement(p: Pick<CapturePoint, 'id' | 'node' | 'interface' | 'kind'>, model: ClusterModel): string | null {
  if (!p.node) return null;
  // A capture taken inside a pod stands for the pod.
  const inside = model.pods.find((x) => x.ownPoints?.includes(p.id));
  if (inside) return podId(inside.id);
  const name = p.interface ?? '';
  switch (p.kind) {
    case 'veth': {
      const v = model.veths.find((x) => x.node === p.node && x.name === name);
      return v ? vethId(v.id) : null;
    }
    case 'bridge': {
      const b = model.bridges.find((x) => x.node === p.node && x.name === name);
      return b ? bridgeId(b.id) : null;
    }
    case 'vtep':
    case 'tun':
      return tunId(p.node);
    case 'underlay':
      return nicId(p.node);
    default:
      return nodeId(p.node);
  }
}

/** Elements each hop lights up: its capture point, the end pods, and the tunnel when it crossed nodes. */
export function hopElements(hops: readonly Hop[], a: AnalysisData): string[][] {
  const pointById = new Map(a.points.map((p) => [p.id, p]));
  return hops.map((h, i) => {
    const out: string[] = [];
    const p = pointById.get(h.point);
    const el = p ? pointElement(p, a.model) : h.node ? nodeId(h.node) : null;
    if (el) out.push(el);
    if (i === 0 || i === hops.length - 1) {
      const ip = i === 0 ? h.headers.src : h.headers.dst;
      if (a.model.pods.some((x) => x.id === ip)) out.unshift(podId(ip));
    }
    const prev = hops[i - 1];
    if (prev && prev.node && h.node && prev.node !== h.node) {
      const tun = a.model.tunnels.find((x) => x.nodes.includes(prev.node!) && x.nodes.includes(h.node!));
      if (tun) out.unshift(linkId(tun.id));
    }
    return out;
  });
}
