// Entry of the analysis worker: the backend's thread of its own for the cluster analysis, so the
// backend keeps answering the list, the filter and the detail view while it runs. It analyses the
// table the backend filled (its columns shared, see shared-table.ts), keeps the Analysis, and answers
// what needs it: the journeys of a packet or a flow, and the reports (built here, beside the
// journeys they show). The backend posts {id, ...AnalysisRequest}; the worker answers
// {id, ok, result} or {id, ok: false, error}. Requests of an analysis the backend has since
// replaced are refused (each names its run).
import { parentPort } from 'node:worker_threads';
import type { Analysis } from '../topology';
import { BgpCollector } from '../topology/calico/bgp-routes';
import { EvidenceAcc } from '../topology/evidence';
import { analyseLocally, type AnalysisInput, type AnalysisRequest } from './analysis-run';
import { sessionOf } from './report-session';
import { tableOf } from './shared-table';

const port = parentPort;
if (!port) throw new Error('analysis-worker-main must run in a worker thread');

let current: { run: number; analysis: Analysis } | null = null;

/** Class instances lose their prototypes in a message: the BGP collector (and its evidence) gets them back. */
function reviveBgp(x: AnalysisInput['bgp']): BgpCollector {
  const b = Object.setPrototypeOf(x, BgpCollector.prototype) as BgpCollector;
  const maps = b as unknown as { prefixRows: Map<unknown, EvidenceAcc>; speakerRows: Map<unknown, EvidenceAcc> };
  for (const m of [maps.prefixRows, maps.speakerRows]) for (const v of m.values()) Object.setPrototypeOf(v, EvidenceAcc.prototype);
  return b;
}

function analysisOf(run: number): Analysis {
  if (current?.run !== run) throw new Error('the cluster analysis was redone since: ask again');
  return current.analysis;
}

async function handle(m: AnalysisRequest): Promise<unknown> {
  switch (m.op) {
    case 'analyse': {
      current = null;
      const { input } = m;
      const a = analyseLocally({ ...input, table: tableOf(input.table), bgp: reviveBgp(input.bgp) });
      current = { run: m.run, analysis: a };
      return a.toJSON();
    }
    case 'forget':
      current = null;
      return null;
    case 'journeyForPacket':
      return analysisOf(m.run).journeyForPacket(m.capture, m.index);
    case 'journeysForFlow':
      return analysisOf(m.run).journeysForFlow(m.flow, m.limit);
    case 'report': {
      const a = analysisOf(m.run);
      const { writeReport } = await import('../report');
      const r = await writeReport(a, m.session && sessionOf(m.session), { format: m.format, out: m.path, title: m.title });
      return { packets: r.packets ?? 0 };
    }
  }
}

port.on('message', (m: AnalysisRequest & { id: number }) => {
  handle(m).then(
    (result) => port.postMessage({ id: m.id, ok: true, result }),
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
