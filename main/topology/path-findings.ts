// Findings about packets whose journeys the verdicts judge one by one but whose cause shows only
// across them: tunnel packets a node receives and never decapsulates (a tunnel device configured
// for another VNI or port drops them silently on arrival), and a pod's call to its own service
// that comes back to it with its own address as source (a hairpin the node did not masquerade).

import { TUNNEL_NAMES, TunnelKind } from '../engine/decode/types';
import { akey } from './attribution';
import { EvidenceAcc, evidence } from './evidence';
import { natBetween, type HopContext } from './hops';
import type { JourneyIndex } from './journeys';
import { attributionFromFileName, interfaceKindFromName } from './naming';
import type { Finding } from './types';

/** A capture file of the set with no packet at all (it has no capture point): its path and id. */
export interface EmptyCapture {
  readonly path: string;
  readonly id: string;
}

const tunnelText = (type: number, vni: number, port: number): string =>
  `${TUNNEL_NAMES[type]?.toUpperCase() ?? 'tunnel'}${type === TunnelKind.VXLAN || type === TunnelKind.GENEVE ? ` VNI ${vni} UDP ${port}` : ''}`;

/**
 * Tunnel packets that arrive on a node's NIC (their outer destination is the node) and are never
 * seen past it on that node, although the node has captures past its NIC, when the node sends no
 * tunnel packet of that type, VNI and port itself: its tunnel device does not take them (another
 * VNI or port), and the kernel drops them silently on arrival. What the node's device uses instead
 * is known only when it sends. `tunnelEnd`: whether an outer source is a tunnel's end (no mirror session).
 */
export function undecapsulatedTunnels(
  ctx: HopContext,
  j: JourneyIndex,
  empty: readonly EmptyCapture[],
  tunnelEnd: (outerSrc: number) => boolean,
): Finding[] {
  const t = ctx.t;
  const sends = new Map<number, Set<string>>();
  for (let r = 0; r < t.count; r++) {
    if (t.tunnel[r] === TunnelKind.NONE || t.outerVer[r] === 0) continue;
    const n = ctx.nodeOfIp.get(akey(t.outerVer[r], t.outerSrc[r]));
    if (n === undefined) continue;
    const s = sends.get(n) ?? sends.set(n, new Set()).get(n)!;
    s.add(tunnelText(t.tunnel[r], t.vni[r], t.tunDport[r]));
  }
  // Nodes with a capture past the NIC: a point of another kind, or an empty file named as one of theirs.
  const inside = new Map<number, string[]>();
  ctx.points.forEach((p, pi) => {
    const n = ctx.nodeOfPoint[pi];
    if (n >= 0 && p.kind !== 'underlay') inside.set(n, [...(inside.get(n) ?? []), p.id]);
  });
  const emptyOf = new Map<number, string[]>();
  for (const e of empty) {
    const a = attributionFromFileName(e.path);
    if (!a.node || !a.interface) continue;
    const n = ctx.nodes.findIndex((x) => x.id === a.node);
    const kind = interfaceKindFromName(a.interface);
    if (n < 0 || kind === 'underlay') continue;
    emptyOf.set(n, [...(emptyOf.get(n) ?? []), e.id]);
    inside.set(n, [...(inside.get(n) ?? []), e.id]);
  }
  const groups = new Map<string, { from: number; to: number; text: string; n: number; arrived: EvidenceAcc; spoiled: boolean }>();
  for (let k = 0; k < j.count; k++) {
    let arrival = -1;
    let to = -1;
    for (let i = j.start[k]; i < j.start[k + 1]; i++) {
      const r = j.rows[i];
      if (t.tunnel[r] === TunnelKind.NONE || t.outerVer[r] === 0) continue;
      const n = ctx.nodeOfIp.get(akey(t.outerVer[r], t.outerDst[r]));
      if (n !== undefined && ctx.nodeOfPoint[t.point[r]] === n && ctx.points[t.point[r]].kind === 'underlay') {
        arrival = r;
        to = n;
        break;
      }
    }
    // An ICMP error quoting it (the node refusing the tunnel's port) already tells its fate.
    if (arrival < 0 || !inside.has(to) || ctx.quoted?.get(k)?.length) continue;
    // A mirror session's copies are not tunnelled to be decapsulated (tunnelFacts drops their source).
    if (!tunnelEnd(akey(t.outerVer[arrival], t.outerSrc[arrival]))) continue;
    const from = ctx.nodeOfIp.get(akey(t.outerVer[arrival], t.outerSrc[arrival])) ?? -1;
    const text = tunnelText(t.tunnel[arrival], t.vni[arrival], t.tunDport[arrival]);
    if (sends.get(to)?.has(text)) continue;
    let past = false;
    for (let i = j.start[k]; i < j.start[k + 1] && !past; i++) {
      const r = j.rows[i];
      past = ctx.nodeOfPoint[t.point[r]] === to && ctx.points[t.point[r]].kind !== 'underlay';
    }
    const key = `${from}|${to}|${text}`;
    const g = groups.get(key) ?? groups.set(key, { from, to, text, n: 0, arrived: new EvidenceAcc(), spoiled: false }).get(key)!;
    // One of them decapsulated there: the device takes them, the others were lost some other way.
    if (past || (ctx.answers && ctx.answers[k] >= 0)) g.spoiled = true;
    else {
      g.n++;
      g.arrived.add(arrival);
    }
  }
  const out: Finding[] = [];
  for (const g of groups.values()) {
    if (g.spoiled || g.n === 0) continue;
    const node = ctx.nodes[g.to].id;
    const own = [...(sends.get(g.to) ?? [])];
    const nic = [...new Set(g.arrived.rows.map((r) => ctx.points[t.point[r]].id))].join(', ');
    const emptyText = emptyOf.get(g.to)?.length
      ? `; ${emptyOf.get(g.to)!.join(', ')} (${node}'s, by the file name) ${emptyOf.get(g.to)!.length > 1 ? 'hold' : 'holds'} no packet at all`
      : '';
    out.push({
      code: 'tunnel-not-decapsulated',
      severity: 'problem',
      message:
        `${g.n} ${g.text} packets${g.from >= 0 ? ` from ${ctx.nodes[g.from].id}` : ''} arrive on ${node} (${nic}) and none is seen past its NIC ` +
        `(${inside.get(g.to)!.join(', ')} captured)${emptyText}: ${node} ` +
        (own.length
          ? `itself sends ${own.join(', ')}, not ${g.text}`
          : `sends no tunnel packet itself, so which VNI and port its tunnel device takes is unknown`) +
        `; a tunnel device configured for another VNI or port drops them silently on arrival, and nothing answered them`,
      packets: evidence(t, ctx.ids, '', g.arrived).packets,
      node,
    });
  }
  return out;
}

/**
 * A pod's call to a service translated back to the pod itself, arriving with the pod's own address
 * as source (the node did not masquerade the hairpin), and never answered: a host drops a packet
 * from its own address. One finding per flow (`flowOf`: the listed connection of a row).
 */
export function unmasqueradedHairpins(ctx: HopContext, j: JourneyIndex, flowOf: (row: number) => string | undefined): Finding[] {
  const t = ctx.t;
  const byFlow = new Map<string, { rows: EvidenceAcc; n: number; answered: boolean; pod: string; via: string; to: string; node: string }>();
  for (let k = 0; k < j.count; k++) {
    let hit = -1;
    let dnat = -1;
    for (let i = j.start[k] + 1; i < j.start[k + 1] && hit < 0; i++) {
      const a = j.rows[i - 1];
      const b = j.rows[i];
      const kind = natBetween(t, a, b);
      if (
        (kind === 'dnat' || kind === 'dnat+snat') &&
        t.innerVer[b] === t.innerVer[a] &&
        t.innerSrc[b] === t.innerDst[b] &&
        t.innerSrc[a] === t.innerSrc[b]
      ) {
        hit = b;
        dnat = a;
      }
    }
    if (hit < 0) continue;
    const f = flowOf(j.rows[j.start[k]]) ?? '?';
    const n = ctx.nodeOfPoint[t.point[hit]];
    const g =
      byFlow.get(f) ??
      byFlow
        .set(f, {
          rows: new EvidenceAcc(),
          n: 0,
          answered: false,
          pod: t.addr(t.innerVer[hit], t.innerSrc[hit]),
          via: `${t.addr(t.innerVer[dnat], t.innerDst[dnat])}:${t.dport[dnat]}`,
          to: `${t.addr(t.innerVer[hit], t.innerDst[hit])}:${t.dport[hit]}`,
          node: n >= 0 ? ctx.nodes[n].id : '?',
        })
        .get(f)!;
    g.n++;
    const last = j.rows[j.start[k + 1] - 1];
    g.rows.add(last);
    if (ctx.answers && ctx.answers[k] >= 0) g.answered = true;
  }
  const out: Finding[] = [];
  for (const [flow, g] of byFlow) {
    if (g.answered) continue;
    const seen = [...new Set(g.rows.rows.map((r) => ctx.points[t.point[r]].id))].join(', ');
    out.push({
      code: 'hairpin-not-masqueraded',
      severity: 'problem',
      message:
        `${flow}: ${g.pod} called ${g.via}, which ${g.node} translated to ${g.to}, the caller itself, without masquerading the source: ` +
        `${g.n} packet${g.n > 1 ? 's' : ''} reached ${g.pod} from its own address (last seen at ${seen}) and nothing answered ` +
        `${g.n > 1 ? 'them' : 'it'}: a host drops a packet from its own address, so a pod calling its own service needs its node to masquerade the hairpin`,
      packets: evidence(t, ctx.ids, '', g.rows).packets,
      flow,
      node: g.node,
    });
  }
  return out;
}
