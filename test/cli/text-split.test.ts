// `decode --format text` split over two threads (text-split.ts): the record boundary the split is
// made at, the two parts read as ranges, and the output, which must be byte for byte the one-thread
// output (lines and reported errors) on every fixture capture, on a file cut off inside its second
// part, and on one with an over-long record in its first part (then read on one thread).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadBudget, readCapture } from '../../main/engine/readers/read';
import { pcapRecordAt } from '../../main/engine/readers/pcap';
import type { CaptureInfo } from '../../main/engine/types';
import { Output } from '../../main/cli/output';
import { decodeText, splitMode, type SplitMode } from '../../main/cli/text-split';
import { ORACLE_DECODE_AS } from '../../main/cli/decode';
import { udpFrame, writePcap } from '../../main/bench/hostile';
import { FIXTURE_DIR, fixtureCaptures } from '../engine/readers/helpers';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tv-text-split-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The text output of one file and the read results decodeText hands back. */
async function decoded(path: string, mode: SplitMode): Promise<{ text: Buffer; infos: CaptureInfo[] }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const out = new Output(sink);
  const infos = await decodeText(out, path, { decodeAs: ORACLE_DECODE_AS }, new ReadBudget(), mode);
  await out.close(0, 'decode');
  return { text: Buffer.concat(chunks), infos };
}

/** What the command would report: every error of every part, in order. */
const errorsOf = (infos: CaptureInfo[]) => infos.flatMap((i) => i.errors);

/** Every packet's record offset and index, from a whole read. */
async function records(path: string): Promise<{ offset: number; index: number }[]> {
  const out: { offset: number; index: number }[] = [];
  await readCapture(path, { onPacket: (p) => void out.push({ offset: p.fileOffset, index: p.index }) });
  return out;
}

describe('pcapRecordAt', () => {
  const pcap = join(FIXTURE_DIR, 'a-node1-eth0.pcap');

  it('finds the first record at or after a byte, with its packet index, as the reader numbers them', async () => {
    const all = await records(pcap);
    expect(all.length).toBeGreaterThan(60);
    for (const k of [1, 17, 50, all.length - 1]) {
      expect(pcapRecordAt(pcap, all[k].offset)).toEqual(all[k]);
      expect(pcapRecordAt(pcap, all[k - 1].offset + 1)).toEqual(all[k]);
    }
  });

  it('is the end of the file past the last record; null for other formats and for a file cut off before the point', async () => {
    const size = statSync(pcap).size;
    expect(pcapRecordAt(pcap, size - 1)).toEqual({ offset: size, index: (await records(pcap)).length });
    expect(pcapRecordAt(pcap, size + 1)).toBeNull();
    expect(pcapRecordAt(join(FIXTURE_DIR, 'a-node2.pcapng'), 100)).toBeNull();
    expect(pcapRecordAt(join(FIXTURE_DIR, 'flannel-mixed/three-nodes/worker-2/cbr0.pcap.gz'), 100)).toBeNull();
    const cut = join(dir, 'cut.pcap');
    copyFileSync(pcap, cut);
    truncateSync(cut, Math.floor(size / 2));
    expect(pcapRecordAt(cut, size - 10)).toBeNull();
  });

  it('is null when a record before the point is longer than the snaplen (its warning stays on one thread)', () => {
    const odd = join(dir, 'snaplen.pcap');
    const bytes = readFileSync(pcap);
    bytes.writeUInt32LE(64, 16); // snaplen 64: most records exceed it
    writeFileSync(odd, bytes);
    expect(pcapRecordAt(odd, bytes.length >> 1)).toBeNull();
  });
});

describe('decode --format text on two threads', () => {
  it('chooses one thread when told, and when the file is small', () => {
    expect(splitMode('1')).toBe('never');
    expect(splitMode('2')).toBe('always');
    expect(splitMode(undefined)).toBe('auto');
  });

  const files = fixtureCaptures();

  it.each(files.map((f) => [relative(FIXTURE_DIR, f), f]))('%s: the same bytes and errors as one thread', async (_name, path) => {
    const one = await decoded(path, 'never');
    const two = await decoded(path, 'always');
    expect(one.infos).toHaveLength(1);
    // Every uncompressed classic pcap file with more than a few packets is split.
    const { format, compressed, packetCount } = one.infos[0];
    if (format === 'pcap' && !compressed && packetCount > 4) expect(two.infos).toHaveLength(2);
    expect(two.text.equals(one.text)).toBe(true);
    expect(errorsOf(two.infos)).toEqual(errorsOf(one.infos));
  });

  it('a file cut off inside its second part: the same lines, then the same error', async () => {
    const cut = join(dir, 'cut-late.pcap');
    copyFileSync(join(FIXTURE_DIR, 'b-node2-any.pcap'), cut);
    truncateSync(cut, statSync(cut).size - 7);
    const one = await decoded(cut, 'never');
    const two = await decoded(cut, 'always');
    expect(two.infos).toHaveLength(2);
    expect(errorsOf(one.infos).map((e) => e.code)).toEqual(['truncated-record']);
    expect(two.text.equals(one.text)).toBe(true);
    expect(errorsOf(two.infos)).toEqual(errorsOf(one.infos));
  });

  it('a record longer than the snaplen in the first part: read on one thread, the same warnings', async () => {
    const odd = join(dir, 'snaplen-early.pcap');
    const bytes = readFileSync(join(FIXTURE_DIR, 'a-node1-eth0.pcap'));
    bytes.writeUInt32LE(64, 16);
    writeFileSync(odd, bytes);
    const one = await decoded(odd, 'never');
    const two = await decoded(odd, 'always');
    expect(two.infos).toHaveLength(1);
    expect(errorsOf(one.infos).length).toBeGreaterThan(0);
    expect(two.text.equals(one.text)).toBe(true);
    expect(errorsOf(two.infos)).toEqual(errorsOf(one.infos));
  });

  it('200,000 packets over many chunks of both threads: the same bytes, numbered on across the cut', async () => {
    const big = join(dir, 'flood.pcap');
    writePcap(big, 200_000, udpFrame(0), (v, data, i) => v.setUint16(data + 18, i & 0xffff));
    const one = await decoded(big, 'never');
    const two = await decoded(big, 'always');
    expect(two.infos).toHaveLength(2);
    expect(two.infos[1].packetCount).toBe(200_000);
    expect(two.text.length).toBeGreaterThan(8 << 20);
    expect(two.text.equals(one.text)).toBe(true);
  });
});
