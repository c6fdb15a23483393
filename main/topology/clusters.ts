// Two clusters' captures opened as one set (by mistake): their nodes' underlay addresses fall in
// groups that never exchange a tunnel packet, and something only one node of one cluster can own
// (a VTEP MAC, a pod address) is sent from both groups. Said once, with the packets that show it.
import { ip4ToString, macToString } from './addr';
import { DST_KEY, type TunnelFacts } from './attribution';
import { EvidenceAcc, evidence } from './evidence';
import type { PacketTable } from './table';
import type { Evidence } from './types';

/** Examples of a clash named in the message (the rest are counted). */
const SHOWN = 3;

/**
 * The finding's text and packets (`found`: what it found, without what to do), and each node address's group (-1: none), when the tunnel packets of the set form two or more groups of node
 * addresses (no tunnel packet between them) that share a VTEP MAC or encapsulate the same pod
 * address; null otherwise. Groups alone are no sign (the pods captured may only talk in pairs of
 * nodes); one MAC or one pod on two nodes that never talk is.
 */
export function unconnectedClusters(
  t: PacketTable,
  ids: readonly string[],
  facts: TunnelFacts,
): { evidence: Evidence; found: string; groupOf: (ip: number) => number } | null {
  const parent = new Map<number, number>();
  const root = (a: number): number => {
    let x = a;
    while (parent.get(x) !== x) x = parent.get(x) ?? x;
    parent.set(a, x);
    return x;
  };
  const add = (a: number) => parent.has(a) || parent.set(a, a);
  for (const p of facts.pairs.values()) {
    add(p.src);
    add(p.dst);
    const [x, y] = [root(p.src), root(p.dst)];
    if (x !== y) parent.set(x, y);
  }
  const groups = new Map<number, number[]>();
  for (const a of parent.keys()) (groups.get(root(a)) ?? groups.set(root(a), []).get(root(a))!).push(a);
  const big = [...groups.values()].filter((g) => g.length >= 2);
  if (big.length < 2) return null;
  const text = (k: number) => (k >= 4294967296 ? (t.ip6[k - 4294967296] ?? '?') : ip4ToString(k));
  const acc = new EvidenceAcc();
  const clashes: string[] = [];
  /** Something sent from node addresses of different groups: a clash. */
  // Groups of one address family only: a dual-stack underlay's IPv4 and IPv6 tunnels never meet,
  // and each node sends its VTEP MAC and pods from both.
  const clash = (owners: Map<number, EvidenceAcc>, what: string) => {
    const byGroup = [new Map<number, number>(), new Map<number, number>()];
    for (const src of owners.keys()) if (parent.has(src)) byGroup[src >= 4294967296 ? 1 : 0].set(root(src), src);
    const found = byGroup.find((g) => g.size >= 2);
    if (!found) return;
    const srcs = [...found.values()].sort((a, b) => a - b);
    clashes.push(`${what} is sent from ${srcs.map(text).join(' and ')}`);
    for (const s of srcs) acc.merge(owners.get(s)!);
  };
  const macs = new Map<number, Map<number, EvidenceAcc>>();
  for (const [src, m] of facts.vtepMacOf) for (const [mac, a] of m) (macs.get(mac) ?? macs.set(mac, new Map()).get(mac)!).set(src, a);
  for (const [mac, owners] of macs) clash(owners, `the VTEP MAC ${macToString(mac)}`);
  const pods = new Map<number, Map<number, EvidenceAcc>>();
  for (const [src, m] of facts.innerOf)
    for (const [k, a] of m) if (k < DST_KEY && !facts.nodeIps.has(k)) (pods.get(k) ?? pods.set(k, new Map()).get(k)!).set(src, a);
  for (const [k, owners] of pods) clash(owners, `the pod address ${text(k)}`);
  if (clashes.length === 0) return null;
  const list = big
    .map((g) =>
      g
        .sort((a, b) => a - b)
        .map(text)
        .join(', '),
    )
    .sort();
  const shown = clashes.slice(0, SHOWN).join('; ') + (clashes.length > SHOWN ? ` (and ${clashes.length - SHOWN} more)` : '');
  const found = `the set looks like ${big.length} clusters opened together: the node addresses ${list.map((g) => `{${g}}`).join(' and ')} never exchange a tunnel packet, yet ${shown}: a VTEP MAC or a pod address is one node's of one cluster`;
  return {
    evidence: evidence(
      t,
      ids,
      `${found}. Open each cluster's captures on their own: nodes, addresses, pods and paths this set shows may mix the clusters`,
      acc,
    ),
    found,
    groupOf: (ip) => (parent.has(ip) ? root(ip) : -1),
  };
}
