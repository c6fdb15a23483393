// The decode context: ONE mutable object per decoding loop, shared by every protocol decoder.
// In fast mode (summarize) decoders only fill the PacketSummary; in full mode (decodePacket) they
// also record Layers with Field trees. Same code path, so the two can never disagree.
import {
  PacketSummary,
  SummaryFlag,
  TunnelKind,
  type Anomaly,
  type AnomalyCode,
  type Field,
  type IpLevelSummary,
  type Layer,
  type LayerProto,
} from './types';

/** Which dispatch table the next protocol is looked up in (DecodeContext.next). */
export const Next = {
  STOP: 0,
  LINK: 1, // key: LINKTYPE_* value (also used for "Ethernet follows": key 1)
  ETHERTYPE: 2, // key: ethertype / GRE protocol type / Geneve protocol type / SLL protocol
  IPPROTO: 3, // key: IPv4 protocol / IPv6 next header
  UDP: 4, // keys: lower port in key, higher port in key2
  TCP: 5, // same
  IPVERSION: 6, // key: IP version nibble (raw IP link types, flannel UDP payload)
} as const;
export type NextTable = (typeof Next)[keyof typeof Next];

/** Index of each proto in PROTO_IDS (types.ts), kept in sync by the `protoId` helper below. */
import { PROTO_IDS } from './types';
const PROTO_INDEX = new Map<LayerProto, number>(PROTO_IDS.map((p, i) => [p, i]));
export function protoId(p: LayerProto): number {
  return PROTO_INDEX.get(p) ?? 0;
}

/** Short protocol names (the Protocol column), by PROTO_IDS index. */
const SHORT: Partial<Record<LayerProto, string>> = {
  eth: 'Ethernet',
  sll: 'SLL',
  sll2: 'SLL2',
  null: 'NULL',
  raw: 'IP',
  vlan: 'VLAN',
  arp: 'ARP',
  ip: 'IPv4',
  ipv6: 'IPv6',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
  udp: 'UDP',
  tcp: 'TCP',
  dns: 'DNS',
  vxlan: 'VXLAN',
  geneve: 'Geneve',
  gre: 'GRE',
  erspan: 'ERSPAN',
  flannel: 'flannel',
  wireguard: 'WireGuard',
  bgp: 'BGP',
  data: 'DATA',
};
export const PROTO_SHORT: readonly string[] = PROTO_IDS.map((p) => SHORT[p] ?? p.toUpperCase());

/** What a decode produces: summary only, summary + info text, or everything. */
export const DecodeMode = { FAST: 0, INFO: 1, FULL: 2 } as const;
export type DecodeMode = (typeof DecodeMode)[keyof typeof DecodeMode];

const ERROR_CODES: ReadonlySet<AnomalyCode> = new Set<AnomalyCode>([
  'bad-length',
  'bad-header-length',
  'empty-tunnel',
  'bad-option',
  'unknown-link-type',
  'internal-error',
  'ext-header-limit',
]);

/**
 * Fixed text written on many lines (' Seq=', ' → ', a file's name), encoded once: its UTF-8 bytes
 * packed four to a little-endian 32-bit word (zeros after the last byte), so that the command
 * line's output writes it in a few 32-bit stores instead of encoding it character by character
 * (a fifth of a TCP line's time when every separator was encoded on every line).
 */
export interface Word {
  readonly text: string;
  readonly words: Uint32Array;
  /** Bytes in UTF-8. */
  readonly length: number;
}

const utf8Encoder = new TextEncoder();

export function word(text: string): Word {
  const bytes = utf8Encoder.encode(text);
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  for (let i = 0; i < bytes.length; i++) words[i >> 2] |= bytes[i] << (8 * (i & 3));
  return { text, words, length: bytes.length };
}

/** Text made in parts: a string being built (StringOut) or the command line's output chunk (LineBatch). */
export interface TextOut {
  /** Any text. */
  utf8(s: string): void;
  /** Fixed text, encoded once. */
  word(w: Word): void;
  /** A number as String(n) writes it. */
  uint(n: number): void;
}

/** Builds a string from parts. */
export class StringOut implements TextOut {
  s = '';
  utf8(s: string): void {
    this.s += s;
  }
  word(w: Word): void {
    this.s += w.text;
  }
  uint(n: number): void {
    this.s += n;
  }
}

/**
 * Writes a layer's info line from the packet bytes at `off` and one number `n` the decoder knew then.
 * Hot decoders leave this instead of a string: each layer overwrites the previous one's info (the
 * outer UDP and VXLAN of every tunnelled packet), so only the winner's is ever made, and the text
 * output writes it straight into its chunk without making a string at all.
 */
export type InfoWriter = (w: TextOut, d: Uint8Array, off: number, n: number) => void;

export class DecodeContext {
  data: Uint8Array = new Uint8Array(0);
  /** End of the bytes the current protocol may use: captured bytes, trimmed by enclosing lengths. */
  end = 0;
  /** End announced by the innermost IP header (may lie beyond the captured bytes). */
  claimedEnd = 0;
  /** True when the frame was cut by the snap length (captured < original length). */
  cut = false;
  /**
   * Decoding the first fragment of a fragmented IP datagram: what follows holds the datagram's
   * lengths, so a header or payload running past the fragment is the datagram continuing in the
   * next fragments, not a malformed packet (tshark does not call it one either).
   */
  fragmentStart = false;
  /** Full mode: record layers and fields. */
  full = false;
  /** Text wanted: the info line and anomaly records (full mode, and the info-only mode of the text output). */
  text = false;
  s: PacketSummary = new PacketSummary();
  /** The IP level being filled (always s.inner; s.outer is copied from it when a second IP header starts). */
  cur: IpLevelSummary = this.s.inner;
  level = 0;
  maxDepth = 8;
  next: NextTable = Next.STOP;
  key = 0;
  key2 = -1;
  /** Byte offset where `key` was read (e.g. the ethertype field), -1 when not from the packet bytes. */
  keyOffset = -1;
  /** Last UDP source port decoded (for PacketSummary.tunnelSrcPort). */
  udpSrc = -1;
  /** Merged UDP port table (built-ins + decode-as) for this decode. */
  udpTable: ReadonlyMap<number, unknown> | null = null;
  layers: Layer[] = [];
  anomalies: Anomaly[] = [];
  /** Info line as text, when infoWriter is null. */
  infoText = '';
  /** Info line as how to write it (setInfo), with its offset and number. */
  infoWriter: InfoWriter | null = null;
  infoOff = 0;
  infoN = 0;

  /** The info line of the last layer that gave one ('' when none). */
  get info(): string {
    if (this.infoWriter === null) return this.infoText;
    const w = new StringOut();
    this.infoWriter(w, this.data, this.infoOff, this.infoN);
    return w.s;
  }
  set info(text: string) {
    this.infoText = text;
    this.infoWriter = null;
  }

  /** Sets the info line as a writer, run only if no later layer sets its own (text modes only). */
  setInfo(writer: InfoWriter, off: number, n = 0): void {
    this.infoWriter = writer;
    this.infoOff = off;
    this.infoN = n;
  }

  reset(data: Uint8Array, linktype: number, s: PacketSummary, mode: DecodeMode, origLen: number): void {
    const full = mode === DecodeMode.FULL;
    this.data = data;
    this.end = data.length;
    this.claimedEnd = data.length;
    this.cut = origLen > data.length;
    this.fragmentStart = false;
    this.full = full;
    this.text = mode !== DecodeMode.FAST;
    this.s = s;
    this.cur = s.inner;
    s.reset(linktype);
    this.level = 0;
    this.next = Next.LINK;
    this.key = linktype;
    this.key2 = -1;
    this.keyOffset = -1;
    this.udpSrc = -1;
    if (full) this.layers = [];
    // A full decode hands its arrays out with the packet; the info-only mode reads them before the next reset.
    if (full) this.anomalies = [];
    // Setting an array's length is a call into the runtime: only when there is something to drop.
    else if (this.text && this.anomalies.length !== 0) this.anomalies.length = 0;
    this.infoText = '';
    this.infoWriter = null;
  }

  /** Every decoder calls this once per layer, in both modes. */
  enter(pid: number): void {
    this.s.layerCount++;
    this.s.protoId = pid;
  }

  /** Protocol column: short name of the innermost decoded layer ('' when none). */
  get protoName(): string {
    return this.s.layerCount ? PROTO_SHORT[this.s.protoId] : '';
  }

  /** Full mode only: record the layer (call under `if (c.full)`). */
  layer(proto: LayerProto, name: string, offset: number, length: number, fields: Field[], summary: string, _short?: string): void {
    this.layers.push({ proto, name, offset, length, level: this.level, fields, summary });
  }

  /**
   * Checks that `n` bytes from `off` are there. If not, records the anomaly (truncated when the
   * captured bytes stop; bad-length when an enclosing header announced fewer bytes) and returns false.
   */
  need(layer: LayerProto, off: number, n: number): boolean {
    if (off + n <= this.end) return true;
    if (off + n > this.data.length) {
      this.anomaly(
        'truncated',
        layer,
        off,
        this.text ? `${layer}: needs ${n} bytes at offset ${off}, only ${Math.max(0, this.data.length - off)} captured` : '',
        n,
        Math.max(0, this.data.length - off),
      );
    } else {
      this.anomaly(
        'bad-length',
        layer,
        off,
        this.text ? `${layer}: needs ${n} bytes at offset ${off}, the enclosing header announces only ${Math.max(0, this.end - off)}` : '',
        n,
        Math.max(0, this.end - off),
      );
    }
    return false;
  }

  /** Records an anomaly: sets the summary flag in both modes, keeps the record in full mode. */
  anomaly(code: AnomalyCode, layer: string, offset: number, message: string, needed = -1, available = -1, error = true): void {
    const s = this.s;
    let severity: 'error' | 'warning' = 'warning';
    if (this.fragmentStart && ((code === 'truncated' && !this.cut) || code === 'bad-length')) code = 'fragment-continues';
    switch (code) {
      case 'fragment-continues':
        break;
      case 'truncated':
        if (this.cut) s.flags |= SummaryFlag.TRUNCATED;
        else {
          s.flags |= SummaryFlag.MALFORMED;
          severity = 'error';
        }
        break;
      case 'bad-checksum':
        s.flags |= SummaryFlag.BAD_CHECKSUM;
        break;
      case 'unknown-next-protocol':
        s.flags |= SummaryFlag.UNKNOWN_PROTOCOL;
        break;
      case 'unknown-link-type':
        s.flags |= SummaryFlag.UNDECODED | SummaryFlag.UNKNOWN_PROTOCOL;
        severity = 'error';
        break;
      case 'tunnel-depth-exceeded':
        s.flags |= SummaryFlag.TUNNEL_DEPTH_EXCEEDED;
        break;
      case 'bad-version':
        if (error) {
          s.flags |= SummaryFlag.MALFORMED;
          severity = 'error';
        }
        break;
      default:
        if (ERROR_CODES.has(code)) {
          s.flags |= SummaryFlag.MALFORMED;
          severity = 'error';
        }
    }
    if (this.text) {
      const a: { -readonly [K in keyof Anomaly]: Anomaly[K] } = { code, layer, offset, message, severity };
      if (needed >= 0) a.needed = needed;
      if (available >= 0) a.available = available;
      this.anomalies.push(a);
    }
  }

  /** A new IP header starts (not for ICMP-quoted headers). */
  beginIp(): IpLevelSummary {
    const s = this.s;
    if (s.ipCount === 1) s.outer.copyFrom(s.inner);
    if (s.ipCount >= 1) s.inner.reset();
    s.ipCount++;
    this.cur = s.inner;
    return s.inner;
  }

  /**
   * Crosses a tunnel boundary: layers decoded after this call are one level deeper. Returns false
   * (with anomaly 'tunnel-depth-exceeded') past the depth cap: the caller stops there.
   */
  tunnel(kind: TunnelKind, vni: number, layer: string, offset: number, enter = true): boolean {
    const s = this.s;
    if (enter && s.tunnelCount >= this.maxDepth) {
      this.anomaly(
        'tunnel-depth-exceeded',
        layer,
        offset,
        this.text ? `more than ${this.maxDepth} nested tunnels: not decoded further` : '',
      );
      return false;
    }
    if (s.tunnelCount === 0) {
      s.tunnel = kind;
      s.vni = vni;
      s.tunnelSrcPort =
        kind === TunnelKind.VXLAN || kind === TunnelKind.GENEVE || kind === TunnelKind.FLANNEL_UDP || kind === TunnelKind.WIREGUARD
          ? this.udpSrc
          : -1;
    }
    s.innerTunnel = kind;
    s.innerVni = vni;
    if (!enter) return true;
    s.tunnelCount++;
    this.level++;
    s.levels = this.level + 1;
    return true;
  }

  /** Records the payload (for flow hashing) of the current IP level. */
  payload(off: number): void {
    this.cur.payloadOffset = off;
    this.cur.payloadLength = this.end > off ? this.end - off : 0;
  }

  /** Sets the table and key of what comes next. */
  setNext(table: NextTable, key: number, key2 = -1, keyOffset = -1): void {
    this.next = table;
    this.key = key;
    this.key2 = key2;
    this.keyOffset = keyOffset;
  }
}

// ---- small helpers shared by the protocol decoders ----

/** A field (full mode only). */
export function fld(
  name: string,
  label: string,
  value: string | number | boolean | null,
  offset: number,
  length: number,
  display?: string,
  children?: Field[],
): Field {
  const f: { -readonly [K in keyof Field]: Field[K] } = { name, label, value, offset, length };
  if (display !== undefined) f.display = display;
  if (children !== undefined) f.children = children;
  return f;
}

export function u16(d: Uint8Array, o: number): number {
  return (d[o] << 8) | d[o + 1];
}
export function u24(d: Uint8Array, o: number): number {
  return (d[o] << 16) | (d[o + 1] << 8) | d[o + 2];
}
export function u32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}
export function hex(n: number, digits: number): string {
  return '0x' + n.toString(16).padStart(digits, '0');
}
export function ipv4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
export function macText(d: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + (d[o + i] ?? 0).toString(16).padStart(2, '0');
  return s;
}
/** IPv6 address text (RFC 5952: lower case, longest run of zero groups as ::). */
export function ipv6Text(d: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(u16(d, o + 2 * i));
  let bestStart = -1,
    bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped (::ffff:a.b.c.d) keeps the dotted quad, as tshark and inet_ntop print it.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${d[o + 12]}.${d[o + 13]}.${d[o + 14]}.${d[o + 15]}`;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g
    .slice(0, bestStart)
    .map((x) => x.toString(16))
    .join(':');
  const tail = g
    .slice(bestStart + bestLen)
    .map((x) => x.toString(16))
    .join(':');
  return `${head}::${tail}`;
}
