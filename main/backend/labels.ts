// Row labels of the open set: each row's capture point (node, interface, kind) and pod names, from
// file and interface names while the set is read, then from the cluster analysis.
import type { PacketStore } from './store';
import type { AnalysisHandle } from './analysis';
import type { PointLabel, RowLabels } from './columns';
import { attributionFromFileName, interfaceKindFromName } from '../topology/naming';
import { parseIp4 } from '../topology/addr';

export const NO_LABELS: RowLabels = { pointOfRow: new Uint16Array(0), points: [], podOfIp: new Map() };

/**
 * Labels from file and interface names only (before / without the analysis). Extends `prev`
 * when given (rows read since), so a growing list costs only its new rows.
 */
export function nameLabels(s: PacketStore, prev: RowLabels | null = null): RowLabels {
  const points: PointLabel[] = [];
  const pointOf = new Map<number, number>();
  s.files.forEach((f, fi) => {
    const fromName = attributionFromFileName(f.name);
    const ifaces = f.info?.interfaces.length ? f.info.interfaces : [{ key: 0, name: undefined }];
    for (const i of ifaces) {
      const iface = i.name ?? fromName.interface ?? '';
      pointOf.set(fi * 65536 + i.key, points.length);
      points.push({ node: fromName.node ?? '', iface, kind: iface ? interfaceKindFromName(iface) : 'unknown', capture: f.name });
    }
  });
  const samePoints =
    prev !== null &&
    prev.points.length === points.length &&
    prev.points.every((p, i) => p.capture === points[i].capture && p.iface === points[i].iface);
  const from = samePoints ? prev.pointOfRow.length : 0;
  const pointOfRow = new Uint16Array(s.count);
  if (samePoints) pointOfRow.set(prev.pointOfRow);
  for (let r = from; r < s.count; r++) pointOfRow[r] = pointOf.get(s.table.file[r] * 65536 + s.ifaceOf(r)) ?? 0;
  return { pointOfRow, points, podOfIp: new Map() };
}

/** Labels from the analysis: each capture point's node, interface and kind; pod names; and the index of each point id. */
export function analysisLabels(s: PacketStore, h: AnalysisHandle): { labels: RowLabels; pointIndex: Map<string, number> } {
  const a = h.data;
  const points: PointLabel[] = a.points.map((p) => ({ node: p.node ?? '', iface: p.interface ?? '', kind: p.kind, capture: p.capture }));
  const pointIndex = new Map(a.points.map((p, i) => [p.id, i]));
  const fallback = points.length;
  points.push({ node: '', iface: '', kind: 'unknown', capture: '' });
  const pointOfRow = new Uint16Array(s.count).fill(fallback);
  // The analysis ran on this very table: its point column is exact (one point per interface of a
  // pcapng, per ifindex of an SLL2 `any` capture).
  const point = h.table.point;
  for (let r = 0; r < s.count; r++) if (point[r] < a.points.length) pointOfRow[r] = point[r];
  const podOfIp = new Map<number, string>();
  for (const p of a.model.pods) {
    const ip = parseIp4(p.ip);
    if (ip !== null) podOfIp.set(ip, p.name ?? p.ip);
  }
  return { labels: { pointOfRow, points, podOfIp }, pointIndex };
}
