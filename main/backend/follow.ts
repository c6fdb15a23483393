// Follow views of the open set's analysis: a flow's journeys hop by hop (times on the reference
// clock, NAT, encapsulation, the graph elements each hop lights up), the journey a packet is on,
// and the flows that pass a graph element. Views are bounded: at most MAX_JOURNEYS journeys.
import type { FlowListItem, FollowView, HopView, JourneyView, WallTime } from '../../common/contract';
import type { AnalysisData, Flow, Journey } from '../topology/types';
import { hopElements } from '../topology/graph';
import { hopUnknowns } from '../topology/text';
import { duration, encapText, flowText, natText } from '../../common/text';
import { elementPredicate } from './graph';
import { captureIdOfFile, requireAnalysis, rowOfRef, type OpenSet } from './open-set';

const MAX_JOURNEYS = 200;
/** Flows listed for a graph element, busiest first. */
const MAX_ELEMENT_FLOWS = 100;

/** Epoch seconds and nanoseconds of a time given in nanoseconds since the analysis' epoch. */
function wallTime(epochSec: number, ns: number): WallTime {
  const whole = Math.round(ns);
  const s = Math.floor(whole / 1e9);
  return { sec: epochSec + s, nsec: whole - s * 1e9 };
}

export class FollowViews {
  constructor(private readonly set: OpenSet) {}

  /** The flow of packet `no`, its journey selected; null when the packet is on none. */
  async packet(no: number): Promise<FollowView | null> {
    const { store } = this.set;
    const r = store.rowOfNo(no);
    if (r < 0) return null;
    const a = requireAnalysis(this.set);
    const capture = captureIdOfFile(this.set, store.table.file[r]);
    if (!capture) return null;
    const index = store.table.index[r];
    const j = await a.journeyForPacket(capture, index);
    if (!j) return null;
    return this.view(j.flow, { capture, index });
  }

  flow(flowId: string): Promise<FollowView | null> {
    return this.view(flowId, null);
  }

  /** The journey a row's packet is on (its flow, journey id and hop), null before the analysis or without one. */
  async journeyOfRow(row: number): Promise<{ flow: string; journey: string; hop: number } | null> {
    const { store, analysis } = this.set;
    const capture = captureIdOfFile(this.set, store.table.file[row]);
    const index = store.table.index[row];
    // Asked while the analysis is redone (or lost): no journey to name yet.
    const j = capture ? await analysis?.journeyForPacket(capture, index).catch(() => null) : null;
    if (!j) return null;
    return { flow: j.flow, journey: String(j.id), hop: j.hops.findIndex((h) => h.packet.capture === capture && h.packet.index === index) };
  }

  flowLabel(id: string): string | null {
    const f = this.set.analysis?.data.flows.find((x) => x.id === id);
    return f ? flowText(f) : null;
  }

  /** Flows whose packets pass a graph element, busiest first. */
  flowsThrough(element: string): FlowListItem[] {
    const { store, labels, pointIndex } = this.set;
    const a = requireAnalysis(this.set);
    const pred = elementPredicate(element, a.data, store, labels, pointIndex);
    if (!pred) return [];
    const flowOf = flowsByTuple(a.data.flows);
    const t = store.table;
    const counts = new Map<string, number>();
    for (let r = 0; r < store.count; r++) {
      if (!t.innerVer[r] || !pred(r)) continue;
      const p = t.innerProto[r];
      const icmp = p === 1 || p === 58;
      const sp = icmp ? (t.icmpId[r] >= 0 ? t.icmpId[r] : null) : t.sport[r] >= 0 ? t.sport[r] : null;
      const dp = icmp ? sp : t.dport[r] >= 0 ? t.dport[r] : null;
      const id = flowOf(p, t.addr(t.innerVer[r], t.innerSrc[r]), sp, t.addr(t.innerVer[r], t.innerDst[r]), dp);
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return busiestFlows(counts, a.data.flows);
  }

  private async view(flowId: string, focus: { capture: string; index: number } | null): Promise<FollowView | null> {
    const { store } = this.set;
    const a = requireAnalysis(this.set);
    return followView(a.data, flowId, await a.journeysForFlow(flowId), focus, (capture, index) => {
      const r = rowOfRef(this.set, capture, index);
      return r >= 0 ? store.no(r) : 0;
    });
  }
}

/** The packet number of a hop's packet (capture id, 0-based index), 0 when it is not in the list. */
export type PacketNoOf = (capture: string, index: number) => number;

/** The journeys of flow `flowId` among `journeys` (the flow's, in order), the one holding `focus` selected. */
export function followView(
  a: AnalysisData,
  flowId: string,
  journeys: readonly Journey[],
  focus: { capture: string; index: number } | null,
  packetNo: PacketNoOf,
): FollowView {
  const flow = a.flows.find((f) => f.id === flowId);
  let selected = 0;
  if (focus) {
    const k = journeys.findIndex((j) => j.hops.some((h) => h.packet.capture === focus.capture && h.packet.index === focus.index));
    if (k >= 0) selected = k;
  }
  const { start, shown } = shownJourneys(journeys, selected);
  return {
    flow: flowId,
    flowLabel: flow ? flowText(flow) : flowId,
    communityId: flow?.communityId ?? null,
    packets: flow ? flow.aToB.packets + flow.bToA.packets : 0,
    bytes: flow ? flow.aToB.bytes + flow.bToA.bytes : 0,
    journeys: shown.map((j) => journeyView(j, a, packetNo)),
    selected: selected - start,
    // Each dropped journey of the flow has its finding, often word for word the same: listed once.
    findings: [...new Set(a.findings.filter((f) => f.flow === flowId).map((f) => f.message))],
    clockReference: a.clockOffsets.find((o) => o.method !== 'none')?.reference ?? null,
  };
}

/** Keep the view bounded: the asked-for journey plus the first ones. */
export function shownJourneys<T>(journeys: readonly T[], selected: number): { start: number; shown: readonly T[] } {
  const start = Math.max(0, Math.min(selected - MAX_JOURNEYS / 2, journeys.length - MAX_JOURNEYS));
  return { start, shown: journeys.slice(start, start + MAX_JOURNEYS) };
}

function journeyView(j: Journey, a: AnalysisData, packetNo: PacketNoOf): JourneyView {
  const elements = hopElements(j.hops, a);
  const hops: HopView[] = j.hops.map((h, i) => {
    const e = h.headers.encap;
    return {
      packetNo: packetNo(h.packet.capture, h.packet.index),
      capture: h.packet.capture,
      node: h.node ?? 'unknown',
      iface: h.interface ?? 'unknown',
      time: h.ts,
      ...(h.noTime ? { noTime: true } : {}),
      corrected: wallTime(a.epochSec, h.correctedNs),
      captured: wallTime(a.epochSec, h.tNs),
      offsetNs: Math.round(h.tNs - h.correctedNs),
      delta: h.latencyNs === null ? null : h.latencyNs / 1e9,
      deltaRange: h.latencyRangeNs ? [h.latencyRangeNs[0] / 1e9, h.latencyRangeNs[1] === null ? null : h.latencyRangeNs[1] / 1e9] : null,
      deltaNote: h.latencyNote ?? null,
      ttl: h.headers.ttl,
      nat: h.nat ? natText(h.nat) : '',
      encap: e ? encapText(e) : '',
      elements: elements[i],
    };
  });
  const last = j.lastSeen;
  const findings = [
    ...j.gaps.map((g) => g.reason),
    ...(j.offloaded ?? []).map((o) => `in pieces: ${o.reason}`),
    ...j.nat.map((n) => `${natText(n)}, between ${n.between[0]} and ${n.between[1]}`),
    ...j.mtu.map((m) => m.message),
    ...j.problems,
    // Why a hop's node, interface or kind is unknown.
    ...hopUnknowns(a, j),
  ];
  return {
    id: String(j.id),
    label: `#${j.id} ${j.status}, ${j.hops.length} hops${j.totalLatencyNs ? `, ${duration(j.totalLatencyNs)}` : ''}`,
    hops,
    lastSeen:
      j.status === 'dropped'
        ? `${last.node ?? 'unknown node'} / ${last.interface ?? 'unknown'} (${last.point}), hop ${last.index + 1}`
        : null,
    verdict: j.verdict ? `${j.status}: ${j.verdict.reason}` : null,
    findings,
  };
}

/** The flow of an inner 5-tuple, either direction (ICMP echo: the identifier stands for both ports). */
export function flowsByTuple(
  flows: readonly Flow[],
): (proto: number, src: string, sport: number | null, dst: string, dport: number | null) => string | undefined {
  const key = (p: number, x: string, xp: number | null, y: string, yp: number | null) => `${p}|${x}|${xp ?? ''}|${y}|${yp ?? ''}`;
  const flowOf = new Map<string, string>();
  for (const f of flows) {
    flowOf.set(key(f.protoNumber, f.a.ip, f.a.port, f.b.ip, f.b.port), f.id);
    flowOf.set(key(f.protoNumber, f.b.ip, f.b.port, f.a.ip, f.a.port), f.id);
  }
  return (p, x, xp, y, yp) => flowOf.get(key(p, x, xp, y, yp));
}

/** Flows by the packets counted on them, busiest first (at most MAX_ELEMENT_FLOWS). */
export function busiestFlows(counts: ReadonlyMap<string, number>, flows: readonly Flow[]): FlowListItem[] {
  const byId = new Map(flows.map((f) => [f.id, f]));
  return [...counts.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, MAX_ELEMENT_FLOWS)
    .map(([id, packets]) => {
      const f = byId.get(id)!;
      return { flow: id, label: flowText(f), packets, journeys: f.journeyCount };
    });
}
