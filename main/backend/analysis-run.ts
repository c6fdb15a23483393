// What the analysis worker runs, and the messages it answers (analysis.ts sends them). Kept apart
// from analysis.ts, which spawns the worker and is imported by the backend's entry alone.
import type { ReportFormat } from '../../common/contract';
import { analyze, type Analysis, type CaptureSetData } from '../topology';
import type { PacketTable } from '../topology/table';
import type { AnalysisData, Finding } from '../topology/types';
import type { SessionSnapshot } from './report-session';
import type { SharedTable } from './shared-table';

/** What one analysis is run on: the read set, the user's corrections, and findings of the reading to add. */
export interface AnalysisSetInput<T = PacketTable> extends Omit<CaptureSetData, 'table'> {
  readonly table: T;
  /** Findings about the reading itself (what a limit left out), added to the analysis'. */
  readonly findings: readonly Finding[];
}
/** The input as a message: the table's columns shared. */
export type AnalysisInput = AnalysisSetInput<SharedTable>;

export type AnalysisRequest =
  | { op: 'analyse'; run: number; input: AnalysisInput }
  | { op: 'journeyForPacket'; run: number; capture: string; index: number }
  | { op: 'journeysForFlow'; run: number; flow: string; limit: number }
  | { op: 'report'; run: number; format: ReportFormat; path: string; title: string; session: SessionSnapshot | null }
  | { op: 'forget' };
/** The worker's answer to request `id`. */
export type Answer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The analysis, in the thread that runs it: analyze() plus the reading's own findings. */
export function analyseLocally(d: AnalysisSetInput): Analysis {
  const a = analyze(d.table, d.files, d.points, { overrides: d.overrides, enrichment: d.enrichment, bgp: d.bgp });
  if (!d.findings.length) return a;
  const findings = [...a.findings, ...d.findings];
  const data: AnalysisData = { ...a.toJSON(), findings };
  return { ...a, findings, toJSON: () => data };
}
