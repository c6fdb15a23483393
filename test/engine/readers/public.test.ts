// Every public capture against tshark's decode of it (expected/*.json): frame count, time_epoch to
// the nanosecond as tshark prints it, captured and original length, link type, pcapng section and
// interface, packet comments. Both classic pcap loops (pcap-parser and the fast one) must agree with
// tshark and with each other; gzip-compressed copies and random access must give the same packets.
//
// Justified disagreements (the test encodes them):
// - pcapng Custom Blocks: tshark 4.0 lists them as frames ("non_packet_record"); they are not packets,
//   so the engine skips them (test202.pcapng: frames 1, 7, 10).
// - Files tshark refuses (pcap-invalid-version-1, pcapng-invalid-vers-1, shb-option-too-long): the
//   engine also reads no packet and reports a fatal error with its offset.
// - linktype-reserved-field-not-zero.pcap: tshark refuses the file; the engine reports the reserved
//   bits as a warning and reads the (empty) file with link type 0: nothing is lost either way.
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPacketsAt } from '../../../main/engine/readers/read';
import { HAVE_PUBLIC, PUBLIC_DIR, expected, publicCaptures, readAll, readPublic, tempDir, writeTemp, readBytes, copy } from './helpers';

const files = publicCaptures();
const REFUSED_BY_TSHARK: Record<string, string> = {
  'pcap-invalid-version-1.pcap': 'unsupported-version',
  'pcapng-invalid-vers-1.pcapng': 'unsupported-version',
  'shb-option-too-long.pcapng': 'bad-block-length',
};

describe.skipIf(!HAVE_PUBLIC)('public captures against tshark', () => {
  it('finds the public captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  for (const mode of ['pcap-parser', 'fast'] as const) {
    describe(`classic pcap via ${mode}`, () => {
      for (const name of files) {
        it(name, async () => {
          const exp = expected(name);
          const { info, packets } = await readAll(join(PUBLIC_DIR, name), { pcapReader: mode });
          const frames = exp.frames.filter((f) => !f.non_packet_record);
          expect(packets.length).toBe(frames.length);
          expect(info.packetCount).toBe(frames.length);
          expect(info.format).toBe(exp.file.format);
          if (exp.file.format === 'pcap') {
            expect(info.byteOrder).toBe(exp.file.byte_order);
            expect(info.tsPrecision).toBe(exp.file.ts_precision);
            if (exp.readable) expect(info.interfaces[0]?.snaplen).toBe(exp.file.snaplen);
          }
          if (exp.file.format === 'pcapng' && exp.readable) {
            const sections = exp.file.sections ?? [];
            expect(info.interfaces.map((i) => [i.section, i.linktype, i.snaplen])).toEqual(
              sections.flatMap((s, si) => s.interfaces.map((i) => [si, i.linktype, i.snaplen])),
            );
          }
          frames.forEach((f, i) => {
            const g = packets[i];
            const iface = info.interfaces[g.iface];
            const where = `${name} frame ${f.number}`;
            expect(g.time, where).toBe(f.time_epoch);
            expect([g.capLen, g.origLen, g.data.length], where).toEqual([f.cap_len, f.len, f.cap_len]);
            expect(g.linktype, where).toBe(f.linktype);
            expect(g.comments ?? undefined, where).toEqual(f.comments);
            if (f.section !== undefined) expect([iface.section + 1, iface.interfaceId], where).toEqual([f.section, f.interface_id]);
          });
          const fatal = info.errors.filter((e) => e.fatal);
          if (!exp.readable && REFUSED_BY_TSHARK[name]) {
            expect(fatal.map((e) => e.code)).toEqual([REFUSED_BY_TSHARK[name]]);
          } else {
            expect(fatal).toEqual([]);
          }
        });
      }
    });
  }

  it('reports the reserved link-type bits that make tshark refuse a file', async () => {
    const { info } = await readAll(join(PUBLIC_DIR, 'linktype-reserved-field-not-zero.pcap'));
    expect(info.errors.map((e) => [e.code, e.offset, e.fatal])).toEqual([['reserved-bits', 20, false]]);
  });

  it('keeps section header comments and interface options', async () => {
    const merged = await readAll(join(PUBLIC_DIR, 'start-with-server.pcapng'));
    expect(merged.info.comments.join('\n')).toContain('File created by merging');
    const multi = await readAll(join(PUBLIC_DIR, 'pcapng-multi-interface.pcapng'));
    expect(multi.info.interfaces.map((i) => i.tsresolExp)).toEqual([9, 6]);
    const test202 = await readAll(join(PUBLIC_DIR, 'test202.pcapng'));
    expect(test202.info.interfaces.map((i) => [i.section, i.interfaceId])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 0],
      [2, 1],
    ]);
  });

  describe('gzip-compressed copies and random access give the same packets', () => {
    const tmp = tempDir();
    afterAll(() => tmp.cleanup());
    for (const name of files) {
      it(name, async () => {
        const plain = await readAll(join(PUBLIC_DIR, name));
        const gz = writeTemp(tmp.dir, `${name}.gz`, gzipSync(readPublic(name)));
        const viaGzip = await readAll(gz);
        expect(viaGzip.info.compressed).toBe(true);
        expect(viaGzip.packets).toEqual(plain.packets);
        expect(viaGzip.info.errors.map((e) => e.code)).toEqual(plain.info.errors.map((e) => e.code));
        const inMemory = await readBytes(readPublic(name));
        expect(inMemory.packets).toEqual(plain.packets);
        for (const [path, run] of [
          [join(PUBLIC_DIR, name), plain],
          [gz, viaGzip],
        ] as const) {
          // Backwards order: random access must not depend on the order asked.
          const refs = run.packets.map((p) => ({ fileOffset: p.fileOffset, iface: p.iface, index: p.index })).reverse();
          const again = await readPacketsAt(path, run.info, refs);
          const got = again.map((r) => {
            if (!r.ok) throw new Error(r.error.message);
            return copy(r.packet);
          });
          expect(got).toEqual([...run.packets].reverse());
        }
      });
    }
  });

  it('detects the format by content, never by file name', async () => {
    const tmp = tempDir();
    try {
      const ng = await readAll(writeTemp(tmp.dir, 'looks-like.pcap', readPublic('test202.pcapng')));
      expect([ng.info.format, ng.info.compressed, ng.packets.length]).toEqual(['pcapng', false, 8]);
      const gz = await readAll(writeTemp(tmp.dir, 'notes.txt', gzipSync(readPublic('bigendian.pcap'))));
      expect([gz.info.format, gz.info.compressed, gz.info.byteOrder, gz.packets.length]).toEqual(['pcap', true, 'big', 2]);
      const plain = await readAll(writeTemp(tmp.dir, 'capture.pcapng.gz', readPublic('tcp-handshake-nano.pcap')));
      expect([plain.info.format, plain.info.compressed, plain.info.tsPrecision, plain.packets.length]).toEqual(['pcap', false, 'ns', 3]);
    } finally {
      tmp.cleanup();
    }
  });

  it('reads each capture identically when records straddle every chunk boundary', async () => {
    for (const name of files) {
      const whole = await readAll(join(PUBLIC_DIR, name), { pcapReader: 'fast' });
      for (const chunkSize of [1, 7, 64]) {
        for (const mode of ['pcap-parser', 'fast'] as const) {
          const small = await readAll(join(PUBLIC_DIR, name), { chunkSize, pcapReader: mode });
          expect(small.packets, `${name} chunk ${chunkSize} ${mode}`).toEqual(whole.packets);
          expect(small.info.errors, `${name} chunk ${chunkSize} ${mode}`).toEqual(whole.info.errors);
        }
      }
    }
  });
});
