// Attribution as one weighed decision per question instead of rules tried in order. Every source
// that says something about a capture point (the user, pcapng/SLL interface names, file names,
// the traffic, the journeys, BGP) adds a claim: a value, a weight for how sure the source is, and
// the evidence. The value with the most weight wins; the winner cites every claim that agreed, and
// a claim that disagreed strongly is reported as a finding instead of silently dropped.

import type { AttributionSource, Evidence } from './types';

/** How sure each kind of source is. A user's word settles it; names beat the traffic's weaker hints. */
export const WEIGHT = {
  user: 100,
  /** An interface name only one side uses (cni0, flannel.1, veth*, cali*, lxc*), from pcapng/SLL. */
  recordedName: 8,
  /** The same from a file name. */
  fileName: 6,
  /** A name both a node and a pod netns use (eth0): says little about the kind. */
  ambiguousRecordedName: 3,
  ambiguousFileName: 2,
  /** The link type itself (raw IP, an ARPHRD of a tunnel): as sure as a name. */
  linkType: 9,
  /** Traffic that only one kind of interface carries (tunnel packets between node addresses). */
  strongTraffic: 7,
  traffic: 4,
  weakTraffic: 2,
} as const;

export interface Claim<T extends string = string> {
  readonly value: T;
  readonly weight: number;
  readonly source: AttributionSource;
  readonly evidence: Evidence;
  /** Other values the evidence fits as well (one pod's traffic is all a bridge holding only it carries): no conflict when one of them wins. */
  readonly alsoFits?: readonly T[];
}

export interface Decision<T extends string = string> {
  readonly value: T;
  /** Source of the heaviest claim for the value. */
  readonly source: AttributionSource;
  /** Claims that agree, heaviest first. */
  readonly support: readonly Claim<T>[];
  /** Claims for other values that were strong enough to report (weight >= CONFLICT_WEIGHT) and do not fit the winner too. */
  readonly against: readonly Claim<T>[];
}

/** A losing claim at least this heavy is a conflict worth a finding. */
export const CONFLICT_WEIGHT = WEIGHT.traffic;

/** The value with the most total weight (ties: the heaviest single claim, then the first added). */
export function decide<T extends string>(claims: readonly Claim<T>[]): Decision<T> | null {
  if (claims.length === 0) return null;
  const total = new Map<T, number>();
  const top = new Map<T, number>();
  for (const c of claims) {
    total.set(c.value, (total.get(c.value) ?? 0) + c.weight);
    top.set(c.value, Math.max(top.get(c.value) ?? 0, c.weight));
  }
  let best: T | null = null;
  for (const v of total.keys()) {
    if (best === null || total.get(v)! > total.get(best)! || (total.get(v) === total.get(best) && top.get(v)! > top.get(best)!)) best = v;
  }
  const support = claims.filter((c) => c.value === best).sort((a, b) => b.weight - a.weight);
  const against = claims.filter((c) => c.value !== best && c.weight >= CONFLICT_WEIGHT && !c.alsoFits?.includes(best!));
  return { value: best!, source: support[0].source, support, against };
}

/** A claim's evidence with the source and weight said in words, for the point's evidence list. */
export function cite(c: Claim): Evidence {
  return { ...c.evidence, reason: `${c.evidence.reason} [${c.source}, weight ${c.weight}]` };
}

/** A conflict in a sentence: what won, on what, and what disagreed. */
export function conflictText(subject: string, what: string, d: Decision): string {
  const against = d.against.map((c) => `${c.source} says ${c.value} (${c.evidence.reason})`).join('; ');
  return `${subject}: ${what} ${d.value} (${d.support[0].evidence.reason}), but ${against}`;
}
