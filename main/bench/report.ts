// Reports and sessions (issue 6): the annotated pcapng export streamed over the whole benchmark capture
// (bounded memory whatever its size), and an atomic session save/reopen with 10,000 annotations.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAnnotatedPcapng } from '../report/annotated-pcapng';
import { SessionStore } from '../session';
import { row } from './measure';
import type { BenchContext, BenchSection, StepReport } from './types';

const NOTES = 10_000;

/** Every packet of the capture re-written as pcapng, one packet in 1000 carrying a note. */
async function pcapng(capturePath: string): Promise<StepReport> {
  const dir = mkdtempSync(join(tmpdir(), 'tv-bench-report-'));
  try {
    const session = await SessionStore.open(join(dir, 'bench.tvsession'), { autosaveMs: -1 });
    await session.setCaptures([capturePath]);
    const id = session.captures[0].id;
    for (let i = 0; i < 1000; i++)
      session.addAnnotation({ target: { kind: 'packet', capture: id, packet: i * 1000 }, text: `note ${i}`, severity: 'info' });
    const out = join(dir, 'out.pcapng');
    const t0 = performance.now();
    const r = await writeAnnotatedPcapng({ captures: [{ id, path: capturePath }], points: [] }, session, out);
    const ms = performance.now() - t0;
    return { packets: r.packets, bytes: statSync(out).size, ms, extra: { comments: r.comments } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A session with NOTES annotations: atomic save (write, fsync, rename, fsync folder) and reopen. */
async function session(capturePath: string): Promise<StepReport> {
  const dir = mkdtempSync(join(tmpdir(), 'tv-bench-session-'));
  try {
    const file = join(dir, 'bench.tvsession');
    const store = await SessionStore.open(file, { autosaveMs: -1 });
    await store.setCaptures([capturePath]);
    const id = store.captures[0].id;
    for (let i = 0; i < NOTES; i++)
      store.addAnnotation({
        target: { kind: 'packet', capture: id, packet: i },
        text: `retransmission seen here, note ${i}`,
        severity: 'warning',
        tag: 'tcp',
      });
    const t0 = performance.now();
    await store.save();
    const saveMs = performance.now() - t0;
    const t1 = performance.now();
    const again = await SessionStore.open(file, { autosaveMs: -1 });
    const openMs = performance.now() - t1;
    return {
      packets: again.annotations.length,
      bytes: statSync(file).size,
      ms: saveMs,
      extra: { 'save ms': saveMs.toFixed(1), 'reopen ms (hash check included)': openMs.toFixed(1) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const reportSection: BenchSection = {
  id: 'report',
  title: 'Reports and sessions (issue 6)',
  steps: { pcapng, session },
  async run(ctx: BenchContext): Promise<void> {
    const m = await ctx.step('report.pcapng');
    if (m.exitCode !== 0 || !m.report) {
      ctx.out(`annotated pcapng export FAILED (exit ${m.exitCode}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    } else {
      ctx.out(
        row(
          'annotated pcapng export (all packets)',
          m.report.packets,
          m.report.bytes,
          m.report.ms,
          m.peakRss,
          `${m.report.extra?.comments} comments`,
        ),
      );
    }
    const s = await ctx.step('report.session');
    if (s.exitCode !== 0 || !s.report) {
      ctx.out(`session save FAILED (exit ${s.exitCode}): ${s.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return;
    }
    const r = s.report;
    ctx.out(
      `session with ${r.packets} annotations (${(r.bytes / 1048576).toFixed(1)} MB): atomic save ${r.extra?.['save ms']} ms, reopen ${r.extra?.['reopen ms (hash check included)']} ms (includes hashing the capture)`,
    );
  },
};
