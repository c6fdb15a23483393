// Clock offsets between nodes (clock domains), from what the matched packets allow: a packet cannot
// arrive before it was sent.
//
// θ_d is domain d's clock minus the reference clock. A packet seen last on domain a at raw time tA and
// then first on domain b at tB gives tB - θ_b >= tA - θ_a, i.e. θ_b - θ_a <= tB - tA: one difference
// constraint per packet and ordered pair of domains it crosses. Which domain saw it first comes from
// the traffic (the outer source of a tunnel hop is the sender's underlay address) or from the inner
// TTL (it only decreases along the path); a journey whose order the traffic does not tell gives none.
// All constraints together are a system of difference constraints: the feasible set of every pair
// θ_b - θ_a is [-dist(b, a), dist(a, b)] where dist is the shortest path in the constraint graph
// (Floyd-Warshall: domains are nodes, a handful to a few hundred). Packets matched wrongly, or two
// captures of one "node" that do not share a clock, make the system infeasible: per pair, the
// smallest set of samples whose removal makes it consistent is set aside (and counted); a cycle of
// pairs that still contradicts itself drops its weakest pair.
// Each domain's offset is then chosen inside its feasible interval, most tightly bounded first, each
// choice narrowing the others' intervals, so the chosen offsets satisfy every constraint kept:
// corrected hop latencies between two nodes are never negative for those packets. With bounds on
// both sides the choice is the middle (NTP's estimate) and the half-width its uncertainty; with a
// bound on one side only the offset is not pinned down: the bound is taken (latencies the way the
// packets went are then the least possible, any the other way the most, and the note says which);
// with none it is unknown. The interval itself is reported, so the UI can say how sure it is.

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
  /** Interval the packets allow for the offset, before any other offset was chosen (null: unbounded). */
  lowerNs: number | null;
  upperNs: number | null;
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
  /**
   * Each domain's timestamp grain in ns (1000 where its captures stamp whole microseconds, 1 for
   * nanoseconds; absent: 1). A stamp T says the packet passed in [T, T + grain): every bound on an
   * offset is that much looser, so microsecond captures never pin an offset below a microsecond.
   */
  readonly grainOfDomain?: ArrayLike<number>;
}

export interface ClockEstimate {
  readonly offsets: DomainOffset[];
  /**
   * Interval [lo, hi] the packets allow for θ_b - θ_a (±Infinity when unbounded), before any offset
   * was chosen: the uncertainty of a latency measured from a hop on a to a hop on b.
   */
  interval(a: number, b: number): readonly [number, number];
  /** Samples set aside because they contradicted the others (mismatched packets, mixed clocks). */
  readonly outliers: number;
  /** Pairs of domains whose packets contradicted each other beyond repair (dropped). */
  readonly inconsistentPairs: readonly (readonly [number, number])[];
}

/** Samples between two domains a < b: upper bounds of θ_b - θ_a (a before b) and lower bounds (b before a). */
export interface PairSamples {
  readonly upper: number[];
  readonly lower: number[];
}

/** Longest time one packet is taken to spend on one node (user-space forwarders included). */
export const MAX_NODE_SPAN_NS = 200e6;

/**
 * The one-way samples of every pair of domains a journey crosses. With two domains the sender (or
 * TTL) says which came first; with more, every pair whose TTLs tell their order gives a sample.
 */
export function pairSamples(inp: ClockInput): Map<number, PairSamples> {
  const { table: t, journeys: j, domainOfPoint } = inp;
  const D = inp.domains;
  const pairs = new Map<number, PairSamples>();
  const first = new Float64Array(D);
  const last = new Float64Array(D);
  const maxTtl = new Int16Array(D);
  const minTtl = new Int16Array(D);
  const seen: number[] = [];
  const mark = new Int32Array(D).fill(-1);
  const grain = (d: number) => (inp.grainOfDomain ? inp.grainOfDomain[d] : 0);
  const add = (x: number, y: number) => {
    // x was crossed before y: θ_y - θ_x <= first[y] - last[x], and y's stamp may be up to its grain early.
    const a = Math.min(x, y);
    const b = Math.max(x, y);
    const key = a * D + b;
    let p = pairs.get(key);
    if (!p) pairs.set(key, (p = { upper: [], lower: [] }));
    if (x === a) p.upper.push(first[b] - last[a] + grain(b));
    else p.lower.push(last[b] - first[a] - grain(a));
  };
  // x before y by TTL: x's TTLs are all at least y's and not all equal.
  const ttlBefore = (x: number, y: number) =>
    (maxTtl[x] > maxTtl[y] && minTtl[x] >= minTtl[y]) || (minTtl[x] > minTtl[y] && maxTtl[x] >= maxTtl[y]);
  for (let k = 0; k < j.count; k++) {
    const s = j.start[k];
    const e = j.start[k + 1];
    if (e - s < 2) continue;
    seen.length = 0;
    let sender = -1;
    for (let i = s; i < e; i++) {
      const r = j.rows[i];
      if (t.noTime[r]) continue; // a record with no timestamp says nothing of the clocks
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
    if (seen.length < 2) continue;
    // The same bytes sent again seconds later (a router solicitation repeated every 4 s, a
    // retransmission) can fall in one first-pass journey; one packet crosses a node in far less
    // than this, so such a journey says nothing about the clocks.
    if (seen.some((d) => last[d] - first[d] > MAX_NODE_SPAN_NS)) continue;
    if (seen.length === 2) {
      const [a, b] = seen;
      if (sender === a || (sender !== b && ttlBefore(a, b))) add(a, b);
      else if (sender === b || ttlBefore(b, a)) add(b, a);
      continue;
    }
    // Three or more domains (a NodePort client, a hop through a gateway node): the tunnel's sender
    // need not be the first, so only the TTL orders them.
    for (let x = 0; x < seen.length; x++) {
      for (let y = x + 1; y < seen.length; y++) {
        if (ttlBefore(seen[x], seen[y])) add(seen[x], seen[y]);
        else if (ttlBefore(seen[y], seen[x])) add(seen[y], seen[x]);
      }
    }
  }
  return pairs;
}

/**
 * Tightest bounds of a pair that agree with each other: when some upper bound lies below some lower
 * bound, the fewest samples are set aside so that the rest agree (the cut maximises the samples kept).
 */
export function consistentBounds(p: PairSamples): { lower: number; upper: number; dropped: number } {
  const up = [...p.upper].sort((x, y) => x - y);
  const lo = [...p.lower].sort((x, y) => x - y);
  const upper0 = up.length ? up[0] : Number.POSITIVE_INFINITY;
  const lower0 = lo.length ? lo[lo.length - 1] : Number.NEGATIVE_INFINITY;
  if (lower0 <= upper0) return { lower: lower0, upper: upper0, dropped: 0 };
  // A cut θ keeps uppers >= θ and lowers <= θ; try θ at every sample value.
  let best = { kept: -1, lower: lower0, upper: upper0 };
  for (const th of [...up, ...lo]) {
    const keptUp = up.filter((u) => u >= th);
    const keptLo = lo.filter((l) => l <= th);
    const kept = keptUp.length + keptLo.length;
    if (kept > best.kept) {
      best = {
        kept,
        lower: keptLo.length ? keptLo[keptLo.length - 1] : Number.NEGATIVE_INFINITY,
        upper: keptUp.length ? keptUp[0] : Number.POSITIVE_INFINITY,
      };
    }
  }
  return { lower: best.lower, upper: best.upper, dropped: up.length + lo.length - best.kept };
}

const INF = Number.POSITIVE_INFINITY;

function floydWarshall(dist: Float64Array, D: number): boolean {
  for (let k = 0; k < D; k++) {
    for (let i = 0; i < D; i++) {
      const ik = dist[i * D + k];
      if (ik === INF) continue;
      for (let j = 0; j < D; j++) {
        const v = ik + dist[k * D + j];
        if (v < dist[i * D + j]) dist[i * D + j] = v;
      }
    }
  }
  for (let i = 0; i < D; i++) if (dist[i * D + i] < 0) return false;
  return true;
}

/** Offsets of every domain relative to its group's reference, inside what every kept packet allows. */
export function estimateClocks(inp: ClockInput): ClockEstimate {
  const all = inp.domains;
  const samples = pairSamples(inp);
  // Only domains some packet relates are solved for (Floyd-Warshall is cubic in their number).
  const ids: number[] = [];
  const idx = new Int32Array(all).fill(-1);
  const use = (d: number) => {
    if (idx[d] < 0) {
      idx[d] = ids.length;
      ids.push(d);
    }
    return idx[d];
  };
  if (inp.reference >= 0 && inp.reference < all) use(inp.reference);
  for (const key of samples.keys()) {
    use(Math.floor(key / all));
    use(key % all);
  }
  const D = ids.length;
  let outliers = 0;
  const bounds = new Map<number, { lower: number; upper: number; n: number }>();
  for (const [key, p] of samples) {
    const b = consistentBounds(p);
    outliers += b.dropped;
    const a = idx[Math.floor(key / all)];
    const c = idx[key % all];
    // Compact keys keep a < c: ids were numbered in order of first use, so orient the bounds.
    if (a < c) bounds.set(a * D + c, { lower: b.lower, upper: b.upper, n: p.upper.length + p.lower.length - b.dropped });
    else bounds.set(c * D + a, { lower: -b.upper, upper: -b.lower, n: p.upper.length + p.lower.length - b.dropped });
  }
  const inconsistentPairs: [number, number][] = [];
  const build = (): Float64Array => {
    const dist = new Float64Array(D * D).fill(INF);
    for (let i = 0; i < D; i++) dist[i * D + i] = 0;
    for (const [key, b] of bounds) {
      const a = Math.floor(key / D);
      const c = key % D;
      // θ_c - θ_a <= upper: edge a -> c; θ_a - θ_c <= -lower: edge c -> a.
      if (b.upper < dist[a * D + c]) dist[a * D + c] = b.upper;
      if (-b.lower < dist[c * D + a]) dist[c * D + a] = -b.lower;
    }
    return dist;
  };
  let dist = build();
  // A cycle of pairs that contradicts itself: drop the pair with the fewest samples until none is left.
  while (!floydWarshall(dist, D)) {
    let weakest = -1;
    let n = INF;
    for (const [key, b] of bounds)
      if (b.n < n) {
        n = b.n;
        weakest = key;
      }
    if (weakest < 0) break;
    bounds.delete(weakest);
    inconsistentPairs.push([ids[Math.floor(weakest / D)], ids[weakest % D]]);
    dist = build();
  }
  const feasible = dist.slice();
  const samplesOf = new Float64Array(D);
  const adj: number[][] = Array.from({ length: D }, () => []);
  for (const [key, b] of bounds) {
    const a = Math.floor(key / D);
    const c = key % D;
    samplesOf[a] += b.n;
    samplesOf[c] += b.n;
    adj[a].push(c);
    adj[c].push(a);
  }
  const out: DomainOffset[] = Array.from({ length: D }, (_, d) => ({
    offsetNs: 0,
    uncertaintyNs: null,
    samples: 0,
    method: 'none' as const,
    reference: ids[d],
    lowerNs: null,
    upperNs: null,
  }));
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  const done = new Uint8Array(D);
  // The preferred reference is compact index 0 when given.
  const ref0 = inp.reference >= 0 && inp.reference < all ? 0 : -1;
  const roots = ref0 === 0 ? Array.from({ length: D }, (_, d) => d) : [];
  for (const root of roots) {
    if (done[root]) continue;
    // The connected group of domains around root.
    const group: number[] = [root];
    done[root] = 1;
    for (let i = 0; i < group.length; i++)
      for (const c of adj[group[i]])
        if (!done[c]) {
          done[c] = 1;
          group.push(c);
        }
    out[root] = { offsetNs: 0, uncertaintyNs: 0, samples: 0, method: 'reference', reference: ids[root], lowerNs: 0, upperNs: 0 };
    if (group.length === 1) {
      if (root !== ref0) out[root] = { ...out[root], method: 'none', uncertaintyNs: null, lowerNs: null, upperNs: null };
      continue;
    }
    const R = root;
    for (const d of group) {
      if (d === R) continue;
      const lo = -feasible[d * D + R];
      const hi = feasible[R * D + d];
      const two = Number.isFinite(lo) && Number.isFinite(hi);
      out[d] = {
        offsetNs: 0,
        uncertaintyNs: two ? (hi - lo) / 2 : null,
        samples: samplesOf[d],
        method: two ? 'two-way' : Number.isFinite(lo) || Number.isFinite(hi) ? 'one-way' : 'none',
        reference: ids[R],
        lowerNs: fin(lo),
        upperNs: fin(hi),
      };
    }
    const grainOf = (d: number) => (inp.grainOfDomain ? inp.grainOfDomain[ids[d]] : 0);
    // Choose offsets, narrowest interval first; each choice narrows the rest (O(D^2) per choice).
    const open = new Set(group.filter((d) => d !== R));
    while (open.size > 0) {
      let pick = -1;
      let width = INF;
      for (const d of open) {
        const w = dist[R * D + d] + dist[d * D + R];
        if (pick < 0 || w < width) {
          pick = d;
          width = w;
        }
      }
      open.delete(pick);
      const lo = -dist[pick * D + R];
      const hi = dist[R * D + pick];
      let v: number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) v = (lo + hi) / 2;
      // One side only: the bound itself. It is the offset at which the fastest packet took no time,
      // within that packet's real one-way delay of the truth (microseconds in a cluster), whereas
      // leaving the clock uncorrected can be seconds off. None: no correction.
      // A bound from microsecond stamps is loosened by the later stamp's grain (see pairSamples): the
      // offset is taken where the fastest packet took no time by its stamps, a grain inside the bound,
      // so the bound stays a bound and that packet does not arrive before it was sent.
      else v = Number.isFinite(hi) ? hi - grainOf(pick) : Number.isFinite(lo) ? lo + grainOf(R) : 0;
      out[pick].offsetNs = v;
      dist[R * D + pick] = v;
      dist[pick * D + R] = -v;
      for (let i = 0; i < D; i++) {
        const iR = dist[i * D + R];
        const iP = dist[i * D + pick];
        for (let j = 0; j < D; j++) {
          const via = Math.min(iR + v + dist[pick * D + j], iP - v + dist[R * D + j]);
          if (via < dist[i * D + j]) dist[i * D + j] = via;
        }
      }
    }
  }
  const offsets: DomainOffset[] = Array.from({ length: all }, (_, d) =>
    idx[d] >= 0
      ? out[idx[d]]
      : {
          offsetNs: 0,
          uncertaintyNs: null,
          samples: 0,
          method: 'none' as const,
          reference: d,
          lowerNs: null,
          upperNs: null,
        },
  );
  return {
    offsets,
    interval: (a, b) => {
      if (a === b) return [0, 0];
      const x = idx[a];
      const y = idx[b];
      if (x < 0 || y < 0) return [Number.NEGATIVE_INFINITY, INF];
      return [-feasible[y * D + x], feasible[x * D + y]];
    },
    outliers,
    inconsistentPairs,
  };
}

/** Offsets only (see estimateClocks). */
export function estimateOffsets(inp: ClockInput): DomainOffset[] {
  return estimateClocks(inp).offsets;
}

/** A clock found beyond the first pass's window: the offset and how many packets show it. */
export interface FarOffset {
  /** Domain clock minus the reference clock of `against`'s group, ns (its sightings' median). */
  readonly offsetNs: number;
  readonly samples: number;
  /** Of how many packets seen on both. */
  readonly of: number;
  readonly against: number;
}

/** How far sightings of one packet on two clocks may stray from their median and still agree. */
const FAR_AGREE_NS = 50e6;

/**
 * Domains the packets left unrelated (no sample within the first pass's window) whose packets are
 * nonetheless seen on a related domain at one constant offset beyond that window: a clock set that
 * far off. Sightings of one key are compared across domains whatever their times; a key seen more
 * than once on a domain (a repeat) says nothing. At least 3 packets, 80% of those seen on both,
 * must agree within 50 ms; the offset is their median against the related domain's reference.
 */
export function farOffsets(
  inp: Pick<ClockInput, 'table' | 'domainOfPoint' | 'domains'> & {
    readonly groups: { readonly groups: number; readonly rows: Uint32Array; readonly gStart: Uint32Array };
    readonly offsets: readonly DomainOffset[];
    readonly windowNs: number;
    /** Rows that never tell one packet from another (link-scope: the same bytes from several hosts). */
    readonly skip: (row: number) => boolean;
  },
): Map<number, FarOffset> {
  const { table: t, domainOfPoint, offsets } = inp;
  const lonely = (d: number) => offsets[d]?.method === 'none' && offsets[d].reference === d;
  const related = (d: number) => offsets[d] !== undefined && !lonely(d);
  const out = new Map<number, FarOffset>();
  // Every clock related to another (the usual case): nothing to look for.
  if (!offsets.some((_, d) => lonely(d)) || !offsets.some((_, d) => related(d))) return out;
  const diffs = new Map<number, { against: number; ns: number }[]>();
  const first = new Map<number, number>();
  const count = new Map<number, number>();
  for (let g = 0; g < inp.groups.groups; g++) {
    const s = inp.groups.gStart[g];
    const e = inp.groups.gStart[g + 1];
    if (e - s < 2) continue;
    first.clear();
    count.clear();
    let skip = false;
    for (let i = s; i < e && !skip; i++) {
      const r = inp.groups.rows[i];
      skip = inp.skip(r);
      const d = domainOfPoint[t.point[r]];
      const f = first.get(d);
      if (f !== undefined && Math.abs(t.tNs[r] - f) > MAX_NODE_SPAN_NS) skip = true; // a repeat
      first.set(d, f === undefined ? t.tNs[r] : Math.min(f, t.tNs[r]));
      count.set(d, (count.get(d) ?? 0) + 1);
    }
    if (skip || first.size < 2) continue;
    for (const [d, fd] of first) {
      if (!lonely(d)) continue;
      for (const [o, fo] of first) {
        if (o === d || !related(o)) continue;
        const list = diffs.get(d) ?? diffs.set(d, []).get(d)!;
        list.push({ against: o, ns: fd - (fo - offsets[o].offsetNs) });
      }
    }
  }
  for (const [d, list] of diffs) {
    const sorted = list.map((x) => x.ns).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const agree = list.filter((x) => Math.abs(x.ns - median) <= FAR_AGREE_NS);
    if (agree.length < 3 || agree.length < 0.8 * list.length || Math.abs(median) <= inp.windowNs) continue;
    out.set(d, { offsetNs: median, samples: agree.length, of: list.length, against: offsets[agree[0].against].reference });
  }
  return out;
}
