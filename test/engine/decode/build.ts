// Byte builders for hand-made packets (what the kernel here cannot produce: IP-in-IP, Geneve with
// options, GRE with key, QinQ, broken headers). Each returns the header followed by its payload.

export function bytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const be16 = (n: number) => [(n >> 8) & 255, n & 255];
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const ip4 = (s: string) => s.split('.').map(Number);

export const MAC_A = [0x02, 0x42, 0x0a, 0xf4, 0x01, 0x02];
export const MAC_B = [0x02, 0x42, 0x0a, 0xf4, 0x02, 0x03];

export function eth(type: number, payload: Uint8Array, dst = MAC_B, src = MAC_A): Uint8Array {
  return bytes(dst, src, be16(type), payload);
}
export function vlan(id: number, type: number, payload: Uint8Array): Uint8Array {
  return bytes(be16(id & 0xfff), be16(type), payload);
}

export interface Ip4Opts {
  src?: string;
  dst?: string;
  proto: number;
  ttl?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  fragOffset?: number;
  ihl?: number;
  totalLength?: number;
  options?: number[];
  badChecksum?: boolean;
}
export function ipv4(o: Ip4Opts, payload: Uint8Array): Uint8Array {
  const opts = o.options ?? [];
  const ihl = o.ihl ?? 5 + opts.length / 4;
  const h = [
    0x40 | ihl,
    0,
    ...be16(o.totalLength ?? 20 + opts.length + payload.length),
    ...be16(o.id ?? 1),
    ...be16(((o.df ? 1 : 0) << 14) | ((o.mf ? 1 : 0) << 13) | (o.fragOffset ?? 0)),
    o.ttl ?? 64,
    o.proto,
    0,
    0,
    ...ip4(o.src ?? '10.0.0.1'),
    ...ip4(o.dst ?? '10.0.0.2'),
    ...opts,
  ];
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i] << 8) | h[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = (~sum & 0xffff) ^ (o.badChecksum ? 0x1111 : 0);
  h[10] = ck >> 8;
  h[11] = ck & 255;
  return bytes(h, payload);
}
export function ipv6(o: { src?: number[]; dst?: number[]; nxt: number; hlim?: number; plen?: number }, payload: Uint8Array): Uint8Array {
  const src = o.src ?? [0xfd, 0, ...new Array(13).fill(0), 1];
  const dst = o.dst ?? [0xfd, 0, ...new Array(13).fill(0), 2];
  return bytes([0x60, 0, 0, 0], be16(o.plen ?? payload.length), [o.nxt, o.hlim ?? 64], src, dst, payload);
}
export function udp(sp: number, dp: number, payload: Uint8Array, length?: number): Uint8Array {
  return bytes(be16(sp), be16(dp), be16(length ?? 8 + payload.length), [0, 0], payload);
}
export function tcp(
  sp: number,
  dp: number,
  flags: number,
  options: number[] = [],
  payload = new Uint8Array(0),
  seq = 1000,
  ack = 0,
): Uint8Array {
  const hl = 20 + options.length;
  return bytes(be16(sp), be16(dp), be32(seq), be32(ack), [(hl / 4) << 4, flags], be16(64240), [0, 0, 0, 0], options, payload);
}
export function icmpEcho(type: number, id: number, seq: number, data: number[] = [1, 2, 3, 4]): Uint8Array {
  return bytes([type, 0, 0, 0], be16(id), be16(seq), data);
}
export function vxlan(vni: number, inner: Uint8Array): Uint8Array {
  return bytes([0x08, 0, 0, 0], [(vni >> 16) & 255, (vni >> 8) & 255, vni & 255, 0], inner);
}
/** options: [class, type, dataWords] each. */
export function geneve(vni: number, proto: number, options: [number, number, number][], inner: Uint8Array): Uint8Array {
  const opt: number[] = [];
  for (const [cls, type, words] of options) opt.push(...be16(cls), type, words & 0x1f, ...new Array(words * 4).fill(0xab));
  return bytes([opt.length / 4, 0], be16(proto), [(vni >> 16) & 255, (vni >> 8) & 255, vni & 255, 0], opt, inner);
}
export function gre(proto: number, inner: Uint8Array, o: { key?: number; seq?: number; checksum?: boolean } = {}): Uint8Array {
  const flags = (o.checksum ? 0x8000 : 0) | (o.key !== undefined ? 0x2000 : 0) | (o.seq !== undefined ? 0x1000 : 0);
  return bytes(
    be16(flags),
    be16(proto),
    o.checksum ? [0, 0, 0, 0] : [],
    o.key !== undefined ? be32(o.key) : [],
    o.seq !== undefined ? be32(o.seq) : [],
    inner,
  );
}
export function dnsQuery(id: number, name: string, type = 1): Uint8Array {
  const labels: number[] = [];
  for (const l of name.split('.')) labels.push(l.length, ...[...l].map((c) => c.charCodeAt(0)));
  return bytes(be16(id), [0x01, 0x00], be16(1), be16(0), be16(0), be16(0), labels, [0], be16(type), be16(1));
}
export function dnsAnswerA(id: number, name: string, addr: string): Uint8Array {
  const labels: number[] = [];
  for (const l of name.split('.')) labels.push(l.length, ...[...l].map((c) => c.charCodeAt(0)));
  return bytes(
    be16(id),
    [0x81, 0x80],
    be16(1),
    be16(1),
    be16(0),
    be16(0),
    labels,
    [0],
    be16(1),
    be16(1),
    [0xc0, 12],
    be16(1),
    be16(1),
    be32(30),
    be16(4),
    ip4(addr),
  );
}
export function arpRequest(spa: string, tpa: string): Uint8Array {
  return bytes([0, 1, 8, 0, 6, 4, 0, 1], MAC_A, ip4(spa), [0, 0, 0, 0, 0, 0], ip4(tpa));
}
