// A VTEP whose MAC changed while the captures ran (flanneld recreating its device gives it a new
// MAC), and tunnel packets still addressed to the MAC it had before. A VXLAN device takes only
// frames addressed to its own MAC: a peer whose forwarding entry for it is stale keeps sending
// frames the device discards, a drop no packet explains unless both MACs are shown.
//
// Only the node's own captures are read (one clock): the MACs its tunnel device sent from (the
// inner source MAC of the tunnel packets it sends, the frames on its tunnel device's capture, and
// the device's own ARP there, from an address of the node's pod block), each with the first and
// last time it was seen; and the tunnel packets that arrived for it addressed to a MAC it had sent
// from before another.

import { TunnelKind } from '../engine/decode/types';
import { akey, type PointDraft, type TunnelFacts } from './attribution';
import { cidrContains, macToString } from './addr';
import { packetRef } from './evidence';
import type { NodeDraft } from './model';
import type { PacketTable } from './table';
import type { Finding } from './types';

/** One MAC a node's tunnel device sent from, with its first and last sighting (ns from the table's epoch). */
export interface VtepMacSpan {
  readonly mac: number;
  readonly firstNs: number;
  readonly lastNs: number;
  readonly firstRow: number;
  readonly lastRow: number;
}

export interface VtepMacChange {
  readonly node: number;
  /** Ordered by first sighting; two or more, none overlapping the next. */
  readonly spans: readonly VtepMacSpan[];
  /** Tunnel packets that arrived on the node addressed to an earlier MAC after its last use as a source (captured on the node). */
  readonly stale: readonly { readonly row: number; readonly mac: number; readonly fromNode: number }[];
}

/** Nodes whose tunnel device sent from two or more MACs one after the other (see the header). */
export function vtepMacChanges(
  t: PacketTable,
  facts: TunnelFacts,
  nodes: readonly NodeDraft[],
  points: readonly PointDraft[],
  nodeOfPoint: ArrayLike<number>,
): VtepMacChange[] {
  const nodeOfIp = new Map<number, number>();
  nodes.forEach((n, i) => n.ips.forEach((ip) => nodeOfIp.set(ip, i)));
  const own = nodes.map((n) => new Set(n.ips.flatMap((ip) => [...(facts.vtepMacOf.get(ip)?.keys() ?? [])])));
  const spans = nodes.map(() => new Map<number, { mac: number; firstNs: number; lastNs: number; firstRow: number; lastRow: number }>());
  const see = (n: number, mac: number, r: number) => {
    const s = spans[n].get(mac);
    const ns = t.tNs[r];
    if (!s) spans[n].set(mac, { mac, firstNs: ns, lastNs: ns, firstRow: r, lastRow: r });
    else if (ns < s.firstNs) Object.assign(s, { firstNs: ns, firstRow: r });
    else if (ns >= s.lastNs) Object.assign(s, { lastNs: ns, lastRow: r });
  };
  const vxlan = (r: number) => t.tunnel[r] === TunnelKind.VXLAN || t.tunnel[r] === TunnelKind.GENEVE;
  for (let r = 0; r < t.count; r++) {
    if (t.noTime[r]) continue;
    const pi = t.point[r];
    const n = nodeOfPoint[pi];
    if (n < 0 || own[n].size === 0) continue;
    if (vxlan(r) && t.outerVer[r] === 4 && nodeOfIp.get(akey(4, t.outerSrc[r])) === n) {
      const m = t.mac(t.innerMacSrc[r]);
      if (own[n].has(m)) see(n, m, r);
    } else if (points[pi].kind === 'vtep' && t.tunnel[r] === TunnelKind.NONE) {
      const m = t.mac(t.outerMacSrc[r]);
      if (own[n].has(m)) see(n, m, r);
    }
  }
  // The device's own ARP on its capture: from an address of the node's pod block (flannel's .0).
  for (const a of t.arp) {
    const n = nodeOfPoint[t.point[a.row]];
    const c = n >= 0 ? nodes[n].cidr : null;
    if (!c || points[t.point[a.row]].kind !== 'vtep' || !cidrContains(c, a.senderIp) || t.noTime[a.row]) continue;
    if (own[n].size) see(n, a.senderMac, a.row);
  }
  const out: VtepMacChange[] = [];
  spans.forEach((m, n) => {
    const list = [...m.values()].sort((x, y) => x.firstNs - y.firstNs);
    // One MAC after another: each last seen before the next is first seen (two at once are no change).
    if (list.length < 2 || list.some((s, i) => i > 0 && list[i - 1].lastNs >= s.firstNs)) return;
    const lastOf = new Map(list.slice(0, -1).map((s) => [s.mac, s.lastNs]));
    const stale: { row: number; mac: number; fromNode: number }[] = [];
    for (let r = 0; r < t.count; r++) {
      if (nodeOfPoint[t.point[r]] !== n || !vxlan(r) || t.outerVer[r] !== 4 || nodeOfIp.get(akey(4, t.outerDst[r])) !== n) continue;
      const mac = t.mac(t.innerMacDst[r]);
      const last = lastOf.get(mac);
      if (last !== undefined && t.tNs[r] > last) stale.push({ row: r, mac, fromNode: nodeOfIp.get(akey(4, t.outerSrc[r])) ?? -1 });
    }
    out.push({ node: n, spans: list, stale });
  });
  return out;
}

/**
 * The finding of a VTEP that changed its MAC while tunnel packets kept coming to the MAC it had
 * before and went no further on its node (`passedOn`: seen later on its bridge or a veth): a problem when some arrived after the new MAC's first use (addressed to a MAC the device
 * no longer had), a warning when all came between the old MAC's last use and the new one's first
 * (the captures do not show which came first).
 */
export function staleVtepFindings(
  t: PacketTable,
  ids: readonly string[],
  nodes: readonly NodeDraft[],
  changes: readonly VtepMacChange[],
  time: (ns: number) => string,
  passedOn: (row: number, node: number) => boolean,
): Finding[] {
  const out: Finding[] = [];
  for (const c of changes) {
    const stale = c.stale.filter((s) => !passedOn(s.row, c.node));
    const name = nodes[c.node].id;
    for (const mac of new Set(stale.map((s) => s.mac))) {
      const i = c.spans.findIndex((s) => s.mac === mac);
      const next = c.spans[i + 1];
      const rows = stale.filter((s) => s.mac === mac);
      const late = rows.filter((s) => t.tNs[s.row] >= next.firstNs);
      const from = [...new Set(rows.map((s) => (s.fromNode >= 0 ? nodes[s.fromNode].id : 'an unknown node')))].join(', ');
      const old = macToString(mac);
      out.push({
        code: 'stale-vtep-mac',
        severity: late.length ? 'problem' : 'warning',
        node: name,
        message:
          `${name}'s tunnel device changed its MAC from ${old} (last sent from at ${time(c.spans[i].lastNs)}) to ${macToString(next.mac)} ` +
          `(first at ${time(next.firstNs)}); ${rows.length} tunnel packet${rows.length === 1 ? '' : 's'} from ${from} arrived addressed to ${old} ` +
          `after its last use and ${rows.length === 1 ? 'was' : 'were'} not seen past the device (on ${name}'s bridge or veths)` +
          (late.length
            ? `, ${late.length} of them after ${macToString(next.mac)} was in use: ${from}'s forwarding entry for ${name}'s VTEP is stale, and a VXLAN device discards frames not addressed to its own MAC`
            : `, all before ${macToString(next.mac)}'s first use, so the captures do not show whether the MAC had already changed: if it had, ${from}'s forwarding entry for ${name}'s VTEP was stale and the device discarded them, as a VXLAN device does with frames not addressed to its own MAC`),
        packets: rows.slice(0, 10).map((s) => packetRef(t, ids, s.row)),
      });
    }
  }
  return out;
}
