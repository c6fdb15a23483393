// The open set's packet table as the backend and its analysis worker share it: once the set is
// read, each typed-array column is moved into a SharedArrayBuffer of exactly the rows read (one
// column at a time, so the old one can go before the next is copied), and the backend's table reads
// the shared copy from then on. The analysis worker gets the same memory, not a copy; the few
// records kept beside the columns (IPv6 addresses, MAC addresses, ARP and ICMP error records) are copied with the message.
import { PacketTable, type ArpRecord, type Column, type IcmpError, type IcmpTooBig } from '../topology/table';

/** A PacketTable as a message: shared columns plus its side records. */
export interface SharedTable {
  readonly count: number;
  readonly epochSec: number;
  /** Field name -> column backed by a SharedArrayBuffer, `count` rows long. */
  readonly columns: Readonly<Record<string, Column>>;
  readonly ip6: readonly string[];
  /** MAC addresses by id (the MAC columns hold ids into it). */
  readonly macs: readonly number[];
  readonly arp: readonly ArpRecord[];
  readonly tooBig: readonly IcmpTooBig[];
  readonly icmpErrors: readonly IcmpError[];
}

const isShared = (c: Column, rows: number) => c.buffer instanceof SharedArrayBuffer && c.length === rows;

/**
 * Moves `t`'s columns into shared memory (columns already shared stay as they are: a second
 * analysis of the same table copies nothing) and returns the table as a message. The thread is
 * let go between columns, so calls waiting on it are answered meanwhile (the table reads the same
 * values either way). Call once the table is filled: rows added later would not fit.
 */
export async function shareTable(t: PacketTable): Promise<SharedTable> {
  const columns: Record<string, Column> = {};
  for (const [name, c] of Object.entries(t.columns())) {
    if (isShared(c, t.count)) {
      columns[name] = c;
      continue;
    }
    const C = c.constructor as new (b: SharedArrayBuffer) => Column;
    const s = new C(new SharedArrayBuffer(t.count * c.BYTES_PER_ELEMENT));
    s.set(c.subarray(0, t.count));
    columns[name] = s;
    // The backend's own table reads the shared column from now on; the private one is garbage.
    Object.assign(t, { [name]: s });
    await new Promise((r) => setImmediate(r));
  }
  return {
    count: t.count,
    epochSec: t.epochSec,
    columns,
    ip6: t.ip6,
    macs: t.macs,
    arp: t.arp,
    tooBig: t.tooBig,
    icmpErrors: t.icmpErrors,
  };
}

/** The table a SharedTable message stands for (in the analysis worker): its columns are the sender's memory. */
export function tableOf(s: SharedTable): PacketTable {
  const t = new PacketTable(0);
  Object.assign(t, s.columns, { count: s.count, epochSec: s.epochSec });
  for (const a of s.ip6) t.ip6.push(a);
  for (const m of s.macs) t.macs.push(m);
  for (const a of s.arp) t.arp.push(a);
  for (const a of s.tooBig) t.tooBig.push(a);
  for (const a of s.icmpErrors) t.icmpErrors.push(a);
  return t;
}
