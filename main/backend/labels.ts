// Row labels of the open set: each row's capture point (node, interface, kind) and pod names, from
// file and interface names while the set is read, then from the cluster analysis.
import type { PacketStore } from './store';
import type { AnalysisHandle } from './analysis';
import type { PointLabel, RowLabels } from './columns';
import { attributionFromFileName, interfaceKindFromName } from '../topology/naming';
import { parseIp4 } from '../topology/addr';

export const NO_LABELS: RowLabels = { pointOf: () => 0, stamp: '', points: [], podOfIp: new Map() };

/**
 * Labels from file and interface names only (before / without the analysis), one per capture point
 * of the table (its file and interface), so a row's is its point's: nothing is kept per row.
 */
export function nameLabels(s: PacketStore): RowLabels {
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
  const stamp = s.labelStamp();
  const labelOfPoint = s.pointKeys().map(({ file, iface }) => pointOf.get(file * 65536 + iface) ?? 0);
  return { pointOf: (r) => labelOfPoint[s.table.point[r]] ?? 0, stamp, points, podOfIp: new Map() };
}

/** Labels from the analysis: each capture point's node, interface and kind; pod names; and the index of each point id. */
export function analysisLabels(s: PacketStore, h: AnalysisHandle): { labels: RowLabels; pointIndex: Map<string, number> } {
  const a = h.data;
  const points: PointLabel[] = a.points.map((p) => ({ node: p.node ?? '', iface: p.interface ?? '', kind: p.kind, capture: p.capture }));
  const pointIndex = new Map(a.points.map((p, i) => [p.id, i]));
  const fallback = points.length;
  points.push({ node: '', iface: '', kind: 'unknown', capture: '' });
  // The analysis ran on this very table: its point column is exact (one point per interface of a
  // pcapng, per ifindex of an SLL2 `any` capture).
  const known = a.points.length;
  const pointOf = (r: number) => {
    const p = h.table.point[r];
    return p < known ? p : fallback;
  };
  const podOfIp = new Map<number, string>();
  for (const p of a.model.pods) {
    const ip = parseIp4(p.ip);
    if (ip !== null) podOfIp.set(ip, p.name ?? p.ip);
  }
  return { labels: { pointOf, stamp: null, points, podOfIp }, pointIndex };
}
