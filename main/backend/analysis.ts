// The cluster analysis of the open set, from the path finder (main/topology): captures attributed
// to nodes and interfaces, the cluster model, flows and journeys.
import type { AnalysisData, Journey, PointOverride } from '../topology/types';

export interface AnalysisHandle {
  readonly data: AnalysisData;
  journeyForPacket(capture: string, index: number): Journey | null;
  journeysForFlow(flow: string): readonly Journey[];
}

export async function analyse(_paths: readonly string[], _overrides: readonly PointOverride[], _signal: AbortSignal): Promise<AnalysisHandle> {
  throw new Error('the cluster analysis (main/topology loadCaptureSet) is not available in this build');
}
