// Dispatch tables keyed by (parent, id). Each protocol module registers ITSELF in its parents'
// tables (like Wireshark's dissector_add_uint("udp.port", 4789, vxlan_handle)); the decode loop
// in packet.ts only looks keys up. "Decode As" is a user overlay on the UDP/TCP port tables.
import { Next, type DecodeContext, type NextTable } from './context';
import { TunnelKind, type DecodeAsProto, type DecodeAsTable } from './types';

/** A protocol decoder: reads its header at `off`, fills the context, sets c.next; returns the payload offset or -1 to stop. */
export type Decoder = (c: DecodeContext, off: number) => number;

export interface Entry {
  readonly name: string;
  readonly decode: Decoder;
  /** When not NONE, entering this child crosses a tunnel boundary (IP-in-IP, 6in4, bare IP in UDP). */
  readonly tunnel: TunnelKind;
}

/** Every table is a dense array indexed by the 16-bit key (faster than a Map in the per-packet loop). */
export type Table = (Entry | undefined)[];
const KEYS = 0x10000;
const newTable = (): Table => new Array<Entry | undefined>(KEYS).fill(undefined);
const tables: Table[] = [];
for (const t of Object.values(Next)) tables[t] = newTable();

/** Entries by protocol name, for "Decode As" (e.g. 'vxlan', 'flannel', 'geneve'). */
const byName = new Map<string, Entry>();

export function register(table: NextTable, key: number, name: string, decode: Decoder, tunnel: TunnelKind = TunnelKind.NONE): Entry {
  if (!Number.isInteger(key) || key < 0 || key >= KEYS) throw new Error(`register ${name}: key ${key} is not a 16-bit number`);
  const e: Entry = { name, decode, tunnel };
  tables[table][key] = e;
  return e;
}

/** An entry in no table (only reachable through "Decode As"). */
export function makeEntry(name: string, decode: Decoder, tunnel: TunnelKind = TunnelKind.NONE): Entry {
  return { name, decode, tunnel };
}

/** Makes a protocol selectable in "Decode As" under `names`. */
export function registerDecodeAs(entry: Entry, ...names: string[]): void {
  for (const n of names) byName.set(n, entry);
}

export function lookup(table: NextTable, key: number): Entry | undefined {
  return tables[table][key];
}

/** Names accepted by "Decode As" (for the CLI's usage and the app's menu). */
export function decodeAsNames(): string[] {
  return [...byName.keys()].sort();
}

/** The entry of a "decode as" name (a DecodeAsProto, or whatever string the user gave). */
export function decodeAsEntry(name: string): Entry | undefined {
  return byName.get(name);
}

const merged = new WeakMap<DecodeAsTable, { udp: Table; tcp: Table }>();
const EMPTY = { udp: tables[Next.UDP], tcp: tables[Next.TCP] };

/**
 * The port tables for one "Decode As" table: built-ins overlaid with the user's entries (built once
 * per table object and cached, so the hot path does one Map lookup per port).
 */
export function portTables(decodeAs: DecodeAsTable | undefined): { udp: Table; tcp: Table } {
  if (!decodeAs || decodeAs.length === 0) return EMPTY;
  let m = merged.get(decodeAs);
  if (!m) {
    m = { udp: tables[Next.UDP].slice(), tcp: tables[Next.TCP].slice() };
    for (const e of decodeAs) {
      const entry = byName.get(e.proto);
      if (!entry) throw new Error(`decode-as: unknown protocol '${e.proto}' (known: ${decodeAsNames().join(', ')})`);
      if (!Number.isInteger(e.port) || e.port < 0 || e.port >= KEYS) throw new Error(`decode-as: port ${e.port} out of range`);
      (e.layer === 'tcp' ? m.tcp : m.udp)[e.port] = entry;
    }
    merged.set(decodeAs, m);
  }
  return m;
}

/** Parses 'udp:8472=vxlan' (the CLI's --decode-as syntax). Throws a clear message on bad input. */
export function parseDecodeAs(spec: string): { layer: 'udp' | 'tcp'; port: number; proto: DecodeAsProto } {
  const m = /^(udp|tcp)(?:\.port)?[:=](\d{1,5})=([a-z0-9-]+)$/i.exec(spec.trim());
  if (!m) throw new Error(`bad --decode-as '${spec}': expected udp:PORT=PROTO, e.g. udp:8472=vxlan`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`bad --decode-as '${spec}': port ${port} out of range`);
  const proto = m[3].toLowerCase();
  if (!byName.has(proto)) throw new Error(`bad --decode-as '${spec}': unknown protocol '${proto}' (known: ${decodeAsNames().join(', ')})`);
  return { layer: m[1].toLowerCase() as 'udp' | 'tcp', port, proto: proto as DecodeAsProto };
}
