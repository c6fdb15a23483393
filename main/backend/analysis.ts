// The cluster analysis of the open set, from the path finder (main/topology): captures attributed
// to nodes and interfaces, the cluster model, flows and journeys, and its per-packet table (whose
// capture-point column tells each row's node and interface, SLL2 `any` captures included).
// It runs on the store's own table (one read per file serves the list and the analysis); reading
// and inferring are separate steps, so a user's correction of a capture's node or interface re-runs
// only the inference.
import { analyze, type Analysis, type CaptureSetData } from '../topology';
import type { AnalysisData, Journey, PointOverride } from '../topology/types';
import type { PacketTable } from '../topology/table';

export interface AnalysisHandle {
  readonly data: AnalysisData;
  /** The analysis itself, for the reports. */
  readonly analysis: Analysis;
  /** The store's own table (the analysis ran on it): its point column gives each row's capture point. */
  readonly table: PacketTable;
  journeyForPacket(capture: string, index: number): Journey | null;
  journeysForFlow(flow: string): readonly Journey[];
}

export function analyseSet(d: CaptureSetData, overrides: readonly PointOverride[]): AnalysisHandle {
  const a = analyze(d.table, d.files, d.points, { overrides: [...d.overrides, ...overrides], enrichment: d.enrichment, bgp: d.bgp });
  return {
    data: a.toJSON(),
    analysis: a,
    table: a.table,
    journeyForPacket: (capture, index) => a.journeyForPacket(capture, index),
    journeysForFlow: (flow) => a.journeysForFlow(flow, 1000),
  };
}
