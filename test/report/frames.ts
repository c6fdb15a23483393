// Byte builders for the report tests' own captures: Ethernet, IPv4 (with a correct checksum), UDP,
// ICMP echo, DNS query, VXLAN. Enough to make flows, tunnels and hostile DNS names.
const mac = (s: string) => s.split(':').map((h) => parseInt(h, 16));
const ip4 = (s: string) => s.split('.').map(Number);

export function eth(src: string, dst: string, type: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...mac(dst), ...mac(src), type >> 8, type & 0xff, ...payload]);
}

export function ipv4(src: string, dst: string, proto: number, payload: Uint8Array, opts: { id?: number; ttl?: number } = {}): Uint8Array {
  const len = 20 + payload.length;
  const h = [
    0x45,
    0,
    len >> 8,
    len & 0xff,
    (opts.id ?? 1) >> 8,
    (opts.id ?? 1) & 0xff,
    0x40,
    0,
    opts.ttl ?? 64,
    proto,
    0,
    0,
    ...ip4(src),
    ...ip4(dst),
  ];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (h[i] << 8) | h[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  const ck = ~sum & 0xffff;
  h[10] = ck >> 8;
  h[11] = ck & 0xff;
  return Uint8Array.from([...h, ...payload]);
}

export function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const len = 8 + payload.length;
  return Uint8Array.from([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, len >> 8, len & 0xff, 0, 0, ...payload]);
}

export function icmpEcho(id: number, seq: number, reply = false): Uint8Array {
  const b = [reply ? 0 : 8, 0, 0, 0, id >> 8, id & 0xff, seq >> 8, seq & 0xff, 1, 2, 3, 4, 5, 6, 7, 8];
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | b[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  const ck = ~sum & 0xffff;
  b[2] = ck >> 8;
  b[3] = ck & 0xff;
  return Uint8Array.from(b);
}

/** A DNS A query for `name` (labels may hold any bytes, as on the wire). */
export function dnsQuery(id: number, name: string): Uint8Array {
  const labels: number[] = [];
  for (const l of name.split('.')) {
    const b = [...new TextEncoder().encode(l)].slice(0, 63);
    labels.push(b.length, ...b);
  }
  return Uint8Array.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
}

export function vxlan(vni: number, inner: Uint8Array): Uint8Array {
  return Uint8Array.from([0x08, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0, ...inner]);
}
