import { describe, expect, it } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeEnhancedPacket, encodePcapng, writePcapngFile, PcapngEncoder, type PcapngPacket } from '../../main/engine/writers/pcapng';
import { LinkType } from '../../main/engine/types';
import { tempDir, tsharkFields } from './tools';
import { HOSTILE } from './hostile';
import { itNeeding } from '../tools';

/** An Ethernet + IPv4 + UDP frame (valid checksums are not needed by tshark to list comments). */
function udpFrame(seq: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + 4);
  f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]);
  f.set([0x45, 0, 0, 32, 0, seq & 0xff, 0, 0, 64, 17, 0, 0, 10, 42, 0, 5, 10, 42, 1, 7], 14);
  f.set([0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0], 34);
  f.set([1, 2, 3, seq & 0xff], 42);
  return f;
}

/** Walks the blocks: each length is a multiple of 4 and is repeated at the block's end. */
function walkBlocks(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: number[] = [];
  let o = 0;
  while (o < bytes.length) {
    const type = v.getUint32(o, true);
    const len = v.getUint32(o + 4, true);
    expect(len % 4).toBe(0);
    expect(v.getUint32(o + len - 4, true)).toBe(len);
    types.push(type);
    o += len;
  }
  expect(o).toBe(bytes.length);
  return types;
}

const ifaces = [
  { linktype: LinkType.ETHERNET, name: 'node1/flannel.1', description: 'VXLAN device of node1' },
  { linktype: LinkType.ETHERNET, name: 'node2/eth0', tsresolExp: 6 },
];

function packets(): PcapngPacket[] {
  return [
    { iface: 0, tsSec: 1_700_000_000, tsNsec: 123_456_789, data: udpFrame(1), comments: ['first note'] },
    { iface: 1, tsSec: 1_700_000_000, tsNsec: 200_000_999, data: udpFrame(2) },
    { iface: 0, tsSec: 1_700_000_001, tsNsec: 1, data: udpFrame(3), comments: ['two, with comma', 'lines\nand "quotes" ünïcødé'] },
    { iface: 1, tsSec: 1_700_000_002, tsNsec: 0, data: udpFrame(4).subarray(0, 41), origLen: 46, comments: [HOSTILE.script] },
  ];
}

describe('pcapng writer', () => {
  it('lays out well-formed blocks: SHB, IDBs, EPBs', () => {
    const bytes = encodePcapng({ comments: ['section'], interfaces: ifaces, packets: packets() });
    expect(walkBlocks(bytes)).toEqual([0x0a0d0d0a, 1, 1, 6, 6, 6, 6]);
    expect(new DataView(bytes.buffer).getUint32(8, true)).toBe(0x1a2b3c4d);
  });

  it('splits 64-bit timestamps exactly for every resolution (checked against BigInt)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 0, max: 9 }),
        (sec, ns, exp) => {
          const b = encodeEnhancedPacket({ iface: 0, tsSec: sec, tsNsec: ns, data: new Uint8Array(0) }, exp);
          const v = new DataView(b.buffer);
          const got = (BigInt(v.getUint32(12, true)) << 32n) | BigInt(v.getUint32(16, true));
          expect(got).toBe(BigInt(sec) * 10n ** BigInt(exp) + BigInt(Math.floor(ns / 10 ** (9 - exp))));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses a packet on an interface that was not described', () => {
    const enc = new PcapngEncoder();
    expect(() => enc.packet({ iface: 0, tsSec: 0, tsNsec: 0, data: new Uint8Array(1) })).toThrow(/interface 0/);
  });

  it('cuts an over-long comment at a character boundary instead of writing a bad option', () => {
    const long = 'é'.repeat(40_000); // 80 000 bytes of UTF-8
    const bytes = encodePcapng({
      interfaces: [ifaces[0]],
      packets: [{ iface: 0, tsSec: 1, tsNsec: 0, data: udpFrame(1), comments: [long] }],
    });
    walkBlocks(bytes);
    const v = new DataView(bytes.buffer);
    const epb = v.getUint32(4, true) + v.getUint32(v.getUint32(4, true) + 4, true);
    const opt = epb + 28 + 48; // block header, fixed EPB fields, 46-byte frame padded to 48
    expect(v.getUint16(opt, true)).toBe(1);
    const len = v.getUint16(opt + 2, true);
    expect(len).toBe(65_534);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(opt + 4, opt + 4 + len));
    expect(text).toBe('é'.repeat(32_767));
  });

  it('streams the same bytes to a file as it builds in memory', async () => {
    const t = tempDir('tv-pcapng-');
    try {
      const file = join(t.dir, 's.pcapng');
      async function* gen() {
        for (const p of packets()) yield p;
      }
      const n = await writePcapngFile(file, { comments: ['section'], interfaces: ifaces, packets: gen() });
      expect(n).toBe(4);
      expect(new Uint8Array(readFileSync(file))).toEqual(encodePcapng({ comments: ['section'], interfaces: ifaces, packets: packets() }));
    } finally {
      t.cleanup();
    }
  });

  it('waits for the file to drain as often as it must without piling up listeners on the stream', async () => {
    const t = tempDir('tv-pcapng-');
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const file = join(t.dir, 'big.pcapng');
      // 64 KiB packets: each write is past the stream's high-water mark, so each one waits for 'drain'.
      const big = new Uint8Array(64 << 10);
      async function* gen() {
        for (let i = 0; i < 40; i++) yield { iface: 0, tsSec: 1_700_000_000 + i, tsNsec: 0, data: big };
      }
      expect(await writePcapngFile(file, { interfaces: ifaces, packets: gen() })).toBe(40);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      t.cleanup();
    }
  });

  itNeeding(['tshark'], 'tshark reads every comment, interface name and nanosecond timestamp back', () => {
    const t = tempDir('tv-pcapng-');
    try {
      const file = join(t.dir, 'out.pcapng');
      writeFileSync(file, encodePcapng({ comments: ['section'], interfaces: ifaces, packets: packets() }));
      const frames = tsharkFields(file, [
        'frame.comment',
        'frame.interface_name',
        'frame.time_epoch',
        'frame.len',
        'frame.cap_len',
        'udp.srcport',
      ]);
      expect(frames.map((f) => f['frame.comment'] ?? [])).toEqual(packets().map((p) => p.comments ?? []));
      expect(frames.map((f) => f['frame.interface_name'][0])).toEqual(['node1/flannel.1', 'node2/eth0', 'node1/flannel.1', 'node2/eth0']);
      expect(frames.map((f) => f['frame.time_epoch'][0])).toEqual([
        '1700000000.123456789',
        // microsecond interface: the nanoseconds below a microsecond are cut
        '1700000000.200000000',
        '1700000001.000000001',
        '1700000002.000000000',
      ]);
      expect(frames[3]['frame.len'][0]).toBe('46');
      expect(frames[3]['frame.cap_len'][0]).toBe('41');
      expect(frames[0]['udp.srcport'][0]).toBe('12345');
    } finally {
      t.cleanup();
    }
  });
});
