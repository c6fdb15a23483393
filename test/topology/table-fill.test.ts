// The packet table zeroes the memory of the rows it is about to fill, a window at a time ahead of
// them (PacketTable.touchAhead, RecordColumns likewise), and grows when its rows outrun its room.
// Neither may change a value: a real capture read again and again gives the same rows each time,
// across several windows and growths, also when parts filled elsewhere are appended in between.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ReadBudget } from '../../main/engine/readers/budget';
import { CaptureSetReader } from '../../main/topology/set-reader';

const HERE = dirname(fileURLToPath(import.meta.url));
/** An SLL2 `any` capture of a flannel node: cooked MACs, several points, VXLAN and plain packets. */
const CAPTURE = join(HERE, '..', '..', 'fixtures', 'captures', 'b-node2-any.pcap');
/** Rows the table has room for, and has touched, after growing from its first size by doubling. */
const BOUNDARY = 65536;

/** Rows [from, from + n) of every column but those that name the file and its points, and the record columns. */
function rows(r: CaptureSetReader, from: number, n: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(r.table.columns()))
    if (k !== 'file' && k !== 'point') out[k] = Array.from(v.subarray(from, from + n));
  const rec = r.records!;
  out.capLen = Array.from(rec.capLen.subarray(from, from + n));
  out.protoId = Array.from(rec.protoId.subarray(from, from + n));
  out.fileOffset = Array.from(rec.fileOffset.subarray(from, from + n));
  return out;
}

describe('packet table fill', () => {
  it('gives the same rows for every read of a capture, across the windows touched ahead and the growths', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `c${i}`);
    const r = new CaptureSetReader(ids, { budget: new ReadBudget(), records: true, shared: true });
    await r.readFile(CAPTURE);
    const n = r.table.count;
    expect(n).toBeGreaterThan(100);
    // The part is appended when its rows run past the rows touched so far (the next row added must
    // not zero them), and a few reads follow it.
    const appendAt = Math.floor(BOUNDARY / n);
    const READS = appendAt + 8;
    const first = rows(r, 0, n);
    // A part filled on another table, appended between reads as a reading thread's file is.
    const other = new CaptureSetReader(ids, { budget: new ReadBudget(), records: true, shared: true });
    await other.readFile(CAPTURE, {}, 1);
    for (let i = 1; i < READS; i++) {
      if (i === appendAt) {
        expect(r.table.count).toBeLessThanOrEqual(BOUNDARY);
        const base = r.table.count;
        r.table.append(other.table.part(), r.points.length);
        r.records!.append(other.records!.part(), base);
        r.points.push(...other.points);
      } else await r.readFile(CAPTURE, {}, i + 1);
    }
    expect(r.table.count).toBe(READS * n);
    expect(r.table.count).toBeGreaterThan(BOUNDARY + n);
    expect(r.records!.count).toBe(r.table.count);
    for (let i = 1; i < READS; i++) {
      const got = rows(r, i * n, n);
      // Stop at the first read that differs, with the read's number in the message.
      const same = Object.keys(first).every((k) => got[k].every((v, j) => v === first[k][j]));
      if (!same) expect({ read: i, ...got }).toEqual({ read: i, ...first });
    }
    // Each read's rows name their own file and its own points.
    expect(r.table.file[n]).toBe(2);
    expect(r.table.file[(READS - 1) * n]).toBe(READS);
    expect(r.table.point[(READS - 1) * n]).toBeGreaterThan(r.table.point[0]);
  });
});
