// The cluster analysis of the open set, from the path finder (main/topology): captures attributed
// to nodes and interfaces, the cluster model, flows and journeys. It runs in a worker thread of its
// own (analysis-worker-main.ts), owned by the backend, over the store's own table (its columns
// shared, not copied: shared-table.ts), so the backend answers the list, the filter and the detail
// view while it runs. The analysis' data comes back once; what needs the analysis itself (the
// journeys of a packet or a flow, the reports) is asked of the worker, tagged with the run it
// belongs to. Cancelling stops the worker at once (the next run starts a fresh one); a worker that
// fails is named in the error, and the list keeps working without the analysis.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { ReportFormat } from '../../common/contract';
import type { PacketTable } from '../topology/table';
import type { AnalysisData, Journey } from '../topology/types';
import type { AnalysisInput, AnalysisRequest, AnalysisSetInput, Answer } from './analysis-run';
import type { SessionSnapshot } from './report-session';
import { shareTable } from './shared-table';

/**
 * The worker's entry: the tsx bootstrap when running from sources, the bundled file beside the
 * backend's otherwise (only the backend's entry imports this module, so its URL is that entry's).
 */
const fromSources = import.meta.url.endsWith('.ts');
export const ANALYSIS_WORKER = fileURLToPath(new URL(fromSources ? './analysis-worker.mjs' : './analysis-worker.js', import.meta.url));

/** A finished analysis as the backend sees it. */
export interface AnalysisHandle {
  readonly data: AnalysisData;
  /** The store's own table (the analysis ran on it): its point column gives each row's capture point. */
  readonly table: PacketTable;
  journeyForPacket(capture: string, index: number): Promise<Journey | null>;
  /** A flow's journeys in time order (1000 at most). */
  journeysForFlow(flow: string): Promise<readonly Journey[]>;
  /** Writes the report of this analysis (with the session's notes) to `path`. */
  writeReport(format: ReportFormat, path: string, title: string, session: SessionSnapshot | null): Promise<{ packets: number }>;
}

const MIB = 1 << 20;

export interface AnalysisWorkerOptions {
  /** The worker's entry (ANALYSIS_WORKER by default). */
  readonly file?: string;
  /** A finished analysis was lost (its worker failed afterwards): `why` names the worker and the cause. */
  readonly onLost: (why: string) => void;
}

/** The backend's analysis worker: one analysis at a time, the last one kept for the questions that need it. */
export class AnalysisWorker {
  private worker: Worker | null = null;
  private heapMb = 0;
  private nextId = 1;
  private run = 0;
  /** Run whose analysis the live worker holds, 0 for none. */
  private held = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(private readonly opts: AnalysisWorkerOptions) {}

  /**
   * Analyses the set in the worker; `heapMb` caps the worker's heap (past it the worker fails and
   * says so). Rejects when `signal` aborts (the worker is stopped at once) or the worker fails.
   */
  async analyse(d: AnalysisSetInput, signal: AbortSignal, heapMb: number): Promise<AnalysisHandle> {
    if (signal.aborted) throw new Error('cancelled');
    if (this.worker && this.heapMb !== heapMb) this.stop();
    this.heapMb = heapMb;
    const run = ++this.run;
    this.held = 0;
    const onAbort = () => this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const input: AnalysisInput = { ...d, table: await shareTable(d.table) };
      if (signal.aborted) throw new Error('cancelled');
      const data = (await this.call({ op: 'analyse', run, input })) as AnalysisData;
      this.held = run;
      return this.handle(run, data, d.table);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The analysis kept so far is of no use any more (another set is opened): the worker lets it go. */
  forget(): void {
    this.run++;
    this.held = 0;
    if (this.worker) void this.call({ op: 'forget' }).catch(() => undefined);
  }

  /** Stops the worker now (an analysis in progress ends; its callers hear 'cancelled'). */
  stop(): void {
    const w = this.worker;
    this.worker = null;
    this.held = 0;
    this.failPending(new Error('cancelled'));
    void w?.terminate();
  }

  private handle(run: number, data: AnalysisData, table: PacketTable): AnalysisHandle {
    const ask = (req: AnalysisRequest) =>
      this.held === run ? this.call(req) : Promise.reject(new Error('The cluster analysis was redone since: ask again.'));
    return {
      data,
      table,
      journeyForPacket: async (capture, index) => (await ask({ op: 'journeyForPacket', run, capture, index })) as Journey | null,
      journeysForFlow: async (flow) => (await ask({ op: 'journeysForFlow', run, flow, limit: 1000 })) as Journey[],
      writeReport: async (format, path, title, session) =>
        (await ask({ op: 'report', run, format, path, title, session })) as { packets: number },
    };
  }

  private call(req: AnalysisRequest): Promise<unknown> {
    const w = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, ...req });
    });
  }

  private failPending(e: Error): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const p of calls) p.reject(e);
  }

  private spawn(): Worker {
    const w = new Worker(this.opts.file ?? ANALYSIS_WORKER, {
      resourceLimits: Number.isFinite(this.heapMb) && this.heapMb > 0 ? { maxOldGenerationSizeMb: this.heapMb } : {},
    });
    w.unref();
    w.on('message', (m: Answer) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    const lost = (e: Error) => {
      if (this.worker !== w) return; // stopped on purpose, or told already (an error is followed by the exit)
      this.worker = null;
      this.failPending(e);
      if (this.held) {
        this.held = 0;
        this.opts.onLost(e.message);
      }
    };
    w.on('error', (e) => lost(new Error(`the analysis worker failed: ${e.message}`)));
    w.on('exit', (code) => lost(new Error(`the analysis worker stopped (exit code ${code})`)));
    return w;
  }
}

/** The analysis worker's heap limit for a set read within `maxMemoryBytes` (in MiB; 0 = Node's default). */
export const heapLimitMb = (maxMemoryBytes: number): number =>
  Number.isFinite(maxMemoryBytes) && maxMemoryBytes > 0 ? Math.max(64, Math.floor(maxMemoryBytes / MIB)) : 0;
