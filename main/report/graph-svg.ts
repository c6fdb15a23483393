// The cluster graph as a static SVG, laid out here without a browser: one box per Kubernetes node
// holding its NIC, tunnel device, bridge, veths and pods; tunnels as arcs between node boxes under
// them; services in a row on top with lines to their backends. Annotated elements are outlined in
// red and marked ✎; an annotated wire inside a node is a red bracket joining its two ends. Embedded in HTML/PDF reports as an
// <img> (an SVG image cannot run scripts or load anything) and written beside Markdown reports.
import { escapeXml, shortClip, visibleText } from './escape';
import type { GraphNodeKind, ReportGraph, ReportGraphNode } from './model';

const BOX_W = 270;
const BOX_GAP = 60;
const ITEM_H = 38;
const HEAD_H = 46;
const PAD = 10;
const SERVICE_H = 44;
const PER_ROW = 4;
const LABEL_MAX = 34;
const HEAD_MAX = 28;

const ORDER: Record<GraphNodeKind, number> = { node: 0, nic: 1, vtep: 2, tun: 2, bridge: 3, veth: 4, pod: 5, service: 6 };
const FILL: Record<GraphNodeKind, string> = {
  node: '#f4f6fa',
  nic: '#dbe8ff',
  vtep: '#e5dcff',
  tun: '#e5dcff',
  bridge: '#d8f3e6',
  veth: '#fff1cc',
  pod: '#ffe0e0',
  service: '#d9f2f7',
};
const KIND_LABEL: Record<GraphNodeKind, string> = {
  node: 'node',
  nic: 'NIC',
  vtep: 'VTEP',
  tun: 'TUN',
  bridge: 'bridge',
  veth: 'veth',
  pod: 'pod',
  service: 'service',
};

const MARK = '#c62828';

const text = (s: string, max = LABEL_MAX) => escapeXml(shortClip(visibleText(s), max));

interface Placed {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function renderGraphSvg(g: ReportGraph, title = 'Cluster graph'): string {
  const boxes = g.nodes.filter((n) => n.kind === 'node');
  const services = g.nodes.filter((n) => n.kind === 'service');
  const children = new Map<string, ReportGraphNode[]>();
  const orphans: ReportGraphNode[] = [];
  for (const n of g.nodes) {
    if (n.kind === 'node' || n.kind === 'service') continue;
    if (n.parent && boxes.some((b) => b.id === n.parent)) {
      const list = children.get(n.parent) ?? [];
      list.push(n);
      children.set(n.parent, list);
    } else orphans.push(n);
  }
  const columns: { box: ReportGraphNode | null; items: ReportGraphNode[] }[] = boxes.map((b) => ({
    box: b,
    items: (children.get(b.id) ?? []).sort((x, y) => ORDER[x.kind] - ORDER[y.kind]),
  }));
  if (orphans.length) columns.push({ box: null, items: orphans.sort((x, y) => ORDER[x.kind] - ORDER[y.kind]) });

  const pos = new Map<string, Placed>();
  const parentOf = new Map(g.nodes.map((n) => [n.id, n.parent]));
  /** The node box an element sits in (tunnels join boxes), or the element itself. */
  const boxOf = (id: string) => parentOf.get(id) ?? id;
  const out: string[] = [];
  const top = 40 + (services.length ? SERVICE_H + 50 : 0);

  // Node boxes, PER_ROW to a row; rows as tall as their tallest box, plus room for the tunnel arcs.
  const tunnels = g.edges.filter((e) => e.kind === 'tunnel');
  const arcRoom = 50 + 26 * Math.min(tunnels.length, 8);
  let y = top;
  let width = 2 * PAD + Math.max(1, Math.min(columns.length, PER_ROW)) * (BOX_W + BOX_GAP) - BOX_GAP + 2 * PAD;
  for (let r = 0; r * PER_ROW < Math.max(columns.length, 1); r++) {
    const row = columns.slice(r * PER_ROW, r * PER_ROW + PER_ROW);
    let rowH = HEAD_H + PAD;
    row.forEach((col, i) => {
      const x = 2 * PAD + i * (BOX_W + BOX_GAP);
      const h = HEAD_H + col.items.length * (ITEM_H + 6) + PAD;
      rowH = Math.max(rowH, h);
      const id = col.box?.id ?? '(unattributed)';
      pos.set(id, { x, y, w: BOX_W, h });
      const annotated = col.box?.annotated ?? false;
      out.push(
        `<rect x="${x}" y="${y}" width="${BOX_W}" height="${h}" rx="10" fill="${FILL.node}" stroke="${annotated ? MARK : '#6b7a90'}" stroke-width="${annotated ? 2.5 : 1.5}"/>`,
      );
      out.push(
        `<text x="${x + 12}" y="${y + 20}" class="head">${text(col.box ? col.box.label : 'not attributed to a node', HEAD_MAX)}${annotated ? ' ✎' : ''}</text>`,
      );
      if (col.box?.detail) out.push(`<text x="${x + 12}" y="${y + 37}" class="detail">${text(col.box.detail)}</text>`);
      col.items.forEach((it, j) => {
        const iy = y + HEAD_H + j * (ITEM_H + 6);
        const indent = it.kind === 'pod' ? 22 : it.kind === 'veth' ? 12 : 0;
        const p = { x: x + 10 + indent, y: iy, w: BOX_W - 20 - indent, h: ITEM_H };
        pos.set(it.id, p);
        out.push(
          `<rect x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" rx="6" fill="${FILL[it.kind]}" stroke="${it.annotated ? MARK : '#8a94a6'}" stroke-width="${it.annotated ? 2.5 : 1}"/>`,
        );
        out.push(
          `<text x="${p.x + 8}" y="${p.y + 15}" class="label"><tspan class="kind">${KIND_LABEL[it.kind]}</tspan> ${text(it.label)}${it.annotated ? ' ✎' : ''}</text>`,
        );
        if (it.detail) out.push(`<text x="${p.x + 8}" y="${p.y + 31}" class="detail">${text(it.detail)}</text>`);
      });
    });
    y += rowH + arcRoom;
  }

  // Annotated wires inside a node: a bracket on the left joining the two items.
  for (const e of g.edges) {
    if (e.kind !== 'wire' || !e.annotated) continue;
    const a = pos.get(e.source);
    const b = pos.get(e.target);
    if (!a || !b) continue;
    const x = Math.min(a.x, b.x) - 5;
    const [ya, yb] = [a.y + a.h / 2, b.y + b.h / 2];
    out.push(
      `<path d="M ${a.x} ${ya} H ${x} V ${yb} H ${b.x}" fill="none" stroke="${MARK}" stroke-width="2"/><text x="${x - 2}" y="${(ya + yb) / 2 + 4}" class="mark" text-anchor="end">✎</text>`,
    );
  }

  // Tunnels: arcs under the boxes from node to node, deeper for each further one.
  tunnels.slice(0, 40).forEach((e, k) => {
    const a = pos.get(boxOf(e.source));
    const b = pos.get(boxOf(e.target));
    if (!a || !b) return;
    const ax = a.x + a.w / 2;
    const bx = b.x + b.w / 2;
    const ay = a.y + a.h;
    const by = b.y + b.h;
    const depth = 30 + 26 * (k % 8);
    const cy = Math.max(ay, by) + depth;
    out.push(
      `<path d="M ${ax} ${ay} C ${ax} ${cy}, ${bx} ${cy}, ${bx} ${by}" fill="none" stroke="${e.annotated ? MARK : '#5b3cc4'}" stroke-width="${e.annotated ? 3.5 : 2.5}"/>`,
    );
    const mx = (ax + bx) / 2;
    const my = Math.max(ay, by) + depth * 0.75 + 15;
    out.push(`<text x="${mx}" y="${my}" class="edge" text-anchor="middle">${text(e.label, 60)}${e.annotated ? ' ✎' : ''}</text>`);
  });

  // Services on top, each linked to its backends.
  services.forEach((s, i) => {
    const w = 220;
    const x = 2 * PAD + i * (w + 20);
    const p = { x, y: 40, w, h: SERVICE_H };
    pos.set(s.id, p);
    width = Math.max(width, x + w + 2 * PAD);
    out.push(
      `<rect x="${x}" y="40" width="${w}" height="${SERVICE_H}" rx="8" fill="${FILL.service}" stroke="${s.annotated ? MARK : '#2a8ca0'}" stroke-width="${s.annotated ? 2.5 : 1.5}"/>`,
    );
    out.push(
      `<text x="${x + 8}" y="58" class="label"><tspan class="kind">service</tspan> ${text(s.label)}${s.annotated ? ' ✎' : ''}</text>`,
    );
    if (s.detail) out.push(`<text x="${x + 8}" y="75" class="detail">${text(s.detail)}</text>`);
  });
  for (const e of g.edges) {
    if (e.kind !== 'service') continue;
    const a = pos.get(e.source);
    const b = pos.get(e.target);
    if (!a || !b) continue;
    out.push(
      `<line x1="${a.x + a.w / 2}" y1="${a.y + a.h}" x2="${b.x + 4}" y2="${b.y + b.h / 2}" stroke="${e.annotated ? MARK : '#2a8ca0'}" stroke-width="${e.annotated ? 2.5 : 1.2}" stroke-dasharray="5 3"/>`,
    );
    if (e.annotated)
      out.push(`<text x="${(a.x + a.w / 2 + b.x + 4) / 2 + 4}" y="${(a.y + a.h + b.y + b.h / 2) / 2}" class="mark">✎</text>`);
  }

  const height = Math.max(y, top + 100);
  const empty =
    g.nodes.length === 0
      ? `<text x="${2 * PAD}" y="${top + 30}" class="detail">No cluster elements were inferred from these captures.</text>`
      : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<style>text{font-family:"DejaVu Sans",Arial,sans-serif;fill:#1d2330}.head{font-size:14px;font-weight:bold}.label{font-size:12px}.detail{font-size:10.5px;fill:#4a5568}.kind{font-weight:bold;fill:#56607a}.edge{font-size:11px;fill:#3b2590;font-weight:bold}.mark{font-size:13px;fill:#c62828;font-weight:bold}.title{font-size:16px;font-weight:bold}</style>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${2 * PAD}" y="24" class="title">${escapeXml(title)}</text>`,
    ...out,
    empty,
    `</svg>`,
  ].join('\n');
}

/** The SVG as a data: URL for an <img> element (allowed by the report's CSP: img-src data:). */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
