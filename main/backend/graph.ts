// The cluster model as Cytoscape elements (compound node boxes holding pods, veths, bridge, tunnel
// device and NIC; underlay links labelled with the tunnel; services), the packets behind each
// element (for "select an element, filter the list") and the elements a hop lights up.
import type { GraphElementView } from '../../common/contract';
import type { AnalysisData, CapturePoint, ClusterModel, Hop, Tunnel } from '../topology/types';
import { parseIp4 } from '../topology/addr';
import type { PacketStore } from './store';
import type { RowLabels } from './columns';

type Data = GraphElementView['data'];

export const nodeId = (n: string) => `node:${n}`;
export const nicId = (n: string) => `nic:${n}`;
export const tunId = (n: string) => `tun:${n}`;
export const bridgeId = (b: string) => `bridge:${b}`;
export const vethId = (v: string) => `veth:${v}`;
export const podId = (ip: string) => `pod:${ip}`;
export const svcId = (s: string) => `svc:${s}`;
export const linkId = (t: string) => `link:${t}`;

const weight = (packets: number) => Math.max(1, Math.min(8, 1 + Math.log10(packets + 1) * 1.4));

export function tunnelLabel(t: Pick<Tunnel, 'type' | 'vni' | 'port'>): string {
  switch (t.type) {
    case 'vxlan':
      return `VXLAN${t.vni !== null ? ` VNI ${t.vni}` : ''}${t.port !== null ? ` :${t.port}` : ''}`;
    case 'geneve':
      return `Geneve${t.vni !== null ? ` VNI ${t.vni}` : ''}${t.port !== null ? ` :${t.port}` : ''}`;
    case 'flannel-udp':
      return `flannel UDP${t.port !== null ? ` :${t.port}` : ''}`;
    case 'ipip':
      return 'IP-in-IP';
    case 'ip6in4':
      return 'IPv6-in-IPv4';
    case 'gre':
      return `GRE${t.vni !== null ? ` key ${t.vni}` : ''}`;
    case 'wireguard':
      return 'WireGuard';
  }
}

/** Element id a capture point stands for in the graph. */
export function pointElement(p: Pick<CapturePoint, 'node' | 'interface' | 'kind'>, model: ClusterModel): string | null {
  if (!p.node) return null;
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

export function buildGraph(
  a: AnalysisData,
  packetsOfPoint: ReadonlyMap<string, number>,
  podPackets: ReadonlyMap<string, number>,
): GraphElementView[] {
  const m = a.model;
  const els: GraphElementView[] = [];
  const ids = new Set<string>();
  const add = (group: 'nodes' | 'edges', data: Data) => {
    if (ids.has(data.id)) return;
    if (group === 'edges' && (!ids.has(data.source!) || !ids.has(data.target!))) return;
    ids.add(data.id);
    els.push({ group, data });
  };
  const edge = (a1: string, b1: string, packets: number, kind = 'link', label = '') =>
    add('edges', { id: `e:${a1}|${b1}`, source: a1, target: b1, kind, label, packets, weight: weight(packets) });
  const pointsOf = (node: string, kinds: string[]) => a.points.filter((p) => p.node === node && kinds.includes(p.kind));
  const count = (pts: readonly CapturePoint[]) => pts.reduce((s, p) => s + (packetsOfPoint.get(p.id) ?? 0), 0);
  const why = (e: readonly { reason: string }[]) =>
    e
      .map((x) => x.reason)
      .slice(0, 3)
      .join('; ');

  const findingsOn = new Map<string, number>();
  for (const f of a.findings) if (f.node) findingsOn.set(f.node, (findingsOn.get(f.node) ?? 0) + 1);
  for (const n of m.nodes) {
    const nid = nodeId(n.id);
    // Calico: the pod blocks BGP says this node owns (next hop = its address).
    const bgpBlocks = (m.bgp?.blocks ?? []).filter((b) => b.node === n.id && !b.withdrawn).map((b) => b.cidr);
    add('nodes', {
      id: nid,
      label: n.name ?? n.id,
      kind: 'k8s-node',
      packets: 0,
      weight: 1,
      findings: findingsOn.get(n.id) ?? 0,
      evidence: [why(n.evidence), bgpBlocks.length ? `BGP: owns ${bgpBlocks.join(', ')}` : ''].filter(Boolean).join('; '),
    });
    const nics = pointsOf(n.id, ['underlay']);
    const nicName = nics[0]?.interface ?? 'NIC';
    add('nodes', {
      id: nicId(n.id),
      parent: nid,
      label: `${nicName} ${n.underlayIps.join(', ')}`.trim(),
      kind: 'nic',
      packets: count(nics),
      weight: 1,
    });
    const tuns = pointsOf(n.id, ['vtep', 'tun']);
    const hasTunnel = m.tunnels.some((t) => t.nodes.includes(n.id)) || tuns.length > 0 || n.vtepIp !== null;
    if (hasTunnel) {
      const label = tuns[0]?.interface ?? (n.vtepIp ? `vtep ${n.vtepIp}` : 'tunnel');
      add('nodes', {
        id: tunId(n.id),
        parent: nid,
        label,
        kind: 'tunnel',
        packets: count(tuns),
        weight: 1,
        evidence: n.vtepMac ? `VTEP MAC ${n.vtepMac}` : undefined,
      });
    }
  }
  for (const b of m.bridges) {
    const pts = a.points.filter((p) => p.id === b.point);
    add('nodes', {
      id: bridgeId(b.id),
      parent: nodeId(b.node),
      label: `${b.name}${b.gatewayIp ? ` ${b.gatewayIp}` : ''}`,
      kind: 'bridge',
      packets: count(pts),
      weight: 1,
      evidence: why(b.evidence),
    });
  }
  for (const p of m.pods) {
    add('nodes', {
      id: podId(p.id),
      parent: p.node ? nodeId(p.node) : undefined,
      label: p.name ? `${p.name} ${p.ip}` : p.ip,
      kind: 'pod',
      packets: podPackets.get(p.ip) ?? 0,
      weight: 1,
      evidence: why(p.evidence),
    });
  }
  for (const v of m.veths) {
    const pts = a.points.filter((p) => p.id === v.point);
    add('nodes', {
      id: vethId(v.id),
      parent: nodeId(v.node),
      label: v.name,
      kind: 'veth',
      packets: count(pts),
      weight: 1,
      evidence: why(v.evidence),
    });
  }
  for (const s of m.services) {
    add('nodes', {
      id: svcId(s.id),
      label: `${s.name ?? s.ip}${s.port !== null ? `:${s.port}` : ''}`,
      kind: 'service',
      packets: 0,
      weight: 1,
      evidence: why(s.evidence),
    });
  }
  // Inside each node: pod — veth — bridge — tunnel — NIC.
  for (const v of m.veths) {
    const pts = a.points.filter((p) => p.id === v.point);
    if (v.pod) edge(podId(v.pod), vethId(v.id), count(pts));
    const br = m.bridges.find((b) => b.node === v.node);
    if (br) edge(vethId(v.id), bridgeId(br.id), count(pts));
  }
  for (const p of m.pods) {
    if (!p.node || m.veths.some((v) => v.pod === p.id)) continue;
    const br = m.bridges.find((b) => b.node === p.node);
    edge(podId(p.id), br ? bridgeId(br.id) : ids.has(tunId(p.node)) ? tunId(p.node) : nicId(p.node), podPackets.get(p.ip) ?? 0);
  }
  for (const n of m.nodes) {
    const br = m.bridges.filter((b) => b.node === n.id);
    for (const b of br) edge(bridgeId(b.id), ids.has(tunId(n.id)) ? tunId(n.id) : nicId(n.id), count(pointsOf(n.id, ['bridge'])));
    if (ids.has(tunId(n.id))) edge(tunId(n.id), nicId(n.id), count(pointsOf(n.id, ['vtep', 'tun'])));
  }
  for (const t of m.tunnels) {
    const [x, y] = t.nodes;
    add('edges', {
      id: linkId(t.id),
      source: nicId(x),
      target: nicId(y),
      kind: 'underlay',
      label: tunnelLabel(t),
      packets: t.packets,
      weight: weight(t.packets),
      evidence: why(t.evidence),
    });
  }
  for (const s of m.services) {
    for (const b of s.backends) {
      const pod = m.pods.find((p) => p.id === b.pod || p.ip === b.ip);
      if (pod) edge(svcId(s.id), podId(pod.id), 0, 'service-link', b.port !== null ? `:${b.port}` : '');
    }
  }
  return els;
}

/** Rows an element stands for: the captures taken on it, or the traffic to and from it. */
export function elementPredicate(
  id: string,
  a: AnalysisData,
  s: PacketStore,
  labels: RowLabels,
  pointIndex: ReadonlyMap<string, number>,
): ((r: number) => boolean) | null {
  const t = s.table;
  const [kind, ...rest] = id.split(':');
  const key = rest.join(':');
  const pointsWhere = (f: (p: CapturePoint) => boolean) => {
    const set = new Uint8Array(labels.points.length + 1);
    for (const p of a.points) if (f(p)) set[pointIndex.get(p.id) ?? labels.points.length] = 1;
    return (r: number) => set[labels.pointOfRow[r]] === 1;
  };
  const addrIs = (ip: number) => (r: number) =>
    (t.innerVer[r] === 4 && (t.innerSrc[r] === ip || t.innerDst[r] === ip)) ||
    (t.outerVer[r] === 4 && (t.outerSrc[r] === ip || t.outerDst[r] === ip));
  switch (kind) {
    case 'node':
      return pointsWhere((p) => p.node === key);
    case 'nic':
      return pointsWhere((p) => p.node === key && p.kind === 'underlay');
    case 'tun':
      return pointsWhere((p) => p.node === key && (p.kind === 'vtep' || p.kind === 'tun'));
    case 'bridge': {
      const b = a.model.bridges.find((x) => x.id === key);
      return pointsWhere((p) => p.id === b?.point);
    }
    case 'veth': {
      const v = a.model.veths.find((x) => x.id === key);
      return pointsWhere((p) => p.id === v?.point);
    }
    case 'pod': {
      const ip = parseIp4(key);
      return ip === null ? null : addrIs(ip);
    }
    case 'svc': {
      const sv = a.model.services.find((x) => x.id === key);
      const ip = sv ? parseIp4(sv.ip) : null;
      if (ip === null) return null;
      return (r) =>
        t.innerVer[r] === 4 &&
        ((t.innerDst[r] === ip && (sv!.port === null || t.dport[r] === sv!.port)) ||
          (t.innerSrc[r] === ip && (sv!.port === null || t.sport[r] === sv!.port)));
    }
    case 'link': {
      const tun = a.model.tunnels.find((x) => x.id === key);
      if (!tun) return null;
      const ipsOf = (n: string) =>
        new Set((a.model.nodes.find((x) => x.id === n)?.underlayIps ?? []).map(parseIp4).filter((x): x is number => x !== null));
      const [ia, ib] = [ipsOf(tun.nodes[0]), ipsOf(tun.nodes[1])];
      return (r) =>
        t.tunnel[r] !== 0 &&
        t.outerVer[r] === 4 &&
        ((ia.has(t.outerSrc[r]) && ib.has(t.outerDst[r])) || (ib.has(t.outerSrc[r]) && ia.has(t.outerDst[r])));
    }
    case 'e': {
      // An edge inside a node: the packets of its source end.
      const src = key.split('|')[0] ?? '';
      return elementPredicate(src, a, s, labels, pointIndex);
    }
    default:
      return null;
  }
}

/** Elements a hop lights up: its capture point, and the underlay link when it crossed nodes. */
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
