// What the latencies and clock notes say on the kernel-made lab captures (cluster a, copied to a
// temporary folder): nanosecond captures time two sightings exactly, even at the same instant, while a
// microsecond capture leaves a sub-microsecond gap open; and a node whose clock is off by about the
// --max-skew window is said to be possibly beyond it, with a note that agrees with the latencies shown.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis, type Hop } from '../../main/topology';
import { captureFiles } from './lab';

const tmp = mkdtempSync(join(tmpdir(), 'tv-clock-notes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Each hop after the first, with the hop before it. */
function steps(a: Analysis): { prev: Hop; h: Hop }[] {
  const out: { prev: Hop; h: Hop }[] = [];
  for (let i = 0; i < a.journeys.count; i++) {
    const hops = a.journeys.get(i).hops;
    for (let k = 1; k < hops.length; k++) out.push({ prev: hops[k - 1], h: hops[k] });
  }
  return out;
}
const fileOf = (h: Hop) => h.point.split('#')[0];

/**
 * A capture's timestamp resolution, told apart without the product's reader: a pcap by its magic
 * number, a pcapng by tshark's reading (a sub-microsecond digit anywhere: nanosecond).
 */
function isNanosecond(file: string): boolean {
  const magic = readFileSync(file).readUInt32LE(0);
  if (magic === 0xa1b23c4d || magic === 0x4d3cb2a1) return true;
  if (magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1) return false;
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' });
  return /\.\d{6}[1-9]|\.\d{7}[1-9]|\.\d{8}[1-9]/.test(r.stdout);
}

describe('timestamp resolution on one node', () => {
  let a: Analysis;
  const nanosecond = new Set<string>();
  const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
  beforeAll(async () => {
    if (!haveTshark) return;
    const files: string[] = [];
    for (const p of captureFiles('a')) {
      const to = join(tmp, basename(p));
      copyFileSync(p, to);
      files.push(to);
      if (isNanosecond(to)) nanosecond.add(basename(p));
    }
    a = await loadCaptureSet(files);
  });

  it('two nanosecond sightings are exact, even at the same instant: no range, no microsecond note', (ctx) => {
    if (!haveTshark) ctx.skip(true, "tshark is not installed: the captures' timestamp resolution cannot be told apart");
    expect(nanosecond.has('a-node2.pcapng')).toBe(true);
    expect(nanosecond.has('a-node1-cni0.pcap')).toBe(false);
    const both = steps(a).filter(({ prev, h }) => prev.node === h.node && nanosecond.has(fileOf(prev)) && nanosecond.has(fileOf(h)));
    // The lab has such hops at 0 ns (a-node3 eth0 → flannel.1 among them): the case is exercised.
    const zero = both.filter(({ h }) => h.latencyNs === 0);
    expect(zero.length).toBeGreaterThan(0);
    for (const { prev, h } of both) {
      expect(h.latencyNs, `${prev.point} → ${h.point}`).toBe(h.correctedNs - prev.correctedNs);
      expect(h.latencyRangeNs, `${prev.point} → ${h.point}`).toBeUndefined();
      expect(h.latencyNote, `${prev.point} → ${h.point}`).toBeUndefined();
    }
  });

  it('two equal microsecond timestamps leave the gap open within a microsecond, and say so', (ctx) => {
    if (!haveTshark) ctx.skip(true, "tshark is not installed: the captures' timestamp resolution cannot be told apart");
    const micro = steps(a).filter(
      ({ prev, h }) => prev.node === h.node && !nanosecond.has(fileOf(prev)) && !nanosecond.has(fileOf(h)) && h.latencyNs === 0,
    );
    expect(micro.length).toBeGreaterThan(0);
    for (const { h } of micro) {
      expect(h.latencyRangeNs).toEqual([0, 999]);
      expect(h.latencyNote).toMatch(/microsecond timestamps/);
    }
  });
});

describe('a clock offset about as large as --max-skew', () => {
  const haveEditcap = spawnSync('editcap', ['-h'], { stdio: 'ignore' }).status === 0;
  const files: string[] = [];
  beforeAll(() => {
    if (!haveEditcap) return;
    const dir = mkdtempSync(join(tmp, 'shifted-'));
    for (const p of captureFiles('a')) {
      const to = join(dir, basename(p));
      if (basename(p).startsWith('a-node3-')) {
        const r = spawnSync('editcap', ['-F', 'pcap', '-t', '10', p, to], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      } else copyFileSync(p, to);
      files.push(to);
    }
  });

  it('10 s off with the default 10 s window: one-way, the note says the offset may exceed --max-skew and agrees with the hops', async (ctx) => {
    if (!haveEditcap) ctx.skip(true, 'editcap is not installed: the shifted captures cannot be made');
    const a = await loadCaptureSet(files);
    const o = a.clockOffsets.find((c) => c.node === 'a-node3')!;
    expect(o.method).toBe('one-way');
    expect(o.lowerNs).not.toBeNull();
    expect(o.lowerNs!).toBeGreaterThan(9.9e9);
    expect(o.note).toMatch(/may exceed it/);
    expect(o.note).toMatch(/raise --max-skew \(to 20000 ms/);
    expect(o.note).toMatch(/latencies from a-node3 to a-node1 are the least possible and any from a-node1 to a-node3 the most/);
    expect(o.note).not.toMatch(/latencies across it are the least possible/);
    // The hops a-node1 → a-node3 show the most their stamps allow, as the note says: the range's top
    // less at most a microsecond stamp's grain (the bound allows for it; the offset is the fastest
    // packet's own sample, so that packet never arrives before it was sent).
    const across = steps(a).filter(({ prev, h }) => prev.node === 'a-node1' && h.node === 'a-node3');
    expect(across.length).toBeGreaterThan(0);
    for (const { h } of across) {
      expect(h.latencyRangeNs).toBeDefined();
      expect(h.latencyRangeNs![1]).not.toBeNull();
      expect(h.latencyRangeNs![1]! - h.latencyNs!).toBeGreaterThanOrEqual(0);
      expect(h.latencyRangeNs![1]! - h.latencyNs!).toBeLessThanOrEqual(1000);
    }
  });

  it('with --max-skew 20000 the same offset is pinned down both ways, and nothing suggests raising it', async (ctx) => {
    if (!haveEditcap) ctx.skip(true, 'editcap is not installed: the shifted captures cannot be made');
    const a = await loadCaptureSet(files, { maxClockSkewMs: 20_000 });
    const o = a.clockOffsets.find((c) => c.node === 'a-node3')!;
    expect(o.method).toBe('two-way');
    expect(Math.abs(o.offsetNs - 10e9)).toBeLessThan(1e6);
    expect(o.note).not.toMatch(/--max-skew/);
  });
});
