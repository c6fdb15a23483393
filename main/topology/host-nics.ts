// A node's addresses besides its tunnel endpoint: a second NIC's (a management or API network, a
// public one), where the host talks to other hosts unencapsulated. Tunnel packets name only the
// tunnel endpoint, so without these a packet to a node's other address is taken for one to nobody
// (or, worse, expected in the tunnel).

import { TunnelKind } from '../engine/decode/types';
import { akey, isInitialTtl, type PointDraft } from './attribution';
import { EvidenceAcc } from './evidence';
import { PKTTYPE_OUTGOING, type PacketTable } from './table';

/** An address a node holds on one of its NICs, and the packets that show it. */
export interface HostNicAddress {
  readonly node: number;
  readonly mac: number;
  readonly acc: EvidenceAcc;
  readonly how: 'outgoing' | 'own-frame';
}

/**
 * Addresses the host of a node sends from on its NICs, unencapsulated, outside every pod block:
 * - on a cooked capture (`-i any`, whose packet type tells direction) of a node's NIC, a packet
 *   the node sends out with an initial TTL is the host's own (a forwarded or masqueraded one has
 *   been routed, one TTL less): its source address is the node's, its source MAC the NIC's;
 * - on a node's NIC capture with Ethernet headers, a frame exchanged with another node's NIC MAC
 *   (learnt as above) is the node's own, since a NIC sees its own frames: when it is the one
 *   sending, with an initial TTL, its source address is the node's.
 * `known` are addresses already tied to a node (tunnel endpoints); `podAddress` says whether an
 * address is a pod's or in a pod block (never a host's NIC address). An address two nodes would
 * hold is left out.
 */
export function hostNicAddresses(
  t: PacketTable,
  points: readonly PointDraft[],
  nodeOfPoint: ArrayLike<number>,
  known: ReadonlyMap<number, number>,
  podAddress: (key: number) => boolean,
): Map<number, HostNicAddress> {
  const out = new Map<number, HostNicAddress>();
  const clash = new Set<number>();
  const add = (a: number, node: number, mac: number, r: number, how: HostNicAddress['how']) => {
    if (clash.has(a)) return;
    const had = out.get(a);
    if (had && had.node !== node) {
      out.delete(a);
      clash.add(a);
      return;
    }
    const x = had ?? { node, mac, acc: new EvidenceAcc(), how };
    x.acc.add(r);
    if (!had) out.set(a, x);
  };
  const candidate = (r: number): number => {
    const pi = t.point[r];
    const v = t.innerVer[r];
    if (points[pi].kind !== 'underlay' || nodeOfPoint[pi] < 0 || t.tunnel[r] !== TunnelKind.NONE || t.outerVer[r] === 0) return -1;
    if ((v !== 4 && v !== 6) || !isInitialTtl(t.innerTtl[r])) return -1;
    const a = akey(v, t.innerSrc[r]);
    const unicast =
      v === 4
        ? t.innerSrc[r] !== 0 && t.innerDst[r] < 0xe0000000 && t.innerSrc[r] >>> 16 !== 0xa9fe
        : !/^(ff|fe[89ab])/i.test(t.ip6[t.innerSrc[r]] ?? '') && !/^(ff|fe[89ab])/i.test(t.ip6[t.innerDst[r]] ?? '');
    return unicast && !known.has(a) && !podAddress(a) ? a : -1;
  };
  // Cooked captures: what the node sends out itself.
  const nicMac = new Map<number, number>();
  for (let r = 0; r < t.count; r++) {
    if (t.pktType[r] !== PKTTYPE_OUTGOING) continue;
    const a = candidate(r);
    const mac = t.mac(t.outerMacSrc[r]);
    if (a < 0 || mac < 0) continue;
    const node = nodeOfPoint[t.point[r]];
    add(a, node, mac, r, 'outgoing');
    if (!clash.has(a)) nicMac.set(mac, node);
  }
  // Ethernet captures: frames exchanged with another node's NIC.
  if (nicMac.size > 0)
    for (let r = 0; r < t.count; r++) {
      const src = t.mac(t.outerMacSrc[r]);
      const dst = t.mac(t.outerMacDst[r]);
      if (src < 0 || dst < 0) continue;
      const node = nodeOfPoint[t.point[r]];
      const other = nicMac.get(dst);
      if (other === undefined || other === node || nicMac.has(src)) continue;
      const a = candidate(r);
      if (a >= 0) add(a, node, src, r, 'own-frame');
    }
  for (const [a, x] of out) if (x.acc.count < 2) out.delete(a);
  return out;
}
