// Cluster graph layout by ELK (elkjs, run in the page's own thread: no worker, no eval), in two
// levels so that boxes never overlap and a small change moves little:
//   - inside each Kubernetes node box, ELK's layered algorithm top to bottom: pods, veths, bridge,
//     tunnel device, NIC (edges point down that stack, layers are counted from the pods), so a
//     veth sits between its pod and its bridge and crossing minimisation lines veths up under pods;
//   - the node boxes in rows, in id order, as many per row as makes the whole graph largest in the
//     pane it is shown in (its width and height given): three boxes in a wide pane sit in one row,
//     in a narrower one they wrap, so the default view can show them all at a readable size;
//   - the services in a band right above the first row of boxes holding one of their backends, each
//     over its backends, so their links run down to them and not through the rows above; a link to
//     a backend further down runs down a gap between the boxes in the way (routeServiceLinks);
//   - the tunnels between the boxes as curves clear of the other boxes (routeTunnels).
// Each box's inner layout is cached by its content, so adding a pod, a capture or a correction lays
// out again only the boxes that changed, and packing keeps the boxes in the order of their ids.
// The sizes given to ELK include each element's label (below its shape) and each box's title and
// padding, as the stylesheet in graph.ts draws them.
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphElementView } from '../../common/contract';
import {
  BOX_PADDING,
  BOX_TITLE,
  COLLAPSED,
  LABEL_CHAR,
  LABEL_FONT,
  SHAPES,
  TITLE_FONT,
  drawnLabel,
  labelWidth,
  linkText,
  sharedTunnelLabels,
  tunnelText,
} from './graph';

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
  readonly bends: Map<string, TunnelBend>;
  /**
   * Per service link with a label: where its label's center goes (model coordinates), along the
   * link and clear of every other label and shape (placeLinkLabels).
   */
  readonly linkLabels: Map<string, Position>;
  /**
   * Per service link that a straight line would draw through another node box (a service whose
   * backends are in several rows of boxes): the corners of its path from its source to its target
   * (model coordinates), down a gap between the boxes of the rows it passes (routeServiceLinks).
   */
  readonly linkRoutes: Map<string, Position[]>;
  /**
   * Per tunnel no curve can draw clear of the other node boxes (NICs in different rows of boxes):
   * the corners of its path (model coordinates), down from its NIC to the room under its row, along
   * it to a gap between the boxes, down that gap and along the room under the other row to the
   * other NIC (routeTunnels). Such a tunnel has no entry in `bends`.
   */
  readonly tunnelRoutes: Map<string, Position[]>;
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

/** Room between two node boxes, and between rows of them. */
const GAP = 24;
/** Room between the services and the node boxes under them: a service link's label fits in it. */
const LINK_ROOM = 30;

/** The same for the boxes' bold titles. */
const TITLE_CHAR = 0.66;

/** Cytoscape's default font, which the stylesheet keeps: the text is measured in it. */
const FONT_FAMILY = 'Helvetica Neue, Helvetica, sans-serif';
let measureContext: CanvasRenderingContext2D | null | undefined;
const measured = new Map<string, number>();

/**
 * Width of `text` in px as Cytoscape draws it: measured on a canvas in the page (as Cytoscape
 * measures it to wrap), estimated from the number of characters where there is no page (Node).
 */
function textWidth(text: string, size: number, bold = false): number {
  if (measureContext === undefined)
    measureContext = typeof document === 'undefined' ? null : (document.createElement('canvas').getContext('2d') ?? null);
  if (!measureContext) return text.length * size * (bold ? TITLE_CHAR : LABEL_CHAR);
  const font = `normal ${bold ? 'bold' : 'normal'} ${size}px ${FONT_FAMILY}`;
  const key = `${font}|${text}`;
  let w = measured.get(key);
  if (w === undefined) {
    measureContext.font = font;
    w = measureContext.measureText(text).width;
    if (measured.size > 50_000) measured.clear();
    measured.set(key, w);
  }
  return w;
}

/**
 * Lines a label wraps into and its widest line (ELK must reserve room for both), wrapped as
 * Cytoscape wraps it: a line wider than the kind's width breaks greedily at spaces and at the
 * break points drawnLabel adds; a piece wider than a line stays whole (and overflows it).
 */
function labelBox(label: string, kind?: string): { lines: number; width: number } {
  if (!label) return { lines: 0, width: 0 };
  const max = labelWidth(kind);
  const w = (t: string) => textWidth(t, LABEL_FONT);
  let lines = 0;
  let widest = 0;
  const push = (t: string) => {
    lines++;
    widest = Math.max(widest, w(t.replace(/[\s\u200b]+$/, '')));
  };
  for (const line of drawnLabel(label, kind).split('\n')) {
    if (w(line) <= max) {
      push(line);
      continue;
    }
    let sub = '';
    let from = 0;
    for (const m of line.matchAll(/[\s\u200b]+|$/g)) {
      const word = line.slice(from, m.index);
      from = (m.index ?? 0) + m[0].length;
      if (w(sub ? sub + word + m[0] : word) <= max) sub += word + m[0];
      else {
        if (sub) push(sub);
        sub = word + m[0];
      }
    }
    if (!/^[\s\u200b]*$/.test(sub)) push(sub);
  }
  return { lines, width: Math.ceil(widest) };
}
const labelLines = (label: string, kind: string) => labelBox(label, kind).lines;

/** A label's distance under its shape, and the height of one of its lines (text-margin-y, line-height 1.15 and the backing). */
const LABEL_MARGIN = 3;
const LABEL_LINE = 13;

/** Room one leaf takes: its shape, and its label below it (its center is shapeHeight / 2 below its top). */
export function leafSize(kind: string, label: string, minLines = 0): { width: number; height: number; shapeHeight: number } {
  const s = SHAPES[kind] ?? SHAPES.default;
  const box = labelBox(label, kind);
  const lines = Math.max(minLines, box.lines);
  return {
    width: Math.max(s.width, box.width) + 12,
    height: s.height + LABEL_MARGIN + lines * LABEL_LINE + 5,
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

    // A box is as wide as its title too: the title is drawn centered over it on one line.
    const title = new Map(boxes.map((b) => [b.data.id, Math.ceil(textWidth((b.data.label ?? '').split('\n')[0] ?? '', TITLE_FONT, true))]));
    const boxSize = (id: string) => {
      const l = boxLayouts.get(id)!;
      return l.children.size
        ? { w: Math.max(l.width + 2 * BOX_PADDING, title.get(id)! + 8), h: l.height + 2 * BOX_PADDING + BOX_TITLE }
        : // A collapsed box: its summary inside, and the padding and border the stylesheet adds to any node.
          { w: l.width + 2 * BOX_PADDING + 4, h: l.height + 2 * BOX_PADDING + 4 };
    };
    const services = free.map((n) => {
      const s = leafSize(n.data.kind, n.data.label);
      return { id: n.data.id, w: s.width, h: s.height, shapeHeight: s.shapeHeight, want: 0 };
    });
    const widest = Math.max(0, ...services.map((v) => v.w));
    // The boxes each service links to: it stands in a band right above the first row holding one,
    // so its links run down to that row and not through the rows above it.
    const links = elements.filter((e) => e.group === 'edges' && e.data.kind === 'service-link');
    const boxIds = new Set(boxes.map((b) => b.data.id));
    const boxOfLeaf = (id: string) => (boxIds.has(id) ? id : parentOf.get(id));
    const backendBoxes = new Map(services.map((v) => [v.id, new Set<string>()]));
    for (const e of links)
      for (const [a, b] of [
        [e.data.source!, e.data.target!],
        [e.data.target!, e.data.source!],
      ]) {
        const box = boxOfLeaf(b);
        if (box) backendBoxes.get(a)?.add(box);
      }
    /** Row of the band each service stands in, for boxes in these rows (no backend shown: the first). */
    const bandOf = (rowOf: ReadonlyMap<string, number>) =>
      new Map(
        services.map((v) => {
          const rows = [...backendBoxes.get(v.id)!].flatMap((b) => rowOf.get(b) ?? []);
          return [v.id, rows.length ? Math.min(...rows) : 0];
        }),
      );
    // The room the services' bands take above the rows of boxes, for rows this wide.
    const bandsHeight = (rows: readonly (readonly string[])[], width: number) => {
      const band = bandOf(new Map(rows.flatMap((r, i) => r.map((id) => [id, i] as const))));
      return rows.reduce((sum, _, i) => {
        const here = services.filter((v) => band.get(v.id) === i);
        return sum + (here.length ? serviceRows(here, Math.max(width, widest)).height + LINK_ROOM : 0);
      }, 0);
    };
    const cl = boxes.length
      ? boxRows(
          boxes.map((b) => ({ id: b.data.id, ...boxSize(b.data.id) })),
          room,
          { w: widest, h: bandsHeight },
          elements.some((e) => e.group === 'edges' && e.data.kind === 'underlay') ? TUNNEL_ROOM : 0,
        )
      : null;
    const width = Math.max(widest, cl?.width ?? 0);

    const positions = new Map<string, Position>();
    const rects = new Map<string, Rect>();
    const titles: (Rect & { row: number })[] = [];
    /** Row of boxes each placed element is in. */
    const rowOf = new Map<string, number>();
    // The node boxes first, their rows from y = 0 (each moved down under the services' bands below).
    const nx = (width - (cl?.width ?? 0)) / 2;
    for (const c of cl?.children ?? []) {
      const x = nx + c.x;
      const y = c.y;
      const l = boxLayouts.get(c.id)!;
      rects.set(c.id, { x1: x, y1: y, x2: x + c.width, y2: y + c.height });
      rowOf.set(c.id, c.row);
      const tw = title.get(c.id) ?? 0;
      if (!l.children.size) {
        positions.set(c.id, { x: x + c.width / 2, y: y + c.height / 2 });
      } else {
        titles.push({ x1: x + (c.width - tw) / 2, y1: y, x2: x + (c.width + tw) / 2, y2: y + BOX_TITLE, row: c.row });
        // Centered in its slot, which the title may have made wider than its content.
        const ox = x + (c.width - l.width) / 2;
        const oy = y + BOX_TITLE + BOX_PADDING;
        for (const [id, p] of l.children) {
          positions.set(id, { x: ox + p.x, y: oy + p.y });
          rowOf.set(id, c.row);
        }
      }
    }
    // Each service above the backends it links to (the mean of their places), in rows: its links
    // then run down to them instead of across the graph, and no two cross when they can be apart.
    // One with backends in rows further down too stands where its links to them cross the fewest
    // boxes of the rows between (through the gaps between boxes).
    const band = bandOf(rowOf);
    const rowTops = cl?.rowTops ?? [0];
    const boxRects = [...rects];
    const endsOf = new Map(
      services.map((v) => [
        v.id,
        links
          .filter((e) => e.data.source === v.id || e.data.target === v.id)
          .map((e) => (e.data.source === v.id ? e.data.target! : e.data.source!))
          .filter((id) => positions.has(id)),
      ]),
    );
    for (const v of services) {
      const xs = endsOf.get(v.id)!.map((id) => positions.get(id)!.x);
      // A service with no backend shown goes to the right, after the others.
      v.want = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : width;
    }
    for (const v of services) {
      const ends = endsOf.get(v.id)!;
      const mean = v.want;
      const r = band.get(v.id)!;
      if (!ends.some((id) => rowOf.get(id) !== r)) continue;
      const y = rowTops[r] - LINK_ROOM / 2;
      // The links of the other services of its band, drawn from where they want to stand: crossing
      // one costs more than a box in the way (a link through a box is routed down a gap anyway).
      const theirs = services
        .filter((u) => u !== v && band.get(u.id) === r)
        .flatMap((u) => endsOf.get(u.id)!.map((id) => [{ x: u.want, y }, positions.get(id)!] as const));
      // The boxes first: the links only where that leaves the place a chance to be better.
      const crossings = (x: number, than = Infinity) => {
        let n = 0;
        for (const id of ends) {
          const q = positions.get(id)!;
          const own = boxOfLeaf(id);
          n += boxRects.filter(([b, rect]) => b !== own && segmentHits({ x, y }, q, rect)).length;
        }
        for (const id of ends) {
          if (n > than) break;
          const q = positions.get(id)!;
          n += 3 * theirs.filter(([a, b]) => b !== q && segmentsCross({ x, y }, q, a, b)).length;
        }
        return n;
      };
      let best = { x: mean, n: crossings(mean) };
      for (let x = v.w / 2; x <= width - v.w / 2 && best.n > 0; x += 8) {
        const n = crossings(x, best.n);
        if (n < best.n || (n === best.n && Math.abs(x - mean) < Math.abs(best.x - mean))) best = { x, n };
      }
      v.want = best.x;
    }
    // The bands, each right above its row: the rows move down by the bands above them.
    const rowCount = rowTops.length;
    const shift: number[] = [];
    const serviceRects: Rect[] = [];
    let down = 0;
    for (let r = 0; r < rowCount; r++) {
      const here = services.filter((v) => band.get(v.id) === r);
      if (!here.length) {
        shift.push(down);
        continue;
      }
      const rows = serviceRows(here, width);
      down += rows.height + LINK_ROOM;
      shift.push(down);
      const top = rowTops[r] + down - LINK_ROOM - rows.height;
      for (const [id, p] of rows.places) {
        const v = here.find((x) => x.id === id)!;
        positions.set(id, { x: p.x, y: top + p.y + v.shapeHeight / 2 });
        serviceRects.push({ x1: p.x - v.w / 2, x2: p.x + v.w / 2, y1: top + p.y, y2: top + p.y + v.h });
      }
    }
    for (const [id, r] of rowOf) {
      const p = positions.get(id);
      if (p) positions.set(id, { x: p.x, y: p.y + shift[r] });
      const b = rects.get(id);
      if (b) rects.set(id, { x1: b.x1, x2: b.x2, y1: b.y1 + shift[r], y2: b.y2 + shift[r] });
    }
    for (const t of titles) Object.assign(t, { y1: t.y1 + shift[t.row], y2: t.y2 + shift[t.row] });
    // Each tunnel with the label drawn on it: none where other tunnels share it (it is in the legend).
    const shared = sharedTunnelLabels(elements);
    const tunnels = elements
      .filter((e) => e.group === 'edges' && e.data.kind === 'underlay')
      .map((e) => ({ data: { ...e.data, label: tunnelText(e.data.label, shared) } }));
    const routed = routeTunnels(tunnels, positions, rects, serviceRects, (id) => parentOf.get(id) ?? id);
    // What a link label must keep clear of: every leaf's shape and label, the boxes' titles, the tunnels' labels.
    const taken: Rect[] = [...titles, ...routed.labels];
    for (const n of nodes) {
      const p = positions.get(n.data.id);
      if (!p || boxLayouts.has(n.data.id)) continue;
      const s = leafSize(n.data.kind, n.data.label);
      taken.push({
        x1: p.x - s.width / 2 + 6,
        x2: p.x + s.width / 2 - 6,
        y1: p.y - s.shapeHeight / 2,
        y2: p.y - s.shapeHeight / 2 + s.height - 5,
      });
    }
    const routes = routeServiceLinks(links, positions, rects, boxOfLeaf);
    const linkLabels = placeLinkLabels(links, positions, routes, taken, [...rects.values()]);
    return {
      positions,
      bends: routed.bends,
      linkLabels,
      linkRoutes: routes,
      tunnelRoutes: routed.routes,
      boxesLaidOut: laidOut,
      ms: performance.now() - t0,
    };
  }

  private async layoutBox(kids: View, edges: View): Promise<BoxLayout> {
    // Devices of one kind share a row: the same height for all keeps their shapes on one line.
    const lines = new Map<string, number>();
    for (const k of kids) lines.set(k.data.kind, Math.max(lines.get(k.data.kind) ?? 0, labelLines(k.data.label, k.data.kind)));
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
        'elk.layered.spacing.nodeNodeBetweenLayers': '10',
        'elk.layered.spacing.edgeNodeBetweenLayers': '4',
        'elk.edgeRouting': 'POLYLINE',
        'elk.padding': '[top=0,left=0,bottom=0,right=0]',
      },
      children: kids.map((k) => ({ id: k.data.id, width: sizes.get(k.data.id)!.width, height: sizes.get(k.data.id)!.height })),
      edges: [
        ...edges.map((e) => ({ id: e.data.id, sources: [orient(e, kids)[0]], targets: [orient(e, kids)[1]] })),
        ...stackEdges(kids, edges),
      ],
    };
    const out = await this.elk.layout(graph);
    const children = new Map<string, Position>();
    for (const c of out.children ?? [])
      children.set(c.id, { x: (c.x ?? 0) + (c.width ?? 0) / 2, y: (c.y ?? 0) + sizes.get(c.id)!.shapeHeight / 2 });
    return { width: out.width ?? 0, height: out.height ?? 0, children };
  }
}

/**
 * The services in rows `width` wide: in the order of the places they want (`want`, the middle of
 * their backends), as few rows as hold them (the i-th service in that order in row i mod rows), each
 * as near its place as the others in its row let it be (placeRow). Positions are the top middle of
 * each service's room (shape and label), rows from y = 0.
 */
function serviceRows(
  services: readonly { id: string; w: number; h: number; want: number }[],
  width: number,
): { height: number; places: Map<string, Position> } {
  const order = [...services].sort((a, b) => a.want - b.want || (a.id < b.id ? -1 : 1));
  const rowWidth = (row: typeof order) => row.reduce((s, v) => s + v.w, 0) + SERVICE_GAP * (row.length - 1);
  let rows: (typeof order)[] = [order];
  for (let k = 1; k <= order.length; k++) {
    rows = Array.from({ length: k }, (_, r) => order.filter((_, i) => i % k === r));
    if (rows.every((row) => rowWidth(row) <= width)) break;
  }
  const places = new Map<string, Position>();
  let y = 0;
  for (const row of rows) {
    const lefts = placeRow(row, Math.max(width, rowWidth(row)));
    row.forEach((v, i) => places.set(v.id, { x: lefts[i] + v.w / 2, y }));
    y += Math.max(...row.map((v) => v.h)) + SERVICE_ROW_GAP;
  }
  return { height: y - SERVICE_ROW_GAP, places };
}

/** Room between two services side by side, and between two rows of them. */
const SERVICE_GAP = 16;
const SERVICE_ROW_GAP = 12;

/**
 * Left edges for items in a row [0, width] (in the order given, `want` ascending), each centered as
 * near its `want` as the others let it, never overlapping: runs of items that would overlap are
 * merged into blocks placed at their members' mean wish (the least squares shift), then kept inside the row.
 */
function placeRow(items: readonly { w: number; want: number }[], width: number): number[] {
  interface Block {
    first: number;
    count: number;
    size: number;
    /** Sum over members of (wanted left edge - offset in the block). */
    wish: number;
  }
  const blocks: Block[] = [];
  const left = (b: Block) => Math.min(Math.max(b.wish / b.count, 0), Math.max(0, width - b.size));
  items.forEach((v, i) => {
    let b: Block = { first: i, count: 1, size: v.w, wish: v.want - v.w / 2 };
    for (;;) {
      const prev = blocks[blocks.length - 1];
      if (!prev || left(prev) + prev.size + SERVICE_GAP <= left(b)) break;
      blocks.pop();
      const offset = prev.size + SERVICE_GAP;
      b = { first: prev.first, count: prev.count + b.count, size: offset + b.size, wish: prev.wish + b.wish - offset * b.count };
    }
    blocks.push(b);
  });
  const out: number[] = [];
  for (const b of blocks) {
    let x = left(b);
    for (let i = b.first; i < b.first + b.count; i++) {
      out.push(x);
      x += items[i].w + SERVICE_GAP;
    }
  }
  return out;
}

/** Node boxes placed in rows: each box's top-left corner, size and row, and the top of each row (from y = 0). */
interface BoxRows {
  readonly width: number;
  readonly height: number;
  readonly children: readonly { id: string; x: number; y: number; width: number; height: number; row: number }[];
  readonly rowTops: readonly number[];
}

/**
 * The node boxes in rows (id order, each row centered), in as many rows as makes the graph, with
 * the services' bands above its rows (`above.h`, for the boxes in those rows), largest in `room`:
 * the zoom that fits it is the smaller of width and height, so a wide pane gets one row and a tall
 * or narrow one wraps the boxes, the graph's shape close to the pane's. For each number of rows the
 * boxes are split where the widest row is narrowest (balancedRows): six boxes in two rows are
 * three and three (or as near as their widths allow), not five and one.
 */
function boxRows(
  boxes: readonly { id: string; w: number; h: number }[],
  room: Room,
  above: { w: number; h: (rows: readonly (readonly string[])[], width: number) => number },
  below: number,
): BoxRows {
  const measure = (rows: (typeof boxes)[]) => {
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
  let best = measure([[...boxes]]);
  let bestZoom = -1;
  let tried = 0;
  for (let count = 1; count <= boxes.length; count++) {
    const rows = balancedRows(boxes, count);
    // Fewer rows than asked for: the same split as before.
    if (rows.length <= tried) continue;
    tried = rows.length;
    const r = measure(rows);
    const ids = r.rows.map((row) => row.map((b) => b.id));
    const zoom = Math.min(
      (room.width - VIEW_MARGIN) / Math.max(r.width, above.w),
      (room.height - VIEW_MARGIN) / (r.height + above.h(ids, r.width) + below),
    );
    if (zoom > bestZoom * 1.001) {
      best = r;
      bestZoom = zoom;
    }
  }
  const children: BoxRows['children'][number][] = [];
  const rowTops: number[] = [];
  let y = 0;
  best.rows.forEach((row, i) => {
    rowTops.push(y);
    let x = (best.width - best.widths[i]) / 2;
    for (const b of row) {
      children.push({ id: b.id, x, y, width: b.w, height: b.h, row: i });
      x += b.w + GAP;
    }
    y += best.heights[i] + GAP + below;
  });
  return { width: best.width, height: best.height, children, rowTops };
}

/**
 * Boxes in their order, in at most `count` rows, split where the widest row is the narrowest it can
 * be: rows filled greedily up to the smallest width (one of the widths a run of boxes takes) that
 * needs no more than `count` rows.
 */
export function balancedRows<T extends { w: number }>(boxes: readonly T[], count: number): T[][] {
  const fill = (limit: number) => {
    const rows: T[][] = [];
    let row: T[] = [];
    let width = 0;
    for (const b of boxes) {
      const wider = row.length ? width + GAP + b.w : b.w;
      if (row.length && wider > limit + 1e-6) {
        rows.push(row);
        row = [b];
        width = b.w;
      } else {
        row.push(b);
        width = wider;
      }
    }
    if (row.length) rows.push(row);
    return rows;
  };
  if (count >= boxes.length) return boxes.map((b) => [b]);
  const runs = new Set<number>();
  for (let i = 0; i < boxes.length; i++)
    for (let j = i, w = -GAP; j < boxes.length; j++) {
      w += boxes[j].w + GAP;
      runs.add(w);
    }
  const widths = [...runs].sort((a, b) => a - b);
  let lo = 0;
  let hi = widths.length - 1;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (fill(widths[m]).length <= count) hi = m;
    else lo = m + 1;
  }
  return fill(widths[lo]);
}

interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
const hits = (a: Rect, b: Rect) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

/** Whether segments p-q and a-b cross (other than at an end). */
function segmentsCross(p: Position, q: Position, a: Position, b: Position): boolean {
  const side = (o: Position, d: Position, c: Position) => Math.sign((d.x - o.x) * (c.y - o.y) - (d.y - o.y) * (c.x - o.x));
  return side(p, q, a) * side(p, q, b) < 0 && side(a, b, p) * side(a, b, q) < 0;
}

/** Whether the segment from `p` to `q` runs through the inside of `r` (Liang-Barsky clipping). */
function segmentHits(p: Position, q: Position, r: Rect): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  for (const [d, lo, hi, at] of [
    [dx, r.x1, r.x2, p.x],
    [dy, r.y1, r.y2, p.y],
  ]) {
    if (d === 0) {
      if (at <= lo || at >= hi) return false;
      continue;
    }
    const a = (lo - at) / d;
    const b = (hi - at) / d;
    t0 = Math.max(t0, Math.min(a, b));
    t1 = Math.min(t1, Math.max(a, b));
  }
  return t0 < t1;
}
/**
 * A tunnel's curve as Cytoscape's unbundled-bezier draws it: control points `distance` px off the
 * straight line between its NICs (on the left of source to target), at these shares of the way.
 */
export interface TunnelBend {
  readonly distance: number;
  readonly weights: readonly number[];
}

/**
 * Shapes of a tunnel's curve: an arc (one control point at the middle), or down from the NICs and
 * level along the room between two rows of boxes, then up (two control points, the curve level
 * between them and its label at their middle): this one keeps a long tunnel in the room under its
 * row where an arc as deep would cut through the boxes beside its ends or the row below.
 */
const CURVES: readonly (readonly number[])[] = [
  [0.5],
  [0.15, 0.85],
  // Level curves whose middle, where the label goes, is nearer one end or the other.
  [0.1, 0.6],
  [0.4, 0.9],
];

/**
 * The point a share `t` of the way along a curve from `p` to `q` with these control points, drawn
 * as Cytoscape draws them: one quadratic curve per control point, joined at the middle of two
 * control points in a row.
 */
function curveAt(p: Position, q: Position, controls: readonly Position[], t: number): Position {
  const n = controls.length;
  const i = Math.min(n - 1, Math.floor(t * n));
  const from = i === 0 ? p : mid(controls[i - 1], controls[i]);
  const to = i === n - 1 ? q : mid(controls[i], controls[i + 1]);
  const c = controls[i];
  const s = t * n - i;
  return {
    x: (1 - s) * (1 - s) * from.x + 2 * s * (1 - s) * c.x + s * s * to.x,
    y: (1 - s) * (1 - s) * from.y + 2 * s * (1 - s) * c.y + s * s * to.y,
  };
}
const mid = (a: Position, b: Position): Position => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/** Bends tried for a tunnel's curve, nearest the straight line first (px). */
const BENDS = [
  ...Array.from({ length: 15 }, (_, i) => 40 + 20 * i),
  ...Array.from({ length: 10 }, (_, i) => 340 + 40 * i),
  ...[820, 960, 1120, 1300],
];
/** Room under the node boxes the tunnels' curves and labels take (counted when the rows are chosen). */
const TUNNEL_ROOM = 72;
/** Half the height of a tunnel's label (one line of 11 px text, and a little room). */
const LABEL_HALF_HEIGHT = 10;
/** How far above its NIC's center a tunnel may run inside its own box. */
const NIC_ROOM = 12;
/** Room kept between a curve and a box it passes. */
const CLEAR = 6;

/**
 * Curves for the tunnels between node boxes: each an arc or a level curve (CURVES) through control
 * points `bend` px off the straight line between its two NICs, the one nearest that line (either
 * side) that runs through no box but its two ends' and whose label, drawn along the curve at its
 * middle, covers no box, no service and no label placed before. Shorter tunnels are placed first,
 * so they take the inner lanes.
 */
function routeTunnels(
  edges: readonly { data: { id: string; source?: string; target?: string; label?: string } }[],
  positions: ReadonlyMap<string, Position>,
  rects: ReadonlyMap<string, Rect>,
  services: readonly Rect[],
  boxOf: (id: string) => string,
): { bends: Map<string, TunnelBend>; routes: Map<string, Position[]>; labels: Rect[] } {
  const bends = new Map<string, TunnelBend>();
  const routes = new Map<string, Position[]>();
  const labels: Rect[] = [];
  const all = [...rects.values()];
  // A curve that leaves the rows' room (a loop around the whole graph) is no better than one through a box.
  const frame = all.length
    ? {
        x1: Math.min(...all.map((r) => r.x1)) - TUNNEL_ROOM,
        x2: Math.max(...all.map((r) => r.x2)) + TUNNEL_ROOM,
        y1: Math.min(...all.map((r) => r.y1)) - TUNNEL_ROOM,
        y2: Math.max(...all.map((r) => r.y2)) + TUNNEL_ROOM,
      }
    : null;
  let lane = 0;
  const ends = edges
    .map((e) => ({ e, p: positions.get(e.data.source!), q: positions.get(e.data.target!) }))
    .filter((x): x is { e: (typeof edges)[number]; p: Position; q: Position } => !!x.p && !!x.q)
    .sort(
      (a, b) => Math.hypot(a.q.x - a.p.x, a.q.y - a.p.y) - Math.hypot(b.q.x - b.p.x, b.q.y - b.p.y) || (a.e.data.id < b.e.data.id ? -1 : 1),
    );
  // Nearest the straight line first: an arc's middle lies half its bend off it, a level curve's all of it.
  const shapes = BENDS.flatMap((b) => CURVES.map((weights) => ({ b, weights, off: weights.length === 1 ? b / 2 : b }))).sort(
    (x, y) => x.off - y.off || x.weights.length - y.weights.length,
  );
  for (const { e, p, q } of ends) {
    const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
    const u = { x: (q.x - p.x) / len, y: (q.y - p.y) / len };
    const n = { x: -u.y, y: u.x };
    const own = new Set([boxOf(e.data.source!), boxOf(e.data.target!)]);
    const others = [...rects].filter(([id]) => !own.has(id)).map(([, r]) => r);
    // Its own boxes it may cross only under their NICs (at their bottom): a curve into a box from
    // above would run over the box's pods and bridge.
    const ownTops = [
      { r: rects.get(boxOf(e.data.source!)), y: p.y },
      { r: rects.get(boxOf(e.data.target!)), y: q.y },
    ].flatMap(({ r, y }) => (r ? [{ x1: r.x1, x2: r.x2, y1: r.y1, y2: y - NIC_ROOM }] : []));
    const half = textWidth(e.data.label ?? '', LABEL_FONT) / 2 + 4;
    // Below the boxes first (the NICs are at their bottom), then above.
    const sides = n.y >= 0 ? [1, -1] : [-1, 1];
    // Samples along the curve a few px apart, so a long tunnel cannot step over a box.
    const step = Math.min(0.04, 12 / len);
    let best: { bend: TunnelBend; cost: number; label: Rect } | null = null;
    search: for (const { b, weights } of shapes)
      for (const s of sides) {
        const d = b * s;
        const controls = weights.map((w) => ({ x: p.x + (q.x - p.x) * w + n.x * d, y: p.y + (q.y - p.y) * w + n.y * d }));
        let cost = 0;
        for (let t = step; t < 1; t += step) {
          const m = curveAt(p, q, controls, t);
          if (others.some((r) => m.x > r.x1 - CLEAR && m.x < r.x2 + CLEAR && m.y > r.y1 - CLEAR && m.y < r.y2 + CLEAR)) cost++;
          else if (ownTops.some((r) => m.x > r.x1 && m.x < r.x2 && m.y > r.y1 && m.y < r.y2)) cost++;
          else if (frame && (m.x < frame.x1 || m.x > frame.x2 || m.y < frame.y1 || m.y > frame.y2)) cost++;
        }
        // The label: along the curve's middle (parallel to the NICs' line there), its line of text
        // on the outer side of the bulge, away from the boxes (tunnelLabelMargin).
        const m = curveAt(p, q, controls, 0.5);
        const out = { x: n.x * Math.sign(d || 1), y: n.y * Math.sign(d || 1) };
        const lc = { x: m.x + out.x * 8, y: m.y + out.y * 8 };
        const ex = Math.abs(u.x) * half + Math.abs(out.x) * LABEL_HALF_HEIGHT;
        const ey = Math.abs(u.y) * half + Math.abs(out.y) * LABEL_HALF_HEIGHT;
        const label = { x1: lc.x - ex, y1: lc.y - ey, x2: lc.x + ex, y2: lc.y + ey };
        if (e.data.label)
          cost +=
            5 * [...rects.values()].filter((r) => hits(r, label)).length +
            5 * services.filter((r) => hits(r, label)).length +
            5 * labels.filter((l) => hits(l, label)).length;
        if (!best || cost < best.cost) best = { bend: { distance: d, weights }, cost, label };
        if (cost === 0) break search;
      }
    if (!best) continue;
    if (best.cost > 0) {
      // No curve clears the boxes: along the rooms under the rows and down a gap between boxes.
      const path = laneRoute(p, q, rects.get(boxOf(e.data.source!)), rects.get(boxOf(e.data.target!)), others, all, lane);
      if (path) {
        routes.set(e.data.id, path);
        lane++;
        continue;
      }
    }
    bends.set(e.data.id, best.bend);
    if (e.data.label) labels.push(best.label);
  }
  return { bends, routes, labels };
}

/** Room between two tunnels run side by side along the rooms under the rows and down the gaps. */
const LANE = 5;

/**
 * A tunnel's path between NICs `p` (in box `a`) and `q` (in box `b`) as straight legs clear of the
 * other boxes: down from each NIC to the room under its row of boxes, along it to a column (a gap
 * between boxes, or beside the rows) and down or up that column. Tunnel `lane` runs a few px off
 * the others, so tunnels sharing a room or a gap are drawn side by side rather than on one another.
 * Of the columns whose path crosses no other box, the shortest path; none when no column clears.
 */
function laneRoute(
  p: Position,
  q: Position,
  a: Rect | undefined,
  b: Rect | undefined,
  others: readonly Rect[],
  all: readonly Rect[],
  lane: number,
): Position[] | null {
  if (!a || !b) return null;
  /** The bottom of the row of boxes `r` stands in (the boxes level with it). */
  const rowBottom = (r: Rect) => Math.max(...all.filter((o) => o.y1 < r.y2 && o.y2 > r.y1).map((o) => o.y2));
  const offset = LANE * ((lane % 8) + 1);
  const shift = LANE * ((lane % 3) - 1);
  const ya = rowBottom(a) + offset;
  const yb = rowBottom(b) + offset;
  const left = Math.min(...all.map((r) => r.x1)) - GAP / 2;
  const right = Math.max(...all.map((r) => r.x2)) + GAP / 2;
  const edges = all.flatMap((r) => [r.x1, r.x2]).sort((x, y) => x - y);
  const columns = [left - shift, right + shift, ...edges.slice(1).map((x, i) => (x + edges[i]) / 2 + shift)];
  let best: { path: Position[]; length: number } | null = null;
  for (const x of columns) {
    const path = [p, { x: p.x, y: ya }, { x, y: ya }, { x, y: yb }, { x: q.x, y: yb }, q];
    const legs = path.slice(1).map((c, i) => [path[i], c] as const);
    // Down out of its own box and up into the other's, under their NICs; between, through no box at all.
    const clear = (i: number, [s, t]: (typeof legs)[number]) =>
      !(i === 0 || i === legs.length - 1 ? others : all).some((r) =>
        segmentHits(s, t, { x1: r.x1 - 2, y1: r.y1 - 2, x2: r.x2 + 2, y2: r.y2 + 2 }),
      );
    if (!legs.every((leg, i) => clear(i, leg))) continue;
    const length = legs.reduce((sum, [s, t]) => sum + Math.abs(t.x - s.x) + Math.abs(t.y - s.y), 0);
    if (!best || length < best.length) best = { path, length };
  }
  return best ? best.path.slice(1, -1) : null;
}

/** Height of a link's label box (one line of 11 px text, its background and a little room). */
const LINK_LABEL_HEIGHT = 16;
/** Where along a link its label may go (0 at the service, 1 at the backend), the middle first. */
const ALONG = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.2, 0.8];

/**
 * A place for each service link's label (its text: the backend's port, drawn level): the point
 * along the link nearest its middle whose label box covers no label or shape in `taken` and no
 * label placed before, better outside the node boxes than inside. Links in id order, so the same
 * graph always gets the same places.
 */
function placeLinkLabels(
  links: readonly { data: { id: string; source?: string; target?: string; label?: string } }[],
  positions: ReadonlyMap<string, Position>,
  routes: ReadonlyMap<string, readonly Position[]>,
  taken: Rect[],
  boxes: readonly Rect[],
): Map<string, Position> {
  const out = new Map<string, Position>();
  const sorted = [...links].sort((a, b) => (a.data.id < b.data.id ? -1 : a.data.id > b.data.id ? 1 : 0));
  for (const e of sorted) {
    const text = linkText(e.data.label);
    const p = positions.get(e.data.source!);
    const q = positions.get(e.data.target!);
    if (!text || !p || !q) continue;
    const path = [p, ...(routes.get(e.data.id) ?? []), q];
    const half = { x: textWidth(text, LABEL_FONT) / 2 + 3, y: LINK_LABEL_HEIGHT / 2 };
    let best: { at: Position; cost: number; r: Rect } | null = null;
    for (const t of ALONG) {
      const at = along(path, t);
      const r = { x1: at.x - half.x, x2: at.x + half.x, y1: at.y - half.y, y2: at.y + half.y };
      const cost = 10 * taken.filter((o) => hits(o, r)).length + (boxes.some((b) => hits(b, r)) ? 1 : 0);
      if (!best || cost < best.cost) best = { at, cost, r };
      if (cost === 0) break;
    }
    out.set(e.data.id, best!.at);
    taken.push(best!.r);
  }
  return out;
}

/** The point a share `t` of the way along a path of straight legs. */
function along(path: readonly Position[], t: number): Position {
  const legs = path.slice(1).map((q, i) => Math.hypot(q.x - path[i].x, q.y - path[i].y));
  let left = t * legs.reduce((a, b) => a + b, 0);
  for (let i = 0; i < legs.length; i++) {
    if (left <= legs[i] || i === legs.length - 1) {
      const f = legs[i] ? Math.min(1, left / legs[i]) : 0;
      return { x: path[i].x + (path[i + 1].x - path[i].x) * f, y: path[i].y + (path[i + 1].y - path[i].y) * f };
    }
    left -= legs[i];
  }
  return path[0];
}

/** Room kept between a routed service link and the boxes beside the gap it runs down. */
const LINK_CLEAR = 4;

/**
 * Service links a straight line would draw through another node box (their service stands above
 * the first row holding one of its backends; a backend in a row further down is behind that row's
 * boxes) run instead down a gap: from the service to the top of the rows in between, down a column
 * free of their boxes (a gap between two boxes, or beside the rows), and across to the backend.
 * Of the columns whose path crosses no box but the backend's own, the path crossing the fewest
 * other links, then the shortest. A link no column clears stays straight.
 */
function routeServiceLinks(
  links: readonly { data: { id: string; source?: string; target?: string } }[],
  positions: ReadonlyMap<string, Position>,
  rects: ReadonlyMap<string, Rect>,
  boxOf: (id: string) => string | undefined,
): Map<string, Position[]> {
  const out = new Map<string, Position[]>();
  const all = [...rects];
  if (!all.length) return out;
  const left = Math.min(...all.map(([, r]) => r.x1)) - GAP / 2;
  const right = Math.max(...all.map(([, r]) => r.x2)) + GAP / 2;
  for (const e of links) {
    const [s, t] = [e.data.source!, e.data.target!];
    const p = positions.get(s);
    const q = positions.get(t);
    if (!p || !q) continue;
    const own = new Set([boxOf(s), boxOf(t)]);
    const others = all.filter(([id]) => !own.has(id)).map(([, r]) => r);
    if (!others.some((r) => segmentHits(p, q, r))) continue;
    // The service's end is the higher one; the boxes wholly above the other end are the ones in the way.
    const [hi, lo] = p.y <= q.y ? [p, q] : [q, p];
    // None when the backend is in the row right under the service (a link to a box far from the
    // service's place, over its neighbour's title): then down the gap beside the backend's box to
    // the backend's level and across into its box.
    const above = others.filter((r) => r.y2 > hi.y && r.y2 < lo.y);
    const between = above.length ? above : others.filter((r) => r.y1 < lo.y && r.y2 > lo.y);
    const top = Math.min(...between.map((r) => r.y1)) - LINK_CLEAR;
    const bottom = above.length ? Math.max(...between.map((r) => r.y2)) + LINK_CLEAR : lo.y;
    if (!Number.isFinite(top) || top <= hi.y || bottom > lo.y) continue;
    // Free columns: edges of the boxes in the way, the gaps' middles, and beside the rows.
    const edges = between.flatMap((r) => [r.x1, r.x2]).sort((a, b) => a - b);
    const columns = [left, right, ...edges.slice(1).map((x, i) => (x + edges[i]) / 2)];
    // The other links as drawn (straight, or along the corners given them so far), but those
    // sharing an end with this one: a column whose path crosses fewer of them is better, then a shorter one.
    const drawn = links
      .filter((o) => o !== e && ![o.data.source, o.data.target].some((x) => x === s || x === t))
      .flatMap((o) => {
        const a = positions.get(o.data.source!);
        const b = positions.get(o.data.target!);
        if (!a || !b) return [];
        const pts = [a, ...(out.get(o.data.id) ?? []), b];
        return pts.slice(1).map((c, i) => [pts[i], c] as const);
      });
    let best: { path: Position[]; crossed: number; length: number } | null = null;
    for (const x of columns) {
      if (between.some((r) => x > r.x1 - LINK_CLEAR && x < r.x2 + LINK_CLEAR)) continue;
      const path = [hi, { x, y: top }, { x, y: bottom }, lo];
      const legs = path.slice(1).map((b, i) => [path[i], b] as const);
      if (legs.some(([a, b]) => others.some((r) => segmentHits(a, b, r)))) continue;
      const length = legs.reduce((sum, [a, b]) => sum + Math.hypot(b.x - a.x, b.y - a.y), 0);
      const crossed = legs.reduce((n, [a, b]) => n + drawn.filter(([c, d]) => segmentsCross(a, b, c, d)).length, 0);
      if (!best || crossed < best.crossed || (crossed === best.crossed && length < best.length)) best = { path, crossed, length };
    }
    if (!best) continue;
    const corners = best.path.slice(1, -1);
    out.set(e.data.id, p === hi ? corners : corners.reverse());
  }
  return out;
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

/**
 * Edges ELK alone sees (nothing draws them), so the box reads top to bottom whatever wires were
 * seen: a device that leads down to nothing (a routed cluster's veth, with no bridge; a tunnel
 * device) leads to the first device of the next kind down the stack that the box holds. The NIC
 * then sits at the bottom, where the tunnels leave from, and not beside the pods.
 */
function stackEdges(kids: View, edges: View): { id: string; sources: string[]; targets: string[] }[] {
  const down = new Set(edges.map((e) => orient(e, kids)[0]));
  const out: { id: string; sources: string[]; targets: string[] }[] = [];
  for (const k of kids) {
    const r = RANK[k.data.kind];
    if (r === undefined || down.has(k.data.id)) continue;
    const next = kids
      .filter((x) => (RANK[x.data.kind] ?? -1) > r && (k.data.kind !== 'pod' || x.data.kind !== 'veth'))
      .sort((a, b) => RANK[a.data.kind] - RANK[b.data.kind])[0];
    if (next) out.push({ id: `stack:${k.data.id}`, sources: [k.data.id], targets: [next.data.id] });
  }
  return out;
}

function orient(e: View[number], kids: View): [string, string] {
  const kind = (id: string) => kids.find((k) => k.data.id === id)?.data.kind ?? '';
  const [s, t] = [e.data.source!, e.data.target!];
  return (RANK[kind(s)] ?? 5) <= (RANK[kind(t)] ?? 5) ? [s, t] : [t, s];
}
