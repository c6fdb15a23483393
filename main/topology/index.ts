// Public API of the capture-set analysis (no Electron, no UI: the CLI, the app, the browser-mode
// server and the reports all build on this).
//
//   const a = await loadCaptureSet(['node1-eth0.pcap', 'node1-cni0.pcap', 'node2-eth0.pcap', 'kubectl.json']);
//   a.captures / a.points      files and capture points (node, interface, kind, and where each came from)
//   a.model                    ClusterModel: nodes, bridges, veths, pods, tunnels, services (each fact with evidence)
//   a.flows                    bidirectional inner 5-tuple conversations (per direction, per capture point, TCP state)
//   a.journeys.get(id)         one packet followed hop by hop (a.journeys.count of them)
//   a.journeyForPacket(capture, index)   the journey of one packet (index 0-based, as RawPacket.index)
//   a.journeysForFlow(flowId)  the journeys of a flow (NAT peers have their own flow ids; see Flow.natPeers)
//   a.clockOffsets             each node's clock offset against the reference node, with uncertainty
//   a.findings                 drops, path gaps, NAT, MTU/fragmentation, checksum, TCP trouble, disagreements
//   a.toJSON()                 the serialisable AnalysisData (what crosses IPC)
//
// Attribution precedence per capture point: user override (LoadOptions.overrides or a CaptureSource's
// node/interface/kind) > pcapng if_name / SLL2 interface index > file name ('node1-docker0.pcap',
// 'node1_eth0.pcapng') > the traffic. Files whose content is kubectl JSON or a flannel subnet.env are
// taken as enrichment (names; disagreements become findings) instead of captures.
//
// A packet reference in text is 'capture#N' with N Wireshark's 1-based frame number
// (parsePacketRef / formatPacketRef); in the API PacketRef.index is 0-based.
//
// Journeys: hops are in path order (sender node first, then each node's own clock, then where the
// interface sits on the way out/in). Hop.correctedNs has the node's clock offset removed;
// Hop.latencyNs is from the previous hop; across two node clocks Hop.latencyRangeNs is the interval
// the clocks allow, and latencyNs is null (Hop.latencyNote says why) rather than negative when the
// correction cannot time the hop. Journey.status: 'delivered' (seen where the destination receives
// it, answered by the destination, or refused by it with ICMP port unreachable), 'dropped' (an ICMP
// error from a router or node quotes it, or a capture that was running where the path leads next did
// not see it: Journey.lastSeen is the drop location, the PathGap with a `point` names the capture that
// missed it), 'unknown' (destination not in the model or not captured, and nothing answered; or a
// multicast / link-local packet). Journey.verdict says which, in one sentence, with the quoting ICMP
// error or the answering packet. PathGap with point null: the path crosses a place nobody captured.
// ClockOffset.offsetNs = node clock - reference clock (subtract it); lowerNs / upperNs = the interval
// every matched packet allows for it (null on an unbounded side), uncertaintyNs = its half-width (null:
// packets one way only, pinned false and a note saying so).
// readCaptureSet(files) reads without inferring; analyze(d.table, d.files, d.points, { overrides,
// enrichment: d.enrichment, bgp: d.bgp }) runs the inference on it (again, e.g. after the user changed
// an attribution: no re-read needed). formatTopology / formatJourney give the CLI's text.
// journeys.ts, clock.ts, attribution.ts, model.ts, flows.ts, hops.ts hold the algorithms.

export type {
  AnalysisData,
  AttributionSource,
  Bridge,
  CaptureFile,
  CapturePoint,
  ClockOffset,
  ClusterModel,
  ClusterNode,
  DirectionStats,
  Encapsulation,
  Endpoint,
  Evidence,
  Finding,
  FindingCode,
  Flow,
  FlowCaptureStats,
  Hop,
  HopHeaders,
  InterfaceKind,
  Journey,
  JourneyStatus,
  JourneyVerdict,
  MtuIssue,
  NatRewrite,
  OffloadedHop,
  PacketRef,
  PathGap,
  Pod,
  PointOverride,
  QuotingIcmpError,
  Service,
  ServiceBackend,
  TcpState,
  Tunnel,
  TunnelType,
  VerdictCode,
  Veth,
} from './types';
export type { Analysis, AnalyzeOptions, FileDraft } from './analyze';
export { analyze } from './analyze';
export type { CaptureSource, CaptureSetData, LoadOptions, LoadProgress } from './load';
export { loadCaptureSet, loadEnrichment, readCaptureSet } from './load';
export type { Enrichment, EnrichNode, EnrichPod, EnrichService, EnrichEndpoints, SubnetEnv } from './enrich';
export { parseKubectlJson, parseSubnetEnv } from './enrich';
export { interfaceKindFromName, attributionFromFileName } from './naming';
export { PacketTable } from './table';
export type { PointDraft } from './attribution';
export { parseFlowSpec, matchesFlowSpec, flowsMatching, parsePacketRef, formatPacketRef, type FlowSpec } from './select';
export { formatTopology, formatJourney } from './text';
