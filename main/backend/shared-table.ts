// The open set's packet table as the backend and its analysis worker share it. The store's table
// is filled in shared memory (PacketTable's `shared` columns), so handing it over copies nothing:
// the worker gets views of the same memory, `count` rows long. A table filled in private memory has
// each column moved into a SharedArrayBuffer of exactly the rows read (one column at a time, so the
// old one can go before the next is copied), and reads the shared copy from then on. The records
// kept beside the columns go with the message as the table's own part (PacketTable.part / adopt),
// so whatever the table keeps beside its columns reaches the worker.
import { PacketTable, type Column, type TablePart } from '../topology/table';

/** A PacketTable as a message: columns backed by SharedArrayBuffers, `count` rows long, plus its side records. */
export type SharedTable = TablePart;

/**
 * Moves `t`'s columns into shared memory (columns already shared stay as they are: a table filled
 * in shared memory, or a second analysis of the same table, copies nothing) and returns the table
 * as a message, its columns `count` rows long. The thread is
 * let go between columns, so calls waiting on it are answered meanwhile (the table reads the same
 * values either way). Call once the table is filled: rows added later would not fit.
 */
export async function shareTable(t: PacketTable): Promise<SharedTable> {
  const part = t.part();
  const columns: Record<string, Column> = {};
  for (const [name, c] of Object.entries(part.columns)) {
    const C = c.constructor as new (b: SharedArrayBuffer, offset?: number, length?: number) => Column;
    if (c.buffer instanceof SharedArrayBuffer) {
      columns[name] = new C(c.buffer, c.byteOffset, t.count);
      continue;
    }
    const s = new C(new SharedArrayBuffer(t.count * c.BYTES_PER_ELEMENT));
    s.set(c.subarray(0, t.count));
    // The backend's own table reads the shared column from now on; the private one is garbage.
    Object.assign(t, { [name]: s });
    columns[name] = s;
    await new Promise((r) => setImmediate(r));
  }
  return { ...part, columns };
}

/** The table a SharedTable message stands for (in the analysis worker): its columns are the sender's memory. */
export function tableOf(s: SharedTable): PacketTable {
  return new PacketTable(0).adopt(s);
}
