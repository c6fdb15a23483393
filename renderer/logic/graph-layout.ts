// Cluster graph layout by ELK (elkjs, run in the page's own thread: no worker, no eval), in two
// levels so that boxes never overlap and a small change moves little:
//   - inside each Kubernetes node box, ELK's layered algorithm top to bottom: pods, veths, bridge,
//     tunnel device, NIC (edges point down that stack, layers are counted from the pods), so a
//     veth sits between its pod and its bridge and crossing minimisation lines veths up under pods;
//   - the boxes themselves, and the services, as fixed-size rectangles packed in rows by ELK's box
//     algorithm (id order kept), the band of services centered above the band of nodes.
// Each box's inner layout is cached by its content, so adding a pod, a capture or a correction lays
// out again only the boxes that changed, and packing keeps the boxes in the order of their ids.
// The sizes given to ELK include each element's label (below its shape) and each box's title and
// padding, as the stylesheet in graph.ts draws them.
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphElementView } from '../../common/contract';
import { BOX_PADDING, BOX_TITLE, COLLAPSED, LABEL_FONT, LABEL_WIDTH, SHAPES } from './graph';

export interface Position {
  x: number;
  y: number;
}

export interface LayoutResult {
  /** Center of every leaf element's shape (compound boxes follow their children). */
  readonly positions: Map<string, Position>;
  /** Boxes laid out again this time (not found in the cache). */
  readonly boxesLaidOut: number;
  readonly ms: number;
}

interface BoxLayout {
  readonly width: number;
  readonly height: number;
  /** Shape centers relative to the box's top-left corner (inside its padding). */
  readonly children: ReadonlyMap<string, Position>;
}

const GAP = 44;

/** Average glyph width of the label font, as a share of its size (a little generous). */
const CHAR = 0.62;

/** Lines a label wraps into at LABEL_WIDTH px, and its widest line (ELK must reserve room for both). */
function labelBox(label: string): { lines: number; width: number } {
  if (!label) return { lines: 0, width: 0 };
  const perLine = Math.floor(LABEL_WIDTH / (LABEL_FONT * CHAR));
  let lines = 1;
  let used = 0;
  let widest = 0;
  for (const word of label.split(/\s+/)) {
    const w = Math.min(word.length, perLine);
    if (used && used + 1 + w > perLine) {
      lines++;
      used = w;
    } else used += (used ? 1 : 0) + w;
    widest = Math.max(widest, used);
  }
  return { lines, width: Math.ceil(widest * LABEL_FONT * CHAR) };
}
const labelLines = (label: string) => labelBox(label).lines;

/** Room one leaf takes: its shape, and its label below it. */
export function leafSize(kind: string, label: string, minLines = 0): { width: number; height: number; shapeHeight: number } {
  const s = SHAPES[kind] ?? SHAPES.default;
  const box = labelBox(label);
  const lines = Math.max(minLines, box.lines);
  return {
    width: Math.max(s.width, box.width) + 12,
    height: s.height + 4 + lines * Math.ceil(LABEL_FONT * 1.25) + 10,
    shapeHeight: s.height,
  };
}

type View =
  | readonly Pick<GraphElementView, 'group' | 'data'>[]
  | readonly { group: 'nodes' | 'edges'; data: GraphElementView['data'] & Record<string, unknown> }[];

export class GraphLayout {
  private readonly elk = new ELK();
  private readonly boxes = new Map<string, BoxLayout>();

  /** Positions for the elements shown (a collapsed node is a leaf of its own). */
  async layout(elements: View, aspect = 1.6): Promise<LayoutResult> {
    const t0 = performance.now();
    const nodes = elements.filter((e) => e.group === 'nodes');
    const childrenOf = new Map<string, (typeof nodes)[number][]>();
    for (const n of nodes)
      if (n.data.parent) (childrenOf.get(n.data.parent) ?? childrenOf.set(n.data.parent, []).get(n.data.parent)!).push(n);
    const parentOf = new Map(nodes.filter((n) => n.data.parent).map((n) => [n.data.id, n.data.parent!]));
    const edgesIn = new Map<string, (typeof elements)[number][]>();
    for (const e of elements) {
      if (e.group !== 'edges') continue;
      const p = parentOf.get(e.data.source!);
      if (p && p === parentOf.get(e.data.target!)) (edgesIn.get(p) ?? edgesIn.set(p, []).get(p)!).push(e);
    }
    const byId = (a: { data: { id: string } }, b: { data: { id: string } }) => (a.data.id < b.data.id ? -1 : a.data.id > b.data.id ? 1 : 0);
    const top = nodes.filter((n) => !n.data.parent).sort(byId);
    const boxes = top.filter((n) => childrenOf.has(n.data.id) || n.data.kind === 'k8s-node');
    const free = top.filter((n) => !boxes.includes(n));

    let laidOut = 0;
    const boxLayouts = new Map<string, BoxLayout>();
    for (const b of boxes) {
      const kids = (childrenOf.get(b.data.id) ?? []).slice().sort(byId);
      if (!kids.length) {
        boxLayouts.set(b.data.id, { width: COLLAPSED.width, height: COLLAPSED.height, children: new Map() });
        continue;
      }
      const edges = (edgesIn.get(b.data.id) ?? []).slice().sort(byId);
      const key = JSON.stringify([
        kids.map((k) => [k.data.id, k.data.kind, k.data.label]),
        edges.map((e) => [e.data.source, e.data.target]),
      ]);
      let box = this.boxes.get(key);
      if (!box) {
        box = await this.layoutBox(kids, edges);
        this.boxes.set(key, box);
        laidOut++;
      }
      boxLayouts.set(b.data.id, box);
    }
    // Forget boxes no longer shown (the cache holds what is on screen plus this change).
    if (this.boxes.size > boxes.length * 4 + 64) this.boxes.clear();

    const leaf = (id: string, width: number, height: number): ElkNode => ({ id, width, height });
    // The box packer orders by priority, then by size: decreasing priorities keep the id order.
    const band = (id: string, children: ElkNode[], ratio: number): ElkNode => ({
      id,
      layoutOptions: {
        'elk.algorithm': 'box',
        'elk.box.packingMode': 'SIMPLE',
        'elk.aspectRatio': String(ratio),
        'elk.spacing.nodeNode': String(GAP),
        'elk.padding': '[top=0,left=0,bottom=0,right=0]',
      },
      children: children.map((c, i) => ({ ...c, layoutOptions: { 'elk.priority': String(children.length - i) } })),
    });
    const boxSize = (id: string) => {
      const l = boxLayouts.get(id)!;
      return l.children.size
        ? { w: l.width + 2 * BOX_PADDING, h: l.height + 2 * BOX_PADDING + BOX_TITLE }
        : { w: l.width, h: l.height + BOX_TITLE };
    };
    // The box packer aims at a width of sqrt(area × ratio), which wraps a few tall boxes into two
    // rows; asking for a wider band keeps a small cluster in one row, as wide as the pane is.
    const clusterBand = band(
      'band:nodes',
      boxes.map((b) => leaf(b.data.id, boxSize(b.data.id).w, boxSize(b.data.id).h)),
      aspect * 1.6,
    );
    const freeLeaves = free.map((n) => {
      const s = leafSize(n.data.kind, n.data.label);
      return leaf(n.data.id, s.width, s.height);
    });
    // The two bands, each packed by ELK; the services' band centered above the nodes'.
    const bands = await Promise.all([
      freeLeaves.length ? this.elk.layout(band('band:services', freeLeaves, 12)) : null,
      boxes.length ? this.elk.layout(clusterBand) : null,
    ]);
    const [svc, cl] = bands;
    const width = Math.max(svc?.width ?? 0, cl?.width ?? 0);
    if (svc) Object.assign(svc, { x: (width - (svc.width ?? 0)) / 2, y: 0 });
    if (cl) Object.assign(cl, { x: (width - (cl.width ?? 0)) / 2, y: svc ? (svc.height ?? 0) + GAP * 1.5 : 0 });
    const out = { children: bands.filter((x): x is ElkNode => x !== null) };

    const positions = new Map<string, Position>();
    for (const group of out.children ?? []) {
      for (const c of group.children ?? []) {
        const x = (group.x ?? 0) + (c.x ?? 0);
        const y = (group.y ?? 0) + (c.y ?? 0);
        const l = boxLayouts.get(c.id);
        if (!l) {
          const n = free.find((f) => f.data.id === c.id)!;
          const s = leafSize(n.data.kind, n.data.label);
          positions.set(c.id, { x: x + (c.width ?? 0) / 2, y: y + s.shapeHeight / 2 + 4 });
        } else if (!l.children.size) {
          positions.set(c.id, { x: x + (c.width ?? 0) / 2, y: y + BOX_TITLE + l.height / 2 });
        } else {
          const ox = x + BOX_PADDING;
          const oy = y + BOX_TITLE + BOX_PADDING;
          for (const [id, p] of l.children) positions.set(id, { x: ox + p.x, y: oy + p.y });
        }
      }
    }
    return { positions, boxesLaidOut: laidOut, ms: performance.now() - t0 };
  }

  private async layoutBox(kids: View, edges: View): Promise<BoxLayout> {
    // Devices of one kind share a row: the same height for all keeps their shapes on one line.
    const lines = new Map<string, number>();
    for (const k of kids) lines.set(k.data.kind, Math.max(lines.get(k.data.kind) ?? 0, labelLines(k.data.label)));
    const sizes = new Map(kids.map((k) => [k.data.id, leafSize(k.data.kind, k.data.label, lines.get(k.data.kind))]));
    const graph: ElkNode = {
      id: 'box',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'DOWN',
        // Pods are the sources: counting layers from them puts every pod on the top row even
        // when it has no veth of its own, then veths, bridge, tunnel device and NIC.
        'elk.layered.layering.strategy': 'LONGEST_PATH_SOURCE',
        'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
        'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
        'elk.layered.thoroughness': '2',
        'elk.spacing.nodeNode': '8',
        'elk.layered.spacing.nodeNodeBetweenLayers': '14',
        'elk.layered.spacing.edgeNodeBetweenLayers': '4',
        'elk.edgeRouting': 'POLYLINE',
        'elk.padding': '[top=0,left=0,bottom=0,right=0]',
      },
      children: kids.map((k) => ({ id: k.data.id, width: sizes.get(k.data.id)!.width, height: sizes.get(k.data.id)!.height })),
      edges: edges.map((e) => ({ id: e.data.id, sources: [orient(e, kids)[0]], targets: [orient(e, kids)[1]] })),
    };
    const out = await this.elk.layout(graph);
    const children = new Map<string, Position>();
    for (const c of out.children ?? [])
      children.set(c.id, { x: (c.x ?? 0) + (c.width ?? 0) / 2, y: (c.y ?? 0) + sizes.get(c.id)!.shapeHeight / 2 + 4 });
    return { width: out.width ?? 0, height: out.height ?? 0, children };
  }
}

/** Order of the devices from top to bottom; an edge is given to ELK pointing down this stack. */
const RANK: Record<string, number> = { pod: 0, veth: 1, bridge: 2, tunnel: 3, nic: 4 };

function orient(e: View[number], kids: View): [string, string] {
  const kind = (id: string) => kids.find((k) => k.data.id === id)?.data.kind ?? '';
  const [s, t] = [e.data.source!, e.data.target!];
  return (RANK[kind(s)] ?? 5) <= (RANK[kind(t)] ?? 5) ? [s, t] : [t, s];
}
