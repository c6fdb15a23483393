// The packet list's record columns keep file offsets in 4 bytes a row until one is past 4 GiB (a
// big or decompressed capture), then in 8, without changing a value, on the reading thread and
// when a reading thread's part is appended.
import { describe, expect, it } from 'vitest';
import { RecordColumns } from '../../main/topology/record-columns';
import { PacketSummary } from '../../main/engine/decode';
import type { RawPacket } from '../../main/engine/types';

const GIB4 = 2 ** 32;
const record = (index: number, fileOffset: number, comments: string[] | null = null): RawPacket =>
  ({ index, fileOffset, capLen: 60 + index, origLen: 60 + index, iface: 0, comments }) as unknown as RawPacket;

describe('record columns', () => {
  it('keep offsets past 4 GiB exactly, widening once', () => {
    const c = new RecordColumns();
    const s = new PacketSummary();
    const offsets = [24, GIB4 - 16, GIB4 + 7, 3 * GIB4 + 123];
    c.add(0, record(0, offsets[0]), s);
    c.add(1, record(1, offsets[1]), s);
    expect(c.fileOffset).toBeInstanceOf(Uint32Array);
    c.add(2, record(2, offsets[2], ['a note']), s);
    c.add(3, record(3, offsets[3]), s);
    expect(c.fileOffset).toBeInstanceOf(Float64Array);
    expect(Array.from(c.fileOffset.subarray(0, 4))).toEqual(offsets);
    expect(Array.from(c.capLen.subarray(0, 4))).toEqual([60, 61, 62, 63]);
    expect(c.comments).toEqual([{ row: 2, packet: 2, text: 'a note' }]);
  });

  it("widen when a thread's part holds offsets past 4 GiB, and shift its rows and points", () => {
    const s = new PacketSummary();
    const narrow = new RecordColumns();
    narrow.add(0, record(0, 100), s);
    narrow.pointIface.push(0);
    const wide = new RecordColumns();
    wide.add(0, record(0, GIB4 + 1, ['x']), s);
    wide.pointIface.push(3);
    narrow.append(wide.part(), 1);
    expect(narrow.fileOffset).toBeInstanceOf(Float64Array);
    expect(Array.from(narrow.fileOffset.subarray(0, 2))).toEqual([100, GIB4 + 1]);
    expect(narrow.pointIface).toEqual([0, 3]);
    expect(narrow.comments).toEqual([{ row: 1, packet: 0, text: 'x' }]);
    expect(narrow.count).toBe(2);
  });
});
