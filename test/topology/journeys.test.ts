// Journeys, verdicts and clocks on the journeys lab (fixtures/journeys: a two-node flannel-UDP-like
// cluster made by the kernel, node 2's clock 1.25 s ahead): identical link-local packets from two
// hosts are not one packet, ICMP errors name why a packet went no further, answered packets are
// delivered, and the clock correction never makes a packet arrive before it was sent.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { consistentBounds, estimateClocks } from '../../main/topology/clock';
import type { JourneyIndex } from '../../main/topology/journeys';
import { PacketTable } from '../../main/topology/table';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'journeys', 'captures');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => join(DIR, f));
const SHIFT_NS = 1.25e9;

function all(a: Analysis): Journey[] {
  return Array.from({ length: a.journeys.count }, (_, k) => a.journeys.get(k));
}
const first = (j: Journey) => j.hops[0].headers;
const find = (a: Analysis, pred: (j: Journey) => boolean) => all(a).filter(pred);

/** Every latency shown is >= 0, and lies in its range when it has one. */
function expectCausal(a: Analysis): number {
  let crossed = 0;
  for (const j of all(a)) {
    for (const h of j.hops) {
      if (h.latencyNs !== null) expect(h.latencyNs, `journey ${j.id} hop ${h.index + 1}`).toBeGreaterThanOrEqual(0);
      if (h.latencyRangeNs && h.latencyNs !== null) {
        crossed++;
        expect(h.latencyRangeNs[0]).toBeLessThanOrEqual(h.latencyNs + 1e-6);
        if (h.latencyRangeNs[1] !== null) expect(h.latencyRangeNs[1]).toBeGreaterThanOrEqual(h.latencyNs - 1e-6);
      }
      if (h.index > 0 && h.latencyNs === null) expect(h.latencyNote, `journey ${j.id} hop ${h.index + 1}`).toBeTruthy();
    }
    expect(j.totalLatencyNs).toBeGreaterThanOrEqual(0);
  }
  return crossed;
}

describe('journeys lab', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(FILES);
  });

  it('identical router solicitations from two hosts are separate packets, never NAT', () => {
    const rs = find(a, (j) => first(j).protocol === 'icmpv6' && first(j).dst === 'ff02::2');
    expect(rs.length).toBeGreaterThan(2);
    for (const j of all(a)) expect(j.nat.filter((n) => n.before.src.startsWith('fe80') || n.before.dst.startsWith('ff'))).toEqual([]);
    for (const j of rs) {
      // One sender per journey: every sighting has the same source address.
      expect(new Set(j.hops.map((h) => h.headers.src)).size, `journey ${j.id}`).toBe(1);
      expect(j.verdict?.code).toBe('link-scope');
      expect(j.status).toBe('unknown');
      expect(j.gaps).toEqual([]);
    }
    // The two tun0 solicitations (the same bytes, a fraction of a second apart) stay apart.
    const tun = rs.filter((j) => j.hops.some((h) => h.interface === 'tun0'));
    expect(tun.length).toBe(2);
    expect(new Set(tun.map((j) => first(j).src)).size).toBe(2);
  });

  it('a ping that is answered is delivered at the destination pod', () => {
    const req = find(a, (j) => first(j).dst === '10.78.2.2' && /echo-request/.test(first(j).info) && j.hops.length > 4);
    expect(req.length).toBe(3);
    for (const j of req) {
      expect(j.status).toBe('delivered');
      expect(j.hops[j.hops.length - 1].interface).toBe('vethp2');
    }
  });

  it('ICMP errors quote the packet: no route, TTL exceeded, fragmentation needed and admin prohibited drop it; port unreachable from the destination is a refusal', () => {
    const byDst = (dst: string, pred: (j: Journey) => boolean) => find(a, (j) => first(j).dst === dst && pred(j));
    const noRoute = byDst('10.99.0.9', () => true);
    expect(noRoute).toHaveLength(1);
    expect(noRoute[0].status).toBe('dropped');
    expect(noRoute[0].verdict).toMatchObject({
      code: 'icmp-error',
      icmpError: { from: '10.78.1.1', name: 'net unreachable', node: 'node1' },
    });
    const icmp = (j: Journey) => j.verdict?.icmpError;
    const dropped = find(a, (j) => j.status === 'dropped');
    const names = dropped.map((j) => icmp(j)?.name).sort();
    expect(names).toEqual([
      'TTL exceeded in transit',
      'communication administratively prohibited',
      'fragmentation needed',
      'net unreachable',
    ]);
    const frag = dropped.find((j) => icmp(j)?.name === 'fragmentation needed')!;
    expect(icmp(frag)?.mtu).toBe(1472);
    expect(first(frag).length).toBe(1500);
    const prohibited = dropped.find((j) => icmp(j)?.name === 'communication administratively prohibited')!;
    expect(icmp(prohibited)).toMatchObject({ from: '10.78.2.0', node: 'node2' });
    expect(prohibited.lastSeen.node).toBe('node2');
    expect(prohibited.verdict?.reason).toMatch(/10\.78\.2\.0 answered ICMP communication administratively prohibited/);
    const refused = byDst('10.78.2.2', (j) => first(j).dstPort === 9998);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      status: 'delivered',
      verdict: { code: 'refused', icmpError: { name: 'port unreachable', from: '10.78.2.2' } },
    });
    // The reasons are findings too.
    expect(a.findings.filter((f) => f.code === 'dropped' && /answered ICMP/.test(f.message))).toHaveLength(4);
  });

  it("node 2's clock: 1.25 s ahead, pinned down by packets both ways, and no hop arrives before it left", () => {
    const o = a.clockOffsets.find((c) => c.node === 'node2')!;
    expect(o).toMatchObject({ method: 'two-way', pinned: true, reference: 'node1' });
    expect(Math.abs(o.offsetNs - SHIFT_NS)).toBeLessThan(100_000);
    expect(o.lowerNs!).toBeLessThanOrEqual(o.offsetNs);
    expect(o.upperNs!).toBeGreaterThanOrEqual(o.offsetNs);
    expect(o.uncertaintyNs).toBeCloseTo((o.upperNs! - o.lowerNs!) / 2, 3);
    expect(expectCausal(a)).toBeGreaterThan(10);
  });
});

describe('clock bounds', () => {
  it('contradicting samples: the fewest are set aside', () => {
    // Upper bounds 10, 12, 15 and lower bounds 5, 8 agree; a lower bound of 20 contradicts them all.
    expect(consistentBounds({ upper: [10, 12, 15], lower: [5, 8, 20] })).toEqual({ lower: 8, upper: 10, dropped: 1 });
    expect(consistentBounds({ upper: [10], lower: [] })).toEqual({ lower: Number.NEGATIVE_INFINITY, upper: 10, dropped: 0 });
  });
});

describe('journeys lab, packets one way only', () => {
  const haveTcpdump = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
  let tmp = '';
  let a: Analysis | null = null;
  beforeAll(async () => {
    if (!haveTcpdump) return;
    tmp = mkdtempSync(join(tmpdir(), 'tv-oneway-'));
    // Keep only what node 1 sends to node 2 (and each node's local traffic): nothing says how far
    // node 2's clock is ahead, only how far it can be at most.
    const files: string[] = [];
    for (const f of FILES) {
      const out = join(tmp, f.slice(f.lastIndexOf('/') + 1));
      const r = spawnSync(
        'tcpdump',
        [
          '-r',
          f,
          '-w',
          out,
          'not (udp port 8285 and src host 192.168.78.2) and not (src net 10.78.2.0/24 and dst net 10.78.1.0/24) and not (src host 10.78.2.0)',
        ],
        { stdio: 'ignore' },
      );
      if (r.status !== 0) throw new Error(`tcpdump failed on ${f}`);
      files.push(out);
    }
    a = await loadCaptureSet(files);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the offset is not pinned down: said so, with its one bound, and latencies are bounds, never negative', (ctx) => {
    if (!haveTcpdump) ctx.skip(true, 'tcpdump is not installed: the one-way capture set cannot be cut');
    const o = a!.clockOffsets.find((c) => c.node === 'node2')!;
    expect(o.method).toBe('one-way');
    expect(o.pinned).toBe(false);
    expect(o.uncertaintyNs).toBeNull();
    expect(o.lowerNs).toBeNull();
    expect(o.upperNs).not.toBeNull();
    expect(o.note).toMatch(/not pinned down/);
    // An upper bound: packets from the reference to node 2, whose latencies are then the least possible.
    expect(o.note).toMatch(
      new RegExp(`one way only \\(${o.reference} to node2\\).*latencies from ${o.reference} to node2 are the least possible`),
    );
    // 1.25 s is far inside the 10 s window: nothing suggests raising --max-skew.
    expect(o.note).not.toMatch(/--max-skew/);
    // The offset chosen is the least correction that keeps every packet causal: at the bound, less
    // the microsecond stamp's grain the bound allows for (the fastest packet's own stamps).
    expect(o.upperNs! - o.offsetNs).toBeGreaterThanOrEqual(0);
    expect(o.upperNs! - o.offsetNs).toBeLessThanOrEqual(1000);
    expect(a!.findings.some((f) => f.code === 'clock-offset' && /not pinned down/.test(f.message))).toBe(true);
    expectCausal(a!);
    const ranged = all(a!)
      .flatMap((j) => j.hops.map((h) => ({ h, prev: j.hops[h.index - 1] })))
      .filter((x) => x.h.latencyRangeNs);
    const cross = ranged.filter((x) => x.prev && x.prev.node !== x.h.node).map((x) => x.h);
    expect(cross.length).toBeGreaterThan(0);
    for (const h of cross) {
      expect(h.latencyRangeNs![1]).toBeNull();
      expect(h.latencyNote).toMatch(/not pinned down/);
    }
    // On one node's clock a range only says a microsecond timestamp cannot order the two sightings.
    for (const { h } of ranged.filter((x) => x.prev && x.prev.node === x.h.node)) {
      expect(h.latencyNote).toMatch(/microsecond timestamps/);
      expect(h.latencyRangeNs![1]).toBeLessThan(1000);
    }
    // Node 2 only receives here, so the traffic does not show its pod block; the pings were still
    // seen on the destination pod's veth: delivered.
    const pings = find(a!, (j) => first(j).dst === '10.78.2.2' && /echo-request/.test(first(j).info) && j.hops.length > 4);
    expect(pings).toHaveLength(3);
    for (const j of pings) expect(j).toMatchObject({ status: 'delivered', verdict: { code: 'reached-destination' } });
  });
});

describe('clock offsets from one-way constraints (three clocks)', () => {
  // Packets with known one-way delays between three clocks, in a table as the reader fills it:
  // A-B asymmetric (50 µs one way, 10 µs back), B-C symmetric, A-C one way only and fast. Chaining
  // A-B's middle with B-C would make the A-C packets arrive before they left; the joint solution
  // must keep every packet causal.
  const theta = [0, 1_000_000, -500_000]; // true clock offsets (ns) of A, B, C
  const links: [number, number, number][] = [
    [0, 1, 50_000],
    [1, 0, 10_000],
    [1, 2, 10_000],
    [2, 1, 10_000],
    [0, 2, 5_000],
  ];
  function build(): { t: PacketTable; j: JourneyIndex } {
    const t = new PacketTable();
    const rows: number[] = [];
    const start: number[] = [];
    let now = 1e9;
    for (let rep = 0; rep < 5; rep++) {
      for (const [x, y, delay] of links) {
        now += 1e6;
        start.push(rows.length);
        for (const [d, at, ttl] of [
          [x, now, 64],
          [y, now + delay + rep * 1000, 63],
        ] as const) {
          const r = t.count++;
          t.point[r] = d;
          t.tNs[r] = at + theta[d];
          t.innerTtl[r] = ttl;
          rows.push(r);
        }
      }
    }
    const journeyOfRow = new Int32Array(t.count);
    start.forEach((s, k) => {
      journeyOfRow[rows[s]] = k;
      journeyOfRow[rows[s + 1]] = k;
    });
    return { t, j: { count: start.length, rows: Uint32Array.from(rows), start: Uint32Array.from([...start, rows.length]), journeyOfRow } };
  }

  it('every packet stays causal, each offset lies in its interval, and the intervals hold the truth', () => {
    const { t, j } = build();
    const est = estimateClocks({ table: t, journeys: j, domainOfPoint: [0, 1, 2], domains: 3, reference: 0, senderDomain: () => -1 });
    const off = est.offsets.map((o) => o.offsetNs);
    for (let k = 0; k < j.count; k++) {
      const a = j.rows[j.start[k]];
      const b = j.rows[j.start[k] + 1];
      expect(t.tNs[b] - off[t.point[b]] - (t.tNs[a] - off[t.point[a]]), `packet ${k}`).toBeGreaterThanOrEqual(0);
    }
    for (const d of [1, 2]) {
      const o = est.offsets[d];
      expect(o.method).toBe('two-way');
      expect(o.lowerNs!).toBeLessThanOrEqual(theta[d]);
      expect(o.upperNs!).toBeGreaterThanOrEqual(theta[d]);
      expect(o.offsetNs).toBeGreaterThanOrEqual(o.lowerNs!);
      expect(o.offsetNs).toBeLessThanOrEqual(o.upperNs!);
    }
    // A-C: bounded by the direct packets and by the chain through B.
    const [lo, hi] = est.interval(0, 2);
    expect(hi).toBeLessThanOrEqual(theta[2] + 5_000);
    expect(lo).toBeGreaterThanOrEqual(theta[2] - 20_000 - 1);
    expect(est.outliers).toBe(0);
  });

  it('a packet matched wrongly (arriving long before it left) is set aside, not believed', () => {
    const { t, j } = build();
    // One A -> B sighting made 3 ms early: it contradicts the other packets' bounds.
    t.tNs[j.rows[1]] -= 3e6;
    const est = estimateClocks({ table: t, journeys: j, domainOfPoint: [0, 1, 2], domains: 3, reference: 0, senderDomain: () => -1 });
    expect(est.outliers).toBe(1);
    expect(Math.abs(est.offsets[1].offsetNs - theta[1])).toBeLessThan(50_000);
  });
});
