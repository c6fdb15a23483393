// Inputs the command-line fuzzer (scripts/fuzz-cli.mjs) broke, one test each, on the reproducers of
// fixtures/captures/fuzz (see its README.md): read through the engine, through random access (how
// the app reads a packet again for its detail) and through the app's backend.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readPacketsAt } from '../../main/engine/readers/random-access';
import { decodePacket } from '../../main/engine/decode/index';
import { FIXTURE_DIR, readAll, readBytes } from './readers/helpers';
import { openBackend } from '../app/helpers';

const FUZZ = join(FIXTURE_DIR, 'fuzz');

describe('pcapng packet blocks naming an interface their section does not define', () => {
  it('no Interface Description Block at all: every packet kept, under a stand-in of unknown link type', async () => {
    const path = join(FUZZ, 'idb-missing.pcapng');
    const { info, packets } = await readAll(path);
    // Before: all 24 packets dropped, the file read as empty of packets.
    expect(packets.length).toBe(24);
    expect(new Set(packets.map((p) => p.linktype))).toEqual(new Set([0xffff]));
    expect(info.interfaces.map((i) => [i.key, i.section, i.interfaceId])).toEqual([[0, 0, -1]]);
    expect(info.errors.every((e) => e.code === 'unknown-interface' && !e.fatal)).toBe(true);
    // 20 problems listed, then one line counting the rest, which points at the first of those (the
    // 21st packet block: the 28-byte section header, then 80-byte blocks), never at byte -1.
    expect(info.errors.length).toBe(21);
    expect(info.errors[0].offset).toBe(28);
    expect(info.errors[20]).toEqual({
      code: 'unknown-interface',
      message: "4 more 'unknown-interface' problems not listed (24 in all), the first of them at byte 1628",
      offset: 28 + 20 * 80,
      fatal: false,
    });
    // Listed as frames no decoder takes, never as nothing.
    const d = decodePacket(packets[0].data, packets[0].linktype, undefined, packets[0].origLen);
    expect(d.anomalies.map((a) => a.code)).toEqual(['unknown-link-type']);
  });

  it('one stray packet between good ones: kept in file order, and read again at its offset under the same stand-in', async () => {
    const path = join(FUZZ, 'epb-undefined-interface.pcapng');
    const { info, packets } = await readAll(path);
    expect(packets.map((p) => [p.index, p.iface, p.linktype, p.fileOffset, p.capLen])).toEqual([
      [0, 0, 1, 48, 48],
      [1, 1, 0xffff, 128, 48],
      [2, 0, 1, 208, 48],
    ]);
    expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['unknown-interface', 128, false]]);
    expect(info.errors[0].message).toBe(
      'packet block at byte 128 names interface 7, which its section does not define: packet kept, its link type unknown',
    );
    const again = await readPacketsAt(path, info, packets);
    expect(again.map((a) => (a.ok ? [a.packet.iface, a.packet.linktype, [...a.packet.data]] : a.error.message))).toEqual(
      packets.map((p) => [p.iface, p.linktype, [...p.data]]),
    );
  });

  describe('in the app', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-fuzz-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('lists the stray packet and shows its detail', async () => {
      const b = await openBackend(dir, [join(FUZZ, 'epb-undefined-interface.pcapng')]);
      const page = await b.queryPackets({ filter: '', element: null, sort: 'no', descending: false, offset: 0, limit: 10, locate: 0 });
      expect(page.total).toBe(3);
      const stray = page.rows.find((r) => r.tsSec === 2)!;
      const detail = await b.getPacket({ no: stray.no });
      expect(detail?.capLen).toBe(48);
      expect(detail?.info).toMatch(/link type 65535/);
    });

    it('lists every packet of a gzip file with stray bytes at its end, and shows the last one', async () => {
      const b = await openBackend(dir, [join(FUZZ, 'gzip-trailing-garbage.pcap.gz')]);
      const page = await b.queryPackets({ filter: '', element: null, sort: 'no', descending: false, offset: 0, limit: 10, locate: 0 });
      expect(page.total).toBe(3);
      const detail = await b.getPacket({ no: page.rows[2].no });
      expect(detail?.info).toMatch(/1234 → 9999/);
    });
  });
});

describe('gzip', () => {
  const path = join(FUZZ, 'gzip-trailing-garbage.pcap.gz');
  const file = new Uint8Array(readFileSync(path));
  const member = file.subarray(0, file.length - 16);
  const pcap = new Uint8Array(gunzipSync(member));
  const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
  const summary = async (bytes: Uint8Array): Promise<[number, string[][]]> => {
    const { info, packets } = await readBytes(bytes);
    return [packets.length, info.errors.map((e) => [e.code, String(e.offset), e.message])];
  };

  it('bytes after the last member that are no gzip member: every packet kept, then one error saying where they start', async () => {
    // Before: zlib's gunzip failed on them and dropped what it had decompressed in the same step,
    // here the whole file: no packet, 'after byte 0'.
    const { info, packets } = await readAll(path);
    expect(packets.length).toBe(3);
    expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['gzip-error', pcap.length, true]]);
    expect(info.errors[0].message).toBe(
      `gzip data is corrupt or cut off after byte ${pcap.length} of the decompressed file: the bytes from compressed byte ${member.length} on follow the gzip data and are no gzip member`,
    );
  });

  it('members one after the other and zero padding read as one file; a wrong CRC or length is reported after the packets', async () => {
    const halves = cat(gzipSync(pcap.subarray(0, 100)), gzipSync(pcap.subarray(100)));
    expect(await summary(halves)).toEqual([3, []]);
    expect(await summary(cat(halves, new Uint8Array(40)))).toEqual([3, []]);
    // A gzip header with every optional field (extra, name, comment, header CRC).
    const header = cat(
      new Uint8Array([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3, 4, 0, 1, 2, 3, 4]),
      Buffer.from('a.pcap\0note\0'),
      new Uint8Array(2),
    );
    const trailer = new Uint8Array(8);
    new DataView(trailer.buffer).setUint32(0, crc32(pcap), true);
    new DataView(trailer.buffer).setUint32(4, pcap.length, true);
    expect(await summary(cat(header, deflateRawSync(pcap), trailer))).toEqual([3, []]);
    for (const [at, check] of [
      [member.length - 8, 'incorrect data check'],
      [member.length - 4, 'incorrect length check'],
    ] as const) {
      const bad = member.slice();
      bad[at] ^= 1;
      expect(await summary(bad)).toEqual([
        3,
        [
          [
            'gzip-error',
            String(pcap.length),
            `gzip data is corrupt or cut off after byte ${pcap.length} of the decompressed file: ${check}`,
          ],
        ],
      ]);
    }
  });
});
