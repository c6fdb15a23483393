// pcapng features the public captures do not all cover, built byte by byte: big-endian and mixed
// sections, if_tsresol in decimal and binary, if_tsoffset, Simple and obsolete Packet Blocks,
// statistics / name resolution / custom / unknown blocks skipped, packet and section comments.
import { describe, expect, it } from 'vitest';
import { NgBuilder } from './ngbuild';
import { readBytes } from './helpers';

const frame = (n: number, fill = 0xab): Uint8Array => new Uint8Array(n).fill(fill);

describe('pcapng reader', () => {
  it('reads sections in both byte orders, each with its own interfaces', async () => {
    const le = new NgBuilder(true)
      .shb([{ code: 1, value: 'first section' }])
      .idb(1, 65535, [
        { code: 2, value: 'cni0' },
        { code: 3, value: 'bridge' },
      ])
      .epb(0, 1_700_000_000_123_456n, frame(60));
    const be = new NgBuilder(false)
      .shb([{ code: 1, value: 'second section' }])
      .idb(101, 1500, [{ code: 2, value: 'flannel0' }])
      .idb(1, 0)
      .epb(1, 1_700_000_001_000_001n, frame(42))
      .epb(0, 1_700_000_002_000_000n, frame(40));
    const { info, packets } = await readBytes(new Uint8Array([...le.bytes(), ...be.bytes()]));
    expect(info.errors).toEqual([]);
    expect(info.byteOrder).toBe('little');
    expect(info.comments).toEqual(['first section', 'second section']);
    expect(info.interfaces.map((i) => [i.key, i.section, i.interfaceId, i.linktype, i.snaplen, i.name, i.description])).toEqual([
      [0, 0, 0, 1, 65535, 'cni0', 'bridge'],
      [1, 1, 0, 101, 1500, 'flannel0', undefined],
      [2, 1, 1, 1, 0, undefined, undefined],
    ]);
    expect(packets.map((p) => [p.time, p.iface, p.linktype, p.capLen])).toEqual([
      ['1700000000.123456000', 0, 1, 60],
      ['1700000001.000001000', 2, 1, 42],
      ['1700000002.000000000', 1, 101, 40],
    ]);
  });

  it('converts decimal and binary if_tsresol exactly and adds if_tsoffset', async () => {
    const b = new NgBuilder()
      .shb()
      .idb(1, 0, [{ code: 9, value: new Uint8Array([9]) }])
      .idb(1, 0, [{ code: 9, value: new Uint8Array([0x80 | 20]) }]) // 2^-20 s
      .idb(1, 0, [
        { code: 9, value: new Uint8Array([3]) },
        { code: 14, value: new NgBuilder().u64(3600n) },
      ])
      .idb(1, 0, [{ code: 14, value: new NgBuilder().u64(-10n) }]);
    b.epb(0, 1_764_201_234_987_654_321n, frame(14)); // ns: beyond 2^53
    b.epb(1, (1_700_000_000n << 20n) + (1n << 19n) + 1n, frame(14)); // half a second and 2^-20 s
    b.epb(2, 1_700_000_000_250n, frame(14)); // ms, plus an hour
    b.epb(3, 1_700_000_000_000_007n, frame(14)); // us, minus 10 s
    const { info, packets } = await readBytes(b.bytes());
    expect(info.errors).toEqual([]);
    expect(info.interfaces.map((i) => [i.tsresolExp, i.tsresolRaw, i.tsoffsetSec])).toEqual([
      [9, 9, 0],
      [7, 0x94, 0],
      [3, 3, 3600],
      [6, 6, -10],
    ]);
    expect(packets.map((p) => p.time)).toEqual([
      '1764201234.987654321',
      '1700000000.500000953', // floor((2^19 + 1) * 1e9 / 2^20)
      '1700003600.250000000',
      '1699999990.000007000',
    ]);
  });

  it('reads Simple and obsolete Packet Blocks, keeps comments, skips statistics, names, custom and unknown blocks', async () => {
    const b = new NgBuilder()
      .shb()
      .idb(1, 64)
      .nrb()
      .custom(32473, frame(10))
      .block(0x40000bad, new Uint8Array(8))
      .block(0x12345678, frame(20)) // unknown type
      .spb(frame(100), 100) // cut to the snaplen 64
      .pb(0, 1_000_000n, frame(30))
      .epb(
        0,
        2_000_000n,
        frame(50),
        [
          { code: 1, value: 'retransmitted?' },
          { code: 1, value: 'second note' },
          { code: 2, value: new Uint8Array(4) },
        ],
        1500,
      )
      .isb(0, 3_000_000n);
    const { info, packets } = await readBytes(b.bytes());
    expect(info.errors).toEqual([]);
    expect(packets.map((p) => [p.index, p.time, p.capLen, p.origLen, p.comments])).toEqual([
      [0, null, 64, 100, null], // an SPB has no timestamp
      [1, '1.000000000', 30, 30, null],
      [2, '2.000000000', 50, 1500, ['retransmitted?', 'second note']],
    ]);
  });

  it('keeps a packet on an interface its section does not define, under a stand-in of unknown link type, and reports it', async () => {
    const b = new NgBuilder().shb().idb(1, 0).epb(3, 0n, frame(20)).epb(0, 0n, frame(20));
    const { info, packets } = await readBytes(b.bytes());
    expect(packets.map((p) => [p.iface, p.linktype, p.capLen])).toEqual([
      [1, 0xffff, 20],
      [0, 1, 20],
    ]);
    expect(info.interfaces.map((i) => [i.key, i.interfaceId, i.linktype])).toEqual([
      [0, 0, 1],
      [1, -1, 0xffff],
    ]);
    expect(info.errors.map((e) => [e.code, e.fatal])).toEqual([['unknown-interface', false]]);
    expect(info.errors[0].offset).toBe(28 + 20);
    expect(info.errors[0].message).toMatch(/names interface 3, which its section does not define: packet kept/);
  });

  it('lists a repeated problem 20 times, then counts the rest', async () => {
    const b = new NgBuilder().shb().idb(1, 0);
    for (let i = 0; i < 35; i++) b.epb(7, 0n, frame(20));
    b.epb(0, 0n, frame(20));
    const { info, packets } = await readBytes(b.bytes());
    expect(packets.length).toBe(36);
    expect(info.errors.length).toBe(21);
    expect(info.errors.slice(0, 20).every((e) => e.code === 'unknown-interface' && !e.fatal)).toBe(true);
    // The summary points at the first packet block it stands for (the 21st): 28 + 20 + 20 * 52.
    expect(info.errors[20]).toEqual({
      code: 'unknown-interface',
      message: "15 more 'unknown-interface' problems not listed (35 in all), the first of them at byte 1088",
      offset: 1088,
      fatal: false,
    });
  });

  it('keeps the bytes a packet block holds when its captured length claims more', async () => {
    for (const claimed of [200, 0x7fffffff, 0xffffffff]) {
      const b = new NgBuilder().shb().idb(1, 0).epb(0, 0n, frame(20), [], 20, claimed);
      const { info, packets } = await readBytes(b.bytes());
      expect(packets.map((p) => p.capLen)).toEqual([20]);
      expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['bad-record-length', 48, false]]);
    }
  });

  it('skips a huge block nobody needs without buffering it', async () => {
    const big = new NgBuilder().shb().idb(1, 0).epb(0, 0n, frame(20));
    big.custom(1, new Uint8Array(3 << 20)); // 3 MiB custom block: over the block bound
    big.epb(0, 1_000_000n, frame(20));
    const { info, packets } = await readBytes(big.bytes(), { maxRecordLen: 4096, chunkSize: 65536 });
    expect(packets.length).toBe(2);
    expect(info.errors.map((e) => [e.code, e.fatal])).toEqual([['block-skipped', false]]);
  });

  it('reports a skipped block that runs past the end of the file', async () => {
    const b = new NgBuilder()
      .shb()
      .idb(1, 0)
      .epb(0, 0n, frame(20))
      .custom(1, new Uint8Array(3 << 20))
      .bytes();
    const cut = b.subarray(0, b.length - 1000);
    const { info, packets } = await readBytes(cut, { maxRecordLen: 4096, chunkSize: 65536 });
    expect(packets.length).toBe(1);
    const customAt = 28 + 20 + 52; // SHB 28, IDB 20, EPB 52
    expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([
      ['block-skipped', customAt, false],
      ['truncated-record', customAt, true],
    ]);
  });
});
