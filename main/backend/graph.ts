// The cluster graph (main/topology/graph.ts) as Cytoscape elements, weighted by the packets the open
// set has on each, and the packets behind each element (for "select an element, filter the list").
import type { GraphElementView } from '../../common/contract';
import type { AnalysisData, CapturePoint } from '../topology/types';
import { parseIp4 } from '../topology/addr';
import { buildClusterGraph, caption, splitElementId, type ClusterGraph, type GraphEdge, type GraphNode } from '../topology/graph';
import type { PacketStore } from './store';
import type { RowLabels } from './columns';

const weight = (packets: number) => Math.max(1, Math.min(8, 1 + Math.log10(packets + 1) * 1.4));

/** The renderer's kinds (its styles and layout key on them). */
const NODE_KIND: Record<GraphNode['kind'], string> = {
  node: 'k8s-node',
  nic: 'nic',
  vtep: 'tunnel',
  tun: 'tunnel',
  bridge: 'bridge',
  veth: 'veth',
  pod: 'pod',
  service: 'service',
};
const EDGE_KIND: Record<GraphEdge['kind'], string> = { wire: 'link', tunnel: 'underlay', service: 'service-link' };

/**
 * Cytoscape elements of `g`, weighted by packets: an element's own captures (`packetsOfPoint`), a pod's
 * traffic (`podPackets`, by IP); a wire carries what its captured end saw.
 */
export function toElements(
  g: ClusterGraph,
  a: AnalysisData,
  packetsOfPoint: ReadonlyMap<string, number>,
  podPackets: ReadonlyMap<string, number>,
): GraphElementView[] {
  const podIp = new Map(a.model.pods.map((p) => [`pod:${p.id}`, p.ip]));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const packets = (id: string): number => {
    const n = byId.get(id);
    if (!n) return 0;
    if (n.kind === 'pod') return podPackets.get(podIp.get(id) ?? '') ?? 0;
    return n.points.reduce((s, p) => s + (packetsOfPoint.get(p) ?? 0), 0);
  };
  const els: GraphElementView[] = [];
  for (const n of g.nodes) {
    const count = n.kind === 'node' || n.kind === 'service' ? 0 : packets(n.id);
    els.push({
      group: 'nodes',
      data: {
        id: n.id,
        label: caption(n),
        kind: NODE_KIND[n.kind],
        ...(n.parent ? { parent: n.parent } : {}),
        packets: count,
        weight: 1,
        ...(n.evidence ? { evidence: n.evidence } : {}),
        ...(n.unknown?.length ? { unknown: n.unknown.join('\n') } : {}),
        ...(n.kind === 'node' ? { findings: n.findings } : {}),
      },
    });
  }
  for (const e of g.edges) {
    const src = byId.get(e.source);
    const count =
      e.kind === 'tunnel'
        ? (e.packets ?? 0)
        : e.kind === 'service'
          ? 0
          : src?.kind === 'pod' && byId.get(e.target)?.kind === 'veth'
            ? packets(e.target)
            : packets(e.source);
    els.push({
      group: 'edges',
      data: {
        id: e.id,
        source: e.source,
        target: e.target,
        kind: EDGE_KIND[e.kind],
        label: e.label,
        packets: count,
        weight: weight(count),
        ...(e.evidence ? { evidence: e.evidence } : {}),
      },
    });
  }
  return els;
}

/** The analysis' cluster graph as Cytoscape elements (see `toElements`). */
export function buildGraph(
  a: AnalysisData,
  packetsOfPoint: ReadonlyMap<string, number>,
  podPackets: ReadonlyMap<string, number>,
): GraphElementView[] {
  return toElements(buildClusterGraph(a), a, packetsOfPoint, podPackets);
}

/** Which packets an element stands for, whatever holds them: a capture-backed set or a dataset. */
export type ElementRows =
  /** The packets captured at these capture points. */
  | { readonly by: 'points'; readonly points: ReadonlySet<string> }
  /** The packets to or from this IPv4 address (inner or outer). */
  | { readonly by: 'addr'; readonly ip: number }
  /** Inner packets to this address and port (null: any), or back from it. */
  | { readonly by: 'service'; readonly ip: number; readonly port: number | null }
  /** Tunnelled packets between an underlay address of `a` and one of `b`. */
  | { readonly by: 'tunnel'; readonly a: ReadonlySet<number>; readonly b: ReadonlySet<number> };

/** The packets an element stands for: the captures taken on it, or the traffic to and from it. */
export function elementRows(id: string, a: AnalysisData): ElementRows | null {
  const { prefix: kind, key } = splitElementId(id);
  const pointsWhere = (f: (p: CapturePoint) => boolean): ElementRows => ({
    by: 'points',
    points: new Set(a.points.filter(f).map((p) => p.id)),
  });
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
      return ip === null ? null : { by: 'addr', ip };
    }
    case 'svc': {
      const sv = a.model.services.find((x) => x.id === key);
      const ip = sv ? parseIp4(sv.ip) : null;
      return ip === null ? null : { by: 'service', ip, port: sv!.port };
    }
    case 'link': {
      const tun = a.model.tunnels.find((x) => x.id === key);
      if (!tun) return null;
      const ipsOf = (n: string) =>
        new Set((a.model.nodes.find((x) => x.id === n)?.underlayIps ?? []).map(parseIp4).filter((x): x is number => x !== null));
      return { by: 'tunnel', a: ipsOf(tun.nodes[0]), b: ipsOf(tun.nodes[1]) };
    }
    case 'e':
      // An edge inside a node: the packets of its source end.
      return elementRows(key.split('|')[0] ?? '', a);
    default:
      return null;
  }
}

/** Rows an element stands for (`elementRows`) as a predicate over the store's rows. */
export function elementPredicate(
  id: string,
  a: AnalysisData,
  s: PacketStore,
  labels: RowLabels,
  pointIndex: ReadonlyMap<string, number>,
): ((r: number) => boolean) | null {
  const t = s.table;
  const e = elementRows(id, a);
  if (!e) return null;
  switch (e.by) {
    case 'points': {
      const set = new Uint8Array(labels.points.length + 1);
      for (const p of e.points) set[pointIndex.get(p) ?? labels.points.length] = 1;
      return (r) => set[labels.pointOf(r)] === 1;
    }
    case 'addr': {
      const ip = e.ip;
      return (r) =>
        (t.innerVer[r] === 4 && (t.innerSrc[r] === ip || t.innerDst[r] === ip)) ||
        (t.outerVer[r] === 4 && (t.outerSrc[r] === ip || t.outerDst[r] === ip));
    }
    case 'service': {
      const { ip, port } = e;
      return (r) =>
        t.innerVer[r] === 4 &&
        ((t.innerDst[r] === ip && (port === null || t.dport[r] === port)) ||
          (t.innerSrc[r] === ip && (port === null || t.sport[r] === port)));
    }
    case 'tunnel': {
      const { a: ia, b: ib } = e;
      return (r) =>
        t.tunnel[r] !== 0 &&
        t.outerVer[r] === 4 &&
        ((ia.has(t.outerSrc[r]) && ib.has(t.outerDst[r])) || (ib.has(t.outerSrc[r]) && ia.has(t.outerDst[r])));
    }
  }
}
