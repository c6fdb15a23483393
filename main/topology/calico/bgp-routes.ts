// Pod-block ownership learned from BGP, as Calico's BIRD announces it: every node originates its
// IPAM blocks (/26 by default) with itself as next hop, over a full iBGP mesh or route reflectors.
// While the capture set is read, every TCP 179 payload goes through the BGP parser; the sessions
// (speakers, AS, router ids) and the last announcement/withdrawal of each block per session are kept.
// The result names the nodes' underlay addresses (BGP speakers) and each block's owner (its next
// hop), so a Calico cluster in routed mode, which has no tunnel to learn them from, gets the same
// cluster model as an overlay one.

import { parseBgpMessages } from '../../engine/decode/protocols/bgp';
import type { PacketSummary } from '../../engine/decode/types';
import { EvidenceAcc } from '../evidence';
import { ip4ToString as ip4, parseCidr4, parseIp4, type Cidr4 } from '../addr';
import type { ClusterModel, Evidence, PacketRef } from '../types';

const BGP_PORT = 179;

export interface BgpSession {
  /** Speaker addresses, lower first. */
  readonly a: string;
  readonly b: string;
  readonly asA: number | null;
  readonly asB: number | null;
  readonly routerIdA: string | null;
  readonly routerIdB: string | null;
  readonly messages: number;
  /** NOTIFICATION texts seen on the session (e.g. 'Cease / Administrative Shutdown'). */
  readonly notifications: readonly string[];
}

/** One block (prefix) as the BGP exchange in the captures shows it. */
export interface PodBlock {
  readonly cidr: string;
  /** Owner: node id (filled when the model names the next hop's node), else null. */
  readonly node: string | null;
  /** The announced next hop (the owning node's address in a Calico mesh). */
  readonly nextHop: string;
  /** Speakers that announced it and peers that received it. */
  readonly announcedBy: readonly string[];
  readonly learnedBy: readonly string[];
  /** True when every session that carried it last withdrew it. */
  readonly withdrawn: boolean;
  readonly evidence: readonly Evidence[];
}

export interface BgpRouting {
  readonly sessions: readonly BgpSession[];
  readonly blocks: readonly PodBlock[];
}

interface SessionAcc {
  a: number;
  b: number;
  as: Map<number, number>;
  rid: Map<number, string>;
  messages: number;
  notes: string[];
}
interface RouteState {
  announced: boolean;
  nextHop: number;
  speaker: number;
  peer: number;
  t: number;
}

/** True when the packet's innermost layer is an IPv4 TCP payload to or from port 179 (what `observe` parses). */
export function mayCarryBgp(s: PacketSummary): boolean {
  const l = s.inner;
  return l.version === 4 && l.proto === 6 && (l.srcPort === BGP_PORT || l.dstPort === BGP_PORT) && l.payloadLength > 0;
}

/** Collects BGP facts packet by packet (cheap port test first; only TCP 179 payloads are parsed). */
export class BgpCollector {
  private readonly sessions = new Map<string, SessionAcc>();
  /** key: prefix | speaker | peer  -> last state. */
  private readonly routes = new Map<string, RouteState>();
  private readonly prefixRows = new Map<string, EvidenceAcc>();
  readonly speakerRows = new Map<number, EvidenceAcc>();
  private readonly refs = new Map<number, PacketRef>();
  /** The same message captured on both nodes' NICs counts once: src-dst-seq-offset. */
  private readonly seen = new Set<string>();

  /** Feeds one packet (after summarize filled `s` from `d`). `row` is its table row, `ref` its packet name. */
  observe(row: number, d: Uint8Array, s: PacketSummary, tNs: number, ref: () => PacketRef): void {
    if (!mayCarryBgp(s)) return;
    const l = s.inner;
    const msgs = parseBgpMessages(d, l.payloadOffset, l.payloadOffset + l.payloadLength);
    if (msgs.length === 0 || msgs[0].typeName === 'continuation') return;
    const src = l.src4,
      dst = l.dst4;
    const key = src < dst ? `${src}-${dst}` : `${dst}-${src}`;
    let sess = this.sessions.get(key);
    if (!sess)
      this.sessions.set(
        key,
        (sess = { a: Math.min(src, dst), b: Math.max(src, dst), as: new Map(), rid: new Map(), messages: 0, notes: [] }),
      );
    let used = false;
    for (const m of msgs) {
      if (!m.complete) continue;
      const id = `${src}-${dst}-${(l.tcpSeq + m.offset - l.payloadOffset) >>> 0}`;
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      sess.messages++;
      if (m.open) {
        sess.as.set(src, m.open.as4 ?? m.open.myAs);
        sess.rid.set(src, m.open.identifier);
        used = true;
      }
      if (m.notification) sess.notes.push(m.notification.text);
      if (m.update) {
        const nh = m.update.nextHop ? parseIp4(m.update.nextHop) : null;
        for (const r of m.update.nlri) {
          if (r.afi !== 1) continue;
          this.setRoute(r.prefix, src, dst, true, nh && nh !== 0 ? nh : src, tNs, row);
          used = true;
        }
        for (const r of m.update.withdrawn) {
          if (r.afi !== 1) continue;
          this.setRoute(r.prefix, src, dst, false, -1, tNs, row);
          used = true;
        }
      }
    }
    if (used || sess.messages > 0) {
      for (const ip of [src, dst]) {
        let acc = this.speakerRows.get(ip);
        if (!acc) this.speakerRows.set(ip, (acc = new EvidenceAcc()));
        acc.add(row);
      }
      if (!this.refs.has(row)) this.refs.set(row, ref());
    }
  }

  private setRoute(prefix: string, speaker: number, peer: number, announced: boolean, nextHop: number, t: number, row: number): void {
    const k = `${prefix}|${speaker}|${peer}`;
    const prev = this.routes.get(k);
    if (!prev || prev.t <= t)
      this.routes.set(k, { announced, nextHop: announced ? nextHop : (prev?.nextHop ?? speaker), speaker, peer, t });
    let acc = this.prefixRows.get(prefix);
    if (!acc) this.prefixRows.set(prefix, (acc = new EvidenceAcc()));
    acc.add(row);
  }

  /** Speaker addresses: the nodes' underlay addresses in a BGP-routed cluster. */
  speakers(): number[] {
    return [...this.speakerRows.keys()];
  }

  /** Current owner (next hop) of each block: announced on at least one session and not withdrawn since. */
  owners(): Map<string, { cidr: Cidr4; nextHop: number }> {
    const out = new Map<string, { cidr: Cidr4; nextHop: number }>();
    for (const [k, st] of this.routes) {
      if (!st.announced) continue;
      const prefix = k.split('|')[0];
      const c = parseCidr4(prefix);
      if (c) out.set(prefix, { cidr: c, nextHop: st.nextHop });
    }
    return out;
  }

  private evidenceOf(acc: EvidenceAcc | undefined, reason: string): Evidence {
    return {
      reason,
      packets: (acc?.rows ?? []).map((r) => this.refs.get(r)).filter((x): x is PacketRef => x !== undefined),
      count: acc?.count ?? 0,
    };
  }

  /** The routing facts, with block owners named through `nodeOfIp` (the model's node ids). */
  result(nodeOfIp: (ip: string) => string | null): BgpRouting {
    const sessions: BgpSession[] = [...this.sessions.values()]
      .map((s) => ({
        a: ip4(s.a),
        b: ip4(s.b),
        asA: s.as.get(s.a) ?? null,
        asB: s.as.get(s.b) ?? null,
        routerIdA: s.rid.get(s.a) ?? null,
        routerIdB: s.rid.get(s.b) ?? null,
        messages: s.messages,
        notifications: s.notes,
      }))
      .sort((x, y) => (x.a + x.b).localeCompare(y.a + y.b));
    const byPrefix = new Map<string, RouteState[]>();
    for (const [k, st] of this.routes) {
      const p = k.split('|')[0];
      byPrefix.set(p, [...(byPrefix.get(p) ?? []), st]);
    }
    const blocks: PodBlock[] = [...byPrefix.entries()]
      .map(([cidr, states]) => {
        const live = states.filter((s) => s.announced);
        const nh = (live[0] ?? states[0]).nextHop;
        const nextHop = ip4(nh);
        const withdrawn = live.length === 0;
        return {
          cidr,
          node: nodeOfIp(nextHop),
          nextHop,
          announcedBy: [...new Set(states.map((s) => ip4(s.speaker)))].sort(),
          learnedBy: [...new Set((withdrawn ? states : live).map((s) => ip4(s.peer)))].sort(),
          withdrawn,
          evidence: [
            this.evidenceOf(
              this.prefixRows.get(cidr),
              withdrawn
                ? `BGP UPDATEs announced ${cidr} with next hop ${nextHop}, then withdrew it on every session`
                : `BGP UPDATEs announce ${cidr} with next hop ${nextHop} to ${[...new Set(live.map((s) => ip4(s.peer)))].sort().join(', ')}`,
            ),
          ],
        };
      })
      .sort((x, y) => x.cidr.localeCompare(y.cidr, 'en', { numeric: true }));
    return { sessions, blocks };
  }

  get empty(): boolean {
    return this.sessions.size === 0;
  }
}

/**
 * Feeds the BGP facts into the traffic facts before the nodes are built: speakers are node
 * addresses, and each live block is the pod CIDR of its next hop (the first one, when a node owns
 * several; the model's `bgp.blocks` lists them all).
 */
export function applyBgp(bgp: BgpCollector, nodeIps: Map<number, EvidenceAcc>, cidrs: Map<number, Cidr4>): void {
  if (bgp.empty) return;
  for (const [ip, acc] of bgp.speakerRows) if (!nodeIps.has(ip)) nodeIps.set(ip, acc);
  for (const { cidr, nextHop } of bgp.owners().values()) if (!cidrs.has(nextHop)) cidrs.set(nextHop, cidr);
}

/** The model with its BGP routing facts attached, block owners named by the model's nodes. */
export function withBgp(model: ClusterModel, bgp: BgpCollector | undefined): ClusterModel {
  if (!bgp || bgp.empty) return model;
  const nodeOfIp = (ip: string) => model.nodes.find((n) => n.underlayIps.includes(ip))?.id ?? null;
  return { ...model, bgp: bgp.result(nodeOfIp) };
}
