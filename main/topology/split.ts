// Captures of clusters that never exchange a packet, opened together (clusters.ts says so): each
// cluster's captures are analysed on their own and the analyses put side by side. Nothing one
// cluster's traffic shows (a node's address, a pod behind a veth, a clock, a path) then decides
// anything in the other's, and the same pod address in two clusters is two pods.
import { TunnelKind } from '../engine/decode/types';
import { akey, type PointDraft } from './attribution';
import type { Analysis, FileDraft } from './analyze';
import { attributionFromFileName } from './naming';
import { PacketTable } from './table';
import type { AnalysisData, ClusterModel, Finding, Flow, Journey } from './types';

/**
 * The set's files in clusters: files join the group of node addresses their tunnel packets come
 * from or go to (or the address a file is named after), and files of one node name go together.
 * Files that join no group of addresses (a veth capture nothing names) are put apart in `rest`:
 * their pod addresses may be either cluster's. Null when fewer than two clusters come out, or
 * when a file or name joins two groups (then they are no separate clusters).
 */
export function filesByCluster(
  t: PacketTable,
  files: readonly FileDraft[],
  points: readonly PointDraft[],
  groupOf: (ip: number) => number,
  nodeIpOf: readonly (number | null)[],
): { clusters: number[][]; rest: number[] } | null {
  const parent = new Map<string, string>();
  const root = (a: string): string => {
    let x = a;
    while (parent.get(x) !== x) x = parent.get(x) ?? x;
    parent.set(a, x);
    return x;
  };
  const join = (a: string, b: string) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    parent.set(root(a), root(b));
  };
  files.forEach((f, fi) => {
    const me = `f${fi}`;
    parent.set(me, me);
    let [s0, d0] = [-1, -1];
    for (let r = f.firstRow; r < f.firstRow + f.packetCount; r++) {
      if (t.tunnel[r] === TunnelKind.NONE || t.outerVer[r] === 0) continue;
      const [s, d] = [akey(t.outerVer[r], t.outerSrc[r]), akey(t.outerVer[r], t.outerDst[r])];
      if (s === s0 && d === d0) continue;
      [s0, d0] = [s, d];
      for (const g of [groupOf(s), groupOf(d)]) if (g >= 0) join(me, `g${g}`);
    }
    // A file without packets has no points: its name alone says whose it is.
    const empty = f.points.length === 0 ? attributionFromFileName(f.path).node : null;
    if (empty !== null) join(me, `n${empty}`);
    for (const pi of f.points) {
      const name = points[pi].node;
      if (name !== null) join(me, `n${name}`);
      const ip = nodeIpOf[pi];
      if (ip !== null && groupOf(ip) >= 0) join(me, `g${groupOf(ip)}`);
    }
  });
  const groupsOfRoot = new Map<string, number>();
  for (const k of parent.keys()) if (k.startsWith('g')) groupsOfRoot.set(root(k), (groupsOfRoot.get(root(k)) ?? 0) + 1);
  // A file, or a name, that joins two groups of addresses: those groups are one cluster after all.
  if ([...groupsOfRoot.values()].some((n) => n > 1) || groupsOfRoot.size < 2) return null;
  const byRoot = new Map<string, number[]>();
  const rest: number[] = [];
  files.forEach((_, fi) => {
    const r = root(`f${fi}`);
    if (groupsOfRoot.has(r)) (byRoot.get(r) ?? byRoot.set(r, []).get(r)!).push(fi);
    else rest.push(fi);
  });
  return { clusters: [...byRoot.values()], rest };
}

/** The rows, files and points of some of a set's files, as a table of their own (the same epoch, MAC and IPv6 ids). */
export function partOfSet(
  t: PacketTable,
  files: readonly FileDraft[],
  points: readonly PointDraft[],
  chosen: readonly number[],
): { table: PacketTable; files: FileDraft[]; points: PointDraft[] } {
  const rows = chosen.reduce((n, fi) => n + files[fi].packetCount, 0);
  const sub = new PacketTable(Math.max(rows, 1));
  sub.epochSec = t.epochSec;
  sub.macs.push(...t.macs);
  sub.ip6.push(...t.ip6);
  const from = t.columns();
  const to = sub.columns();
  const newPoint = new Map<number, number>();
  const subPoints: PointDraft[] = [];
  const subFiles: FileDraft[] = [];
  let base = 0;
  chosen.forEach((fi, k) => {
    const f = files[fi];
    const ps = f.points.map((pi) => {
      newPoint.set(pi, subPoints.length);
      subPoints.push({ ...points[pi], file: k });
      return subPoints.length - 1;
    });
    const [lo, hi] = [f.firstRow, f.firstRow + f.packetCount];
    for (const [name, col] of Object.entries(from)) to[name].set(col.subarray(lo, hi), base);
    for (let r = lo; r < hi; r++) {
      sub.file[base + r - lo] = k;
      sub.point[base + r - lo] = newPoint.get(t.point[r]) ?? 0;
    }
    const moved = <T extends { readonly row: number }>(xs: readonly T[], into: T[]) => {
      for (const x of xs) if (x.row >= lo && x.row < hi) into.push({ ...x, row: x.row - lo + base });
    };
    moved(t.arp, sub.arp);
    moved(t.tooBig, sub.tooBig);
    moved(t.icmpErrors, sub.icmpErrors);
    subFiles.push({ ...f, firstRow: base, points: ps });
    base += f.packetCount;
  });
  sub.count = rows;
  for (const p of subPoints) if (p.twinOf !== undefined) p.twinOf = newPoint.get(p.twinOf);
  return { table: sub, files: subFiles, points: subPoints };
}

/**
 * The analyses of a set's clusters as one: captures and points in the set's order, the models,
 * flows, clocks and findings side by side (`first` findings ahead), journeys numbered on; nodes,
 * pods and points say their cluster. A pod, service or flow id (or a node's own address in
 * `nodeOwn`) two clusters both hold is named with its cluster ('10.244.1.11 (cluster 2)').
 */
export function combineAnalyses(
  t: PacketTable,
  files: readonly FileDraft[],
  pointIds: readonly string[],
  parts: readonly { readonly files: readonly number[]; readonly analysis: Analysis }[],
  first: readonly Finding[],
): Analysis {
  const count = (ids: (a: Analysis) => readonly string[]) => {
    const n = new Map<string, number>();
    for (const p of parts) for (const id of new Set(ids(p.analysis))) n.set(id, (n.get(id) ?? 0) + 1);
    return n;
  };
  const podN = count((a) => a.model.pods.map((p) => p.id));
  const svcN = count((a) => a.model.services.map((s) => s.id));
  const flowN = count((a) => a.flows.map((f) => f.id));
  const named = (n: Map<string, number>, k: number) => (id: string) => ((n.get(id) ?? 0) > 1 ? `${id} (cluster ${k + 1})` : id);
  const journeyBase: number[] = [];
  let journeys = 0;
  for (const p of parts) {
    journeyBase.push(journeys);
    journeys += p.analysis.journeys.count;
  }
  const flowOf = new Map<string, [number, string]>();
  const views = parts.map((p, k) => {
    const a = p.analysis;
    const pod = named(podN, k);
    const flow = named(flowN, k);
    const svc = named(svcN, k);
    for (const f of a.flows) flowOf.set(flow(f.id), [k, f.id]);
    const journey = (j: Journey): Journey => ({ ...j, id: j.id + journeyBase[k], flow: flow(j.flow), flows: j.flows.map(flow) });
    const m = a.model;
    const model: ClusterModel = {
      ...m,
      veths: m.veths.map((v) => (v.pod === null ? v : { ...v, pod: pod(v.pod) })),
      nodes: m.nodes.map((n) => ({ ...n, cluster: k + 1 })),
      pods: m.pods.map((x) => ({ ...x, id: pod(x.id), cluster: k + 1 })),
      services: m.services.map((s) => ({
        ...s,
        id: svc(s.id),
        backends: s.backends.map((b) => (b.pod === null ? b : { ...b, pod: pod(b.pod) })),
      })),
    };
    const flows: Flow[] = a.flows.map((f) => ({ ...f, id: flow(f.id), natPeers: f.natPeers.map(flow) }));
    const findings: Finding[] = a.findings.map((f) => ({
      ...f,
      ...(f.flow !== undefined ? { flow: flow(f.flow) } : {}),
      ...(f.journey !== undefined ? { journey: f.journey + journeyBase[k] } : {}),
    }));
    const points = a.points.map((x) => ({ ...x, cluster: k + 1 }));
    return { a, model, flows, findings, journey, points };
  });
  const partOfFile = new Map<string, number>();
  parts.forEach((p, k) => p.files.forEach((fi) => partOfFile.set(files[fi].id, k)));
  const captureOf = new Map(views.flatMap((v) => v.a.captures.map((c) => [c.id, c] as const)));
  const pointOf = new Map(views.flatMap((v) => v.points.map((p, i) => [p.id, [p, v.a.runSpans[i]] as const])));
  const captures = files.map((f) => captureOf.get(f.id)!);
  // In the set's order: the table's point column indexes them.
  const points = pointIds.map((id) => pointOf.get(id)!);
  const data: AnalysisData = {
    epochSec: Number.isNaN(t.epochSec) ? 0 : t.epochSec,
    captures,
    points: points.map(([p]) => p),
    model: {
      nodes: views.flatMap((v) => v.model.nodes),
      bridges: views.flatMap((v) => v.model.bridges),
      veths: views.flatMap((v) => v.model.veths),
      pods: views.flatMap((v) => v.model.pods),
      tunnels: views.flatMap((v) => v.model.tunnels),
      services: views.flatMap((v) => v.model.services),
    },
    flows: views.flatMap((v) => v.flows),
    journeyCount: journeys,
    clockOffsets: views.flatMap((v) => v.a.clockOffsets),
    findings: [...first, ...views.flatMap((v) => v.findings)],
    packetCount: t.count,
  };
  const flowById = new Map(data.flows.map((f) => [f.id, f]));
  const partOfJourney = (id: number) => {
    let k = parts.length - 1;
    while (k > 0 && journeyBase[k] > id) k--;
    return k;
  };
  // A node's own address two clusters' nodes hold is named with its cluster, as a pod's is.
  const ownN = count((a) => [...a.nodeOwn.keys()]);
  const nodeOwn = new Map<string, { readonly node: string; readonly at: 'vtep' | 'bridge' }>();
  views.forEach((v, k) => {
    for (const [ip, o] of v.a.nodeOwn) nodeOwn.set(named(ownN, k)(ip), o);
  });
  return {
    ...data,
    table: t,
    runSpans: points.map(([, span]) => span),
    emptyPoints: views.flatMap((v, k) => v.a.emptyPoints.map((x) => ({ ...x, cluster: k + 1 }))),
    nodeOwn,
    // Node names are the cluster's own (two clusters sharing one are not split).
    workingBlocks: new Map(views.flatMap((v) => [...v.a.workingBlocks])),
    journeys: {
      count: journeys,
      get(id) {
        const k = partOfJourney(id);
        if (!(id >= 0 && id < journeys)) throw new RangeError(`no journey ${id}`);
        return views[k].journey(views[k].a.journeys.get(id - journeyBase[k]));
      },
    },
    journeyForPacket(capture, index) {
      const k = partOfFile.get(capture);
      const j = k === undefined ? null : views[k].a.journeyForPacket(capture, index);
      return j && views[k!].journey(j);
    },
    journeysForFlow(flowId, limit = 1000) {
      const at = flowOf.get(flowId);
      return at ? views[at[0]].a.journeysForFlow(at[1], limit).map(views[at[0]].journey) : [];
    },
    journeyIdsForFlow(flowId) {
      const at = flowOf.get(flowId);
      return at ? views[at[0]].a.journeyIdsForFlow(at[1]).map((id) => id + journeyBase[at[0]]) : [];
    },
    flow: (id) => flowById.get(id),
    toJSON: () => data,
  };
}

/** What the split did, for the finding: each cluster by its nodes' names (or its files), and the files put apart. */
export function splitText(
  files: readonly FileDraft[],
  points: readonly PointDraft[],
  split: { readonly clusters: readonly (readonly number[])[]; readonly rest: readonly number[] },
): string {
  const what = (fs: readonly number[]) => {
    const names = [...new Set(fs.flatMap((fi) => files[fi].points.map((pi) => points[pi].node)).filter((n) => n !== null))];
    const unnamed = fs.filter((fi) => files[fi].points.every((pi) => points[pi].node === null)).map((fi) => files[fi].id);
    return [...(names.length ? [`the captures of ${names.join(', ')}`] : []), ...unnamed].join(' and ');
  };
  const clusters = split.clusters.map((fs, k) => `cluster ${k + 1}: ${what(fs)}`).join('; ');
  const rest = split.rest.length
    ? `; ${split.rest.map((fi) => files[fi].id).join(', ')} joined neither (no tunnel packet, node name or address of either), so ${split.rest.length > 1 ? 'they are' : 'it is'} analysed apart, as cluster ${split.clusters.length + 1}`
    : '';
  return `Each cluster's captures are analysed on their own (${clusters}${rest}); a pod, service or flow both hold is named with its cluster ('(cluster 2)')`;
}
