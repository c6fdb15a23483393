// Cluster graph layout by ELK (elkjs, run in the page's own thread: no worker, no eval), in two
// levels so that boxes never overlap and a small change moves little:
//   - inside each Kubernetes node box, ELK's layered algorithm top to bottom: pods, veths, bridge,
//     tunnel device, NIC (edges point down that stack, layers are counted from the pods), so a
//     veth sits between its pod and its bridge and crossing minimisation lines veths up under pods;
//   - the services as fixed-size rectangles packed in rows by ELK's box algorithm (id order kept), a
//     band centered above the node boxes;
//   - the node boxes in rows, in id order, as many per row as makes the whole graph largest in the
//     pane it is shown in (its width and height given): three boxes in a wide pane sit in one row,
//     in a narrower one they wrap, so the default view can show them all at a readable size.
// Each box's inner layout is cached by its content, so adding a pod, a capture or a correction lays
// out again only the boxes that changed, and packing keeps the boxes in the order of their ids.
// The sizes given to ELK include each element's label (below its shape) and each box's title and
// padding, as the stylesheet in graph.ts draws them.
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphElementView } from '../../common/contract';
import { BOX_PADDING, BOX_TITLE, COLLAPSED, LABEL_CHAR, LABEL_FONT, LABEL_WIDTH, SHAPES, TITLE_FONT, drawnLabel } from './graph';

export interface Position {
  x: number;
  y: number;
}

/** The pane the graph is shown in (px), which the node boxes are arranged to fit. */
export interface Room {
  readonly width: number;
  readonly height: number;
}

/** Without a pane: a landscape one. */
const DEFAULT_LAYOUT_ROOM: Room = { width: 1600, height: 1000 };
/** Margin the default view keeps around the graph (GraphPane's fit padding, both sides). */
const VIEW_MARGIN = 32;

export interface LayoutResult {
  /** Center of every leaf element's shape (compound boxes follow their children). */
  readonly positions: Map<string, Position>;
  /**
   * Per tunnel edge: how far its curve's control point lies from the straight line between its
   * NICs (px, on the left of source to target; Cytoscape's control-point-distances), chosen so the
   * curve crosses no other node box and its label overlaps no box and no other tunnel's label.
   */
  readonly bends: Map<string, number>;
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

/** The same for the boxes' bold titles. */
const TITLE_CHAR = 0.66;

/** Lines a label wraps into at LABEL_WIDTH px, and its widest line (ELK must reserve room for both). */
function labelBox(label: string): { lines: number; width: number } {
  if (!label) return { lines: 0, width: 0 };
  const perLine = Math.floor(LABEL_WIDTH / (LABEL_FONT * LABEL_CHAR));
  let lines = 0;
  let widest = 0;
  // As Cytoscape wraps the drawn label: greedily, at spaces and at the break points drawnLabel adds;
  // a piece longer than a line stays whole (and overflows it).
  for (const line of drawnLabel(label).split('\n')) {
    lines++;
    let used = 0;
    for (const m of line.matchAll(/([^\s\u200b]+)(\s+|\u200b|$)/g)) {
      const w = m[1].length + (m[2] && m[2] !== '\u200b' ? 1 : 0);
      if (used && used + m[1].length > perLine) {
        lines++;
        used = w;
      } else used += w;
      widest = Math.max(widest, used);
    }
  }
  return { lines, width: Math.ceil(widest * LABEL_FONT * LABEL_CHAR) };
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
  async layout(elements: View, room: Room = DEFAULT_LAYOUT_ROOM): Promise<LayoutResult> {
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
    // A box is as wide as its title too: the title is drawn centered over it on one line.
    const title = new Map(
      boxes.map((b) => [b.data.id, Math.ceil(((b.data.label ?? '').split('\n')[0] ?? '').length * TITLE_FONT * TITLE_CHAR)]),
    );
    const boxSize = (id: string) => {
      const l = boxLayouts.get(id)!;
      return l.children.size
        ? { w: Math.max(l.width + 2 * BOX_PADDING, title.get(id)! + 8), h: l.height + 2 * BOX_PADDING + BOX_TITLE }
        : { w: l.width, h: l.height + BOX_TITLE };
    };
    const freeLeaves = free.map((n) => {
      const s = leafSize(n.data.kind, n.data.label);
      return leaf(n.data.id, s.width, s.height);
    });
    // The services' band packed by ELK, centered above the node boxes' rows.
    const svc = freeLeaves.length ? await this.elk.layout(band('band:services', freeLeaves, 12)) : null;
    const cl = boxes.length
      ? boxRows(
          boxes.map((b) => ({ id: b.data.id, ...boxSize(b.data.id) })),
          room,
          svc ? { w: svc.width ?? 0, h: (svc.height ?? 0) + GAP } : { w: 0, h: 0 },
          elements.some((e) => e.group === 'edges' && e.data.kind === 'underlay') ? TUNNEL_ROOM : 0,
        )
      : null;
    const bands = [svc, cl];
    const width = Math.max(svc?.width ?? 0, cl?.width ?? 0);
    if (svc) Object.assign(svc, { x: (width - (svc.width ?? 0)) / 2, y: 0 });
    if (cl) Object.assign(cl, { x: (width - (cl.width ?? 0)) / 2, y: svc ? (svc.height ?? 0) + GAP : 0 });
    const out = { children: bands.filter((x): x is ElkNode => x !== null) };

    const positions = new Map<string, Position>();
    const rects = new Map<string, Rect>();
    for (const group of out.children ?? []) {
      for (const c of group.children ?? []) {
        const x = (group.x ?? 0) + (c.x ?? 0);
        const y = (group.y ?? 0) + (c.y ?? 0);
        const l = boxLayouts.get(c.id);
        if (l) rects.set(c.id, { x1: x, y1: y, x2: x + (c.width ?? 0), y2: y + (c.height ?? 0) });
        if (!l) {
          const n = free.find((f) => f.data.id === c.id)!;
          const s = leafSize(n.data.kind, n.data.label);
          positions.set(c.id, { x: x + (c.width ?? 0) / 2, y: y + s.shapeHeight / 2 + 4 });
        } else if (!l.children.size) {
          positions.set(c.id, { x: x + (c.width ?? 0) / 2, y: y + BOX_TITLE + l.height / 2 });
        } else {
          // Centered in its slot, which the title may have made wider than its content.
          const ox = x + ((c.width ?? 0) - l.width) / 2;
          const oy = y + BOX_TITLE + BOX_PADDING;
          for (const [id, p] of l.children) positions.set(id, { x: ox + p.x, y: oy + p.y });
        }
      }
    }
    const tunnels = elements.filter((e) => e.group === 'edges' && e.data.kind === 'underlay');
    const bends = routeTunnels(tunnels, positions, rects, (id) => parentOf.get(id) ?? id);
    return { positions, bends, boxesLaidOut: laidOut, ms: performance.now() - t0 };
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

/**
 * The node boxes in rows (id order, each row centered), as many per row as makes the graph, with
 * the services' band above it, largest in `room`: the zoom that fits it is the smaller of width and
 * height, so a wide pane gets one row and a tall or narrow one wraps the boxes.
 */
function boxRows(
  boxes: readonly { id: string; w: number; h: number }[],
  room: Room,
  above: { w: number; h: number },
  below: number,
): ElkNode {
  const rowsOf = (perRow: number) => {
    const rows: (typeof boxes)[] = [];
    for (let i = 0; i < boxes.length; i += perRow) rows.push(boxes.slice(i, i + perRow));
    const widths = rows.map((r) => r.reduce((s, b) => s + b.w, 0) + GAP * (r.length - 1));
    const heights = rows.map((r) => Math.max(...r.map((b) => b.h)));
    // Rows keep the tunnels' room between them too.
    return {
      rows,
      widths,
      heights,
      width: Math.max(...widths),
      height: heights.reduce((s, h) => s + h, 0) + (GAP + below) * (rows.length - 1),
    };
  };
  let best = rowsOf(boxes.length);
  let bestZoom = -1;
  for (let perRow = boxes.length; perRow >= 1; perRow--) {
    // Only the shapes that change the number of rows.
    if (perRow < boxes.length && Math.ceil(boxes.length / perRow) === Math.ceil(boxes.length / (perRow + 1))) continue;
    const r = rowsOf(perRow);
    const zoom = Math.min(
      (room.width - VIEW_MARGIN) / Math.max(r.width, above.w),
      (room.height - VIEW_MARGIN) / (r.height + above.h + below),
    );
    if (zoom > bestZoom * 1.001) {
      best = r;
      bestZoom = zoom;
    }
  }
  const children: ElkNode[] = [];
  let y = 0;
  best.rows.forEach((row, i) => {
    let x = (best.width - best.widths[i]) / 2;
    for (const b of row) {
      children.push({ id: b.id, x, y, width: b.w, height: b.h });
      x += b.w + GAP;
    }
    y += best.heights[i] + GAP + below;
  });
  return { id: 'band:nodes', width: best.width, height: best.height, children };
}

interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
const hits = (a: Rect, b: Rect) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
/** Bends tried for a tunnel's curve, nearest the straight line first (px). */
const BENDS = [60, 100, 140, 180, 220, 270, 320, 380, 440, 520, 600, 700, 820, 960, 1120];
/** Room under the node boxes the tunnels' curves and labels take (counted when the rows are chosen). */
const TUNNEL_ROOM = 72;
/** Half the height of a tunnel's label (one line of 11 px text, and a little room). */
const LABEL_HALF_HEIGHT = 10;
/** Room kept between a curve and a box it passes. */
const CLEAR = 6;

/**
 * Curves for the tunnels between node boxes: each a quadratic curve through a control point `bend`
 * px off the straight line between its two NICs, the smallest bend (either side) whose curve runs
 * through no box but its two ends' and whose label, drawn along the curve at its middle, covers no
 * box and no label placed before. Shorter tunnels are placed first, so they take the inner lanes.
 */
function routeTunnels(
  edges: readonly { data: { id: string; source?: string; target?: string; label?: string } }[],
  positions: ReadonlyMap<string, Position>,
  rects: ReadonlyMap<string, Rect>,
  boxOf: (id: string) => string,
): Map<string, number> {
  const bends = new Map<string, number>();
  const labels: Rect[] = [];
  const ends = edges
    .map((e) => ({ e, p: positions.get(e.data.source!), q: positions.get(e.data.target!) }))
    .filter((x): x is { e: (typeof edges)[number]; p: Position; q: Position } => !!x.p && !!x.q)
    .sort(
      (a, b) => Math.hypot(a.q.x - a.p.x, a.q.y - a.p.y) - Math.hypot(b.q.x - b.p.x, b.q.y - b.p.y) || (a.e.data.id < b.e.data.id ? -1 : 1),
    );
  for (const { e, p, q } of ends) {
    const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
    const u = { x: (q.x - p.x) / len, y: (q.y - p.y) / len };
    const n = { x: -u.y, y: u.x };
    const own = new Set([boxOf(e.data.source!), boxOf(e.data.target!)]);
    const others = [...rects].filter(([id]) => !own.has(id)).map(([, r]) => r);
    const half = ((e.data.label ?? '').length * LABEL_FONT * LABEL_CHAR) / 2 + 4;
    // Below the boxes first (the NICs are at their bottom), then above.
    const sides = n.y >= 0 ? [1, -1] : [-1, 1];
    let best: { bend: number; cost: number; label: Rect } | null = null;
    search: for (const b of BENDS)
      for (const s of sides) {
        const d = b * s;
        const c = { x: (p.x + q.x) / 2 + n.x * d, y: (p.y + q.y) / 2 + n.y * d };
        const at = (t: number) => ({
          x: (1 - t) * (1 - t) * p.x + 2 * t * (1 - t) * c.x + t * t * q.x,
          y: (1 - t) * (1 - t) * p.y + 2 * t * (1 - t) * c.y + t * t * q.y,
        });
        let cost = 0;
        for (let t = 0.04; t < 1; t += 0.04) {
          const m = at(t);
          if (others.some((r) => m.x > r.x1 - CLEAR && m.x < r.x2 + CLEAR && m.y > r.y1 - CLEAR && m.y < r.y2 + CLEAR)) cost++;
        }
        // The label: along the curve's middle (parallel to the NICs' line there), its line of text
        // on the outer side of the bulge, away from the boxes (tunnelLabelMargin).
        const m = at(0.5);
        const out = { x: n.x * Math.sign(d || 1), y: n.y * Math.sign(d || 1) };
        const lc = { x: m.x + out.x * 8, y: m.y + out.y * 8 };
        const ex = Math.abs(u.x) * half + Math.abs(out.x) * LABEL_HALF_HEIGHT;
        const ey = Math.abs(u.y) * half + Math.abs(out.y) * LABEL_HALF_HEIGHT;
        const label = { x1: lc.x - ex, y1: lc.y - ey, x2: lc.x + ex, y2: lc.y + ey };
        cost += 5 * [...rects.values()].filter((r) => hits(r, label)).length + 5 * labels.filter((l) => hits(l, label)).length;
        if (!best || cost < best.cost) best = { bend: d, cost, label };
        if (cost === 0) break search;
      }
    if (!best) continue;
    bends.set(e.data.id, best.bend);
    labels.push(best.label);
  }
  return bends;
}

/**
 * A tunnel label's text-margin-y (in the text's own frame, +y down when it reads upright): on the
 * outer side of a curve bending `bend` px off the line from `p` to `q`, as routeTunnels placed it.
 */
export function tunnelLabelMargin(p: Position, q: Position, bend: number): number {
  const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
  const outY = ((q.x - p.x) / len) * Math.sign(bend || 1);
  return outY >= 0 ? 8 : -8;
}

/** Order of the devices from top to bottom; an edge is given to ELK pointing down this stack. */
const RANK: Record<string, number> = { pod: 0, veth: 1, bridge: 2, tunnel: 3, nic: 4 };

function orient(e: View[number], kids: View): [string, string] {
  const kind = (id: string) => kids.find((k) => k.data.id === id)?.data.kind ?? '';
  const [s, t] = [e.data.source!, e.data.target!];
  return (RANK[kind(s)] ?? 5) <= (RANK[kind(t)] ?? 5) ? [s, t] : [t, s];
}
