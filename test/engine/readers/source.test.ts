// FileSource reads ahead: a caller announces its next read (prefetch), which then runs while the
// caller works on the last one, straight into the caller's buffer. Whatever the caller's pattern of
// reads, announcements (kept or not) and skips, it must get the file's bytes in order, exactly once,
// and see the end where the file ends.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSource } from '../../../main/engine/readers/source';

const dir = mkdtempSync(join(tmpdir(), 'tv-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `size` bytes, each one a function of its offset (so a byte from the wrong place shows). */
function fileOf(size: number): { path: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 8)) & 255;
  const path = join(dir, `f-${size}`);
  writeFileSync(path, bytes);
  return { path, bytes };
}

/** A read, a read announced before (prefetch), one announced into another buffer than it reads into, a skip. */
type Step = ['read', number] | ['announced', number] | ['other', number] | ['skip', number];

/**
 * Runs the steps, then reads to the end in `tail`-byte reads into two buffers in turn, each announced
 * while the other is looked at (as the reading loop does); returns what was read and skipped, in file order.
 */
async function run(path: string, steps: Step[], tail: number): Promise<{ got: number[][]; positions: number[]; skipped: number }> {
  const src = await FileSource.open(path);
  const got: number[][] = [];
  const positions: number[] = [];
  let pos = 0;
  let skipped = 0;
  try {
    for (const [op, n] of steps) {
      if (op === 'skip') {
        const k = await src.skip(n);
        pos += k;
        skipped += k;
        continue;
      }
      const buf = new Uint8Array(n + 7).fill(0xee);
      if (op === 'announced') src.prefetch(buf, 7, n);
      if (op === 'other') src.prefetch(new Uint8Array(n + 7), 7, n);
      await new Promise((r) => setTimeout(r, 1)); // the caller's work, while the announced read runs
      const k = await src.read(buf, 7, n);
      expect(buf.subarray(0, 7).every((b) => b === 0xee)).toBe(true); // nothing written before `off`
      positions.push(pos);
      got.push([...buf.subarray(7, 7 + k)]);
      pos += k;
    }
    const bufs = [new Uint8Array(tail), new Uint8Array(tail)];
    for (let cur = 0; ; cur = 1 - cur) {
      const k = await src.read(bufs[cur], 0, tail);
      if (k === 0) break;
      src.prefetch(bufs[1 - cur], 0, tail);
      positions.push(pos);
      got.push([...bufs[cur].subarray(0, k)]);
      pos += k;
    }
    expect(src.bytesRead).toBe(src.bytesTotal);
  } finally {
    await src.close();
  }
  return { got, positions, skipped };
}

describe('FileSource read-ahead (prefetch)', () => {
  const { path, bytes } = fileOf(3 * 65536 + 123);
  const cases: [string, Step[], number][] = [
    ['same-size reads to the end', [], 65536],
    ['reads that do not divide the file', [], 50_000],
    [
      'reads announced and not, of several lengths',
      [
        ['read', 65536],
        ['announced', 65536],
        ['announced', 100],
        ['read', 200],
        ['announced', 70_000],
      ],
      65536,
    ],
    [
      'a read announced into another buffer than the one read into (the announced one is not used)',
      [
        ['read', 1000],
        ['other', 5000],
        ['other', 70_000],
      ],
      4096,
    ],
    [
      'a skip after an announced read',
      [
        ['announced', 65536],
        ['skip', 1000],
        ['other', 65536],
        ['skip', 100_000],
        ['read', 10],
      ],
      65536,
    ],
    [
      'a skip past the end',
      [
        ['read', 65536],
        ['skip', 1 << 30],
        ['announced', 10],
      ],
      65536,
    ],
  ];
  for (const [name, steps, tail] of cases) {
    it(name, async () => {
      const { got, positions, skipped } = await run(path, steps, tail);
      for (let i = 0; i < got.length; i++) expect(got[i]).toEqual([...bytes.subarray(positions[i], positions[i] + got[i].length)]);
      // Every byte not skipped was read once, and nothing past the end.
      expect(got.reduce((a, g) => a + g.length, 0)).toBe(bytes.length - skipped);
    });
  }

  it('closes while an announced read is still running, and the descriptor is not used after', async () => {
    const src = await FileSource.open(path);
    const buf = new Uint8Array(65536);
    expect(await src.read(buf, 0, 65536)).toBe(65536);
    src.prefetch(new Uint8Array(65536), 0, 65536);
    await expect(src.close()).resolves.toBeUndefined();
  });

  it('an empty file reads as the end at once', async () => {
    const empty = fileOf(0);
    const { got } = await run(empty.path, [['read', 10]], 10);
    expect(got).toEqual([[]]);
  });
});
