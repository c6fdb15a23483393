// The cluster analysis of the open set, from the path finder (main/topology): captures attributed
// to nodes and interfaces, the cluster model, flows and journeys, and its per-packet table (whose
// capture-point column tells each row's node and interface, SLL2 `any` captures included).
// Reading and inferring are separate steps, so a user's correction of a capture's node or
// interface re-runs only the inference.
import { analyze, readCaptureSet, type Analysis, type CaptureSetData } from '../topology';
import type { AnalysisData, Journey, PointOverride } from '../topology/types';
import type { PacketTable } from '../topology/table';
import type { DecodeAsTable } from '../engine/decode/types';
import type { ReadLimits } from '../engine/readers/budget';

export interface AnalysisHandle {
  readonly data: AnalysisData;
  /** The analysis itself, for the reports. */
  readonly analysis: Analysis;
  /** Capture point of each row, in the same row order as the backend's store (files in order, records in file order). */
  readonly table: PacketTable;
  journeyForPacket(capture: string, index: number): Journey | null;
  journeysForFlow(flow: string): readonly Journey[];
}

/** `limits`: the same as the store's read, with at most the packets the store kept, so that both number the same rows. */
export function readSet(
  paths: readonly string[],
  signal: AbortSignal,
  decodeAs: DecodeAsTable,
  limits?: Partial<ReadLimits>,
): Promise<CaptureSetData> {
  return readCaptureSet(paths, { signal, ...(decodeAs.length ? { decodeAs } : {}), ...(limits ? { limits } : {}) });
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
