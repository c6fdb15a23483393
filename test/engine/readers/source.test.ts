// FileSource reads ahead: while the caller works on one read, the next one (same length, from where
// it ended) is already running. Whatever the caller's pattern of reads and skips, it must get the
// file's bytes in order, exactly once, and see the end where the file ends.
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

type Step = ['read', number] | ['skip', number];

/** Runs the steps, then reads to the end in `tail`-byte reads; returns what was read and skipped, in file order. */
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
      const k = await src.read(buf, 7, n);
      expect(buf.subarray(0, 7).every((b) => b === 0xee)).toBe(true); // nothing written before `off`
      positions.push(pos);
      got.push([...buf.subarray(7, 7 + k)]);
      pos += k;
    }
    for (;;) {
      const buf = new Uint8Array(tail);
      const k = await src.read(buf, 0, tail);
      if (k === 0) break;
      positions.push(pos);
      got.push([...buf.subarray(0, k)]);
      pos += k;
    }
    expect(src.bytesRead).toBe(src.bytesTotal);
  } finally {
    await src.close();
  }
  return { got, positions, skipped };
}

describe('FileSource read-ahead', () => {
  const { path, bytes } = fileOf(3 * 65536 + 123);
  const cases: [string, Step[], number][] = [
    ['same-size reads to the end', [], 65536],
    ['reads that do not divide the file', [], 50_000],
    [
      'a short read after long ones (the window is used in parts)',
      [
        ['read', 65536],
        ['read', 65536],
        ['read', 100],
        ['read', 200],
      ],
      65536,
    ],
    [
      'a longer read than the window',
      [
        ['read', 1000],
        ['read', 70_000],
      ],
      4096,
    ],
    [
      'a skip inside the window',
      [
        ['read', 65536],
        ['skip', 1000],
        ['read', 65536],
      ],
      65536,
    ],
    [
      'a skip past the window',
      [
        ['read', 65536],
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
        ['read', 10],
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

  it('closes while a read-ahead is still running, and the descriptor is not used after', async () => {
    const src = await FileSource.open(path);
    const buf = new Uint8Array(65536);
    expect(await src.read(buf, 0, 65536)).toBe(65536); // starts the next read
    await expect(src.close()).resolves.toBeUndefined();
  });

  it('an empty file reads as the end at once', async () => {
    const empty = fileOf(0);
    const { got } = await run(empty.path, [['read', 10]], 10);
    expect(got).toEqual([[]]);
  });
});
