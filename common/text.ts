// How endpoints, flows, NAT rewrites, encapsulations, tunnels and durations read as text: one
// wording for the terminal (CLI), the app (backend views, notes) and the reports. Names that came
// from a capture (nodes, interfaces, capture ids) may hold control characters: they are replaced
// here, so nothing from a capture drives a terminal or hides text. Plain TypeScript (the renderer
// may import it too).

/** Replaces control characters (terminal escapes) in text that came from a capture. */
export function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A whole text block with control characters replaced, line breaks kept. */
export function cleanBlock(text: string): string {
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '?');
}

/** '10.0.0.1:80', '[fd00::1]:80', or the address alone without a port. */
export function endpoint(ip: string, port: number | null): string {
  if (port === null) return clean(ip);
  return ip.includes(':') ? `[${clean(ip)}]:${port}` : `${clean(ip)}:${port}`;
}

/** 'a:1 → b:2': one direction of a packet. */
export function direction(h: { src: string; srcPort: number | null; dst: string; dstPort: number | null }): string {
  return `${endpoint(h.src, h.srcPort)} → ${endpoint(h.dst, h.dstPort)}`;
}

interface FlowLike {
  readonly protocol: string;
  readonly a: { readonly ip: string; readonly port: number | null };
  readonly b: { readonly ip: string; readonly port: number | null };
}

/** 'TCP 10.0.0.1:40000 ⇄ 10.0.1.2:80' (the side that spoke first on the left). */
export function flowText(f: FlowLike): string {
  return `${clean(f.protocol.toUpperCase())} ${endpoint(f.a.ip, f.a.port)} ⇄ ${endpoint(f.b.ip, f.b.port)}`;
}

interface NatLike {
  readonly kind: string;
  readonly node: string | null;
  readonly hop: number;
  readonly before: { src: string; srcPort: number | null; dst: string; dstPort: number | null };
  readonly after: { src: string; srcPort: number | null; dst: string; dstPort: number | null };
}

/** 'DNAT a → b became a → c on node1 (hop 3)': what a NAT rewrote, where. */
export function natText(n: NatLike): string {
  return `${clean(n.kind.toUpperCase())} ${direction(n.before)} became ${direction(n.after)} on ${n.node === null ? 'an unknown node' : clean(n.node)} (hop ${n.hop + 1})`;
}

interface EncapLike {
  readonly type: string;
  readonly outerSrc: string;
  readonly outerDst: string;
  readonly vni: number | null;
  readonly udpSrcPort: number | null;
  readonly udpDstPort: number | null;
}

/** 'vxlan VNI 1 10.0.0.1:51234 → 10.0.0.2:8472': the outer header a packet travelled in. */
export function encapText(e: EncapLike): string {
  return `${clean(e.type)}${e.vni !== null ? ` VNI ${e.vni}` : ''} ${endpoint(e.outerSrc, e.udpSrcPort)} → ${endpoint(e.outerDst, e.udpDstPort)}`;
}

interface TunnelLike {
  readonly type: string;
  readonly vni: number | null;
  /** Every VNI of a tunnel whose VNI varies per sender (Cilium's source identity). */
  readonly vnis?: readonly number[];
  readonly port: number | null;
}

const TUNNEL_NAMES: Record<string, string> = {
  vxlan: 'VXLAN',
  geneve: 'Geneve',
  'flannel-udp': 'flannel',
  ipip: 'IP-in-IP',
  ip6in4: 'IPv6-in-IPv4',
  gre: 'GRE',
  wireguard: 'WireGuard',
};

/**
 * 'VXLAN VNI 1 UDP 8472', 'IP-in-IP', 'GRE key 5', 'VXLAN VNI per sender (1, 4117) UDP 8472': a
 * tunnel between two nodes.
 */
export function tunnelText(t: TunnelLike): string {
  const word = t.type === 'gre' ? 'key' : 'VNI';
  const key = t.vnis?.length ? ` ${word} per sender (${t.vnis.join(', ')})` : t.vni === null ? '' : ` ${word} ${t.vni}`;
  const port = t.port !== null ? ` UDP ${t.port}` : t.type === 'flannel-udp' ? ' UDP' : '';
  return `${TUNNEL_NAMES[t.type] ?? clean(t.type)}${key}${port}`;
}

/** A duration for people: '442 ns', '56.0 µs', '1.234 ms', '2.000 s'; '-' when unknown. */
export function duration(ns: number | null): string {
  if (ns === null || !Number.isFinite(ns)) return '-';
  const a = Math.abs(ns);
  const s = ns < 0 ? '-' : '';
  if (a < 1e3) return `${s}${a.toFixed(0)} ns`;
  if (a < 1e6) return `${s}${(a / 1e3).toFixed(1)} µs`;
  if (a < 1e9) return `${s}${(a / 1e6).toFixed(3)} ms`;
  return `${s}${(a / 1e9).toFixed(3)} s`;
}

/** A duration with its sign always written: '+1.234 ms', '-56.0 µs' (offsets, corrections). */
export function signedDuration(ns: number | null): string {
  if (ns === null || !Number.isFinite(ns)) return '-';
  return ns < 0 ? duration(ns) : `+${duration(ns)}`;
}

/** What each field of a model element that can be unknown is called in text. */
const UNKNOWN_FIELDS: Record<string, string> = {
  node: 'node',
  interface: 'interface name',
  kind: 'interface kind',
  podCidr: 'pod CIDR',
  underlayIps: 'underlay address',
  underlayMacs: 'NIC MAC',
  vtepMac: 'tunnel device MAC',
  vtepIp: 'tunnel device address',
  gatewayIp: 'gateway address',
  gatewayMac: 'gateway MAC',
  mac: 'MAC',
  veth: 'veth',
  natNodes: 'NAT node',
};

/**
 * 'gateway address unknown: no ARP or IP packet of the gateway in the captures: …', one line per
 * unknown fact of an element (its `unknown` reasons; the reasons may quote capture text).
 */
export function unknownLines(why: { readonly [field: string]: string | undefined } | undefined): string[] {
  return Object.entries(why ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${UNKNOWN_FIELDS[k] ?? k} unknown: ${clean(v)}`);
}
