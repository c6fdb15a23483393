// Bad input, one test each: the bad files are built from real captures (bytes in memory, written to a
// temporary file), read through the same path as any capture. Each must end with a clear message
// naming the byte offset, keep every packet before the fault, and never throw, hang or buffer a
// corrupt length. Classic pcap cases run through both record loops.
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../main/engine/readers/read';
import { decodePacket, type DecodedPacket } from '../../main/engine/decode/index';
import { encodePcap } from '../../main/engine/writers/pcap';
import { HAVE_PUBLIC, PUBLIC_DIR, readAll, readPublic, tempDir, writeTemp } from './readers/helpers';
import { NgBuilder } from './readers/ngbuild';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const file = (bytes: Uint8Array, ext = 'pcap'): string => writeTemp(tmp.dir, `bad-${n++}.${ext}`, bytes);

/** Offsets of the records of a little-endian classic pcap. */
function recordOffsets(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let o = 24; o + 16 <= b.length; o += 16 + v.getUint32(o + 8, true)) out.push(o);
  return out;
}

function setU32(b: Uint8Array, off: number, value: number, le = true): Uint8Array {
  const c = b.slice();
  new DataView(c.buffer).setUint32(off, value >>> 0, le);
  return c;
}

const fatalCodes = (info: { errors: readonly { code: string; fatal: boolean }[] }): string[] =>
  info.errors.filter((e) => e.fatal).map((e) => e.code);

describe.skipIf(!HAVE_PUBLIC)('bad input', () => {
  const real = HAVE_PUBLIC ? readPublic('vxlan_port_8472.pcap') : new Uint8Array(0); // 10 records, LE, us
  const offs = recordOffsets(real);

  for (const mode of ['pcap-parser', 'fast'] as const) {
    describe(`classic pcap (${mode})`, () => {
      const read = (bytes: Uint8Array) => readAll(file(bytes), { pcapReader: mode });

      it('empty file', async () => {
        const { info, packets } = await read(new Uint8Array(0));
        expect(packets).toEqual([]);
        expect(info.errors).toEqual([{ code: 'empty-file', message: 'the file is empty', offset: 0, fatal: true }]);
      });

      it('wrong magic', async () => {
        const { info, packets } = await read(setU32(real, 0, 0x12345678));
        expect(packets).toEqual([]);
        expect(info.format).toBe('unknown');
        expect(info.errors.map((e) => [e.code, e.offset])).toEqual([['bad-magic', 0]]);
        // The message never repeats the file's bytes (it could be any file the user can read).
        expect(info.errors[0].message).toMatch(/not a pcap or pcapng file/);
        expect(info.errors[0].message).not.toMatch(/78563412|12345678/i);
      });

      it('truncated global header', async () => {
        for (const len of [2, 10, 23]) {
          const { info, packets } = await read(real.subarray(0, len));
          expect(packets).toEqual([]);
          expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['truncated-header', 0, true]]);
        }
      });

      it('truncated record: inside the data and inside the record header', async () => {
        const cutData = await read(real.subarray(0, offs[3] + 16 + 5));
        expect(cutData.packets.length).toBe(3);
        expect(cutData.info.errors.map((e) => [e.code, e.offset])).toEqual([['truncated-record', offs[3]]]);
        expect(cutData.info.errors[0].message).toContain(`byte ${offs[3]}`);
        const cutHeader = await read(real.subarray(0, offs[5] + 7));
        expect(cutHeader.packets.length).toBe(5);
        expect(cutHeader.info.errors.map((e) => [e.code, e.offset])).toEqual([['truncated-record', offs[5]]]);
      });

      it('record length beyond 256 KiB stops at once, without buffering the claimed length', async () => {
        for (const capLen of [262145, 0x7fffffff, 0xffffffff]) {
          const bad = setU32(real, offs[4] + 8, capLen);
          const before = process.memoryUsage().arrayBuffers;
          const { info, packets } = await read(bad);
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
          expect(packets.length).toBe(4);
          expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['record-too-large', offs[4], true]]);
          expect(info.errors[0].message).toContain(String(capLen));
        }
        // The bound is an option: a lower one applies too.
        const { info, packets } = await readAll(file(real), { pcapReader: mode, maxRecordLen: 100 });
        expect(packets.length).toBeLessThan(10);
        expect(fatalCodes(info)).toEqual(['record-too-large']);
      });

      it('record length beyond the snap length is reported, and the record kept', async () => {
        // snaplen 1500 -> 90: the records longer than 90 bytes are flagged by offset.
        const bad = setU32(real, 16, 90);
        const { info, packets } = await read(bad);
        expect(packets.length).toBe(10);
        const long = offs.filter((o) => new DataView(real.buffer, real.byteOffset).getUint32(o + 8, true) > 90);
        expect(long.length).toBeGreaterThan(0);
        expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual(long.map((o) => ['record-exceeds-snaplen', o, false]));
      });

      it('corrupt length inside the bound: the rest is read as far as it parses, then a clear stop', async () => {
        const bad = setU32(real, offs[2] + 8, 200_000);
        const { info, packets } = await read(bad);
        expect(packets.length).toBe(2);
        expect(info.errors.map((e) => [e.code, e.offset])).toEqual([
          ['record-exceeds-snaplen', offs[2]],
          ['truncated-record', offs[2]],
        ]);
      });

      it('unknown link type: every frame still listed with its link type', async () => {
        const bad = setU32(real, 20, 147); // LINKTYPE_USER0
        const { info, packets } = await read(bad);
        expect(info.errors).toEqual([]);
        expect(packets.length).toBe(10);
        expect(new Set(packets.map((p) => p.linktype))).toEqual(new Set([147]));
      });

      it('version other than 2.x', async () => {
        const bad = real.slice();
        bad[4] = 3;
        const { info, packets } = await read(bad);
        expect(packets).toEqual([]);
        expect(info.errors.map((e) => [e.code, e.offset])).toEqual([['unsupported-version', 4]]);
      });
    });
  }

  describe('pcapng', () => {
    const ng = HAVE_PUBLIC ? readPublic('test009.pcapng') : new Uint8Array(0); // SHB, IDB, 2 EPBs (+ options)
    const blocks = (b: Uint8Array): number[] => {
      const v = new DataView(b.buffer, b.byteOffset, b.length);
      const out: number[] = [];
      for (let o = 0; o + 12 <= b.length; o += v.getUint32(o + 4, true)) out.push(o);
      return out;
    };
    const at = HAVE_PUBLIC ? blocks(ng) : [];
    const lastEpb = at[at.length - 1];

    it('block whose length at the end differs from its length at the start', async () => {
      const len = new DataView(ng.buffer, ng.byteOffset).getUint32(lastEpb + 4, true);
      const { info, packets } = await readAll(file(setU32(ng, lastEpb + len - 4, len + 4), 'pcapng'));
      expect(packets.length).toBe(1);
      expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['bad-block-length', lastEpb, true]]);
      expect(info.errors[0].message).toMatch(/total length \d+ at its start but \d+ at its end/);
    });

    it('block length not a multiple of 4, below 12, or beyond the bound', async () => {
      for (const len of [13, 8, 0, 0xfffffffc]) {
        const { info, packets } = await readAll(file(setU32(ng, lastEpb + 4, len), 'pcapng'));
        expect(packets.length).toBe(1);
        expect(info.errors.map((e) => [e.offset, e.fatal])).toEqual([[lastEpb, true]]);
        expect(['bad-block-length', 'record-too-large']).toContain(info.errors[0].code);
      }
    });

    it('packet block length running past the end of the file', async () => {
      const { info, packets } = await readAll(file(ng.subarray(0, ng.length - 6), 'pcapng'));
      expect(packets.length).toBe(1);
      expect(info.errors.map((e) => [e.code, e.offset])).toEqual([['truncated-record', lastEpb]]);
    });

    it('wrong byte-order magic in the section header', async () => {
      const { info, packets } = await readAll(file(setU32(ng, 8, 0x11223344), 'pcapng'));
      expect(packets).toEqual([]);
      expect(info.errors.map((e) => [e.code, e.offset])).toEqual([['bad-byte-order-magic', 0]]);
    });

    it('section header cut short', async () => {
      const { info } = await readAll(file(ng.subarray(0, 20), 'pcapng'));
      expect(fatalCodes(info)).toEqual(['truncated-header']);
    });

    it('unknown link type in an interface: frames listed', async () => {
      const b = new NgBuilder().shb().idb(65000, 0).epb(0, 0n, new Uint8Array(30)).bytes();
      const { info, packets } = await readAll(file(b, 'pcapng'));
      expect(info.errors).toEqual([]);
      expect(packets.map((p) => p.linktype)).toEqual([65000]);
    });
  });

  describe('gzip', () => {
    it('compressed file cut off: packets before the cut kept, error with the decompressed offset', async () => {
      const gz = gzipSync(real);
      const { info, packets } = await readAll(file(gz.subarray(0, Math.floor(gz.length * 0.7)), 'pcap.gz'));
      expect(info.compressed).toBe(true);
      expect(packets.length).toBeGreaterThan(0);
      expect(packets.length).toBeLessThan(10);
      expect(fatalCodes(info)).toEqual(['gzip-error']);
    });

    it('gzip header only', async () => {
      const { info, packets } = await readAll(file(gzipSync(real).subarray(0, 5), 'gz'));
      expect(packets).toEqual([]);
      expect(fatalCodes(info).length).toBe(1);
    });

    it('empty after decompression', async () => {
      const { info } = await readAll(file(gzipSync(new Uint8Array(0)), 'gz'));
      expect(info.errors.map((e) => e.code)).toEqual(['empty-file']);
    });
  });

  it('nonsense options fall back to the defaults instead of throwing', async () => {
    const path = file(real);
    for (const maxRecordLen of [Infinity, -1, 0, 1.5, NaN]) {
      const { info, packets } = await readAll(path, { maxRecordLen, chunkSize: maxRecordLen });
      expect(info.errors).toEqual([]);
      expect(packets.length).toBe(10);
    }
  });

  it('missing file and a directory give an error, never an exception', async () => {
    const missing = await readCapture(join(tmp.dir, 'nope.pcap'), { onPacket() {} });
    expect(missing.errors.map((e) => e.code)).toEqual(['open-failed']);
    const dir = await readCapture(tmp.dir, { onPacket() {} });
    expect(dir.errors.map((e) => e.code)).toEqual(['open-failed']);
    // A named pipe with no writer: refused at once instead of waiting for data forever.
    const fifo = join(tmp.dir, 'pipe.pcap');
    execFileSync('mkfifo', [fifo]);
    const pipe = await readCapture(fifo, { onPacket() {} });
    expect(pipe.errors.map((e) => [e.code, e.message])).toEqual([
      ['open-failed', `cannot open ${fifo}: not a regular file: it is a named pipe (FIFO)`],
    ]);
  });

  // Packet-level faults: the file reads cleanly, the decoder flags the packet and keeps every layer
  // before the fault. The packets are real ones, damaged, written to a file and read back.
  describe('packets', () => {
    /** Writes the packets as a capture, reads it back and decodes each. */
    const roundTrip = async (linktype: number, datas: Uint8Array[], maxTunnelDepth?: number): Promise<DecodedPacket[]> => {
      const bytes = encodePcap(
        { linktype },
        datas.map((data, i) => ({ tsSec: 1_700_000_000 + i, tsNsec: 0, data })),
      );
      const { info, packets } = await readAll(file(bytes));
      expect(info.errors).toEqual([]);
      return packets.map((p) => decodePacket(p.data, p.linktype, maxTunnelDepth === undefined ? undefined : { maxTunnelDepth }, p.origLen));
    };
    const firstWith = async (capture: string, proto: string): Promise<{ data: Uint8Array; linktype: number; d: DecodedPacket }> => {
      const { packets } = await readAll(join(PUBLIC_DIR, capture));
      for (const p of packets) {
        const d = decodePacket(p.data, p.linktype, undefined, p.origLen);
        if (d.layers.some((l) => l.proto === proto)) return { data: p.data, linktype: p.linktype, d };
      }
      throw new Error(`no ${proto} packet in ${capture}`);
    };
    /** Sets an outer IPv4 total length (with its checksum) and UDP length to match the frame's end. */
    const fixLengths = (b: Uint8Array, ipOff: number, udpOff: number): void => {
      const v = new DataView(b.buffer, b.byteOffset, b.length);
      v.setUint16(ipOff + 2, b.length - ipOff);
      v.setUint16(ipOff + 10, 0);
      let sum = 0;
      for (let i = 0; i < 20; i += 2) sum += v.getUint16(ipOff + i);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      v.setUint16(ipOff + 10, ~sum & 0xffff);
      v.setUint16(udpOff + 4, b.length - udpOff);
      v.setUint16(udpOff + 6, 0);
    };
    const codes = (d: DecodedPacket): string[] => d.anomalies.map((a) => a.code);
    const protos = (d: DecodedPacket): string[] => d.layers.map((l) => l.proto);

    it('packet shorter than its headers claim', async () => {
      const { data, linktype, d } = await firstWith('vxlan_port_8472.pcap', 'vxlan');
      const udp = d.layers.find((l) => l.proto === 'udp')!;
      // Cut inside the UDP header, the captured and the original length agreeing (not a snaplen cut).
      const [cut] = await roundTrip(linktype, [data.slice(0, udp.offset + 4)]);
      expect(protos(cut).slice(0, 2)).toEqual(['eth', 'ip']);
      expect(cut.anomalies.length).toBeGreaterThan(0);
      expect(codes(cut).some((c) => c === 'truncated' || c === 'bad-length')).toBe(true);
    });

    it('IPv4 header length below 20', async () => {
      const { data, linktype, d } = await firstWith('vxlan_port_8472.pcap', 'ip');
      const ip = d.layers.find((l) => l.proto === 'ip')!;
      const bad = data.slice();
      bad[ip.offset] = 0x44; // IHL 4 = 16 bytes
      const [got] = await roundTrip(linktype, [bad]);
      expect(protos(got)).toContain('eth');
      expect(codes(got)).toContain('bad-header-length');
    });

    it('VXLAN packet with no inner frame', async () => {
      const { data, linktype, d } = await firstWith('vxlan_port_8472.pcap', 'vxlan');
      const vx = d.layers.find((l) => l.proto === 'vxlan')!;
      const bad = data.slice(0, vx.offset + vx.length);
      // Fix the outer IPv4 total length and UDP length so only the missing inner frame is wrong.
      fixLengths(bad, d.layers.find((l) => l.proto === 'ip')!.offset, d.layers.find((l) => l.proto === 'udp')!.offset);
      const [got] = await roundTrip(linktype, [bad]);
      expect(protos(got)).toEqual(['eth', 'ip', 'udp', 'vxlan']);
      expect(codes(got)).toEqual(['empty-tunnel']);
    });

    it('tunnel nested past the cap', async () => {
      // vxlan-triple-v2: VXLAN in VXLAN in VXLAN. With a cap of 2, the third is flagged and not entered.
      const { data, linktype } = await firstWith('vxlan-triple-v2.pcap', 'vxlan');
      const [capped, full] = [...(await roundTrip(linktype, [data], 2)), ...(await roundTrip(linktype, [data]))];
      expect(protos(full).filter((p) => p === 'vxlan').length).toBe(3);
      expect(codes(full)).toEqual([]);
      expect(protos(full)).toContain('dns');
      // The third VXLAN header is shown but not crossed: two levels of tunnel, the DNS inside not decoded.
      expect(codes(capped)).toEqual(['tunnel-depth-exceeded']);
      expect(capped.levels).toBe(3);
      expect(protos(capped)).not.toContain('dns');
      // And past the default cap: the real frame wrapped in 9 more VXLAN layers (its own outer headers reused).
      const { d } = await firstWith('vxlan-triple-v2.pcap', 'vxlan');
      const firstVx = d.layers.find((l) => l.proto === 'vxlan')!;
      const wrapper = data.slice(0, firstVx.offset + firstVx.length); // eth/ip/udp/vxlan
      const ipOff = d.layers.find((l) => l.proto === 'ip')!.offset;
      const udpOff = d.layers.find((l) => l.proto === 'udp')!.offset;
      let deep = data;
      for (let i = 0; i < 9; i++) {
        const next = new Uint8Array(wrapper.length + deep.length);
        next.set(wrapper);
        next.set(deep, wrapper.length);
        fixLengths(next, ipOff, udpOff);
        deep = next;
      }
      const [tooDeep] = await roundTrip(linktype, [deep]);
      expect(codes(tooDeep)).toContain('tunnel-depth-exceeded');
      expect(tooDeep.levels).toBeLessThanOrEqual(9);
    });
  });
});
