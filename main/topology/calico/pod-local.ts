// Pod-local traffic: the containers of one pod share a network namespace and talk over its `lo`.
// A capture of that `lo` belongs to the pod (on its node), not to a host of its own. File names
// name it '<node>-<pod>-lo.pcap' (or '<node>_<pod>_lo.pcap'); when the part before '-lo' is not a
// node of the set but starts with one, the rest is the pod. An explicit node override still wins.

import type { PointDraft } from '../attribution';
import { nodePrefixOf } from '../naming';

/** Re-attaches pod `lo` captures to their node; returns the pod name of each such point (by index). */
export function attributePodLoopback(points: PointDraft[]): Map<number, string> {
  const out = new Map<number, string>();
  const isLo = (p: PointDraft) => p.kind === 'loopback' || p.interface === 'lo';
  const nodes = new Set(points.filter((p) => !isLo(p) && p.node).map((p) => p.node!));
  points.forEach((p, i) => {
    if (!isLo(p) || !p.node || nodes.has(p.node) || p.nodeSource === 'user') return;
    const best = nodePrefixOf(p.node, nodes);
    if (!best) return;
    const pod = p.node.slice(best.length + 1);
    p.evidence.push({
      reason: `loopback capture '${p.capture}': the pod ${pod}'s own lo on ${best} (traffic between the pod's containers)`,
      packets: [],
      count: 0,
    });
    p.node = best;
    p.kind = 'loopback';
    out.set(i, pod);
  });
  return out;
}
