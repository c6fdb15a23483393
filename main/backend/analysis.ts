// The cluster analysis of the open set, from the path finder (main/topology): captures attributed
// to nodes and interfaces, the cluster model, flows and journeys, and its per-packet table (whose
// capture-point column tells each row's node and interface, SLL2 `any` captures included).
import { loadCaptureSet, type Analysis } from '../topology';
import type { AnalysisData, Journey, PointOverride } from '../topology/types';
import type { PacketTable } from '../topology/table';

export interface AnalysisHandle {
  readonly data: AnalysisData;
  /** The analysis itself, for the reports. */
  readonly analysis: Analysis;
  /** Capture point of each row, in the same row order as the backend's store (files in order, records in file order). */
  readonly table: PacketTable;
  journeyForPacket(capture: string, index: number): Journey | null;
  journeysForFlow(flow: string): readonly Journey[];
}

export async function analyse(paths: readonly string[], overrides: readonly PointOverride[], signal: AbortSignal): Promise<AnalysisHandle> {
  const a: Analysis = await loadCaptureSet(paths, { overrides, signal });
  return {
    data: a.toJSON(),
    analysis: a,
    table: a.table,
    journeyForPacket: (capture, index) => a.journeyForPacket(capture, index),
    journeysForFlow: (flow) => a.journeysForFlow(flow, 1000),
  };
}
