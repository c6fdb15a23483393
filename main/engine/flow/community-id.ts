// Community ID v1: the flow hash Zeek, Suricata, Wireshark and Arkime write, so a flow found here can
// be looked up in their logs (spec: github.com/corelight/community-id-spec).
//
//   sha1( seed:u16be . saddr:4|16 . daddr:4|16 . proto:u8 . 0:u8 [. sport:u16be . dport:u16be] )
//   -> "1:" + base64(digest)
//
// The endpoints are ordered so that the numerically smaller (address, port) comes first; ICMP and
// ICMPv6 use (type, counter-type) as ports when the type has a request/response counterpart, and
// (type, code) without reordering ("one way") otherwise, exactly as Zeek maps them.
import { createHash } from 'node:crypto';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;

/** An address: IPv4 as an unsigned 32-bit number, IPv4/IPv6 text, or its 4/16 network-order bytes. */
export type FlowAddress = number | string | Uint8Array;

export interface CommunityIdTuple {
  readonly proto: number;
  readonly src: FlowAddress;
  readonly dst: FlowAddress;
  /** Source port; for ICMP/ICMPv6 the message type. Omit (or null) for port-less protocols. */
  readonly sport?: number | null;
  /** Destination port; for ICMP/ICMPv6 the message code. */
  readonly dport?: number | null;
}

export interface CommunityIdOptions {
  /** 16-bit seed, 0 by default (as in every monitor's default configuration). */
  readonly seed?: number;
  /** false gives the hex digest instead of base64 (the spec's troubleshooting form). */
  readonly base64?: boolean;
}

// Zeek's ICMP4_counterpart / ICMP6_counterpart tables.
const ICMP4_COUNTER: ReadonlyMap<number, number> = new Map([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [10, 9],
  [9, 10],
  [17, 18],
  [18, 17],
]);
const ICMP6_COUNTER: ReadonlyMap<number, number> = new Map([
  [128, 129],
  [129, 128],
  [130, 131],
  [131, 130],
  [133, 134],
  [134, 133],
  [135, 136],
  [136, 135],
  [139, 140],
  [140, 139],
  [144, 145],
  [145, 144],
]);

const PORTED = new Set([IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP, IPPROTO_ICMPV6]);

/** The Community ID v1 string of a flow tuple (either direction gives the same value). */
export function communityId(t: CommunityIdTuple, opts: CommunityIdOptions = {}): string {
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff) throw new RangeError(`community id seed must be 0..65535, got ${seed}`);
  const proto = t.proto;
  if (!Number.isInteger(proto) || proto < 0 || proto > 255) throw new RangeError(`IP protocol must be 0..255, got ${proto}`);
  let a = addressBytes(t.src);
  let b = addressBytes(t.dst);
  if (a.length !== b.length) throw new RangeError('community id: source and destination are of different IP versions');

  const hasPorts = PORTED.has(proto) && t.sport != null && t.dport != null;
  let pa = hasPorts ? t.sport : 0;
  let pb = hasPorts ? t.dport : 0;
  let oneWay = false;
  if (hasPorts && (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6)) {
    const counter = (proto === IPPROTO_ICMP ? ICMP4_COUNTER : ICMP6_COUNTER).get(pa);
    if (counter === undefined) oneWay = true;
    else pb = counter;
  }
  if (hasPorts) {
    checkPort(pa);
    checkPort(pb);
  }

  if (!oneWay) {
    const c = compareBytes(a, b);
    if (c > 0 || (c === 0 && hasPorts && pa > pb)) {
      [a, b] = [b, a];
      [pa, pb] = [pb, pa];
    }
  }

  const buf = new Uint8Array(2 + a.length * 2 + 2 + (hasPorts ? 4 : 0));
  let o = 0;
  buf[o++] = seed >>> 8;
  buf[o++] = seed & 0xff;
  buf.set(a, o);
  o += a.length;
  buf.set(b, o);
  o += b.length;
  buf[o++] = proto;
  buf[o++] = 0;
  if (hasPorts) {
    buf[o++] = pa >>> 8;
    buf[o++] = pa & 0xff;
    buf[o++] = pb >>> 8;
    buf[o] = pb & 0xff;
  }
  const digest = createHash('sha1').update(buf).digest();
  return '1:' + (opts.base64 === false ? digest.toString('hex') : digest.toString('base64'));
}

/** True when `s` has the shape of a v1 Community ID (for filter validation). */
export function isCommunityId(s: string): boolean {
  return /^1:(?:[A-Za-z0-9+/]{27}=|[0-9a-f]{40})$/.test(s);
}

function checkPort(p: number): void {
  if (!Number.isInteger(p) || p < 0 || p > 0xffff) throw new RangeError(`port must be 0..65535, got ${p}`);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function addressBytes(x: FlowAddress): Uint8Array {
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new RangeError(`IPv4 address number out of range: ${x}`);
    return new Uint8Array([x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff]);
  }
  if (x instanceof Uint8Array) {
    if (x.length !== 4 && x.length !== 16) throw new RangeError(`IP address must be 4 or 16 bytes, got ${x.length}`);
    return x;
  }
  const bytes = parseIp(x);
  if (!bytes) throw new RangeError(`not an IP address: ${JSON.stringify(x)}`);
  return bytes;
}

/** Parses dotted IPv4 or RFC 4291 IPv6 text (with '::' and an embedded IPv4 tail); null if invalid. */
export function parseIp(s: string): Uint8Array | null {
  return s.includes(':') ? parseIpv6(s) : parseIpv4(s);
}

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >>> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * The Community ID of a flow as the topology keeps it: endpoint a (the side that spoke first) and b,
 * with ports, or the echo identifier for ICMP/ICMPv6 echo flows (hashed as the request type a -> b,
 * as Zeek/Suricata do). Null when the tuple cannot be hashed (ICMP without echo, unknown address).
 */
export function flowCommunityId(
  proto: number,
  aIp: string,
  aPort: number | null,
  bIp: string,
  bPort: number | null,
  opts?: CommunityIdOptions,
): string | null {
  try {
    if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      if (aPort === null || aPort < 0) return null;
      return communityId({ proto, src: aIp, dst: bIp, sport: proto === IPPROTO_ICMP ? 8 : 128, dport: 0 }, opts);
    }
    if (PORTED.has(proto)) {
      if (aPort === null || bPort === null || aPort < 0 || bPort < 0) return communityId({ proto, src: aIp, dst: bIp }, opts);
      return communityId({ proto, src: aIp, dst: bIp, sport: aPort, dport: bPort }, opts);
    }
    return communityId({ proto, src: aIp, dst: bIp }, opts);
  } catch {
    return null;
  }
}

/** The per-packet columns the Community ID of a row needs (the topology's PacketTable has them). */
export interface CommunityIdColumns {
  readonly innerVer: ArrayLike<number>;
  readonly innerSrc: ArrayLike<number>;
  readonly innerDst: ArrayLike<number>;
  readonly innerProto: ArrayLike<number>;
  readonly sport: ArrayLike<number>;
  readonly dport: ArrayLike<number>;
  readonly icmpType: ArrayLike<number>;
  readonly icmpCode: ArrayLike<number>;
  /** Interned IPv6 addresses (innerSrc/innerDst index them when innerVer is 6). */
  readonly ip6: ArrayLike<string>;
}

/**
 * A getter of each row's Community ID (innermost IP level, as Wireshark computes it per packet),
 * memoised per tuple: for display filters (`community_id == "1:..."`) and list columns.
 */
export function communityIdOfRow(t: CommunityIdColumns): (row: number) => string | null {
  const memo = new Map<string, string | null>();
  return (r) => {
    const ver = t.innerVer[r];
    if (ver !== 4 && ver !== 6) return null;
    const proto = t.innerProto[r];
    const icmp = proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
    const sp = icmp ? t.icmpType[r] : t.sport[r];
    const dp = icmp ? t.icmpCode[r] : t.dport[r];
    const key = `${ver}|${t.innerSrc[r]}|${t.innerDst[r]}|${proto}|${sp}|${dp}`;
    let v = memo.get(key);
    if (v !== undefined) return v;
    try {
      const src = ver === 4 ? t.innerSrc[r] >>> 0 : t.ip6[t.innerSrc[r]];
      const dst = ver === 4 ? t.innerDst[r] >>> 0 : t.ip6[t.innerDst[r]];
      v = communityId({ proto, src, dst, sport: sp >= 0 ? sp : null, dport: dp >= 0 ? dp : null });
    } catch {
      v = null;
    }
    if (memo.size > 1 << 20) memo.clear();
    memo.set(key, v);
    return v;
  };
}
