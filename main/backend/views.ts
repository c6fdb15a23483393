// Views of the open set for the window: its captures (with where each capture point was placed
// and why, once analysed, and the files still waiting to be read) and the cluster graph (Cytoscape
// elements of the one cluster graph model, weighted by the packets seen on each; notes on elements name
// them through that model).
import type { CaptureView, GraphElementView, GraphView, LoadPhase, PlacementView } from '../../common/contract';
import { unknownLines } from '../../common/text';
import type { AnalysisData, CapturePoint, Finding } from '../topology/types';
import { attributionFromFileName, interfaceKindFromName } from '../topology/naming';
import { buildClusterGraph, elementName, resolveElement, type ClusterGraph } from '../topology/graph';
import { toElements } from './graph';
import type { OpenSet } from './open-set';

function placementOf(p: CapturePoint, findings: readonly Finding[]): PlacementView {
  return {
    point: p.id,
    node: p.node,
    iface: p.interface,
    kind: p.kind,
    why: [
      ...p.evidence.map((e) => ({ reason: e.reason, packets: e.count })),
      ...unknownLines(p.unknown).map((reason) => ({ reason, packets: 0 })),
    ],
    conflicts: findings.filter((x) => x.code === 'attribution' && x.message.startsWith(`${p.id}:`)).map((x) => x.message),
  };
}

/** The set's captures, then the files `waiting` to be read. */
export function captureViews(set: OpenSet, waiting: readonly { path: string; name: string }[]): CaptureView[] {
  const { store } = set;
  const a = set.analysis?.data;
  const views: CaptureView[] = store.files.map((f, i) => {
    const cap = a?.captures.find((c) => c.path === f.path);
    const pts = cap ? a!.points.filter((p) => p.capture === cap.id) : [];
    const fromName = attributionFromFileName(f.name);
    const nameIface = f.info?.interfaces.find((x) => x.name)?.name ?? fromName.interface;
    const node = pts.length ? [...new Set(pts.map((p) => p.node ?? 'unknown'))].join(', ') : fromName.node;
    const iface = pts.length ? [...new Set(pts.map((p) => p.interface ?? 'unknown'))].join(', ') : nameIface;
    return {
      id: i,
      name: f.name,
      path: f.path,
      format: f.enrichment ?? (f.info ? `${f.info.format}${f.info.compressed ? '.gz' : ''}` : ''),
      node: node || null,
      iface: iface || null,
      kind: pts.length ? [...new Set(pts.map((p) => p.kind))].join(', ') : iface ? interfaceKindFromName(iface) : 'unknown',
      attribution: pts[0] ? pts[0].nodeSource : fromName.node ? 'file-name' : 'none',
      packets: f.status === 'loading' ? store.count - f.start : f.count,
      firstTime: f.firstTime,
      lastTime: f.lastTime,
      status: f.status,
      errors: (f.info?.errors ?? []).map((e) => ({ code: e.code, message: e.message, offset: e.offset, fatal: e.fatal })),
      ...(pts.length ? { placement: pts.map((p) => placementOf(p, a!.findings)) } : {}),
    };
  });
  waiting.forEach((p, k) =>
    views.push({
      id: store.files.length + k,
      name: p.name,
      path: p.path,
      format: '',
      node: null,
      iface: null,
      kind: 'unknown',
      attribution: 'none',
      packets: 0,
      firstTime: null,
      lastTime: null,
      status: 'waiting',
      errors: [],
    }),
  );
  return views;
}

/** The cluster graph of the open set's analysis, built once per analysis. */
export class GraphViews {
  private graph: { of: AnalysisData; graph: ClusterGraph } | null = null;

  constructor(private readonly set: OpenSet) {}

  /** A new analysis: its graph is built again when next asked for. */
  reset(): void {
    this.graph = null;
  }

  private clusterGraph(a: AnalysisData): ClusterGraph {
    return this.graph?.of === a ? this.graph.graph : (this.graph = { of: a, graph: buildClusterGraph(a) }).graph;
  }

  /** `phase`: the load's (while the set is read or analysed, the message says so in place of a graph). */
  view(phase: LoadPhase): GraphView {
    const { generation, message } = this.set;
    const a = this.set.analysis?.data;
    if (!a)
      return {
        generation,
        elements: [],
        message:
          phase === 'loading'
            ? 'Reading captures…'
            : phase === 'analysing'
              ? 'Analysing the cluster…'
              : (message ?? (this.set.store.count ? null : 'No captures open.')),
      };
    const elements = this.elements(a);
    return { generation, elements, message: elements.length ? null : 'No cluster structure could be inferred from these captures.' };
  }

  /** The graph element a note's element id names (older id spellings mapped) and its label; null when none. */
  element(element: string): { id: string; label: string } | null {
    const a = this.set.analysis?.data;
    if (!a) return null;
    const g = this.clusterGraph(a);
    const id = resolveElement(g, element);
    return id === null ? null : { id, label: elementName(g, id) ?? id };
  }

  /** The cluster graph's elements, weighted by the packets seen on each. */
  private elements(a: AnalysisData): GraphElementView[] {
    const { store } = this.set;
    const perPoint = new Map<string, number>(a.points.map((p) => [p.id, p.packetCount]));
    const podPackets = new Map<string, number>();
    const pods = new Set(a.model.pods.map((p) => p.ip));
    const t = store.table;
    for (let r = 0; r < store.count; r++) {
      if (t.innerVer[r] !== 4) continue;
      for (const ip of [t.innerSrc[r], t.innerDst[r]]) {
        const s = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
        if (pods.has(s)) podPackets.set(s, (podPackets.get(s) ?? 0) + 1);
      }
    }
    return toElements(this.clusterGraph(a), a, perPoint, podPackets);
  }
}
