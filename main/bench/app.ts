// What users wait for (issue 12): the app's own path through its backend worker, as the UI drives
// it: open a set -> first rows listed -> all rows listed -> analysis done, with peak memory, on the
// 1M-packet capture (one file) and on an 8-capture set of as many packets; `tshark -r` and
// `tcpdump -nn -r` read the same files in the same run. Then the one-thread fill of the packet table
// (read + decode + columns, no UI) and its bytes per packet. TUNNELVISION_BENCH_10M=1 adds the
// 8-capture set of 10M packets (about 7 GB of captures, generated once).
// Goals: 1M packets listed in < 1 s and analysed in < 3 s; >= 2.4M packets/s on one thread;
// <= 32 bytes per packet; 10M packets open within 2 GB and analysed in < 30 s.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../backend/client';
import { PacketStore } from '../backend/store';
import { analyseLocally } from '../backend/analysis-run';
import { readCaptureSet } from '../topology/load';
import { ensureTopologySet } from './topology';
import { fmt, haveCommand, row, type Measured } from './measure';
import type { BenchContext, BenchSection, StepReport } from './types';

const TEN_M = 10_000_000;
const POLL_MS = 5;

/** In the child: opens `paths` in a backend worker, as the UI does, and times each stage the user sees. */
async function open(_capture: string, paths: string[]): Promise<StepReport> {
  const temp = mkdtempSync(join(tmpdir(), 'tunnelvision-bench-app-'));
  const b = startBackend({ shell: 'browser', recentFile: null, tempDir: temp, sessionDir: join(temp, 'sessions') });
  try {
    await b.getState(); // the worker is started and its modules loaded before the clock starts
    const t0 = performance.now();
    await b.openCaptures({ paths, append: false });
    let firstRows = NaN;
    let allRows = NaN;
    let slowestAnswer = 0;
    /** The slowest answer while the files are read, and while the set is analysed (the analysis runs in its own worker). */
    const slowestIn: Record<string, number> = { loading: 0, analysing: 0 };
    let phase = 'loading';
    let packets = 0;
    for (let i = 0; ; i++) {
      const q0 = performance.now();
      const s = await b.getState();
      // A page of the list at every look, as a user scrolling while the set is read and analysed.
      const offset = Number.isNaN(firstRows) ? 0 : (i * 5000) % Math.max(1, s.totalPackets);
      const page = await b.queryPackets({ filter: '', element: null, sort: 'no', descending: false, offset, limit: 50, locate: 0 });
      if (Number.isNaN(firstRows) && page.rows.length > 0) firstRows = performance.now() - t0;
      const took = performance.now() - q0;
      slowestAnswer = Math.max(slowestAnswer, took);
      if (s.phase in slowestIn) slowestIn[s.phase] = Math.max(slowestIn[s.phase], took);
      phase = s.phase;
      packets = s.totalPackets;
      // Every capture read (the backend then waits for the list's first page before analysing).
      const read = s.captures.length > 0 && s.captures.every((c) => c.status !== 'waiting' && c.status !== 'loading');
      if (Number.isNaN(allRows) && (read || (s.phase !== 'loading' && s.phase !== 'idle'))) allRows = performance.now() - t0;
      if (s.phase !== 'loading' && s.phase !== 'analysing') break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const done = performance.now() - t0;
    return {
      packets,
      bytes: paths.reduce((n, p) => n + statSync(p).size, 0),
      ms: done,
      extra: {
        firstRows,
        allRows,
        analysed: done,
        phase,
        slowestAnswer,
        slowestReading: slowestIn.loading,
        slowestAnalysing: slowestIn.analysing,
      },
    };
  } finally {
    await b.close();
    rmSync(temp, { recursive: true, force: true });
  }
}

/** In the child: the packet table filled on this thread alone (read + decode + columns), its size, then the analysis of it. */
async function fill(_capture: string, paths: string[]): Promise<StepReport> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const s = await PacketStore.readAll(
    paths.map((path) => ({ path, name: path })),
    { threads: 1 },
  );
  const cpu = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  const a0 = performance.now();
  const a = analyseLocally({ ...(await s.setData()), findings: [] });
  const analysisMs = performance.now() - a0;
  return {
    packets: s.count,
    bytes: paths.reduce((n, p) => n + statSync(p).size, 0),
    ms,
    extra: {
      // CPU time (user + system, every thread of the process) beside the wall time: on a shared machine
      // the wall time counts the waits for a core, the CPU time what the fill itself costs.
      cpuMs: (cpu.user + cpu.system) / 1000,
      loadAverage: loadavg()[0],
      'bytes/packet': s.bytesPerPacket(),
      analysisMs,
      journeys: a.journeys.count,
    },
  };
}

/** In the child: the same table filled by the command line's read, the files in threads (one per core). */
async function fillThreads(_capture: string, paths: string[]): Promise<StepReport> {
  const t0 = performance.now();
  const d = await readCaptureSet(paths);
  return {
    packets: d.table.count,
    bytes: paths.reduce((n, p) => n + statSync(p).size, 0),
    ms: performance.now() - t0,
    extra: { threads: Math.min(availableParallelism(), paths.length) },
  };
}

const num = (m: Measured, k: string): number => Number(m.report?.extra?.[k] ?? NaN);
const secs = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
const goal = (ok: boolean, what: string): string => `${what}: ${ok ? 'met' : 'NOT met'}`;

async function measureSet(ctx: BenchContext, label: string, paths: string[], packets: number): Promise<void> {
  const out = ctx.out;
  const bytes = paths.reduce((n, p) => n + statSync(p).size, 0);
  out('');
  out(`-- ${label}: ${paths.length} file${paths.length > 1 ? 's' : ''}, ${fmt.int(packets)} packets, ${fmt.mb(bytes)} --`);
  const m = await ctx.step('app.open', paths);
  if (m.exitCode !== 0 || !m.report) {
    out(`open FAILED (exit ${m.exitCode}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return;
  }
  const first = num(m, 'firstRows');
  const all = num(m, 'allRows');
  const done = num(m, 'analysed');
  const share = (ms: number) => `${((100 * ms) / done).toFixed(0)}%`;
  out(
    row('app: open -> analysis done (backend worker)', m.report.packets, bytes, done, m.peakRss, `phase ${String(m.report.extra?.phase)}`),
  );
  out(`${''.padEnd(44)} first rows   ${secs(first).padStart(8)}  (${share(first)})   ${goal(first < 1000, 'goal < 1 s')}`);
  out(`${''.padEnd(44)} all rows     ${secs(all).padStart(8)}  (+${secs(all - first)}, ${share(all - first)})`);
  out(
    `${''.padEnd(44)} analysed     ${secs(done).padStart(8)}  (+${secs(done - all)}, ${share(done - all)})   ${goal(done < 3000, 'goal < 3 s')}`,
  );
  out(
    `${''.padEnd(44)} slowest answer to a state + page call: ${secs(num(m, 'slowestAnswer'))} (while reading ${secs(num(m, 'slowestReading'))}, while analysing ${secs(num(m, 'slowestAnalysing'))})`,
  );
  out(`${''.padEnd(44)} peak memory ${fmt.mb(m.peakRss)} = ${(m.peakRss / packets).toFixed(0)} bytes/packet`);
  const f = await ctx.step('app.fill', paths);
  if (f.exitCode === 0 && f.report) {
    const bpp = num(f, 'bytes/packet');
    out(row('packet table fill, one thread (no UI)', f.report.packets, bytes, f.report.ms, f.peakRss, ''));
    const pps = f.report.packets / (f.report.ms / 1000);
    const cpuPps = f.report.packets / (num(f, 'cpuMs') / 1000);
    out(
      `${''.padEnd(44)} ${fmt.int(cpuPps)} packets per CPU-second (CPU ${secs(num(f, 'cpuMs'))}, load average ${num(f, 'loadAverage').toFixed(1)})`,
    );
    out(
      `${''.padEnd(44)} ${goal(pps >= 2.4e6, 'goal >= 2.4M packets/s')} (${fmt.x(pps / 2.4e6)} of it; per CPU-second ${fmt.x(cpuPps / 2.4e6)})`,
    );
    out(`${''.padEnd(44)} table: ${bpp} bytes/packet   ${goal(bpp <= 32, 'goal <= 32')}`);
    const am = num(f, 'analysisMs');
    out(`${''.padEnd(44)} analysis of the filled table alone: ${secs(am)} (${fmt.int(num(f, 'journeys'))} journeys)`);
    ctx.figures.set(`app.${label}.fillPps`, pps);
    ctx.figures.set(`app.${label}.fillCpuPps`, cpuPps);
  } else out(`fill FAILED (exit ${f.exitCode}): ${f.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  if (paths.length > 1) {
    const ft = await ctx.step('app.fillThreads', paths);
    if (ft.exitCode === 0 && ft.report) {
      const pps = ft.report.packets / (ft.report.ms / 1000);
      out(row(`packet table fill, ${num(ft, 'threads')} threads (CLI, export)`, ft.report.packets, bytes, ft.report.ms, ft.peakRss, ''));
      ctx.figures.set(`app.${label}.fillThreadsPps`, pps);
    } else out(`threaded fill FAILED (exit ${ft.exitCode}): ${ft.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const each = (cmd: string) => ['sh', '-c', paths.map((p) => `${cmd} ${q(p)}`).join('; ')];
  const tshark = haveCommand('tshark') ? await ctx.command(each('tshark -n -r')) : null;
  const tcpdump = haveCommand('tcpdump') ? await ctx.command(each('tcpdump -nn -r')) : null;
  const ref = (name: string, r: Measured | null): void => {
    if (!r) return out(`${name.padEnd(44)} (not installed)`);
    out(row(name, packets, bytes, r.wallMs, r.peakRss, ''));
    const vs = (ms: number) => (r.wallMs >= ms ? `${fmt.x(r.wallMs / ms)} sooner` : `${fmt.x(ms / r.wallMs)} later`);
    out(`${''.padEnd(44)} the app, against this tool's whole run: first rows ${vs(first)}, all rows ${vs(all)}, analysis done ${vs(done)}`);
  };
  ref('tshark -n -r (text, to /dev/null)', tshark);
  ref('tcpdump -nn -r (text, to /dev/null)', tcpdump);
}

export const appSection: BenchSection = {
  id: 'app',
  title: "What users wait for: the app's open -> first rows -> all rows -> analysis (issue 12)",
  steps: { open, fill, fillThreads },
  async run(ctx: BenchContext): Promise<void> {
    const n = ctx.capture.packets;
    ctx.out(
      'times from the open call on a started backend worker; the state and a page of the list are asked for every 5 ms, as a UI would',
    );
    await measureSet(ctx, 'one file', [ctx.capture.path], n);
    await measureSet(ctx, '8-capture set', ensureTopologySet(n, ctx.out), n);
    if (process.env.TUNNELVISION_BENCH_10M === '1') await measureSet(ctx, '8-capture set, 10M', ensureTopologySet(TEN_M, ctx.out), TEN_M);
    else ctx.out('\n(10M packets: set TUNNELVISION_BENCH_10M=1; about 7 GB of captures are generated once)');
  },
};
