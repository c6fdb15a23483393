// Inputs the command-line fuzzer (scripts/fuzz-cli.mjs) broke, one test each, on the reproducers of
// fixtures/captures/fuzz (see its README.md): read through the engine, through random access (how
// the app reads a packet again for its detail) and through the app's backend.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPacketsAt } from '../../main/engine/readers/random-access';
import { decodePacket } from '../../main/engine/decode/index';
import { FIXTURE_DIR, readAll } from './readers/helpers';
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
  });
});
