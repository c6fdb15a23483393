// Cluster graph presentation: the Cytoscape stylesheet (classes and data mappers, no per-element
// functions) and a deterministic layout. Each Kubernetes node is a compound box with its pods on
// top, then veths, bridge, tunnel device and NIC at the bottom, nodes side by side, services above.
// The same elements always get the same positions, so selecting things never moves the picture.
import type { GraphElementView } from '../../common/contract';

export interface Position {
  x: number;
  y: number;
}

const ROW: Record<string, number> = { pod: 0, veth: 1, bridge: 2, tunnel: 3, nic: 4 };
const ROW_GAP = 66;
const COL_GAP = 92;
const NODE_GAP = 140;

export function layoutPositions(elements: readonly GraphElementView[]): Map<string, Position> {
  const pos = new Map<string, Position>();
  const nodes = elements.filter((e) => e.group === 'nodes');
  const k8s = nodes.filter((n) => n.data.kind === 'k8s-node').map((n) => n.data.id).sort();
  const childrenOf = new Map<string, GraphElementView[]>();
  for (const n of nodes) {
    const p = n.data.parent;
    if (p) (childrenOf.get(p) ?? childrenOf.set(p, []).get(p)!).push(n);
  }
  // Which pod a veth leads to (edges veth—pod), to put a veth under its pod.
  const podOfVeth = new Map<string, string>();
  const kindOf = new Map(nodes.map((n) => [n.data.id, n.data.kind]));
  for (const e of elements) {
    if (e.group !== 'edges' || !e.data.source || !e.data.target) continue;
    const [s, t] = [e.data.source, e.data.target];
    if (kindOf.get(s) === 'veth' && kindOf.get(t) === 'pod') podOfVeth.set(s, t);
    if (kindOf.get(t) === 'veth' && kindOf.get(s) === 'pod') podOfVeth.set(t, s);
  }

  let x0 = 0;
  for (const node of k8s) {
    const kids = (childrenOf.get(node) ?? []).slice().sort((a, b) => a.data.id.localeCompare(b.data.id));
    const pods = kids.filter((k) => k.data.kind === 'pod');
    const veths = kids.filter((k) => k.data.kind === 'veth');
    const podX = new Map<string, number>();
    // Pods with a veth first (in veth order), then the others.
    const orderedPods = [
      ...veths.map((v) => pods.find((p) => p.data.id === podOfVeth.get(v.data.id))).filter((p): p is GraphElementView => !!p),
      ...pods.filter((p) => !veths.some((v) => podOfVeth.get(v.data.id) === p.data.id)),
    ];
    const width = Math.max(orderedPods.length, veths.length, 2) * COL_GAP;
    orderedPods.forEach((p, i) => {
      const x = x0 + i * COL_GAP;
      podX.set(p.data.id, x);
      pos.set(p.data.id, { x, y: ROW.pod * ROW_GAP });
    });
    let spare = orderedPods.length;
    for (const v of veths) {
      const under = podX.get(podOfVeth.get(v.data.id) ?? '');
      pos.set(v.data.id, { x: under ?? x0 + spare++ * COL_GAP, y: ROW.veth * ROW_GAP });
    }
    const center = x0 + (width - COL_GAP) / 2;
    for (const kind of ['bridge', 'tunnel', 'nic']) {
      const list = kids.filter((k) => k.data.kind === kind);
      list.forEach((k, i) => pos.set(k.data.id, { x: center + (i - (list.length - 1) / 2) * COL_GAP, y: ROW[kind] * ROW_GAP }));
    }
    const others = kids.filter((k) => ROW[k.data.kind] === undefined);
    others.forEach((k, i) => pos.set(k.data.id, { x: x0 + i * COL_GAP, y: 5 * ROW_GAP }));
    x0 += width + NODE_GAP;
  }
  const free = nodes.filter((n) => !n.data.parent && n.data.kind !== 'k8s-node' && !pos.has(n.data.id)).sort((a, b) => a.data.id.localeCompare(b.data.id));
  const services = free.filter((n) => n.data.kind === 'service');
  const rest = free.filter((n) => n.data.kind !== 'service');
  const span = Math.max(x0 - NODE_GAP, COL_GAP);
  services.forEach((s, i) => pos.set(s.data.id, { x: (span / (services.length + 1)) * (i + 1), y: -1.6 * ROW_GAP }));
  rest.forEach((s, i) => pos.set(s.data.id, { x: x0 + (i % 3) * COL_GAP, y: Math.floor(i / 3) * ROW_GAP }));
  return pos;
}

export interface Palette {
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
}

export const LIGHT: Palette = {
  text: '#1d2330', muted: '#5b6472', box: '#eef1f6', boxBorder: '#b8c0cc', pod: '#3f7fd6', veth: '#7b8b9f',
  bridge: '#2e9d78', tunnel: '#b76bd1', nic: '#d28a2e', service: '#d2563a', external: '#8a8f98',
  edge: '#9aa4b2', underlay: '#b76bd1', path: '#e8262d', selected: '#0b63ce',
};
export const DARK: Palette = {
  text: '#e4e8ef', muted: '#9aa3b2', box: '#23262e', boxBorder: '#444b57', pod: '#5b9cf0', veth: '#8e9bb0',
  bridge: '#3fbf93', tunnel: '#c98be0', nic: '#e6a24a', service: '#f07a5e', external: '#9aa0a8',
  edge: '#6b7585', underlay: '#c98be0', path: '#ff5a5f', selected: '#5aa2ff',
};

/** Cytoscape stylesheet (plain JSON). */
export function graphStyle(p: Palette): Array<{ selector: string; style: Record<string, unknown> }> {
  return [
    {
      selector: 'node',
      style: {
        label: 'data(label)', color: p.text, 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 3,
        'text-wrap': 'ellipsis', 'text-max-width': '86px', width: 26, height: 26, 'border-width': 0,
      },
    },
    {
      selector: 'node[kind = "k8s-node"]',
      style: {
        shape: 'round-rectangle', 'background-color': p.box, 'border-color': p.boxBorder, 'border-width': 1.5,
        'text-valign': 'top', 'text-halign': 'center', 'font-size': 15, 'font-weight': 'bold', padding: '18px', 'text-margin-y': -4,
      },
    },
    { selector: 'node[kind = "pod"]', style: { shape: 'ellipse', 'background-color': p.pod } },
    { selector: 'node[kind = "veth"]', style: { shape: 'round-rectangle', width: 20, height: 14, 'background-color': p.veth } },
    { selector: 'node[kind = "bridge"]', style: { shape: 'rectangle', width: 54, height: 18, 'background-color': p.bridge } },
    { selector: 'node[kind = "tunnel"]', style: { shape: 'hexagon', width: 30, height: 24, 'background-color': p.tunnel } },
    { selector: 'node[kind = "nic"]', style: { shape: 'round-rectangle', width: 40, height: 20, 'background-color': p.nic } },
    { selector: 'node[kind = "service"]', style: { shape: 'diamond', width: 30, height: 30, 'background-color': p.service } },
    { selector: 'node[kind = "external"]', style: { shape: 'round-triangle', 'background-color': p.external } },
    {
      selector: 'edge',
      style: {
        width: 'data(weight)', 'line-color': p.edge, 'curve-style': 'bezier', opacity: 0.85,
        label: 'data(label)', 'font-size': 9, color: p.muted, 'text-rotation': 'autorotate', 'text-background-opacity': 0,
      },
    },
    {
      selector: 'edge[kind = "underlay"]',
      style: { 'line-color': p.underlay, 'line-style': 'dashed', 'font-size': 10, color: p.text, 'text-margin-y': -8 },
    },
    { selector: 'edge[kind = "service-link"]', style: { 'line-style': 'dotted', 'line-color': p.service } },
    { selector: '.dim', style: { opacity: 0.25 } },
    { selector: '.path', style: { 'line-color': p.path, 'background-color': p.path, 'border-color': p.path, 'border-width': 3, opacity: 1, 'z-index': 10 } },
    { selector: 'edge.path', style: { width: 4 } },
    { selector: '.focus', style: { 'overlay-color': p.selected, 'overlay-opacity': 0.3, 'overlay-padding': 7 } },
    { selector: '.hop-active', style: { 'overlay-color': p.path, 'overlay-opacity': 0.35, 'overlay-padding': 8 } },
    { selector: ':selected', style: { 'border-color': p.selected, 'border-width': 3, 'line-color': p.selected } },
  ];
}
