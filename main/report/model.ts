// The report model: everything a report says, built once from an analysis and a session, rendered by
// every format (HTML, Markdown, PDF through HTML) and written as-is for JSON. Its JSON form is described
// by report.schema.json beside this file; change both together (test/report/schema.test.ts checks
// output against the schema). Plain data: strings, numbers, booleans, null, arrays, objects.

export const REPORT_SCHEMA = 'tunnelvision-report';
export const REPORT_VERSION = 2;

export type Severity = 'info' | 'warning' | 'problem';

export interface ReportModel {
  readonly schema: typeof REPORT_SCHEMA;
  readonly version: number;
  readonly title: string;
  /** ISO 8601. */
  readonly generatedAt: string;
  readonly generator: string;
  readonly session: ReportSession;
  readonly summary: ReportSummary;
  readonly captures: readonly ReportCapture[];
  readonly graph: ReportGraph;
  readonly findings: readonly ReportFinding[];
  readonly flows: readonly ReportFlow[];
  readonly packets: readonly ReportPacket[];
  readonly clockOffsets: readonly ReportClockOffset[];
  readonly annotations: readonly ReportAnnotation[];
}

export interface ReportSession {
  /** Session file name (no folder), null when the report was made without one. */
  readonly file: string | null;
  readonly filter: string;
  readonly decodeAs: readonly { readonly layer: string; readonly port: number; readonly proto: string }[];
  /** Captures that changed or went missing since they were annotated. */
  readonly warnings: readonly string[];
}

export interface ReportSummary {
  readonly captures: number;
  readonly packets: number;
  readonly nodes: number;
  readonly pods: number;
  readonly services: number;
  readonly tunnels: number;
  readonly flows: number;
  readonly journeys: number;
  readonly annotations: number;
  readonly findings: { readonly problem: number; readonly warning: number; readonly info: number };
}

export type CaptureState = 'ok' | 'changed' | 'missing' | 'not-in-session';

export interface ReportCapturePoint {
  readonly id: string;
  readonly node: string | null;
  readonly interface: string | null;
  readonly kind: string;
  /** Where the attribution came from: user, pcapng, sll, file-name, traffic, none. */
  readonly source: string;
  readonly packets: number;
  /** Why its node, interface name or kind is unknown, one line each ('node unknown: …'); absent when all are known. */
  readonly unknown?: readonly string[];
}

export interface ReportCapture {
  readonly id: string;
  /** File name (no folder: a report is handed to others). */
  readonly file: string;
  readonly format: string;
  readonly packets: number;
  readonly firstTime: string | null;
  readonly lastTime: string | null;
  readonly durationSec: number | null;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly state: CaptureState;
  readonly stateMessage: string | null;
  readonly points: readonly ReportCapturePoint[];
  readonly errors: readonly string[];
}

export type GraphNodeKind = 'node' | 'nic' | 'vtep' | 'tun' | 'bridge' | 'veth' | 'pod' | 'service';

/** Ids are the cluster graph's (main/topology/graph.ts): the ids notes are keyed by, in the app too. */
export interface ReportGraphNode {
  readonly id: string;
  readonly kind: GraphNodeKind;
  readonly label: string;
  /** Second line (addresses). */
  readonly detail: string;
  /** Id of the Kubernetes node box it sits in, null for nodes and services. */
  readonly parent: string | null;
  /** Annotated (an annotation targets this element). */
  readonly annotated: boolean;
  /** Why its unknown facts are unknown, one line each ('gateway address unknown: …'); absent when none. */
  readonly unknown?: readonly string[];
}

/** wire: inside a node (pod—veth—bridge—tunnel device—NIC); tunnel: between two nodes' NICs; service: a service to a backend pod. */
export interface ReportGraphEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly kind: 'wire' | 'tunnel' | 'service';
  readonly label: string;
  /** Annotated (an annotation targets this link). */
  readonly annotated: boolean;
}

export interface ReportGraph {
  readonly nodes: readonly ReportGraphNode[];
  readonly edges: readonly ReportGraphEdge[];
}

export interface ReportFinding {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Packets as 'capture#frame' (1-based frame numbers, as Wireshark shows them). */
  readonly packets: readonly string[];
  readonly flow: string | null;
  readonly journey: number | null;
  readonly node: string | null;
}

export interface ReportHop {
  readonly index: number;
  readonly packet: string;
  readonly point: string;
  readonly node: string | null;
  readonly interface: string | null;
  readonly kind: string;
  /** ISO 8601 as captured, on the hop's node's own clock ('no timestamp' when the capture recorded none). */
  readonly time: string;
  /** ISO 8601 with the node's clock offset removed: on `clock`'s clock (the time `follow` and the app show). */
  readonly correctedTime?: string;
  /** The node whose clock `correctedTime` is on; null when the node's offset is unknown (then it is as captured). */
  readonly clock?: string | null;
  /** Clock-corrected time since the journey's first hop that has a timestamp; null for a hop with none. */
  readonly offsetMs: number | null;
  readonly latencyMs: number | null;
  /** Across two node clocks: [min, max] the true latency lies in (max null when unbounded). */
  readonly latencyRangeMs?: readonly [number, number | null] | null;
  readonly ttl: number;
  readonly ttlDelta: number | null;
  readonly src: string;
  readonly dst: string;
  readonly info: string;
  readonly encap: string | null;
  readonly nat: string | null;
  readonly problems: readonly string[];
  readonly annotations: readonly string[];
}

/**
 * A place the journey's TCP segment crossed only in pieces (segmentation offload: GSO/TSO cut it at
 * the sender's NIC, GRO merged it at the receiver's): no packet there is the segment, but the packets
 * listed carried all its bytes. Not a drop.
 */
export interface ReportOffloaded {
  /** It lies after this hop index (-1: before the first hop). */
  readonly afterHop: number;
  readonly point: string;
  readonly node: string | null;
  readonly interface: string | null;
  readonly kind: string;
  /** The packets there that carried the segment's bytes, in sequence order, as 'capture#frame'. */
  readonly packets: readonly string[];
  readonly reason: string;
}

export interface ReportJourney {
  readonly id: number;
  readonly status: string;
  readonly totalLatencyMs: number;
  readonly lastSeen: string;
  readonly hops: readonly ReportHop[];
  readonly gaps: readonly string[];
  /** Places it crossed only in pieces (segmentation offload), in path order; absent when none. */
  readonly offloaded?: readonly ReportOffloaded[];
  readonly nat: readonly string[];
  readonly mtu: readonly string[];
  readonly problems: readonly string[];
  /** Why the status is what it is. */
  readonly verdict?: string;
  /** Hops whose latency the clock correction cannot give exactly, and why. */
  readonly clockNotes?: readonly string[];
}

export interface ReportFlow {
  readonly id: string;
  readonly protocol: string;
  readonly a: string;
  readonly b: string;
  readonly packets: number;
  readonly bytes: number;
  readonly firstTime: string;
  readonly lastTime: string;
  readonly tcpState: string | null;
  readonly natPeers: readonly string[];
  /** Community ID v1 of the flow (look it up in Zeek/Suricata/Wireshark). */
  readonly communityId?: string | null;
  /** Ids of the annotations on this flow, its hops or its packets. */
  readonly annotations: readonly string[];
  /** The journeys shown (annotated ones first, then the first few). */
  readonly journeys: readonly ReportJourney[];
  readonly journeysTotal: number;
}

export interface ReportField {
  readonly name: string;
  readonly label: string;
  readonly value: string;
  /** Nesting depth in the field tree (0 = top). */
  readonly depth: number;
  /** The same field (by name) has another value at another encapsulation level of this packet. */
  readonly differs: boolean;
}

export interface ReportLayer {
  readonly proto: string;
  readonly name: string;
  readonly summary: string;
  readonly fields: readonly ReportField[];
}

/** One encapsulation level of a packet: level 0 is the outermost. */
export interface ReportLevel {
  readonly level: number;
  readonly title: string;
  readonly layers: readonly ReportLayer[];
}

export interface ReportPacket {
  /** 'capture#frame'. */
  readonly ref: string;
  readonly capture: string;
  readonly index: number;
  readonly frame: number;
  readonly time: string;
  readonly node: string | null;
  readonly interface: string | null;
  readonly length: number;
  readonly protocol: string;
  readonly info: string;
  /** Outer and inner headers side by side: one entry per encapsulation level. */
  readonly levels: readonly ReportLevel[];
  readonly anomalies: readonly string[];
  readonly annotations: readonly string[];
  /** Why the packet could not be shown decoded (capture changed, missing, unreadable), else null. */
  readonly unavailable: string | null;
}

export interface ReportClockOffset {
  readonly node: string;
  readonly reference: string;
  readonly offsetMs: number;
  /** Null when the method gives no bound (e.g. one-way estimates). */
  readonly uncertaintyMs: number | null;
  readonly samples: number;
  readonly method: string;
}

export interface ReportAnnotation {
  readonly id: string;
  readonly targetKind: 'packet' | 'flow' | 'hop' | 'element' | 'set';
  /** Human description of the target, e.g. 'packet node1-eth0.pcap#12'. */
  readonly target: string;
  readonly text: string;
  readonly tag: string | null;
  readonly severity: Severity;
  readonly source: 'user' | 'capture-comment';
  readonly created: string;
  readonly updated: string;
  /** False when its capture changed or went missing: the note is listed but not tied to a packet. */
  readonly attached: boolean;
}

/** A hop's Δ in ms for the renderers: '0.014', with '(0.012–0.016)' when two node clocks bound it, '?' when unknown. */
export function latencyCell(h: ReportHop): string {
  if (h.latencyMs === null) return h.index > 0 ? '?' : '';
  const r = h.latencyRangeMs;
  return r ? `${h.latencyMs.toFixed(3)} (${r[0].toFixed(3)}–${r[1] === null ? '?' : r[1].toFixed(3)})` : h.latencyMs.toFixed(3);
}

/** The column title of a journey's hop times: names the clock when every hop is on the same one. */
export function hopTimeTitle(hops: readonly ReportHop[]): string {
  const clocks = new Set(hops.map((h) => h.clock ?? null));
  const only = clocks.size === 1 ? [...clocks][0] : undefined;
  return only ? `Time (UTC, on ${only}'s clock)` : only === null ? 'Time (UTC, as captured)' : 'Time (UTC, corrected)';
}

/** A hop's corrected time for the renderers, with its clock named when the journey's hops are on different ones. */
export function hopTimeCell(h: ReportHop, hops: readonly ReportHop[], iso: (t: string) => string = (t) => t): string {
  const t = iso(h.correctedTime ?? h.time);
  if (new Set(hops.map((x) => x.clock ?? null)).size === 1) return t;
  return h.clock ? `${t} (on ${h.clock}'s clock)` : `${t} (as captured, clock offset unknown)`;
}

/**
 * A journey's hops in path order with the places it crossed only in pieces between them (each
 * after the hop it follows, before the first hop when `afterHop` is -1), for the hop tables.
 */
export function hopsAndPieces(j: ReportJourney): ({ hop: ReportHop } | { pieces: ReportOffloaded })[] {
  const pieces = j.offloaded ?? [];
  const at = (i: number) => pieces.filter((o) => o.afterHop === i).map((o) => ({ pieces: o }));
  return [
    ...at(-1),
    ...j.hops.flatMap((h) => [{ hop: h }, ...at(h.index)]),
    ...pieces.filter((o) => o.afterHop >= j.hops.length).map((o) => ({ pieces: o })),
  ];
}

/** The packets of an in-pieces place, short: 'a.pcap#4, a.pcap#5' or 'a.pcap#4 … a.pcap#8 (5 packets)'. */
export const piecesPackets = (o: ReportOffloaded): string =>
  o.packets.length <= 2 ? o.packets.join(', ') : `${o.packets[0]} … ${o.packets[o.packets.length - 1]} (${o.packets.length} packets)`;

/** A packet's or hop's time in a report when its capture recorded none (a pcapng Simple Packet Block). */
export const NO_TIMESTAMP = 'no timestamp';

/** A hop's offset from the journey's first timed hop for the renderers: '0.044', or 'no timestamp'. */
export function offsetCell(h: ReportHop): string {
  return h.offsetMs === null ? NO_TIMESTAMP : h.offsetMs.toFixed(3);
}

/** A clock offset's uncertainty for the renderers: '0.002', or why there is none. */
/** The offset a clock table shows: none for a node no packet ties to another's clock (it is not 0, it is unknown). */
export function clockOffsetCell(c: ReportClockOffset): string {
  return c.method === 'none' ? 'unknown' : c.offsetMs.toFixed(3);
}

/** The reference a clock table shows: none for a node that could not be timed. */
export function clockReferenceCell(c: ReportClockOffset): string {
  return c.method === 'none' ? '-' : c.reference;
}

export function uncertaintyCell(c: ReportClockOffset): string {
  if (c.uncertaintyMs !== null) return c.uncertaintyMs.toFixed(3);
  return c.method === 'one-way' ? 'not pinned down (packets one way only)' : c.method === 'reference' ? '0.000' : 'unknown';
}

/** A link as the report's tables list it: what it is, the labels of its ends, whether a note is on it. */
export interface ListedLink {
  readonly label: string;
  readonly between: string;
  readonly kind: ReportGraphEdge['kind'];
  readonly annotated: boolean;
}

/** The links the tables list: tunnels, services' backends, and the wires inside nodes that carry a note. */
export function listedLinks(g: ReportGraph): ListedLink[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const name = (id: string) => {
    const n = byId.get(id);
    const box = n?.parent ? byId.get(n.parent) : undefined;
    return n ? (box ? `${n.label} on ${box.label}` : n.label) : id;
  };
  return g.edges
    .filter((e) => e.kind !== 'wire' || e.annotated)
    .map((e) => ({ label: e.label || e.kind, between: `${name(e.source)} ⇄ ${name(e.target)}`, kind: e.kind, annotated: e.annotated }));
}
