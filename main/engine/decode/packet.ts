// The decode loop: looks each next protocol up in the dispatch tables and runs its decoder, until
// a decoder says stop, a key has no decoder, or something is malformed. One loop for both the full
// decode (decodePacket) and the allocation-free fast path (summarize).
import './protocols/index';
import {
  DecodeContext,
  DecodeMode,
  Next,
  StringOut,
  fld,
  hex,
  ipv4Text,
  ipv6Text,
  macText,
  type InfoWriter,
  type TextOut,
} from './context';
import { ipProtoText } from './protocols/ipv4';
import { lookup, makeEntry, portTables, registerDecodeAs, type Entry } from './registry';
import { PacketSummary, SummaryFlag, type DecodeOptions, type DecodedPacket, type IpLevelSummary, type Layer } from './types';

const DEFAULT_MAX_TUNNEL_DEPTH = 8;
/** Bound on layers per packet (a packet of stacked tags/tunnels still ends: every decoder consumes or stops). */
const MAX_LAYERS = 512;

// "Decode As data": show the payload undecoded.
registerDecodeAs(
  makeEntry('data', (_c, off) => off),
  'data',
);

const TABLE_NAMES = ['', 'link type', 'ethertype', 'IP protocol', 'UDP port', 'TCP port', 'IP version'];

function run(
  c: DecodeContext,
  data: Uint8Array,
  linktype: number,
  s: PacketSummary,
  mode: DecodeMode,
  opts: DecodeOptions | undefined,
  origLen: number,
): void {
  c.reset(data, linktype, s, mode, origLen);
  c.maxDepth = opts?.maxTunnelDepth ?? DEFAULT_MAX_TUNNEL_DEPTH;
  const ports = portTables(opts?.decodeAs);
  let off = 0;
  let stoppedOnError = false;
  try {
    for (let i = 0; i < MAX_LAYERS; i++) {
      const t = c.next;
      if (t === Next.STOP) break;
      let e: Entry | undefined;
      if (t === Next.UDP) e = ports.udp.get(c.key) ?? ports.udp.get(c.key2);
      else if (t === Next.TCP) e = ports.tcp.get(c.key) ?? ports.tcp.get(c.key2);
      else e = c.key > 0xffff ? undefined : lookup(t, c.key);
      if (e === undefined) {
        unknown(c, t, off);
        break;
      }
      if (e.tunnel !== 0 && !c.tunnel(e.tunnel, -1, e.name, off)) break;
      c.next = Next.STOP;
      const r = e.decode(c, off);
      if (r < 0) {
        stoppedOnError = true;
        break;
      }
      off = r;
    }
  } catch (err) {
    // Never throw out of the packet loop: a decoder bug becomes an anomaly, the layers so far stay.
    stoppedOnError = true;
    c.anomaly('internal-error', 'decoder', off, c.text ? `decoder failed: ${(err as Error)?.message ?? String(err)}` : '');
  }
  if (c.full && !stoppedOnError && off < c.end) {
    c.layers.push({
      proto: 'data',
      name: 'Data',
      offset: off,
      length: c.end - off,
      level: c.level,
      fields: [fld('data.len', 'Length', c.end - off, off, c.end - off)],
      summary: `${c.end - off} bytes`,
    });
  }
  if (s.ipCount === 1) s.outer.copyFrom(s.inner);
}

function unknown(c: DecodeContext, t: number, off: number): void {
  if (t === Next.UDP || t === Next.TCP) return; // an unregistered port is ordinary payload
  if (t === Next.LINK) {
    c.anomaly('unknown-link-type', 'frame', 0, `link type ${c.key} has no decoder: frame not decoded`);
    return;
  }
  if (t === Next.IPVERSION) {
    c.anomaly('bad-version', 'ip', off, c.text ? `IP version ${c.key} (expected 4 or 6)` : '');
    return;
  }
  const key = t === Next.ETHERTYPE ? hex(c.key, 4) : String(c.key);
  c.anomaly(
    'unknown-next-protocol',
    TABLE_NAMES[t] ?? 'unknown',
    off,
    c.text ? `${TABLE_NAMES[t]} ${key} has no decoder: shown as data` : '',
    -1,
    -1,
    false,
  );
}

const fast = new DecodeContext();

/**
 * Fast path: fills `out` (reset first) from the packet bytes with no allocation per packet.
 * `origLen` (the original wire length) tells a snap-length cut (flag TRUNCATED) from a packet
 * shorter than its headers claim (flag MALFORMED); without it the packet is taken as complete.
 */
export function summarize(
  data: Uint8Array,
  linktype: number,
  out: PacketSummary,
  opts?: DecodeOptions,
  origLen = data.length,
): PacketSummary {
  run(fast, data, linktype, out, DecodeMode.FAST, opts, origLen);
  return out;
}

/** Info when no decoder wrote one (e.g. an IP protocol without decoder): from the summary, the same in every mode. */
function fallbackInfo(c: DecodeContext, s: PacketSummary): string {
  const l = s.inner,
    d = c.data;
  if (l.version === 4) return `${ipv4Text(l.src4)} → ${ipv4Text(l.dst4)} ${ipProtoText(l.proto)}`;
  if (l.version === 6) return `${ipv6Text(d, l.srcOffset)} → ${ipv6Text(d, l.dstOffset)} ${ipProtoText(l.proto)}`;
  if (s.innerEthOffset >= 0) return `${macText(d, s.innerEthOffset + 6)} → ${macText(d, s.innerEthOffset)}`;
  return `${d.length} bytes`;
}

/**
 * The IP level (innermost first) whose packet is the first fragment of a fragmented datagram: offset
 * 0, more fragments follow. Its transport header is there, the rest of the datagram is not.
 */
export function firstFragment(s: PacketSummary): IpLevelSummary | null {
  const first = (l: IpLevelSummary) => l.version !== 0 && l.mf === 1 && l.fragOffset === 0;
  return first(s.inner) ? s.inner : first(s.outer) ? s.outer : null;
}

/** What opens a first fragment's info line, in tshark's words for fragments. */
function firstFragmentText(l: IpLevelSummary): string {
  return l.version === 4
    ? `Fragmented IP protocol (proto=${ipProtoText(l.proto)}, off=0, ID=${hex(l.ipId, 4).slice(2)}, more fragments follow) `
    : `IPv6 fragment (off=0 more=y ident=${hex(l.ipId, 8)} nxt=${l.proto}) `;
}

/**
 * Info line and Protocol column of a packet. The info stays as the decoder's writer when the winning
 * layer left one (TCP, UDP, VXLAN): `info` makes the string, `writeInfo` writes it in parts.
 */
export class PacketText {
  protocol = '';
  /** Set when the packet's link type has no decoder (the anomaly's message). */
  undecoded: string | undefined = undefined;
  /** The info before `suffix`, when `writer` is null. */
  private text = '';
  private writer: InfoWriter | null = null;
  private data: Uint8Array = new Uint8Array(0);
  private off = 0;
  private n = 0;
  /** ' [Malformed Packet]', ' [Packet size limited during capture]' or ''. */
  private suffix = '';
  /** What says the packet is a first fragment, or ''. */
  private prefix = '';

  /** Fills this from the decoder's state after a full or info-only run. */
  from(c: DecodeContext, s: PacketSummary, linktype: number): this {
    const undecoded = c.anomalies.length ? c.anomalies.find((a) => a.code === 'unknown-link-type')?.message : undefined;
    this.undecoded = undecoded;
    this.writer = c.infoWriter;
    if (c.infoWriter !== null) {
      this.data = c.data;
      this.off = c.infoOff;
      this.n = c.infoN;
      this.text = '';
    } else {
      this.text = c.infoText || c.anomalies.find((a) => a.severity === 'error')?.message || fallbackInfo(c, s);
    }
    this.suffix = undecoded
      ? ''
      : s.flags & SummaryFlag.MALFORMED
        ? ' [Malformed Packet]'
        : s.flags & SummaryFlag.TRUNCATED
          ? ' [Packet size limited during capture]'
          : '';
    this.protocol = c.protoName || (undecoded ? `LINKTYPE ${linktype}` : 'DATA');
    const frag = s.flags & SummaryFlag.FRAGMENT ? firstFragment(s) : null;
    this.prefix = frag ? firstFragmentText(frag) : '';
    // As tshark names a fragment: the IP packet, not the datagram it starts.
    if (frag) this.protocol = frag.version === 4 ? 'IPv4' : 'IPv6';
    return this;
  }

  /** The info line. */
  get info(): string {
    if (this.writer === null) return this.prefix + this.text + this.suffix;
    const w = new StringOut();
    this.writeInfo(w);
    return w.s;
  }

  /** True when the info is text given by the capture bytes (may hold control characters); false when a writer makes it of numbers and fixed words. */
  get freeText(): boolean {
    return this.writer === null;
  }

  /** At most how many UTF-8 bytes writeInfo writes. */
  get infoRoom(): number {
    // A writer's line: numbers, fixed words and at most 40 bytes of TCP options, each shown in at most 5 characters a byte.
    return (this.writer === null ? 3 * (this.text.length + this.suffix.length) : 512) + this.prefix.length;
  }

  writeInfo(w: TextOut): void {
    if (this.prefix) w.utf8(this.prefix);
    if (this.writer === null) w.utf8(this.text);
    else this.writer(w, this.data, this.off, this.n);
    if (this.suffix) w.utf8(this.suffix);
  }
}

/** The layer after a first fragment's IP header says it holds only the start of the datagram. */
function markFirstFragment(layers: Layer[], l: IpLevelSummary): Layer[] {
  const ip = layers.findIndex((x) => x.offset === l.ipOffset && (x.proto === 'ip' || x.proto === 'ipv6'));
  const next = layers[ip + 1];
  if (ip < 0 || !next) return layers;
  const out = layers.slice();
  out[ip + 1] = {
    ...next,
    summary: `${next.summary} [first fragment: only the start of the ${l.totalLength}-byte IP packet's datagram is here, the rest is in later fragments]`,
  };
  return out;
}

/** Full decode: layers with fields and byte ranges, anomalies, info line, and the same summary. */
export function decodePacket(data: Uint8Array, linktype: number, opts?: DecodeOptions, origLen = data.length): DecodedPacket {
  const c = new DecodeContext();
  const s = new PacketSummary();
  run(c, data, linktype, s, DecodeMode.FULL, opts, origLen);
  const d = new PacketText().from(c, s, linktype);
  const frag = s.flags & SummaryFlag.FRAGMENT ? firstFragment(s) : null;
  const layers = frag ? markFirstFragment(c.layers, frag) : c.layers;
  const p: DecodedPacket = { layers, anomalies: c.anomalies, levels: s.levels, info: d.info, protocol: d.protocol, summary: s };
  if (d.undecoded) p.undecoded = d.undecoded;
  return p;
}

const textCtx = new DecodeContext();

/**
 * One-line form for list views and the text output: fills `out` like summarize and returns the
 * Wireshark-like info line and Protocol column, the same as decodePacket gives, without building
 * any Layer or Field (several times faster than decodePacket).
 */
export function describePacket(
  data: Uint8Array,
  linktype: number,
  out: PacketSummary,
  opts?: DecodeOptions,
  origLen = data.length,
): { info: string; protocol: string } {
  const t = describePacketText(data, linktype, out, new PacketText(), opts, origLen);
  return { info: t.info, protocol: t.protocol };
}

/** describePacket into a reusable PacketText, whose info is made only when asked for (or written in parts). */
export function describePacketText(
  data: Uint8Array,
  linktype: number,
  out: PacketSummary,
  text: PacketText,
  opts?: DecodeOptions,
  origLen = data.length,
): PacketText {
  run(textCtx, data, linktype, out, DecodeMode.INFO, opts, origLen);
  return text.from(textCtx, out, linktype);
}
