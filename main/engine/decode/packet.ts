// The decode loop: looks each next protocol up in the dispatch tables and runs its decoder, until
// a decoder says stop, a key has no decoder, or something is malformed. One loop for both the full
// decode (decodePacket) and the allocation-free fast path (summarize).
import './protocols/index';
import { DecodeContext, Next, fld, hex } from './context';
import { lookup, makeEntry, portTables, registerDecodeAs, type Entry } from './registry';
import { PacketSummary, SummaryFlag, type DecodeOptions, type DecodedPacket } from './types';

const DEFAULT_MAX_TUNNEL_DEPTH = 8;
/** Bound on layers per packet (a packet of stacked tags/tunnels still ends: every decoder consumes or stops). */
const MAX_LAYERS = 512;

// "Decode As data": show the payload undecoded.
registerDecodeAs(makeEntry('data', (_c, off) => off), 'data');

const TABLE_NAMES = ['', 'link type', 'ethertype', 'IP protocol', 'UDP port', 'TCP port', 'IP version'];

function run(c: DecodeContext, data: Uint8Array, linktype: number, s: PacketSummary, full: boolean, opts: DecodeOptions | undefined, origLen: number): void {
  c.reset(data, linktype, s, full, origLen);
  c.maxDepth = opts?.maxTunnelDepth ?? DEFAULT_MAX_TUNNEL_DEPTH;
  const ports = portTables(opts?.decodeAs);
  let off = 0;
  let stoppedOnError = false;
  try {
    for (let i = 0; i < MAX_LAYERS; i++) {
      const t = c.next;
      if (t === Next.STOP) break;
      let e: Entry | undefined;
      if (t === Next.UDP) e = ports.udp[c.key] ?? ports.udp[c.key2];
      else if (t === Next.TCP) e = ports.tcp[c.key] ?? ports.tcp[c.key2];
      else e = c.key > 0xffff ? undefined : lookup(t, c.key);
      if (e === undefined) {
        unknown(c, t, off);
        break;
      }
      if (e.tunnel !== 0 && !c.tunnel(e.tunnel, -1, e.name, off)) break;
      c.next = Next.STOP;
      const r = e.decode(c, off);
      if (r < 0) { stoppedOnError = true; break; }
      off = r;
    }
  } catch (err) {
    // Never throw out of the packet loop: a decoder bug becomes an anomaly, the layers so far stay.
    stoppedOnError = true;
    c.anomaly('internal-error', 'decoder', off, full ? `decoder failed: ${(err as Error)?.message ?? String(err)}` : '');
  }
  if (full && !stoppedOnError && off < c.end) {
    c.layers.push({ proto: 'data', name: 'Data', offset: off, length: c.end - off, level: c.level, fields: [fld('data.len', 'Length', c.end - off, off, c.end - off)], summary: `${c.end - off} bytes` });
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
    c.anomaly('bad-version', 'ip', off, c.full ? `IP version ${c.key} (expected 4 or 6)` : '');
    return;
  }
  const key = t === Next.ETHERTYPE ? hex(c.key, 4) : String(c.key);
  c.anomaly('unknown-next-protocol', TABLE_NAMES[t] ?? 'unknown', off, c.full ? `${TABLE_NAMES[t]} ${key} has no decoder: shown as data` : '', -1, -1, false);
}

const fast = new DecodeContext();

/**
 * Fast path: fills `out` (reset first) from the packet bytes with no allocation per packet.
 * `origLen` (the original wire length) tells a snap-length cut (flag TRUNCATED) from a packet
 * shorter than its headers claim (flag MALFORMED); without it the packet is taken as complete.
 */
export function summarize(data: Uint8Array, linktype: number, out: PacketSummary, opts?: DecodeOptions, origLen = data.length): PacketSummary {
  run(fast, data, linktype, out, false, opts, origLen);
  return out;
}

/** Full decode: layers with fields and byte ranges, anomalies, info line, and the same summary. */
export function decodePacket(data: Uint8Array, linktype: number, opts?: DecodeOptions, origLen = data.length): DecodedPacket {
  const c = new DecodeContext();
  const s = new PacketSummary();
  run(c, data, linktype, s, true, opts, origLen);
  const undecoded = c.anomalies.find((a) => a.code === 'unknown-link-type');
  const last = c.layers.length ? c.layers[c.layers.length - 1] : undefined;
  const p: DecodedPacket = {
    layers: c.layers,
    anomalies: c.anomalies,
    levels: s.levels,
    info: (c.info || c.anomalies.find((a) => a.severity === 'error')?.message || (last ? last.summary : '')) + (
      undecoded ? '' : s.flags & SummaryFlag.MALFORMED ? ' [Malformed Packet]' : s.flags & SummaryFlag.TRUNCATED ? ' [Packet size limited during capture]' : ''),
    protocol: c.protoName || (undecoded ? `LINKTYPE ${linktype}` : 'DATA'),
    summary: s,
  };
  if (undecoded) p.undecoded = undecoded.message;
  return p;
}
