// Text selectors of the CLI and the app: a flow spec ("10.42.0.5 -> 10.42.1.7 icmp", a flow id as
// printed ("icmp 10.42.0.5 > 10.42.1.7 id=77", "tcp 10.42.0.5:40000 > 10.96.0.10:80"),
// "10.42.0.5:40000 > 10.96.0.10:53 udp", "tcp 10.42.0.5 <-> 10.42.1.7:80") and packet references
// ('node1-eth0.pcap#12', Wireshark's 1-based frame number).

import type { Flow, PacketRef } from './types';

export interface FlowSpec {
  readonly src: string | null;
  readonly srcPort: number | null;
  readonly dst: string | null;
  readonly dstPort: number | null;
  readonly protocol: string | null;
  /** '<->' / '<>' match either direction; '->' / '>' only client -> server. */
  readonly bidirectional: boolean;
  /** ICMP echo identifier ('id=N', as flow ids print it), null for any. */
  readonly echoId: number | null;
}

const PROTOS = new Set(['tcp', 'udp', 'icmp', 'icmpv6', 'sctp']);

function endpoint(s: string): { ip: string | null; port: number | null } {
  if (s === '*' || s === 'any') return { ip: null, port: null };
  const v6 = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(s);
  if (v6) return { ip: v6[1].toLowerCase(), port: v6[2] ? Number(v6[2]) : null };
  const m = /^([0-9.]+|[0-9a-f:]*:[0-9a-f:]*)(?::(\d+))?$/i.exec(s);
  if (!m) throw new Error(`not an address: '${s}'`);
  if (m[1].includes(':')) return { ip: m[1].toLowerCase(), port: null };
  return { ip: m[1], port: m[2] ? Number(m[2]) : null };
}

/** Parses a flow spec; throws an Error with a readable message when it cannot. */
export function parseFlowSpec(text: string): FlowSpec {
  const toks = text.trim().split(/\s+/).filter(Boolean);
  let protocol: string | null = null;
  let echoId: number | null = null;
  const rest: string[] = [];
  for (const t of toks) {
    const id = /^id=(\d+)$/.exec(t);
    if (PROTOS.has(t.toLowerCase())) protocol = t.toLowerCase();
    else if (id) echoId = Number(id[1]);
    else rest.push(t);
  }
  const arrowAt = rest.findIndex((t) => ['->', '>', '<->', '<>', '=>'].includes(t));
  if (arrowAt < 0 || arrowAt === 0 || arrowAt !== rest.length - 2) {
    throw new Error(`flow spec must look like "SRC[:PORT] -> DST[:PORT] [tcp|udp|icmp|icmpv6]", got '${text}'`);
  }
  const a = endpoint(rest[0]);
  const b = endpoint(rest[2]);
  return { src: a.ip, srcPort: a.port, dst: b.ip, dstPort: b.port, protocol, bidirectional: rest[1] === '<->' || rest[1] === '<>', echoId };
}

/** A flow's protocol and ends: what a spec is matched against. */
export type FlowTuple = Pick<Flow, 'protocol' | 'a' | 'b'>;

export function matchesFlowSpec(f: FlowTuple, s: FlowSpec): boolean {
  // 'icmp' is ICMP of either IP version, as people say it; 'icmpv6' only the IPv6 one.
  if (s.protocol && f.protocol !== s.protocol && !(s.protocol === 'icmp' && f.protocol === 'icmpv6')) return false;
  if (s.echoId !== null && (f.a.port !== s.echoId || (f.protocol !== 'icmp' && f.protocol !== 'icmpv6'))) return false;
  const side = (ip: string, port: number | null, wantIp: string | null, wantPort: number | null) =>
    (wantIp === null || ip === wantIp) && (wantPort === null || port === wantPort);
  const fwd = side(f.a.ip, f.a.port, s.src, s.srcPort) && side(f.b.ip, f.b.port, s.dst, s.dstPort);
  const rev = side(f.b.ip, f.b.port, s.src, s.srcPort) && side(f.a.ip, f.a.port, s.dst, s.dstPort);
  return fwd || (s.bidirectional && rev);
}

/** The tuple a flow id as printed names ('tcp 10.42.1.6:47000 > 10.96.12.34:443'), null when it names none. */
export function tupleOfFlowId(id: string): FlowTuple | null {
  try {
    const p = parseFlowSpec(id);
    if (p.src === null || p.dst === null || p.protocol === null) return null;
    const icmp = p.protocol === 'icmp' || p.protocol === 'icmpv6';
    return {
      protocol: p.protocol,
      a: { ip: p.src, port: icmp ? p.echoId : p.srcPort },
      b: { ip: p.dst, port: icmp ? p.echoId : p.dstPort },
    };
  } catch {
    return null;
  }
}

/**
 * The flows a spec names: by their own tuple, else by a NAT peer's (the tuple the connection has on
 * the other side of a DNAT or SNAT: the service address a client dialled, a NodePort caller's, even
 * when that side has no flow of its own because nothing answered it under that tuple).
 */
export function flowsMatching(flows: readonly Flow[], s: FlowSpec): Flow[] {
  const own = flows.filter((f) => matchesFlowSpec(f, s));
  if (own.length) return own;
  return flows.filter((f) =>
    f.natPeers.some((id) => {
      const t = tupleOfFlowId(id);
      return t !== null && matchesFlowSpec(t, s);
    }),
  );
}

/** 'file.pcap#12' -> { capture: 'file.pcap', index: 11 }; null when not a reference. */
export function parsePacketRef(text: string): PacketRef | null {
  const m = /^(.+)#(\d+)$/.exec(text.trim());
  if (!m || Number(m[2]) < 1) return null;
  return { capture: m[1], index: Number(m[2]) - 1 };
}

/**
 * The capture a user's reference names: its id ('eth0.pcap', 'worker-2/eth0.pcap'), or its path or
 * the end of its path ('/data/worker-2/eth0.pcap', 'worker-2/eth0.pcap'). A reference several
 * captures answer to is an error naming them, never the first of them.
 */
export function resolveCaptureRef(ref: string, captures: readonly { id: string; path: string }[]): { id: string } | { error: string } {
  if (captures.some((c) => c.id === ref)) return { id: ref };
  const want = pathParts(ref);
  const hits = captures.filter((c) => {
    const have = pathParts(c.path);
    return want.length > 0 && want.length <= have.length && want.every((w, i) => have[have.length - want.length + i] === w);
  });
  if (hits.length === 1) return { id: hits[0].id };
  if (hits.length > 1)
    return { error: `'${ref}' names ${hits.length} captures (${hits.map((c) => c.id).join(', ')}): give more of its path` };
  return { error: `no capture named '${ref}' in the set (${captures.map((c) => c.id).join(', ')})` };
}

function pathParts(p: string): string[] {
  return p.split(/[\\/]/).filter((x) => x !== '' && x !== '.');
}

export function formatPacketRef(r: PacketRef): string {
  return `${r.capture}#${r.index + 1}`;
}
