// Address helpers: IPv4 numbers <-> text, CIDR arithmetic, MACs as 48-bit numbers, IPv6 text.

export function ip4ToString(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Dotted quad to an unsigned number; null when not an IPv4 address. */
export function parseIp4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

export function prefixMask(len: number): number {
  return len <= 0 ? 0 : len >= 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
}

export interface Cidr4 {
  readonly base: number;
  readonly len: number;
}

/** '10.42.1.0/24' (or '10.42.1.1/24': host bits are cleared). */
export function parseCidr4(s: string): Cidr4 | null {
  const [a, l] = s.split('/');
  const ip = parseIp4(a ?? '');
  const len = l === undefined ? 32 : Number(l);
  if (ip === null || !Number.isInteger(len) || len < 0 || len > 32) return null;
  return { base: (ip & prefixMask(len)) >>> 0, len };
}

export function cidrToString(c: Cidr4): string {
  return `${ip4ToString(c.base)}/${c.len}`;
}

export function cidrContains(c: Cidr4, ip: number): boolean {
  return (ip & prefixMask(c.len)) >>> 0 === c.base;
}

/** Length of the common leading bits of two IPv4 numbers. */
export function commonPrefixLen(a: number, b: number): number {
  const x = (a ^ b) >>> 0;
  return x === 0 ? 32 : Math.clz32(x);
}

/** 48-bit MAC as a number (hi 16 bits * 2^32 + lo 32 bits). */
export function macNumber(hi: number, lo: number): number {
  return (hi & 0xffff) * 4294967296 + (lo >>> 0);
}

export function macToString(m: number): string {
  const hi = Math.floor(m / 4294967296);
  const lo = m - hi * 4294967296;
  const b = [(hi >>> 8) & 255, hi & 255, (lo >>> 24) & 255, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export const MAC_BROADCAST = 0xffffffffffff;

/** Group (multicast/broadcast) bit of the first octet. */
export function macIsGroup(m: number): boolean {
  return (Math.floor(m / 1099511627776) & 1) === 1;
}

/** RFC 5952 text of 16 bytes. */
export function ip6ToString(b: Uint8Array, off: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  let bestS = -1;
  let bestL = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestL && j - i >= 2) {
      bestS = i;
      bestL = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestS < 0) return hex(w);
  return `${hex(w.slice(0, bestS))}::${hex(w.slice(bestS + bestL))}`;
}

/** 16 bytes of an IPv6 address text (as ip6ToString writes it, or any RFC 4291 form); null when not one. */
export function parseIp6(text: string): Uint8Array | null {
  const s = text.trim().toLowerCase();
  if (!/^[0-9a-f:]+$/.test(s) || s.split('::').length > 2) return null;
  const [head, tail] = s.includes('::') ? s.split('::') : [s, null];
  const hw = head ? head.split(':') : [];
  const tw = tail ? tail.split(':') : [];
  const fill = tail === null ? 0 : 8 - hw.length - tw.length;
  if (fill < 0 || (tail === null && hw.length !== 8)) return null;
  const words = [...hw, ...Array<string>(fill).fill('0'), ...tw];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const w = parseInt(words[i], 16);
    if (!(w >= 0 && w <= 0xffff) || words[i].length > 4) return null;
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 255;
  }
  return out;
}

export interface Cidr6 {
  readonly bytes: Uint8Array;
  readonly len: number;
}

export function commonPrefixLen6(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) {
    const x = a[i] ^ b[i];
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 128;
}

/** The prefix of `a` of `len` bits (host bits cleared). */
export function cidr6(a: Uint8Array, len: number): Cidr6 {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, len - i * 8));
    bytes[i] = a[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return { bytes, len };
}

export function cidr6Contains(c: Cidr6, a: Uint8Array): boolean {
  return commonPrefixLen6(c.bytes, a) >= c.len;
}

export function cidr6ToString(c: Cidr6): string {
  return `${ip6ToString(c.bytes, 0)}/${c.len}`;
}
