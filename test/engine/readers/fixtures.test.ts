// The fixture lab's captures (written by the Linux kernel through tcpdump) against tshark, read live:
// frame count, time_epoch to the nanosecond, captured and original length, per frame. tshark reads
// the classic pcap files in one run (batch.ts), the others one run each; for each kind of classic
// header one file's share of that run is checked against tshark over that file alone. Skipped when
// the lab's captures, tshark or mergecap are absent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { fixtureCaptures, readAll } from './helpers';
import { concatenate, headerKind, isClassicPcap, splitByInterface } from './batch';
import { describeNeeding } from '../../tools';

const files = fixtureCaptures();
const classic = files.filter(isClassicPcap);
/** One classic file of each kind of header (byte order, time resolution, link type). */
const kinds = [...new Map(classic.map((f) => [headerKind(f), f])).values()];
const FIELDS = ['frame.time_epoch', 'frame.cap_len', 'frame.len'];
const name = (path: string): string => path.slice(path.indexOf('fixtures/'));

/** tshark's fields of each frame of a capture, as text, one array per frame. */
function tshark(path: string, fields: readonly string[]): string[][] {
  return execFileSync('tshark', ['-r', path, '-n', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 256 << 20,
  })
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}

describeNeeding(
  ['tshark', 'mergecap', { what: 'the fixture captures (fixtures/captures)', present: files.length > 0 }],
  'fixture captures against tshark',
  () => {
    /** Each classic file's share of the one run over all of them. */
    const batch = new Map<string, string[][]>();
    beforeAll(() => {
      const dir = mkdtempSync(join(tmpdir(), 'tv-readers-'));
      try {
        const merged = concatenate(classic, dir);
        if (!merged) throw new Error(`mergecap refused a classic pcap among the fixtures: ${classic.join(' ')}`);
        const parts = splitByInterface(
          tshark(merged, ['frame.interface_id', 'frame.number', ...FIELDS]),
          classic.length,
          (r) => Number(r[0]),
          (r) => Number(r[1]),
        );
        classic.forEach((f, k) =>
          batch.set(
            f,
            parts[k].map((r) => r.slice(2)),
          ),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 600_000);

    for (const path of kinds)
      it(`one run over every classic pcap gives ${name(path)} tshark's fields of that file alone`, () => {
        expect(batch.get(path)).toEqual(tshark(path, FIELDS));
      });

    for (const path of files) {
      it(name(path), async () => {
        const expected = batch.get(path) ?? tshark(path, FIELDS);
        const { info, packets } = await readAll(path);
        expect(info.errors).toEqual([]);
        expect(packets.map((p) => [p.time, String(p.capLen), String(p.origLen)])).toEqual(expected);
      });
    }
  },
);
