// Clock offsets between nodes (clock domains), NTP-style, from packets seen on both sides.
//
// A packet that leaves node A and arrives at node B gives, with raw timestamps, tB - tA = d + θ
// where θ = clock(B) - clock(A) and d >= 0 is the one-way delay: so θ <= tB - tA. A packet from B
// to A gives θ >= tB - tA. Over all journeys the offset lies in [max lower, min upper]; the middle
// is the estimate and the half-width its uncertainty (request/response pairs make both bounds).
// Captures on one node share a clock: domains are nodes (a capture with no node is its own domain).
// Offsets are chained from the reference domain along the pairs with the smallest uncertainty.

import type { JourneyIndex } from './journeys';
import type { PacketTable } from './table';

export interface DomainOffset {
  /** Domain clock minus reference clock, ns. */
  offsetNs: number;
  uncertaintyNs: number | null;
  samples: number;
  method: 'reference' | 'two-way' | 'one-way' | 'none';
  /** The domain this offset is relative to: the reference of its connected group of domains. */
  reference: number;
}

export interface ClockInput {
  readonly table: PacketTable;
  readonly journeys: JourneyIndex;
  /** Clock domain of each capture point. */
  readonly domainOfPoint: ArrayLike<number>;
  readonly domains: number;
  /** Preferred reference; domains not connected to it get the first domain of their group. */
  readonly reference: number;
  /**
   * Domain that sent the journey's packet when the traffic says so (outer source address of a
   * tunnel hop is that node's underlay IP), else -1: then inner TTL decides (higher TTL = earlier).
   */
  readonly senderDomain: (row: number) => number;
}

interface PairBounds {
  lower: number;
  upper: number;
  nLower: number;
  nUpper: number;
}

/** Pairwise bounds between every two domains a journey crosses (a before b: upper; b before a: lower). */
export function pairBounds(inp: ClockInput): Map<number, PairBounds> {
  const { table: t, journeys: j, domainOfPoint } = inp;
  const D = inp.domains;
  const pairs = new Map<number, PairBounds>();
  const first = new Float64Array(D);
  const last = new Float64Array(D);
  const maxTtl = new Int16Array(D);
  const minTtl = new Int16Array(D);
  const seen: number[] = [];
  const mark = new Int32Array(D).fill(-1);
  for (let k = 0; k < j.count; k++) {
    const s = j.start[k];
    const e = j.start[k + 1];
    if (e - s < 2) continue;
    seen.length = 0;
    let sender = -1;
    for (let i = s; i < e; i++) {
      const r = j.rows[i];
      const d = domainOfPoint[t.point[r]];
      const tt = t.tNs[r];
      const ttl = t.innerTtl[r];
      if (mark[d] !== k) {
        mark[d] = k;
        seen.push(d);
        first[d] = tt;
        last[d] = tt;
        maxTtl[d] = ttl;
        minTtl[d] = ttl;
      } else {
        if (tt < first[d]) first[d] = tt;
        if (tt > last[d]) last[d] = tt;
        if (ttl > maxTtl[d]) maxTtl[d] = ttl;
        if (ttl < minTtl[d]) minTtl[d] = ttl;
      }
      if (sender < 0) sender = inp.senderDomain(r);
    }
    if (seen.length !== 2) continue; // a packet crosses one pair of nodes; more is ambiguous
    let [a, b] = seen;
    let aFirst: boolean | null = null;
    if (sender === a) aFirst = true;
    else if (sender === b) aFirst = false;
    else if (maxTtl[a] > maxTtl[b] && minTtl[a] >= minTtl[b]) aFirst = true;
    else if (maxTtl[b] > maxTtl[a] && minTtl[b] >= minTtl[a]) aFirst = false;
    else if (minTtl[a] > minTtl[b] && maxTtl[a] >= maxTtl[b]) aFirst = true;
    else if (minTtl[b] > minTtl[a] && maxTtl[b] >= maxTtl[a]) aFirst = false;
    if (aFirst === null) continue;
    if (a > b) {
      [a, b] = [b, a];
      aFirst = !aFirst;
    }
    const key = a * D + b;
    let p = pairs.get(key);
    if (!p) {
      p = { lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY, nLower: 0, nUpper: 0 };
      pairs.set(key, p);
    }
    // θ = clock(b) - clock(a)
    if (aFirst) {
      p.upper = Math.min(p.upper, first[b] - last[a]);
      p.nUpper++;
    } else {
      p.lower = Math.max(p.lower, last[b] - first[a]);
      p.nLower++;
    }
  }
  return pairs;
}

/** Offsets of every domain relative to the reference (Dijkstra on uncertainty). */
export function estimateOffsets(inp: ClockInput): DomainOffset[] {
  const D = inp.domains;
  const pairs = pairBounds(inp);
  type Edge = { to: number; theta: number; unc: number | null; samples: number; twoWay: boolean };
  const adj: Edge[][] = Array.from({ length: D }, () => []);
  for (const [key, p] of pairs) {
    const a = Math.floor(key / D);
    const b = key % D;
    let theta: number;
    let unc: number | null;
    const twoWay = p.nLower > 0 && p.nUpper > 0;
    if (twoWay) {
      theta = (p.lower + p.upper) / 2;
      unc = Math.abs(p.upper - p.lower) / 2;
    } else if (p.nUpper > 0) {
      theta = p.upper;
      unc = null;
    } else {
      theta = p.lower;
      unc = null;
    }
    const samples = p.nLower + p.nUpper;
    adj[a].push({ to: b, theta, unc, samples, twoWay });
    adj[b].push({ to: a, theta: -theta, unc, samples, twoWay });
  }
  const out: DomainOffset[] = Array.from({ length: D }, (_, d) => ({ offsetNs: 0, uncertaintyNs: null, samples: 0, method: 'none' as const, reference: d }));
  const cost = new Float64Array(D).fill(Number.POSITIVE_INFINITY);
  const done = new Uint8Array(D);
  if (inp.reference < 0 || inp.reference >= D) return out;
  // Edge weight: uncertainty; one-way edges cost a large constant so two-way paths win.
  const ONE_WAY = 1e12;
  // One Dijkstra per connected group of domains (two clusters in one set have no packet in common).
  const roots = [inp.reference, ...Array.from({ length: D }, (_, d) => d).filter((d) => d !== inp.reference)];
  for (const root of roots) {
    if (done[root] || (root !== inp.reference && adj[root].length === 0)) continue;
    cost[root] = 0;
    out[root] = { offsetNs: 0, uncertaintyNs: 0, samples: 0, method: 'reference', reference: root };
    for (;;) {
      let u = -1;
      for (let i = 0; i < D; i++) if (!done[i] && cost[i] < Number.POSITIVE_INFINITY && (u < 0 || cost[i] < cost[u])) u = i;
      if (u < 0) break;
      done[u] = 1;
      for (const e of adj[u]) {
        if (done[e.to]) continue;
        const w = cost[u] + (e.unc ?? ONE_WAY);
        if (w < cost[e.to]) {
          cost[e.to] = w;
          const base = out[u];
          const twoWay = e.twoWay && (base.method === 'reference' || base.method === 'two-way');
          out[e.to] = {
            offsetNs: base.offsetNs + e.theta,
            uncertaintyNs: twoWay && e.unc !== null && base.uncertaintyNs !== null ? base.uncertaintyNs + e.unc : null,
            samples: e.samples,
            method: twoWay ? 'two-way' : 'one-way',
            reference: root,
          };
        }
      }
    }
  }
  return out;
}
