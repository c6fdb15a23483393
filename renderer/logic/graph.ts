// Cluster graph presentation: the Cytoscape stylesheet (classes and data mappers, no per-element
// functions), the sizes the layout reserves for what the stylesheet draws, the collapsed view of
// big clusters (a node box shrunk to a summary: pods, veths, traffic, findings) and the diff that
// brings Cytoscape's elements to a new list by id. Positions come from graph-layout.ts (ELK).
import type { Core, ElementDefinition, NodeSingular } from 'cytoscape';
import type { GraphElementView } from '../../common/contract';
import { formatCount } from './format';

/** Font size of element labels (px at zoom 1); box titles and summaries are larger. */
export const LABEL_FONT = 11;
/** Labels wrap at this width (px at zoom 1). */
export const LABEL_WIDTH = 100;
/**
 * A service's label ('TCP 10.96.112.34:80') wraps wider: services stand in a row of their own
 * above the node boxes, and an address with its port reads whole on one line.
 */
export const SERVICE_LABEL_WIDTH = 170;
/** The width a label of this kind wraps at (px at zoom 1): the stylesheet's and the layout's. */
export const labelWidth = (kind: string | undefined): number => (kind === 'service' ? SERVICE_LABEL_WIDTH : LABEL_WIDTH);
/** Average glyph width of the label font, as a share of its size (a little generous). */
export const LABEL_CHAR = 0.62;
/** Below this size on screen a label is not drawn (it shows on hover instead). */
export const MIN_LABEL_PX = 9;

/**
 * What hovering an element shows, or null for nothing: its label when drawn too small to read
 * (`labelPx` on screen), and always why its unknown facts are unknown (a bridge whose gateway no
 * packet shows says so, not just a name without an address).
 */
export function hoverText(label: string, unknown: string | undefined, labelPx: number): string | null {
  if (unknown) return label ? `${label}\n${unknown}` : unknown;
  return label && labelPx < MIN_LABEL_PX ? label : null;
}
export const BOX_PADDING = 12;
/** Room above a node box for its title. */
export const BOX_TITLE = 22;
export const TITLE_FONT = 15;
export const SUMMARY_FONT = 13;
/** A collapsed node box (its summary label inside). */
export const COLLAPSED = { width: 190, height: 76 } as const;
/** Shapes of the leaf elements, by kind. */
export const SHAPES: Record<string, { width: number; height: number }> = {
  default: { width: 22, height: 22 },
  pod: { width: 22, height: 22 },
  veth: { width: 20, height: 12 },
  bridge: { width: 50, height: 16 },
  tunnel: { width: 26, height: 20 },
  nic: { width: 38, height: 18 },
  service: { width: 26, height: 26 },
  external: { width: 22, height: 22 },
};
/** More elements than this: node boxes start collapsed. */
export const COLLAPSE_ABOVE = 160;
/** The zoom at which the smallest labels are still readable. */
export const READABLE_ZOOM = MIN_LABEL_PX / LABEL_FONT;
/**
 * The smallest zoom at which Cytoscape still draws the labels: it compares a label's size at the
 * zoom rounded up to a power of two with min-zoomed-font-size, so 11 px labels are drawn (small,
 * 5.5 px and up) down to a zoom of 0.5 and left out below it. A small cluster that does not fit
 * readable is still shown whole down to this zoom (GraphPane's default view).
 */
export const WHOLE_ZOOM = 0.5;

type Data = GraphElementView['data'];
/** An element as shown: the model's data, plus `collapsed` on node boxes. */
export interface ShownElement {
  readonly group: 'nodes' | 'edges';
  /** `collapsed`: a node box shown as its summary; `summary`: an edge ending on such a box (unlabelled, faint). */
  readonly data: Data & { readonly collapsed?: boolean; readonly summary?: boolean };
}

/** Node box (k8s-node id) each element belongs to: itself for a box, its parent's for a device. */
export function boxOf(elements: readonly GraphElementView[]): Map<string, string> {
  const box = new Map<string, string>();
  for (const e of elements) if (e.group === 'nodes') box.set(e.data.id, e.data.kind === 'k8s-node' ? e.data.id : (e.data.parent ?? ''));
  for (const e of elements) if (e.group === 'edges') box.set(e.data.id, box.get(e.data.source!) || box.get(e.data.target!) || '');
  return box;
}

/** Node boxes an edge or device list crosses (a path, a search hit), to be shown expanded. */
export function boxesCrossed(ids: Iterable<string>, elements: readonly GraphElementView[], boxes = boxOf(elements)): Set<string> {
  const byId = new Map(elements.map((e) => [e.data.id, e]));
  const out = new Set<string>();
  for (const id of ids) {
    const e = byId.get(id);
    if (!e) continue;
    for (const x of e.group === 'edges' ? [e.data.source!, e.data.target!] : [id]) {
      const b = boxes.get(x);
      if (b && b !== x) out.add(b);
    }
  }
  return out;
}

export function summaryLabel(name: string, pods: number, veths: number, packets: number, findings: number): string {
  const s = (n: number, one: string) => `${formatCount(n)} ${one}${n === 1 ? '' : 's'}`;
  return `${name}\n${s(pods, 'pod')} · ${s(veths, 'veth')}\n${s(packets, 'packet')} · ${s(findings, 'finding')}`;
}

/**
 * The elements to draw: `collapsed` node boxes lose their devices and show a summary; edges to a
 * hidden device end on its box (several such edges between the same two ends become one, keeping
 * the first id and the sum of the packets); edges inside a collapsed box disappear.
 */
export function shownElements(elements: readonly GraphElementView[], collapsed: ReadonlySet<string>): ShownElement[] {
  if (collapsed.size === 0) return elements as ShownElement[];
  const hidden = new Map<string, string>();
  const stats = new Map<string, { pods: number; veths: number; packets: number }>();
  for (const e of elements) {
    if (e.group !== 'nodes' || !e.data.parent || !collapsed.has(e.data.parent)) continue;
    hidden.set(e.data.id, e.data.parent);
    const s = stats.get(e.data.parent) ?? stats.set(e.data.parent, { pods: 0, veths: 0, packets: 0 }).get(e.data.parent)!;
    if (e.data.kind === 'pod') s.pods++;
    else {
      if (e.data.kind === 'veth') s.veths++;
      s.packets += e.data.packets;
    }
  }
  const out: ShownElement[] = [];
  const merged = new Map<string, { group: 'edges'; data: Data & { summary: true } }>();
  for (const e of elements) {
    if (e.group === 'nodes') {
      if (hidden.has(e.data.id)) continue;
      if (e.data.kind === 'k8s-node' && collapsed.has(e.data.id)) {
        const s = stats.get(e.data.id) ?? { pods: 0, veths: 0, packets: 0 };
        out.push({
          group: 'nodes',
          data: {
            ...e.data,
            packets: s.packets,
            label: summaryLabel(e.data.label, s.pods, s.veths, s.packets, e.data.findings ?? 0),
            collapsed: true,
          },
        });
      } else out.push(e.data.kind === 'k8s-node' ? { group: 'nodes', data: { ...e.data, collapsed: false } } : e);
      continue;
    }
    const s = hidden.get(e.data.source!) ?? e.data.source!;
    const t = hidden.get(e.data.target!) ?? e.data.target!;
    if (s === e.data.source && t === e.data.target) {
      out.push(e);
      continue;
    }
    if (s === t) continue;
    const key = `${s}|${t}|${e.data.kind}`;
    const m = merged.get(key);
    if (m) m.data = { ...m.data, packets: m.data.packets + e.data.packets, weight: Math.max(m.data.weight, e.data.weight) };
    else merged.set(key, { group: 'edges', data: { ...e.data, source: s, target: t, label: '', summary: true } });
  }
  return [...out, ...merged.values()];
}

/**
 * A node's label as drawn: a word longer than a label line gets break points (zero-width spaces)
 * after its '-', '_' and '.', where the stylesheet's wrapping may break it (capture file names,
 * veth and pod names are such words). The layout reserves room the same way (graph-layout.ts).
 */
export function drawnLabel(label: string | undefined, kind?: string): string {
  if (!label) return '';
  const perLine = Math.floor(labelWidth(kind) / (LABEL_FONT * LABEL_CHAR));
  return label
    .split('\n')
    .map((line) => line.replace(/\S+/g, (w) => (w.length > perLine ? w.replace(/([-_.])(?=.)/g, '$1\u200b') : w)))
    .join('\n');
}

/**
 * What a service link shows: the backend's port (':8080'). The pod at its end already shows its
 * address, and a short label is one the layout can keep clear of the others (graph-layout.ts
 * placeLinkLabels); the link's full label (address and port) stays its `label`, which selecting
 * it and notes use. Nothing when the backend has no port.
 */
export function linkText(label: string | undefined): string {
  const port = /:(\d+)$/.exec(label ?? '');
  return port ? `:${port[1]}` : '';
}

/**
 * The labels several tunnels shown share, with how many share each: in a VXLAN mesh every pair of
 * nodes is 'VXLAN VNI 1 UDP 8472', a label that drawn on each of the fifteen tunnels of six nodes
 * only covers the graph with copies of itself. Such a label is drawn once, in the legend under the
 * graph, and on a tunnel only while it is hovered or selected (tunnelText); a label no other tunnel
 * has stays on its tunnel.
 */
export function sharedTunnelLabels(elements: readonly { data: { kind: string; label?: string } }[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const e of elements) if (e.data.kind === 'underlay' && e.data.label) count.set(e.data.label, (count.get(e.data.label) ?? 0) + 1);
  for (const [label, n] of count) if (n < 2) count.delete(label);
  return count;
}

/** What a tunnel shows on the graph when not hovered or selected: its label, unless other tunnels share it. */
export function tunnelText(label: string | undefined, shared: ReadonlyMap<string, number>): string {
  return label && !shared.has(label) ? label : '';
}

/**
 * Data the stylesheet draws besides the model's: a node's label with its break points, a service
 * link's port, a tunnel's label when it is its own.
 */
function drawnData(e: ShownElement, shared: ReadonlyMap<string, number>): Record<string, unknown> {
  if (e.group === 'nodes') return { text: drawnLabel(e.data.label, e.data.kind) };
  if (e.data.kind === 'underlay') return { text: tunnelText(e.data.label, shared) };
  return e.data.kind === 'service-link' && !e.data.summary ? { text: linkText(e.data.label) } : { text: '' };
}

/**
 * Brings the graph to `elements` by id inside one batch: removes what is gone, adds what is new
 * (parents before children, nodes before edges), updates data in place, and moves an element
 * whose parent or ends changed (Cytoscape keeps `parent`, `source` and `target` out of `data()`:
 * a pod moved to another node by a correction needs `move`). Returns what changed.
 */
export function applyElements(cy: Core, elements: readonly ShownElement[]): { added: number; removed: number; moved: number } {
  const want = new Map(elements.map((e) => [e.data.id, e]));
  const shared = sharedTunnelLabels(elements);
  let moved = 0;
  let removed = 0;
  const added: ElementDefinition[] = [];
  cy.batch(() => {
    const gone = cy.elements().filter((el) => !want.has(el.id()));
    removed = gone.length;
    gone.remove();
    const movers: [string, ShownElement][] = [];
    for (const e of elements) {
      const el = cy.getElementById(e.data.id);
      if (el.empty()) {
        // A tunnel's bend and a link label's offset until the layout gives them theirs.
        added.push({
          group: e.group,
          data:
            e.group === 'nodes'
              ? { ...e.data, ...drawnData(e, shared) }
              : e.data.kind === 'underlay'
                ? { bend: 100, labelMargin: -8, ...e.data, ...drawnData(e, shared) }
                : { labelDx: 0, labelDy: 0, ...e.data, ...drawnData(e, shared) },
        });
        continue;
      }
      const { parent, source, target, ...rest } = e.data;
      el.data({ ...rest, ...drawnData(e, shared) });
      if (
        e.group === 'nodes'
          ? ((el as NodeSingular).data('parent') ?? undefined) !== parent
          : el.data('source') !== source || el.data('target') !== target
      )
        movers.push([e.data.id, e]);
    }
    const depth = (d: ElementDefinition) => (d.group === 'edges' ? 2 : d.data.parent ? 1 : 0);
    added.sort((a, b) => depth(a) - depth(b));
    cy.add(added.filter((d) => d.group === 'nodes'));
    for (const [id, e] of movers) {
      const el = cy.getElementById(id);
      if (e.group === 'nodes') (el as NodeSingular).move({ parent: e.data.parent ?? null });
      else el.move({ source: e.data.source!, target: e.data.target! });
      moved++;
    }
    cy.add(added.filter((d) => d.group === 'edges'));
  });
  return { added: added.length, removed, moved };
}

export interface Palette {
  /** The pane behind the graph (labels outside the node boxes are backed with it). */
  background: string;
  text: string;
  muted: string;
  box: string;
  boxBorder: string;
  pod: string;
  veth: string;
  bridge: string;
  tunnel: string;
  nic: string;
  service: string;
  external: string;
  edge: string;
  underlay: string;
  path: string;
  selected: string;
  /** Elements that carry a note (the report marks the same ones). */
  noted: string;
}

export const LIGHT: Palette = {
  background: '#ffffff',
  text: '#1d2330',
  muted: '#4a5260',
  box: '#eef1f6',
  boxBorder: '#b8c0cc',
  pod: '#3f7fd6',
  veth: '#7b8b9f',
  bridge: '#2e9d78',
  tunnel: '#b76bd1',
  nic: '#d28a2e',
  service: '#d2563a',
  external: '#8a8f98',
  edge: '#9aa4b2',
  underlay: '#b76bd1',
  path: '#e8262d',
  selected: '#0b63ce',
  noted: '#d97706',
};
export const DARK: Palette = {
  background: '#1b1d22',
  text: '#e4e8ef',
  muted: '#aab3c2',
  box: '#23262e',
  boxBorder: '#444b57',
  pod: '#5b9cf0',
  veth: '#8e9bb0',
  bridge: '#3fbf93',
  tunnel: '#c98be0',
  nic: '#e6a24a',
  service: '#f07a5e',
  external: '#9aa0a8',
  edge: '#6b7585',
  underlay: '#c98be0',
  path: '#ff5a5f',
  selected: '#5aa2ff',
  noted: '#fbbf24',
};

const shape = (kind: string, name: string, color: string) => ({
  selector: `node[kind = "${kind}"]`,
  style: { shape: name, width: SHAPES[kind].width, height: SHAPES[kind].height, 'background-color': color },
});

/** Cytoscape stylesheet (plain JSON). */
export function graphStyle(p: Palette): Array<{ selector: string; style: Record<string, unknown> }> {
  return [
    {
      selector: 'node',
      style: {
        label: 'data(text)',
        color: p.text,
        'font-size': LABEL_FONT,
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'text-wrap': 'wrap',
        'text-max-width': `${LABEL_WIDTH}px`,
        'line-height': 1.15,
        width: SHAPES.default.width,
        height: SHAPES.default.height,
        'border-width': 0,
        'min-zoomed-font-size': MIN_LABEL_PX,
        // Backed by what is behind it, so no line (a wire, a link, a tunnel) runs through the text.
        'text-background-color': p.box,
        'text-background-opacity': 0.9,
        'text-background-padding': '1px',
        'text-background-shape': 'round-rectangle',
      },
    },
    {
      selector: 'node[kind = "k8s-node"]',
      style: {
        shape: 'round-rectangle',
        label: 'data(label)',
        'background-color': p.box,
        'border-color': p.boxBorder,
        'border-width': 1.5,
        'text-valign': 'top',
        'text-halign': 'center',
        'font-size': TITLE_FONT,
        'font-weight': 'bold',
        padding: `${BOX_PADDING}px`,
        'text-margin-y': -4,
        width: COLLAPSED.width,
        height: COLLAPSED.height,
        // The title on one line: the layout makes the box as wide as it.
        'text-max-width': '2000px',
        'text-background-color': p.background,
      },
    },
    {
      selector: 'node[kind = "k8s-node"][?collapsed]',
      style: {
        'text-valign': 'center',
        'text-margin-y': 0,
        'font-size': SUMMARY_FONT,
        'font-weight': 'normal',
        'border-width': 2,
        'text-max-width': `${COLLAPSED.width - 12}px`,
        'text-background-color': p.box,
      },
    },
    shape('pod', 'ellipse', p.pod),
    shape('veth', 'round-rectangle', p.veth),
    shape('bridge', 'rectangle', p.bridge),
    shape('tunnel', 'hexagon', p.tunnel),
    shape('nic', 'round-rectangle', p.nic),
    shape('service', 'diamond', p.service),
    shape('external', 'round-triangle', p.external),
    {
      selector: 'node[kind = "service"]',
      style: { 'text-max-width': `${SERVICE_LABEL_WIDTH}px`, 'text-background-color': p.background },
    },
    {
      selector: 'edge',
      style: {
        width: 'data(weight)',
        'line-color': p.edge,
        'curve-style': 'straight',
        opacity: 0.85,
        label: 'data(label)',
        'font-size': LABEL_FONT,
        color: p.muted,
        'text-rotation': 'autorotate',
        'text-background-color': p.background,
        'text-background-opacity': 0.9,
        'text-background-padding': '1px',
        'text-background-shape': 'round-rectangle',
        'min-zoomed-font-size': MIN_LABEL_PX,
      },
    },
    {
      selector: 'edge[kind = "underlay"]',
      style: {
        'line-color': p.underlay,
        'line-style': 'dashed',
        // Its own label; one it shares with other tunnels is in the legend, and drawn here only
        // while the tunnel is hovered or selected (sharedTunnelLabels).
        label: 'data(text)',
        'font-size': 11,
        color: p.text,
        'text-margin-y': 'data(labelMargin)',
        // Tunnels arc around the node boxes, each by the bend the layout chose (graph-layout.ts
        // routeTunnels): clear of the boxes between their ends, their labels clear of each other.
        'curve-style': 'unbundled-bezier',
        'control-point-distances': 'data(bend)',
        'control-point-weights': 0.5,
        'edge-distances': 'node-position',
      },
    },
    {
      // The backend's port, level, where the layout put it clear of other labels (placeLinkLabels).
      selector: 'edge[kind = "service-link"]',
      style: {
        'line-style': 'dotted',
        'line-color': p.service,
        label: 'data(text)',
        'text-rotation': 'none',
        'text-margin-x': 'data(labelDx)',
        'text-margin-y': 'data(labelDy)',
      },
    },
    { selector: 'edge[kind = "underlay"].hover, edge[kind = "underlay"]:selected', style: { label: 'data(label)', 'z-index': 20 } },
    { selector: 'edge[?summary]', style: { 'curve-style': 'straight', opacity: 0.35, width: 1.5 } },
    { selector: 'node.noted', style: { 'border-color': p.noted, 'border-width': 3, 'border-style': 'dashed' } },
    { selector: 'edge.noted', style: { 'line-color': p.noted, width: 4 } },
    { selector: '.dim', style: { opacity: 0.25 } },
    {
      selector: '.path',
      style: { 'line-color': p.path, 'background-color': p.path, 'border-color': p.path, 'border-width': 3, opacity: 1, 'z-index': 10 },
    },
    { selector: 'node[kind = "k8s-node"].path', style: { 'background-color': p.box } },
    { selector: 'edge.path', style: { width: 4 } },
    { selector: '.focus', style: { 'overlay-color': p.selected, 'overlay-opacity': 0.3, 'overlay-padding': 7 } },
    { selector: '.found', style: { 'overlay-color': p.selected, 'overlay-opacity': 0.25, 'overlay-padding': 10 } },
    { selector: '.hop-active', style: { 'overlay-color': p.path, 'overlay-opacity': 0.35, 'overlay-padding': 8 } },
    { selector: ':selected', style: { 'border-color': p.selected, 'border-width': 3, 'line-color': p.selected } },
  ];
}

/**
 * What shows that an element carries a note: the element itself, or the collapsed box that hides it
 * (a device in a collapsed box, a link ending in one).
 */
export function notedMarks(
  noted: Iterable<string>,
  elements: readonly GraphElementView[],
  collapsed: ReadonlySet<string>,
  boxes = boxOf(elements),
): Set<string> {
  const byId = new Map(elements.map((e) => [e.data.id, e]));
  const out = new Set<string>();
  for (const id of noted) {
    const e = byId.get(id);
    if (!e) continue;
    const hiding = (e.group === 'edges' ? [e.data.source!, e.data.target!] : [id])
      .map((x) => [x, boxes.get(x)] as const)
      .filter(([x, b]) => b && b !== x && collapsed.has(b))
      .map(([, b]) => b!);
    if (hiding.length) for (const b of hiding) out.add(b);
    else out.add(id);
  }
  return out;
}

/** Elements whose label or id contains the query (case-insensitive): exact addresses and names first. */
export function searchGraph(elements: readonly GraphElementView[], query: string): string[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits: [number, string][] = [];
  for (const e of elements) {
    if (e.group !== 'nodes') continue;
    const label = e.data.label.toLowerCase();
    const words = label.split(/[\s:]+/);
    const rank =
      words.includes(q) || e.data.id.toLowerCase() === q ? 0 : label.includes(q) ? 1 : e.data.id.toLowerCase().includes(q) ? 2 : -1;
    if (rank >= 0) hits.push([rank, e.data.id]);
  }
  return hits.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)).map(([, id]) => id);
}
