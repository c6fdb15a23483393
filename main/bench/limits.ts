// Hostile and oversized input (issue 13): the memory of `decode` writing into a pipe that a slow
// reader drains (against the same run into /dev/null), and the analysis of one journey of 200,000
// identical packets (a UDP flood with IP ID 0: every sighting is the same bytes), whose hops are
// ordered in n log n.

import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureSet } from '../topology/load';
import { analyze } from '../topology/analyze';
import { stampGrains } from '../topology/attribution';
import { hopOrder, type HopContext } from '../topology/hops';
import { udpFrame, writePcap } from './hostile';
import { measure, row } from './measure';
import type { BenchContext, BenchSection, StepReport } from './types';

const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));
const FLOOD = 200_000;

/** One UDP packet (Ethernet / IPv4 ID 0 / UDP, 60 bytes) written `count` times, 1 µs apart (cached). */
function ensureFlood(count: number): string {
  const dir = join(tmpdir(), 'tunnelvision-bench');
  const path = join(dir, `flood-${count}-v1.pcap`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writePcap(tmp, count, udpFrame(0));
  renameSync(tmp, path);
  return path;
}

async function flood(_capture: string, args: string[]): Promise<StepReport> {
  const path = ensureFlood(Number(args[0]));
  const t0 = performance.now();
  const set = await readCaptureSet([path]);
  const t1 = performance.now();
  const a = analyze(set.table, set.files, set.points, { overrides: set.overrides });
  const t2 = performance.now();
  // The hop order alone, on the whole flood as one journey (one capture point, no nodes known).
  const t = set.table;
  const ctx: HopContext = {
    t,
    ids: set.files.map((f) => f.id),
    points: set.points,
    nodeOfPoint: new Int32Array(set.points.length).fill(-1),
    nodes: [],
    offsetOfPoint: new Float64Array(set.points.length),
    nodeOfIp: new Map(),
    tooBig: new Map(),
    tunnelKindBetween: new Map(),
    underlayMtu: 1500,
    kindsPresent: new Set(),
    runSpan: [],
    grainOfPoint: stampGrains(t, set.points.length),
  };
  const rows = Array.from({ length: t.count }, (_, i) => i);
  const t3 = performance.now();
  const ordered = hopOrder(ctx)(rows);
  const t4 = performance.now();
  return {
    packets: t.count,
    bytes: statSync(path).size,
    ms: t2 - t0,
    extra: {
      'read ms': Math.round(t1 - t0),
      'analysis ms (hop order included)': Math.round(t2 - t1),
      journeys: a.journeys.count,
      'hop order of the 200k-hop journey, ms': Math.round(t4 - t3),
      'in order': String(ordered.every((r, i) => r === i)),
    },
  };
}

export const limitsSection: BenchSection = {
  id: 'limits',
  title: 'Hostile input: decode into a slow pipe, a journey of 200k identical packets (issue 13)',
  steps: { flood },
  async run(ctx: BenchContext): Promise<void> {
    const file = ctx.capture.path;
    const argv = [process.execPath, BIN, 'decode', '--format', 'jsonl', file];
    // jsonl: the largest output per packet. Into /dev/null, then into a pipe whose reader waits 5 s
    // before it reads anything, so the decoder must wait for it; head ends the run (EPIPE).
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const limit = Math.min(ctx.capture.packets, 100_000);
    const head = `${argv.map(q).join(' ')} | head -n ${limit}`;
    const fast = await measure(['bash', '-c', `${head} > /dev/null`]);
    ctx.out(row(`decode --format jsonl | head -n ${limit} > /dev/null`, limit, 0, fast.wallMs, fast.peakRss, `exit ${fast.exitCode}`));
    const slow = await measure(['bash', '-c', `${head} | (sleep 5; cat > /dev/null)`]);
    ctx.out(row('  the same into a reader that waits 5 s', limit, 0, slow.wallMs, slow.peakRss, `exit ${slow.exitCode}`));
    ensureFlood(FLOOD);
    const m = await ctx.step('limits.flood', [String(FLOOD)]);
    if (m.exitCode !== 0 || !m.report) {
      ctx.out(`flood FAILED (exit ${m.exitCode}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return;
    }
    const r = m.report;
    ctx.out(row(`${FLOOD} identical UDP packets (one journey)`, r.packets, r.bytes, r.ms, m.peakRss, ''));
    for (const [k, v] of Object.entries(r.extra ?? {})) ctx.out(`${''.padEnd(44)} ${k}: ${v}`);
  },
};
