// The per-packet table of a capture set: one typed array per field (columnar), filled from the
// decoder's allocation-free PacketSummary. Row r = one packet of one capture point. Everything the
// correlation needs lives here; full decodes are done on demand for the few packets shown.

import { Next } from '../engine/decode/context';
import { lookup } from '../engine/decode/registry';
import { SummaryFlag, type PacketSummary } from '../engine/decode/types';
import { ip4ToString, ip6ToString, macNumber } from './addr';

/** Bytes of transport payload hashed for journey matching (survives NAT; snaplen rarely cuts it). */
export const PAYLOAD_HASH_BYTES = 32;

/** True for an ICMP or ICMPv6 error that quotes a packet (destination unreachable, too big, time exceeded, parameter problem). */
function icmpErrorType(ver: number, proto: number, type: number): boolean {
  return (ver === 4 && proto === 1 && (type === 3 || type === 11 || type === 12)) || (ver === 6 && proto === 58 && type >= 1 && type <= 4);
}

/**
 * The journey hash of an ICMP error's quote (from `p`, `len` bytes): the quoted IP header and the
 * first 20 bytes after it, without what NAT rewrites there. A node that translated the packet an
 * error is about translates the error back on its way (conntrack rewrites the error's source and
 * the addresses, ports and checksums of the header it quotes: RFC 5508 section 4.3), so the error
 * seen past that node quotes the same packet under other addresses; everything else it quotes (the
 * quoted IP ID, length, TTL, protocol, TCP sequence numbers, UDP length, the first payload bytes)
 * is the same, and keeps the two sightings one journey. Masked: the IPv4 header checksum and
 * addresses (IPv6: the addresses), the transport ports (an echo's identifier) and checksum. `cut`:
 * the snap length cut the bytes hashed.
 */
function quoteHash(data: Uint8Array, p: number, len: number, ver: number): { hash: number; cut: boolean } {
  const head = ver === 4 ? (p < data.length ? Math.max(20, (data[p] & 15) * 4) : 20) : 40;
  const proto = ver === 4 ? data[p + 9] : data[p + 6];
  const want = p + Math.min(len, head + 20);
  const end = Math.min(data.length, want);
  let h = 0x811c9dc5;
  for (let k = p; k < end; k++) {
    const o = k - p;
    if (o < head ? (ver === 4 ? o >= 10 && o < 20 : o >= 8 && o < 40) : o - head < 4) continue;
    const t = o - head;
    if (
      t >= 0 &&
      (proto === 17 ? t === 6 || t === 7 : proto === 6 ? t === 16 || t === 17 : (proto === 1 || proto === 58) && (t === 4 || t === 5))
    )
      continue;
    h = Math.imul(h ^ data[k], 0x01000193);
  }
  return { hash: h >>> 0, cut: end < want };
}

/** SLL/SLL2 packet types (Linux PACKET_*): 0 to us, 1 broadcast, 2 multicast, 3 other host, 4 outgoing. */
export const PKTTYPE_UNKNOWN = 255;
export const PKTTYPE_OUTGOING = 4;

/** ICMP destination-unreachable / fragmentation-needed (and ICMPv6 packet-too-big) seen in the set. */
export interface IcmpTooBig {
  readonly row: number;
  /** Next-hop MTU the router announced. */
  readonly mtu: number;
  /** Quoted original packet (IPv4 only; 0 when absent). */
  readonly quotedSrc: number;
  readonly quotedDst: number;
  readonly quotedId: number;
}

/**
 * An ICMP or ICMPv6 error seen in the set (destination unreachable, packet too big, time exceeded,
 * parameter problem) with what it quotes of the packet it is about: enough to find that packet's
 * journey. Addresses are address-column values (IPv4 number or IPv6 id), -1 where not quoted.
 */
export interface IcmpError {
  readonly row: number;
  readonly ver: 4 | 6;
  readonly type: number;
  readonly code: number;
  /** Next-hop MTU of a fragmentation-needed / packet-too-big, else 0. */
  readonly mtu: number;
  readonly quotedSrc: number;
  readonly quotedDst: number;
  readonly quotedProto: number;
  /** IPv4 identification (-1 for IPv6). */
  readonly quotedId: number;
  /** TCP/UDP ports, or the ICMP echo identifier and sequence (in sport / dport), -1 when absent. */
  readonly quotedSport: number;
  readonly quotedDport: number;
  /** TCP sequence number, -1 when absent. */
  readonly quotedSeq: number;
  /**
   * The tunnel packet's outer addresses when the error quotes a tunnel packet (VXLAN, Geneve,
   * flannel UDP, IP-in-IP): the quoted fields above are then those of the packet it carries.
   */
  readonly quotedTunnel: { readonly src: number; readonly dst: number; readonly overhead: number } | null;
}

/**
 * Where the IP packet carried inside a tunnel packet starts, given its transport header at `tp`
 * (IP-in-IP, VXLAN and Geneve with Ethernet inside, flannel's UDP backend), or -1 when it is no
 * tunnel packet or the bytes are not there (an ICMP error quotes a prefix of the packet). A UDP
 * port is a tunnel's as the decoder registers it (engine/decode/protocols).
 */
function tunnelledPacketAt(data: Uint8Array, proto: number, tp: number): number {
  const ethernet = (e: number): number => {
    if (e + 14 > data.length) return -1;
    let type = (data[e + 12] << 8) | data[e + 13];
    let at = e + 14;
    if (type === 0x8100 && at + 4 <= data.length) {
      type = (data[at + 2] << 8) | data[at + 3];
      at += 4;
    }
    return type === 0x0800 || type === 0x86dd ? at : -1;
  };
  if (proto === 4 || proto === 41) return tp;
  if (proto !== 17 || tp + 16 > data.length) return -1;
  const tunnel = lookup(Next.UDP, (data[tp + 2] << 8) | data[tp + 3])?.name;
  if (tunnel === 'vxlan') return (data[tp + 8] & 0x08) !== 0 ? ethernet(tp + 16) : -1;
  if (tunnel === 'flannel') return tp + 8;
  if (tunnel === 'geneve') {
    const body = tp + 16 + (data[tp + 8] & 0x3f) * 4;
    const type = (data[tp + 10] << 8) | data[tp + 11];
    return type === 0x6558 ? ethernet(body) : type === 0x0800 || type === 0x86dd ? body : -1;
  }
  return -1;
}

export interface ArpRecord {
  readonly row: number;
  readonly op: number;
  readonly senderIp: number;
  readonly targetIp: number;
  readonly senderMac: number;
}

/** Rows whose column memory `add` touches at a time, ahead of the rows it fills (PacketTable.touchAhead). */
const TOUCH_ROWS = 1 << 16;

/** The element types of the table's columns. */
export type Column = Float64Array | Uint32Array | Int32Array | Uint16Array | Int16Array | Uint8Array;

/**
 * Writes zeros over rows `r` to `r + TOUCH_ROWS` (at most each column's length) of `columns`, one column
 * after the other, and returns the row it stopped at. Fresh memory costs a page fault on its first write
 * (about 13 µs a page on a loaded virtual machine); met by a row's writes to many columns at once, those
 * faults cost twice what one pass over each column in turn does. Callers touch only unused rows, which
 * hold zeros already, so no value changes.
 */
export function touchRows(columns: readonly Column[], r: number): number {
  let to = r;
  for (const c of columns) {
    const end = Math.min(c.length, r + TOUCH_ROWS);
    c.fill(0, r, end);
    to = Math.max(to, end);
  }
  return to;
}

/** A table's rows as another thread hands them over (PacketTable.part / append). */
export interface TablePart {
  readonly count: number;
  readonly epochSec: number;
  readonly columns: Record<string, Column>;
  readonly ip6: readonly string[];
  readonly macs: readonly number[];
  readonly arp: readonly ArpRecord[];
  readonly tooBig: readonly IcmpTooBig[];
  readonly icmpErrors: readonly IcmpError[];
}

/**
 * MAC (high 16, low 32 bits) -> id: open addressing over typed arrays, no allocation per lookup. The
 * low 32 bits are kept and passed as a signed 32-bit number (`lo | 0`): an unsigned one past 2^31 is
 * a heap number, made anew on every call that is not inlined.
 */
class MacIds {
  private hi = new Uint32Array(64);
  private lo = new Int32Array(64);
  /** id + 1; 0 = empty slot. */
  private ids = new Int32Array(64);
  private size = 0;

  /** The id of the MAC (`lo`: its low 32 bits as a signed number); when new, it gets `next`. */
  get(hi: number, lo: number, next: number): number {
    const mask = this.ids.length - 1;
    const h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
    let i = (h ^ (h >>> 16)) & mask;
    for (;;) {
      const v = this.ids[i];
      if (v === 0) break;
      if (this.lo[i] === lo && this.hi[i] === hi) return v - 1;
      i = (i + 1) & mask;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.ids[i] = next + 1;
    if (++this.size * 2 > this.ids.length) this.rehash();
    return next;
  }

  private rehash(): void {
    const { hi, lo, ids } = this;
    this.hi = new Uint32Array(ids.length * 2);
    this.lo = new Int32Array(ids.length * 2);
    this.ids = new Int32Array(ids.length * 2);
    this.size = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) this.get(hi[i], lo[i], ids[i] - 1);
  }
}

function grow<T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Int16Array | Uint8Array>(
  a: T,
  n: number,
  shared: boolean,
): T {
  const C = a.constructor as { new (n: number): T; new (b: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };
  const b = shared ? new C(new SharedArrayBuffer(n * C.BYTES_PER_ELEMENT)) : new C(n);
  b.set(a);
  return b;
}

/** Columns (all the same length `count`; arrays may be longer: read only `[0, count)`). */
export class PacketTable {
  count = 0;
  /** Epoch second that `tNs` counts from. */
  epochSec = Number.NaN;
  file = new Uint16Array(0);
  index = new Uint32Array(0);
  point = new Uint16Array(0);
  tNs = new Float64Array(0);
  /**
   * 1 where the packet's record has no timestamp (a pcapng Simple Packet Block): its tNs is then the
   * time of the row before it in its file (the epoch for a file's first), which keeps it in file
   * order; it means nothing else, and nothing is ever timed by it.
   */
  noTime = new Uint8Array(0);
  origLen = new Uint32Array(0);
  flags = new Uint16Array(0);
  pktType = new Uint8Array(0);
  levels = new Uint8Array(0);
  ipCount = new Uint8Array(0);

  tunnel = new Uint8Array(0);
  vni = new Int32Array(0);
  tunSport = new Int32Array(0);
  tunDport = new Int32Array(0);
  outerVer = new Uint8Array(0);
  outerSrc = new Uint32Array(0);
  outerDst = new Uint32Array(0);
  outerProto = new Uint8Array(0);
  outerTtl = new Uint8Array(0);
  outerLen = new Uint32Array(0);
  /** DF << 15 | MF << 14 | fragment offset (13 bits). */
  outerFrag = new Uint16Array(0);

  innerVer = new Uint8Array(0);
  innerSrc = new Uint32Array(0);
  innerDst = new Uint32Array(0);
  /** 255 = no IP. */
  innerProto = new Uint8Array(0);
  innerTtl = new Uint8Array(0);
  ipId = new Uint32Array(0);
  innerLen = new Uint32Array(0);
  innerFrag = new Uint16Array(0);
  sport = new Int32Array(0);
  dport = new Int32Array(0);
  tcpSeq = new Uint32Array(0);
  tcpAck = new Uint32Array(0);
  tcpFlags = new Uint16Array(0);
  tcpWin = new Uint16Array(0);
  icmpType = new Int16Array(0);
  icmpCode = new Int16Array(0);
  icmpId = new Int32Array(0);
  icmpSeq = new Int32Array(0);
  payLen = new Uint32Array(0);
  payHash = new Uint32Array(0);
  /** MACs as ids into `macs` (read them with `mac(id)`); -1 = no Ethernet header. */
  innerMacSrc = new Int32Array(0);
  innerMacDst = new Int32Array(0);
  outerMacSrc = new Int32Array(0);
  outerMacDst = new Int32Array(0);

  /** The set's MAC addresses as 48-bit numbers, by id (the MAC columns hold ids: a few distinct MACs in millions of rows). */
  readonly macs: number[] = [];
  private macIds = new MacIds();
  /** IPv6 addresses are interned: the address columns then hold ids into this list. */
  readonly ip6: string[] = [];
  private readonly ip6Ids = new Map<string, number>();
  readonly arp: ArpRecord[] = [];
  readonly tooBig: IcmpTooBig[] = [];
  readonly icmpErrors: IcmpError[] = [];
  private capacity = 0;
  /** Rows below this have had their columns' memory touched (see touchAhead). */
  private touched = 0;

  /**
   * `shared`: the columns live in SharedArrayBuffers from the start, so another thread (the
   * analysis worker) can be handed them as they are, with no copy of the filled table.
   */
  constructor(
    initialCapacity = 1024,
    private readonly shared = false,
  ) {
    this.ensure(initialCapacity);
  }

  /**
   * Empties the table to be filled again, keeping its columns' memory: a reader of one file after
   * another then allocates (and the system maps) that memory once instead of once per file. The rows
   * left in the columns are overwritten: `add` zeroes rows ahead of those it fills (touchAhead), as
   * fresh memory would be.
   */
  clear(): this {
    this.count = 0;
    this.epochSec = Number.NaN;
    this.touched = 0;
    this.macs.length = 0;
    this.macIds = new MacIds();
    this.ip6.length = 0;
    this.ip6Ids.clear();
    this.arp.length = 0;
    this.tooBig.length = 0;
    this.icmpErrors.length = 0;
    return this;
  }

  /** Makes room for `n` rows at once (one allocation per column instead of doubling up to it). */
  reserve(n: number): void {
    if (n > this.capacity) this.ensure(Math.max(n, this.capacity + 1));
  }

  /**
   * `reserve` one column at a time: the generator stops after each column, so a caller can let its
   * thread answer others between them (run it to its end before a row is added).
   */
  *reserveSteps(n: number): Generator<void> {
    if (n > this.capacity) yield* this.growSteps(Math.max(n, this.capacity + 1));
  }

  private ensure(n: number): void {
    for (const _ of this.growSteps(n));
  }

  private *growSteps(n: number): Generator<void> {
    if (n <= this.capacity) return;
    const cap = Math.max(n, this.capacity * 2, 1024);
    for (const k of Object.keys(this) as (keyof this)[]) {
      const v = this[k];
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        (this as Record<string, unknown>)[k as string] = grow(v as unknown as Uint8Array, cap, this.shared);
        yield;
      }
    }
    this.capacity = cap;
    this.listed = null;
  }

  /** The columns, in a list made once per growth (their arrays change only when they grow). */
  private columnList(): Column[] {
    if (this.listed === null) this.listed = Object.values(this.columns());
    return this.listed;
  }
  private listed: Column[] | null = null;

  /** The columns by name (each at least `count` long). */
  columns(): Record<string, Column> {
    const out: Record<string, Column> = {};
    for (const [k, v] of Object.entries(this)) if (ArrayBuffer.isView(v) && !(v instanceof DataView)) out[k] = v as Column;
    return out;
  }

  /** What a table filled elsewhere (another thread) hands over: its columns (transferable) and side lists. */
  part(): TablePart {
    return {
      count: this.count,
      epochSec: this.epochSec,
      columns: this.columns(),
      ip6: this.ip6,
      macs: this.macs,
      arp: this.arp,
      tooBig: this.tooBig,
      icmpErrors: this.icmpErrors,
    };
  }

  /**
   * Makes this (empty) table the one `p` stands for, to be read: the part's columns become its own
   * memory (no copy: shared memory stays shared) and its side lists are taken as they are.
   */
  adopt(p: TablePart): this {
    Object.assign(this, p.columns, { count: p.count, epochSec: p.epochSec });
    this.listed = null;
    for (const a of p.ip6) this.ip6.push(a);
    for (const m of p.macs) this.macs.push(m);
    for (const a of p.arp) this.arp.push(a);
    for (const x of p.tooBig) this.tooBig.push(x);
    for (const e of p.icmpErrors) this.icmpErrors.push(e);
    return this;
  }

  /**
   * Appends the rows of a part filled by the same `add` calls on another table, as if they had been
   * added here: capture points shift by `pointBase`, times move to this table's epoch, IPv6 ids are
   * interned here (in the part's order, which is the order this table would have met them in) and
   * the side lists' rows follow. The part's `file` column must already hold its file number.
   */
  append(p: TablePart, pointBase: number): void {
    for (const _ of this.appendSteps(p, pointBase, Number.POSITIVE_INFINITY));
  }

  /**
   * `append` in steps of `slice` rows: the generator stops after each slice but the last, so a
   * caller can let its thread answer others between them (run it to its end before anything else
   * is added: the rows count once the last slice is in).
   */
  *appendSteps(p: TablePart, pointBase: number, slice: number): Generator<void> {
    const base = this.count;
    const n = p.count;
    if (n === 0) return;
    this.reserve(base + n);
    const cols = Object.entries(this.columns()).map(([k, dst]) => {
      const src = p.columns[k];
      if (!src) throw new Error(`table part without column ${k}`);
      return [dst, src] as [Uint8Array, Uint8Array];
    });
    if (Number.isNaN(this.epochSec)) this.epochSec = p.epochSec;
    // Both times are exact integers of nanoseconds (below 2^53, 104 days from the epoch), so their sum is
    // the one rounding the set's own `(tsSec - epochSec) * 1e9 + tsNsec` makes.
    const shift = (p.epochSec - this.epochSec) * 1e9;
    const ip6 = p.ip6.map((a) => this.internText(a));
    const macId = p.macs.map((m) => this.internMac(Math.floor(m / 4294967296), m % 4294967296));
    const { point, tNs } = this;
    const remap6 = (ver: Uint8Array, a: Uint32Array, b: Uint32Array, lo: number, hi: number) => {
      for (let r = lo; r < hi; r++)
        if (ver[r] === 6) {
          a[r] = ip6[a[r]];
          b[r] = ip6[b[r]];
        }
    };
    for (let from = 0; from < n; from += slice) {
      const to = Math.min(n, from + slice);
      const lo = base + from;
      const hi = base + to;
      for (const [dst, src] of cols) dst.set(src.subarray(from, to), lo);
      for (let r = lo; r < hi; r++) point[r] += pointBase;
      if (shift !== 0) for (let r = lo; r < hi; r++) tNs[r] += shift;
      if (ip6.length) {
        remap6(this.outerVer, this.outerSrc, this.outerDst, lo, hi);
        remap6(this.innerVer, this.innerSrc, this.innerDst, lo, hi);
      }
      if (macId.length)
        for (const c of [this.innerMacSrc, this.innerMacDst, this.outerMacSrc, this.outerMacDst])
          for (let r = lo; r < hi; r++) if (c[r] >= 0) c[r] = macId[c[r]];
      if (to < n) yield;
    }
    for (const e of p.icmpErrors)
      this.icmpErrors.push(
        ip6.length && e.ver === 6 && e.quotedSrc >= 0
          ? {
              ...e,
              row: e.row + base,
              quotedSrc: ip6[e.quotedSrc],
              quotedDst: ip6[e.quotedDst],
              quotedTunnel: e.quotedTunnel && { ...e.quotedTunnel, src: ip6[e.quotedTunnel.src], dst: ip6[e.quotedTunnel.dst] },
            }
          : { ...e, row: e.row + base },
      );
    for (const a of p.arp) this.arp.push({ ...a, row: a.row + base });
    for (const t of p.tooBig) this.tooBig.push({ ...t, row: t.row + base });
    this.count = base + n;
  }

  /** The 48-bit number of a MAC column value (an id), -1 for none. */
  mac(id: number): number {
    return id < 0 ? -1 : this.macs[id];
  }

  /** The id of a MAC given as its high 16 and low 32 bits (interned on first sight). */
  internMac(hi: number, lo: number): number {
    const id = this.macIds.get(hi & 0xffff, lo | 0, this.macs.length);
    if (id === this.macs.length) this.macs.push(macNumber(hi, lo));
    return id;
  }

  /** Text of an address column value. */
  addr(ver: number, v: number): string {
    return ver === 6 ? (this.ip6[v] ?? '?') : ip4ToString(v);
  }

  private intern6(data: Uint8Array, off: number): number {
    return this.internText(ip6ToString(data, off));
  }

  private internText(s: string): number {
    let id = this.ip6Ids.get(s);
    if (id === undefined) {
      id = this.ip6.length;
      this.ip6.push(s);
      this.ip6Ids.set(s, id);
    }
    return id;
  }

  /** Adds one packet; `s` is the summary of `data` (summarize(data, linktype, s)); `tsSec` NaN: no timestamp. Returns the row. */
  add(
    file: number,
    index: number,
    point: number,
    tsSec: number,
    tsNsec: number,
    origLen: number,
    pktType: number,
    data: Uint8Array,
    s: PacketSummary,
  ): number {
    const r = this.count;
    if (r >= this.touched) this.touchAhead(r);
    if (tsSec !== tsSec) {
      this.noTime[r] = 1;
      this.tNs[r] = r > 0 && this.file[r - 1] === file ? this.tNs[r - 1] : 0;
    } else {
      if (Number.isNaN(this.epochSec)) this.epochSec = tsSec;
      this.tNs[r] = (tsSec - this.epochSec) * 1e9 + tsNsec;
    }
    this.file[r] = file;
    this.index[r] = index;
    this.point[r] = point;
    this.origLen[r] = origLen;
    this.flags[r] = s.flags;
    this.pktType[r] = pktType;
    this.levels[r] = s.levels;
    this.ipCount[r] = s.ipCount;
    this.tunnel[r] = s.tunnel;
    this.vni[r] = s.vni;
    this.tunSport[r] = s.tunnelSrcPort;
    const o = s.outer;
    const i = s.inner;
    this.tunDport[r] = s.tunnel !== 0 ? o.dstPort : -1;
    this.outerVer[r] = o.version;
    this.outerSrc[r] = o.version === 6 ? this.intern6(data, o.srcOffset) : o.src4;
    this.outerDst[r] = o.version === 6 ? this.intern6(data, o.dstOffset) : o.dst4;
    this.outerProto[r] = o.proto < 0 ? 255 : o.proto;
    this.outerTtl[r] = o.ttl;
    this.outerLen[r] = o.totalLength;
    this.outerFrag[r] = (o.df << 15) | (o.mf << 14) | (o.fragOffset & 0x1fff);
    this.innerVer[r] = i.version;
    if (i === o || (i.ipOffset === o.ipOffset && s.ipCount <= 1)) {
      this.innerSrc[r] = this.outerSrc[r];
      this.innerDst[r] = this.outerDst[r];
    } else {
      this.innerSrc[r] = i.version === 6 ? this.intern6(data, i.srcOffset) : i.src4;
      this.innerDst[r] = i.version === 6 ? this.intern6(data, i.dstOffset) : i.dst4;
    }
    this.innerProto[r] = i.version === 0 || i.proto < 0 ? 255 : i.proto;
    this.innerTtl[r] = i.ttl;
    this.ipId[r] = i.ipId >>> 0;
    this.innerLen[r] = i.totalLength;
    this.innerFrag[r] = (i.df << 15) | (i.mf << 14) | (i.fragOffset & 0x1fff);
    this.sport[r] = i.srcPort;
    this.dport[r] = i.dstPort;
    this.tcpSeq[r] = i.tcpSeq >>> 0;
    this.tcpAck[r] = i.tcpAck >>> 0;
    this.tcpFlags[r] = i.tcpFlags;
    this.tcpWin[r] = i.tcpWindow;
    this.icmpType[r] = i.icmpType;
    this.icmpCode[r] = i.icmpCode;
    this.icmpId[r] = i.icmpId;
    this.icmpSeq[r] = i.icmpSeq;
    // The payload's length as the IP header gives it: a snap length that cut the packet left fewer
    // bytes captured (the segment is as long as the sender made it wherever it was captured).
    let announced = i.payloadOffset >= 0 && i.ipOffset >= 0 && i.totalLength > 0 ? i.totalLength - (i.payloadOffset - i.ipOffset) : 0;
    if (s.flags & SummaryFlag.TRANSPORT_CUT) {
      // A TCP header the snap length cut: the payload starts after it (data offset, byte 12 of the
      // header), at most 60 bytes in when that byte was not captured (the least payload it can be).
      const p = i.payloadOffset;
      announced = Math.max(0, announced - (p + 12 < data.length ? (data[p + 12] >> 4) * 4 : 60));
    }
    this.payLen[r] = s.flags & SummaryFlag.TRANSPORT_CUT ? announced : Math.max(i.payloadLength, announced);
    let h = 0x811c9dc5;
    const quote = i.payloadOffset >= 8 && icmpErrorType(i.version, i.proto, i.icmpType);
    if (quote) {
      const q = quoteHash(data, i.payloadOffset, i.payloadLength, i.version);
      h = q.hash;
      if (q.cut) this.flags[r] |= SummaryFlag.PAYLOAD_CUT;
    } else if (i.payloadOffset >= 0) {
      const want = i.payloadOffset + Math.min(i.payloadLength, PAYLOAD_HASH_BYTES);
      const end = Math.min(data.length, want);
      for (let k = i.payloadOffset; k < end; k++) h = Math.imul(h ^ data[k], 0x01000193);
      // The snap length cut the bytes hashed: another capture's hash of this packet differs.
      if (end < want || (data.length < origLen && i.payloadOffset + PAYLOAD_HASH_BYTES > data.length))
        this.flags[r] |= SummaryFlag.PAYLOAD_CUT;
    }
    this.payHash[r] = h >>> 0;
    if (s.innerEthOffset >= 0) {
      this.innerMacSrc[r] = this.internMac(s.innerMacSrcHi, s.innerMacSrcLo);
      this.innerMacDst[r] = this.internMac(s.innerMacDstHi, s.innerMacDstLo);
    } else this.innerMacSrc[r] = this.innerMacDst[r] = -1;
    if (s.outerEthOffset >= 0) {
      this.outerMacSrc[r] = this.internMac(s.outerMacSrcHi, s.outerMacSrcLo);
      this.outerMacDst[r] = this.internMac(s.outerMacDstHi, s.outerMacDstLo);
    } else this.outerMacSrc[r] = this.outerMacDst[r] = -1;
    if (s.arpOp >= 0) {
      this.arp.push({
        row: r,
        op: s.arpOp,
        senderIp: s.arpSenderIp >>> 0,
        targetIp: s.arpTargetIp >>> 0,
        senderMac: macNumber(s.arpSenderMacHi, s.arpSenderMacLo),
      });
    }
    // ICMP fragmentation needed (3/4): next-hop MTU in bytes 6-7 of the ICMP header, the quoted
    // IPv4 header right after it (payloadOffset points there).
    if (i.version === 4 && i.proto === 1 && i.icmpType === 3 && i.icmpCode === 4 && i.payloadOffset >= 8) {
      const p = i.payloadOffset;
      const mtu = p - 2 >= 0 && p <= data.length ? (data[p - 2] << 8) | data[p - 1] : 0;
      const q = p + 20 <= data.length && data[p] >> 4 === 4;
      const rd = (k: number) => ((data[k] << 24) | (data[k + 1] << 16) | (data[k + 2] << 8) | data[k + 3]) >>> 0;
      this.tooBig.push({
        row: r,
        mtu,
        quotedSrc: q ? rd(p + 12) : 0,
        quotedDst: q ? rd(p + 16) : 0,
        quotedId: q ? (data[p + 4] << 8) | data[p + 5] : 0,
      });
    }
    if (quote) {
      this.addIcmpError(r, i.version as 4 | 6, i.icmpType, i.icmpCode, data, i.payloadOffset);
    }
    this.count = r + 1;
    return r;
  }

  /** Makes room for row `r` and touches the memory of the rows from it on (touchRows). */
  private touchAhead(r: number): void {
    if (r >= this.capacity) this.ensure(r + 1);
    this.touched = touchRows(this.columnList(), r);
  }

  /**
   * Records an ICMP error whose quoted packet starts at `q` (the byte after the 8-byte ICMP header).
   * A quoted tunnel packet (a router on the underlay refusing a VXLAN, Geneve, flannel UDP or IP-in-IP
   * packet) is keyed by the packet it carries, as far as the quote holds it: the journeys it stopped
   * are the pods' packets inside (`quotedTunnel` keeps the outer addresses).
   */
  private addIcmpError(row: number, ver: 4 | 6, type: number, code: number, data: Uint8Array, q: number): void {
    const u16 = (k: number) => (k + 2 <= data.length ? (data[k] << 8) | data[k + 1] : -1);
    const u32 = (k: number) =>
      k + 4 <= data.length ? ((data[k] << 24) | (data[k + 1] << 16) | (data[k + 2] << 8) | data[k + 3]) >>> 0 : -1;
    const mtu = ver === 4 ? (type === 3 && code === 4 ? Math.max(0, u16(q - 2)) : 0) : type === 2 ? Math.max(0, u32(q - 4)) : 0;
    let src = -1,
      dst = -1,
      proto = -1,
      id = -1,
      tp = -1,
      later = false,
      tunnel: IcmpError['quotedTunnel'] = null;
    for (let depth = 0, at = q; depth < 4; depth++) {
      if (ver === 4 && at + 20 <= data.length && data[at] >> 4 === 4) {
        src = u32(at + 12);
        dst = u32(at + 16);
        proto = data[at + 9];
        id = u16(at + 4);
        later = (u16(at + 6) & 0x1fff) !== 0;
        tp = at + (data[at] & 15) * 4;
      } else if (ver === 6 && at + 40 <= data.length && data[at] >> 4 === 6) {
        src = this.intern6(data, at + 8);
        dst = this.intern6(data, at + 24);
        proto = data[at + 6];
        id = -1;
        later = false;
        tp = at + 40;
      } else break;
      // The packet inside, when it is of the error's IP version (its addresses are kept as such).
      const next = later ? -1 : tunnelledPacketAt(data, proto, tp);
      if (next < 0 || next + 20 > data.length || data[next] >> 4 !== ver) break;
      tunnel ??= { src, dst, overhead: next - q };
      at = next;
    }
    let sport = -1,
      dport = -1,
      seq = -1;
    if (tp >= 0 && !later) {
      if (proto === 6 || proto === 17 || proto === 132) {
        sport = u16(tp);
        dport = u16(tp + 2);
        if (proto === 6) seq = u32(tp + 4);
      } else if ((proto === 1 && data[tp] === 8) || (proto === 58 && data[tp] === 128)) {
        sport = u16(tp + 4);
        dport = u16(tp + 6);
      }
    }
    this.icmpErrors.push({
      row,
      ver,
      type,
      code,
      mtu,
      quotedSrc: src,
      quotedDst: dst,
      quotedProto: proto,
      quotedId: id,
      quotedSport: sport,
      quotedDport: dport,
      quotedSeq: seq,
      quotedTunnel: tunnel,
    });
  }

  /** True when the row's innermost IP packet is a non-first fragment (no transport header). */
  isLaterFragment(r: number): boolean {
    return (this.innerFrag[r] & 0x1fff) !== 0;
  }

  hasFlag(r: number, f: number): boolean {
    return (this.flags[r] & f) !== 0;
  }
}

export { SummaryFlag };
