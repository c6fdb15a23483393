// The fixture lab's captures (written by the Linux kernel through tcpdump) against tshark, read live:
// frame count, time_epoch to the nanosecond, captured and original length, per frame. Skipped when the
// lab's captures or tshark are absent.
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { fixtureCaptures, readAll } from './helpers';
import { describeNeeding } from '../../tools';

const files = fixtureCaptures();

describeNeeding(
  ['tshark', { what: 'the fixture captures (fixtures/captures)', present: files.length > 0 }],
  'fixture captures against tshark',
  () => {
    for (const path of files) {
      it(path.slice(path.indexOf('fixtures/')), async () => {
        const out = execFileSync(
          'tshark',
          ['-r', path, '-n', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len'],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
            maxBuffer: 256 << 20,
          },
        );
        const expected = out
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t'));
        const { info, packets } = await readAll(path);
        expect(info.errors).toEqual([]);
        expect(packets.map((p) => [p.time, String(p.capLen), String(p.origLen)])).toEqual(expected);
      });
    }
  },
);
