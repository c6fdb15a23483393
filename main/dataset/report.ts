// The investigation report of an open dataset: the same report as for captures (main/report), built
// from the analysis the export wrote (model.json) and the journeys in journey_objects. The report's
// builder asks for journeys one at a time and without waiting; here they are fetched first, with one
// query per annotated packet, journey and flow, and handed over as maps. The session names packets by
// their capture's packets file (slot.ts); the report names captures as the analysis does, so the
// session's capture ids are translated before the report reads them. Annotated packets are decoded
// from the original captures where they are reachable (else the report says which file it could not
// read), with the "decode as" table the dataset was exported with.

import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ReportFormat } from '../../common/contract';
import { sessionOf, type SessionSnapshot } from '../backend/report-session';
import type { ReportAnalysis } from '../report/build';
import type { AnnotationTarget } from '../session/types';
import type { Journey } from '../topology/types';
import type { DatasetSource } from './app-source';

/** The snapshot with its capture ids as the dataset's analysis names them (its packets files stay its paths). */
function inAnalysisTerms(d: DatasetSource, s: SessionSnapshot): SessionSnapshot {
  const idOf = new Map<string, string>();
  for (const [sid, path] of Object.entries(s.paths)) {
    const i = d.files.findIndex((_, k) => d.packetsFile(k) === path);
    if (i >= 0) idOf.set(sid, d.files[i].id);
  }
  const id = (x: string) => idOf.get(x) ?? x;
  const target = (t: AnnotationTarget): AnnotationTarget =>
    t.kind === 'packet' || (t.kind === 'hop' && t.capture !== undefined) ? { ...t, capture: id(t.capture!) } : t;
  return {
    ...s,
    annotations: s.annotations.map((a) => ({ ...a, target: target(a.target) })),
    captures: s.captures.map((c) => ({ ...c, id: id(c.id) })),
    captureChecks: s.captureChecks.map((c) => ({ ...c, capture: id(c.capture) })),
    decodeAs: d.decodeAs.map((e) => ({ layer: e.layer, port: e.port, proto: e.proto })),
    paths: Object.fromEntries(Object.entries(s.paths).map(([k, v]) => [id(k), v])),
  };
}

/** The analysis as the report reads it, with the journeys the session's notes lead to fetched beforehand. */
async function reportAnalysis(d: DatasetSource, s: SessionSnapshot | null): Promise<ReportAnalysis> {
  const a = d.model?.analysis;
  if (!a)
    throw new Error(
      `This dataset holds no analysis (model.json): a report needs it. Export the whole set ('tunnelvision export --parquet DIR FILE...').`,
    );
  const key = (capture: string, index: number) => `${capture}\u0000${index}`;
  const byPacket = new Map<string, Journey | null>();
  const byId = new Map<number, Journey>();
  const flows = new Set<string>();
  const hopJourneys: number[] = [];
  const attached = new Set(s?.attached ?? []);
  for (const n of s?.annotations ?? []) {
    const t = n.target;
    if ((t.kind === 'packet' || t.kind === 'hop') && t.capture !== undefined && t.packet !== undefined) {
      if (!attached.has(n.id) || byPacket.has(key(t.capture, t.packet))) continue;
      const j = await d.journeyOfPacket(t.capture, t.packet);
      byPacket.set(key(t.capture, t.packet), j);
      if (j) {
        byId.set(j.id, j);
        flows.add(j.flow);
      }
    } else if (t.kind === 'hop') hopJourneys.push(Number(t.journey));
    else if (t.kind === 'flow') flows.add(t.flow);
  }
  for (const j of await d.journeysById(hopJourneys.filter((x) => !byId.has(x)))) {
    byId.set(j.id, j);
    flows.add(j.flow);
  }
  const byFlow = new Map<string, readonly Journey[]>();
  for (const f of flows) byFlow.set(f, await d.journeysOfFlow(f));
  // The original captures where they were found (relative paths resolved), as the report reads them again.
  const where = new Map(d.files.map((f) => [f.id, f.path]));
  return {
    ...a,
    captures: a.captures.map((c) => ({ ...c, path: where.get(c.id) ?? c.path })),
    journeysForFlow: (flow) => byFlow.get(flow) ?? [],
    journeyForPacket: (capture, index) => byPacket.get(key(capture, index)) ?? null,
    journeys: { get: (id) => byId.get(id) },
  };
}

/** Writes the report of dataset `d` with the notes of `session` to `path`. */
export async function writeDatasetReport(
  d: DatasetSource,
  format: ReportFormat,
  path: string,
  session: SessionSnapshot | null,
): Promise<{ name: string; packets: number }> {
  const s = session && inAnalysisTerms(d, session);
  const analysis = await reportAnalysis(d, s);
  mkdirSync(dirname(path), { recursive: true });
  const { writeReport } = await import('../report');
  const r = await writeReport(analysis, s && sessionOf(s), {
    format,
    out: path,
    title: `Tunnelvision: dataset ${basename(d.dir)}, ${analysis.captures.length} captures`,
  });
  return { name: `tunnelvision-report.${format}`, packets: r.packets ?? 0 };
}
