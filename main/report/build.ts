// Builds the report model from an analysis (main/topology) and a session (annotations): the capture
// inventory, the cluster graph, findings, every annotated flow with its journeys' hop tables, every
// annotated packet decoded level by level, clock offsets and all annotations.
import { basename, resolve } from 'node:path';
import type { Annotation, CaptureCheck, DecodeAsEntry, SessionCapture } from '../session/types';
import { formatPacketRef, type AnalysisData, type Journey, type PacketRef } from '../topology';
import { buildClusterGraph, elementName, resolveElement, type ClusterGraph } from '../topology/graph';
import { encapText, endpoint, natText, unknownLines } from '../../common/text';
import type { DecodeOptions } from '../engine/decode/types';
import { decodeFetched, fetchPackets, reportLevels, type FetchedPacket } from './packets';
import {
  REPORT_SCHEMA,
  REPORT_VERSION,
  NO_TIMESTAMP,
  type ReportAnnotation,
  type ReportCapture,
  type ReportFinding,
  type ReportFlow,
  type ReportGraph,
  type ReportGraphEdge,
  type ReportGraphNode,
  type ReportHop,
  type ReportJourney,
  type ReportModel,
  type ReportPacket,
} from './model';

/** What the report needs of an analysis: its data and the two journey look-ups. */
export interface ReportAnalysis extends AnalysisData {
  journeysForFlow(flow: string): readonly Journey[];
  journeyForPacket(capture: string, index: number): Journey | null | undefined;
  /** Journeys by id, for hop annotations that name no packet. */
  readonly journeys?: { get(id: number): Journey | undefined };
}

/** What the report needs of a session (SessionStore has all of it). */
export interface ReportSessionInput {
  readonly file?: string | null;
  readonly annotations: readonly Annotation[];
  readonly captures: readonly SessionCapture[];
  readonly captureChecks: readonly CaptureCheck[];
  readonly filter: string;
  readonly decodeAs: readonly DecodeAsEntry[];
  isAttached(a: Annotation): boolean;
  capturePath?(id: string): string | undefined;
}

export interface BuildOptions {
  title?: string;
  now?: Date;
  generator?: string;
  /** Journeys shown per annotated flow besides the annotated ones (default 3). */
  journeysPerFlow?: number;
  /** Packets decoded in full at most (default 200). */
  maxPackets?: number;
}

export const GENERATOR = 'Tunnelvision 0.1.0';

/** 'capture#frame' with Wireshark's 1-based frame number. */
export const packetLabel = (capture: string, index: number): string => formatPacketRef({ capture, index });
const refLabel = (r: PacketRef): string => formatPacketRef(r);
const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;

/** ISO 8601 with nanoseconds, exact (no floating point on the fraction). */
export function isoTime(sec: number, nsec: number): string {
  const s = Math.floor(sec) + Math.floor(nsec / 1e9);
  const n = ((nsec % 1e9) + 1e9) % 1e9;
  const d = new Date(s * 1000);
  if (Number.isNaN(d.getTime())) return `${sec}.${String(nsec).padStart(9, '0')}`;
  return d.toISOString().replace(/\.\d{3}Z$/, `.${String(Math.floor(n)).padStart(9, '0')}Z`);
}
/** Corrected times have fractions of a nanosecond: rounded to the nearest, as `follow` and the app show them. */
const isoFromEpoch = (epochSec: number, tNs: number): string => {
  const whole = Math.round(tNs);
  const s = Math.floor(whole / 1e9);
  return isoTime(epochSec + s, whole - s * 1e9);
};
const isoFromFloat = (ts: number | null): string | null =>
  ts === null ? null : isoTime(Math.floor(ts), Math.round((ts - Math.floor(ts)) * 1e6) * 1e3);

function targetLabel(a: Annotation, toAnalysis: (id: string) => string, element: (id: string) => string): string {
  const t = a.target;
  switch (t.kind) {
    case 'packet':
      return `packet ${packetLabel(toAnalysis(t.capture), t.packet)}`;
    case 'flow':
      return `flow ${t.flow}`;
    case 'hop':
      return `hop ${t.hop + 1} of journey ${t.journey}${t.capture !== undefined && t.packet !== undefined ? ` (${packetLabel(toAnalysis(t.capture), t.packet)})` : ''}`;
    case 'element':
      return `element ${element(t.element)}`;
    case 'set':
      return 'the capture set';
  }
}

export function buildGraph(a: AnalysisData, annotated: (id: string) => boolean, g: ClusterGraph = buildClusterGraph(a)): ReportGraph {
  const nodes: ReportGraphNode[] = g.nodes.map((n) => ({
    id: n.id,
    kind: n.kind,
    label: n.label,
    detail: n.detail,
    parent: n.parent,
    annotated: annotated(n.id),
    ...(n.unknown?.length ? { unknown: n.unknown } : {}),
  }));
  const edges: ReportGraphEdge[] = g.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    kind: e.kind,
    label: e.kind === 'tunnel' && e.packets !== null ? `${e.label} · ${e.packets} pkts` : e.label,
    annotated: annotated(e.id),
  }));
  return { nodes, edges };
}

export async function buildReport(
  analysis: ReportAnalysis,
  session: ReportSessionInput | null,
  opts: BuildOptions = {},
): Promise<ReportModel> {
  const annotations = session?.annotations ?? [];
  const captureById = new Map(analysis.captures.map((c) => [c.id, c]));

  // Session capture ids name files; analysis capture ids too, but numbering of duplicates may differ: match by path.
  const sessionToAnalysis = new Map<string, string>();
  for (const c of session?.captures ?? []) {
    const abs = session?.capturePath?.(c.id);
    const hit = abs ? analysis.captures.find((x) => resolve(x.path) === resolve(abs)) : undefined;
    sessionToAnalysis.set(c.id, hit?.id ?? c.id);
  }
  const toAnalysis = (id: string) => sessionToAnalysis.get(id) ?? id;
  const attached = (a: Annotation) => session?.isAttached(a) ?? true;

  // Which packets, hops, flows, elements are annotated.
  const pktKey = (capture: string, index: number) => `${capture}\u0000${index}`;
  const packetNotes = new Map<string, string[]>();
  const hopNotes = new Map<string, string[]>(); // journey id + hop index
  const flowNotes = new Map<string, string[]>();
  const elementNotes = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, k: string, id: string) => m.set(k, [...(m.get(k) ?? []), id]);
  const wantedPackets: { capture: string; index: number }[] = [];
  const flowOrder: string[] = [];
  const annotatedJourneys = new Map<string, Set<number>>(); // flow -> journey ids
  const noteJourney = (j: Journey | null | undefined) => {
    if (!j) return;
    if (!flowOrder.includes(j.flow)) flowOrder.push(j.flow);
    const s = annotatedJourneys.get(j.flow) ?? new Set<number>();
    s.add(j.id);
    annotatedJourneys.set(j.flow, s);
  };
  for (const a of annotations) {
    const t = a.target;
    if (t.kind === 'packet' || (t.kind === 'hop' && t.capture !== undefined && t.packet !== undefined)) {
      if (!attached(a)) continue;
      const capture = toAnalysis(t.capture!);
      const index = t.packet!;
      if (!packetNotes.has(pktKey(capture, index))) wantedPackets.push({ capture, index });
      push(packetNotes, pktKey(capture, index), a.id);
      const j = analysis.journeyForPacket(capture, index);
      noteJourney(j);
      if (t.kind === 'hop' && j) {
        const hop = j.hops.findIndex((h) => h.packet.capture === capture && h.packet.index === index);
        push(hopNotes, `${j.id}\u0000${hop >= 0 ? hop : t.hop}`, a.id);
      } else if (j) {
        const hop = j.hops.findIndex((h) => h.packet.capture === capture && h.packet.index === index);
        if (hop >= 0) push(hopNotes, `${j.id}\u0000${hop}`, a.id);
      }
    } else if (t.kind === 'hop') {
      let j: Journey | undefined;
      try {
        j = analysis.journeys?.get(Number(t.journey));
      } catch {
        j = undefined; // a journey id from an older analysis
      }
      const h = j?.hops[t.hop];
      if (!j || !h) continue;
      noteJourney(j);
      push(hopNotes, `${j.id}\u0000${t.hop}`, a.id);
    } else if (t.kind === 'flow') {
      push(flowNotes, t.flow, a.id);
      if (!flowOrder.includes(t.flow)) flowOrder.push(t.flow);
    } else if (t.kind === 'element') {
      push(elementNotes, t.element, a.id);
    }
  }

  // Annotated packets, decoded.
  const maxPackets = opts.maxPackets ?? 200;
  const shown = wantedPackets.slice(0, maxPackets);
  const byCapture = new Map<string, Set<number>>();
  for (const p of shown) byCapture.set(p.capture, (byCapture.get(p.capture) ?? new Set()).add(p.index));
  const fetched = new Map<string, FetchedPacket>();
  const fetchErrors = new Map<string, string>();
  for (const [capture, indexes] of byCapture) {
    const file = captureById.get(capture);
    if (!file) {
      fetchErrors.set(capture, `capture ${capture} is not part of this analysis`);
      continue;
    }
    try {
      for (const [i, p] of await fetchPackets(file.path, capture, indexes)) fetched.set(pktKey(capture, i), p);
    } catch (e) {
      fetchErrors.set(capture, `cannot read ${basename(file.path)}: ${(e as Error).message}`);
    }
  }
  const decodeOpts: DecodeOptions = { decodeAs: (session?.decodeAs ?? []) as DecodeOptions['decodeAs'] };
  const pointOf = (capture: string, iface: number | null) => {
    const pts = analysis.points.filter((p) => p.capture === capture);
    return pts.find((p) => p.iface === iface) ?? pts[0];
  };
  const packets: ReportPacket[] = shown.map(({ capture, index }) => {
    const key = pktKey(capture, index);
    const f = fetched.get(key);
    const base = { ref: packetLabel(capture, index), capture, index, frame: index + 1, annotations: packetNotes.get(key) ?? [] };
    if (!f) {
      return {
        ...base,
        time: '',
        node: pointOf(capture, null)?.node ?? null,
        interface: pointOf(capture, null)?.interface ?? null,
        length: 0,
        protocol: '',
        info: '',
        levels: [],
        anomalies: [],
        unavailable: fetchErrors.get(capture) ?? `packet ${packetLabel(capture, index)} is not in the capture`,
      };
    }
    const d = decodeFetched(f, decodeOpts);
    const pt = pointOf(capture, f.iface);
    return {
      ...base,
      time: f.hasTime ? isoTime(f.tsSec, f.tsNsec) : NO_TIMESTAMP,
      node: pt?.node ?? null,
      interface: pt?.interface ?? null,
      length: f.origLen,
      protocol: d.protocol,
      info: d.info,
      levels: reportLevels(d),
      anomalies: d.anomalies.map((x) => `${x.code}: ${x.message}`),
      unavailable: null,
    };
  });

  // Annotated flows with their journeys.
  const perFlow = opts.journeysPerFlow ?? 3;
  const pointById = new Map(analysis.points.map((p) => [p.id, p]));
  const flowById = new Map(analysis.flows.map((f) => [f.id, f]));
  const flows: ReportFlow[] = [];
  // The clock a node's corrected times are on: its group's reference, null when its offset is unknown.
  const offsetOf = new Map(analysis.clockOffsets.map((o) => [o.node, o]));
  const clockOf = (node: string | null): string | null => {
    const o = node === null ? undefined : offsetOf.get(node);
    return o && o.method !== 'none' ? o.reference : null;
  };
  for (const id of flowOrder) {
    const f = flowById.get(id);
    if (!f) continue;
    const all = analysis.journeysForFlow(id);
    const marked = annotatedJourneys.get(id) ?? new Set<number>();
    const chosen = [...all.filter((j) => marked.has(j.id)), ...all.filter((j) => !marked.has(j.id)).slice(0, perFlow)];
    const ids = new Set<string>(flowNotes.get(id) ?? []);
    const journeys: ReportJourney[] = chosen.map((j) => {
      const t0 = j.hops.find((h) => !h.noTime)?.correctedNs ?? 0;
      const hops: ReportHop[] = j.hops.map((h) => {
        const notes = hopNotes.get(`${j.id}\u0000${h.index}`) ?? [];
        notes.forEach((n) => ids.add(n));
        return {
          index: h.index,
          packet: refLabel(h.packet),
          point: h.point,
          node: h.node,
          interface: h.interface,
          kind: h.kind,
          time: h.noTime ? NO_TIMESTAMP : isoFromEpoch(analysis.epochSec, h.tNs),
          correctedTime: h.noTime ? NO_TIMESTAMP : isoFromEpoch(analysis.epochSec, h.correctedNs),
          clock: clockOf(h.node),
          offsetMs: h.noTime ? null : ms(h.correctedNs - t0),
          latencyMs: h.latencyNs === null ? null : ms(h.latencyNs),
          latencyRangeMs: h.latencyRangeNs
            ? [ms(h.latencyRangeNs[0]), h.latencyRangeNs[1] === null ? null : ms(h.latencyRangeNs[1])]
            : null,
          ttl: h.headers.ttl,
          ttlDelta: h.ttlDelta,
          src: endpoint(h.headers.src, h.headers.srcPort),
          dst: endpoint(h.headers.dst, h.headers.dstPort),
          info: h.headers.info,
          encap: h.headers.encap ? encapText(h.headers.encap) : null,
          nat: h.nat ? natText(h.nat) : null,
          problems: [...h.problems],
          annotations: notes,
        };
      });
      const ls = j.lastSeen;
      return {
        id: j.id,
        status: j.status,
        totalLatencyMs: ms(j.totalLatencyNs),
        lastSeen: `${ls.node ?? 'unknown node'} ${ls.interface ?? ls.point} (${refLabel(ls.packet)})`,
        hops,
        gaps: j.gaps.map(
          (g) =>
            `${g.afterHop < 0 ? 'before the first hop' : `after hop ${g.afterHop + 1}`}${g.node ? ` on ${g.node}` : ''} (${g.kind}): ${g.reason}`,
        ),
        ...(j.offloaded?.length
          ? {
              offloaded: j.offloaded.map((o) => {
                const p = pointById.get(o.point);
                return {
                  afterHop: o.afterHop,
                  point: o.point,
                  node: o.node,
                  interface: p?.interface ?? null,
                  kind: p?.kind ?? 'unknown',
                  packets: o.packets.map(refLabel),
                  reason: o.reason,
                };
              }),
            }
          : {}),
        nat: j.nat.map(natText),
        mtu: j.mtu.map((x) => `${x.code} at hop ${x.hop + 1}: ${x.message}`),
        problems: [...j.problems],
        ...(j.verdict ? { verdict: j.verdict.reason } : {}),
        clockNotes: j.hops.filter((h) => h.latencyNote).map((h) => `hop ${h.index + 1}: ${h.latencyNote}`),
      };
    });
    flows.push({
      id,
      protocol: f.protocol,
      a: endpoint(f.a.ip, f.a.port),
      b: endpoint(f.b.ip, f.b.port),
      packets: f.aToB.packets + f.bToA.packets,
      bytes: f.aToB.bytes + f.bToA.bytes,
      firstTime: isoFromFloat(f.firstTs) ?? '',
      lastTime: isoFromFloat(f.lastTs) ?? '',
      tcpState: f.tcp?.state ?? null,
      natPeers: [...f.natPeers],
      communityId: f.communityId ?? null,
      annotations: [...ids],
      journeys,
      journeysTotal: all.length,
    });
  }

  // Inventory.
  const checkBySession = new Map((session?.captureChecks ?? []).map((c) => [toAnalysis(c.capture), c]));
  const sessionCap = new Map((session?.captures ?? []).map((c) => [toAnalysis(c.id), c]));
  const captures: ReportCapture[] = analysis.captures.map((c) => {
    const check = checkBySession.get(c.id);
    const sc = sessionCap.get(c.id);
    // The session's size and hash are the capture's when it fingerprinted this file (a dataset's session fingerprints its packets files).
    const own = sc && (!session?.capturePath || resolve(session.capturePath(sc.id) ?? c.path) === resolve(c.path));
    return {
      id: c.id,
      file: basename(c.path),
      format: c.format,
      packets: c.packetCount,
      firstTime: isoFromFloat(c.firstTs),
      lastTime: isoFromFloat(c.lastTs),
      durationSec: c.firstTs !== null && c.lastTs !== null ? Math.round((c.lastTs - c.firstTs) * 1e6) / 1e6 : null,
      size: own ? sc.size : null,
      sha256: own ? sc.sha256 : null,
      state: !session ? 'ok' : !sc ? 'not-in-session' : (check?.state ?? 'ok'),
      stateMessage: check && check.state !== 'ok' ? check.message : null,
      points: analysis.points
        .filter((p) => p.capture === c.id)
        .map((p) => ({
          id: p.id,
          node: p.node,
          interface: p.interface,
          kind: p.kind,
          source: p.nodeSource,
          packets: p.packetCount,
          ...(p.unknown ? { unknown: unknownLines(p.unknown) } : {}),
        })),
      errors: c.errors.map((e) => `${e.code} at byte ${e.offset}: ${e.message}`),
    };
  });

  const findings: ReportFinding[] = analysis.findings.map((f) => ({
    code: f.code,
    severity: f.severity,
    message: f.message,
    packets: f.packets.map(refLabel),
    flow: f.flow ?? null,
    journey: f.journey ?? null,
    node: f.node ?? null,
  }));

  // Notes name elements by id, older spellings included: each marks the element it names today.
  const clusterGraph = buildClusterGraph(analysis);
  const marked = new Set([...elementNotes.keys()].map((id) => resolveElement(clusterGraph, id)));
  const graph = buildGraph(analysis, (id) => marked.has(id), clusterGraph);
  const elementLabel = (id: string) => {
    const now = resolveElement(clusterGraph, id);
    return now === null ? `${id} (not in this graph)` : `${elementName(clusterGraph, now)} (${now})`;
  };

  const reportAnnotations: ReportAnnotation[] = annotations.map((a) => ({
    id: a.id,
    targetKind: a.target.kind,
    target: targetLabel(a, toAnalysis, elementLabel),
    text: a.text,
    tag: a.tag ?? null,
    severity: a.severity,
    source: a.source,
    created: a.created,
    updated: a.updated,
    attached: attached(a),
  }));

  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  const problems = session?.captureChecks.filter((c) => c.state !== 'ok') ?? [];
  const omitted = wantedPackets.length - shown.length;
  const warnings = problems.map((c) => c.message);
  if (omitted > 0)
    warnings.push(
      `${omitted} more annotated packets are listed under Annotations but not decoded here (the report shows the first ${maxPackets})`,
    );
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    title: opts.title ?? `Tunnelvision report: ${analysis.captures.length} captures, ${analysis.model.nodes.length} nodes`,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    generator: opts.generator ?? GENERATOR,
    session: {
      file: session?.file ? basename(session.file) : null,
      filter: session?.filter ?? '',
      decodeAs: (session?.decodeAs ?? []).map((d) => ({ layer: d.layer, port: d.port, proto: d.proto })),
      warnings,
    },
    summary: {
      captures: analysis.captures.length,
      packets: analysis.packetCount,
      nodes: analysis.model.nodes.length,
      pods: analysis.model.pods.length,
      services: analysis.model.services.length,
      tunnels: analysis.model.tunnels.length,
      flows: analysis.flows.length,
      journeys: analysis.journeyCount,
      annotations: annotations.length,
      findings: { problem: count('problem'), warning: count('warning'), info: count('info') },
    },
    captures,
    graph,
    findings,
    flows,
    packets,
    clockOffsets: analysis.clockOffsets.map((c) => ({
      node: c.node,
      reference: c.reference,
      offsetMs: ms(c.offsetNs),
      uncertaintyMs: c.uncertaintyNs === null ? null : ms(c.uncertaintyNs),
      samples: c.samples,
      method: c.method,
    })),
    annotations: reportAnnotations,
  };
}
