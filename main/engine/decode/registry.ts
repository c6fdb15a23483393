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

const KEYS = 0x10000;

/**
 * A dispatch table over 16-bit keys: a typed array maps each key to a slot in a short list of
 * entries (slot 0: none). Reading it costs two indexed loads, like a dense array of entries, but
 * creating it touches no memory: seven dense 65,536-slot arrays took 18 ms of CPU (the pages they
 * write) at every start of the command line, which mostly decodes a few packets.
 */
export class Table {
  private readonly slots: Uint16Array;
  private readonly entries: (Entry | undefined)[];

  constructor(from?: Table) {
    this.slots = from ? from.slots.slice() : new Uint16Array(KEYS);
    this.entries = from ? from.entries.slice() : [undefined];
  }

  get(key: number): Entry | undefined {
    return this.entries[this.slots[key]];
  }

  set(key: number, e: Entry): void {
    let slot = this.entries.indexOf(e);
    if (slot < 0) slot = this.entries.push(e) - 1;
    this.slots[key] = slot;
  }
}
const tables: Table[] = [];
for (const t of Object.values(Next)) tables[t] = new Table();

/** Entries by protocol name, for "Decode As" (e.g. 'vxlan', 'flannel', 'geneve'). */
const byName = new Map<string, Entry>();

export function register(table: NextTable, key: number, name: string, decode: Decoder, tunnel: TunnelKind = TunnelKind.NONE): Entry {
  if (!Number.isInteger(key) || key < 0 || key >= KEYS) throw new Error(`register ${name}: key ${key} is not a 16-bit number`);
  const e: Entry = { name, decode, tunnel };
  tables[table].set(key, e);
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
  return tables[table].get(key);
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
    m = { udp: new Table(tables[Next.UDP]), tcp: new Table(tables[Next.TCP]) };
    for (const e of decodeAs) {
      const entry = byName.get(e.proto);
      if (!entry) throw new Error(`decode-as: unknown protocol '${e.proto}' (known: ${decodeAsNames().join(', ')})`);
      if (!Number.isInteger(e.port) || e.port < 0 || e.port >= KEYS) throw new Error(`decode-as: port ${e.port} out of range`);
      (e.layer === 'tcp' ? m.tcp : m.udp).set(e.port, entry);
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
