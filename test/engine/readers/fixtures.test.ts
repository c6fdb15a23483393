// The fixture lab's captures (written by the Linux kernel through tcpdump) against tshark, read live:
// frame count, time_epoch to the nanosecond, captured and original length, per frame. Skipped when the
// lab's captures or tshark are absent.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureCaptures, readAll } from './helpers';

const HAVE_TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].some((p) => existsSync(p));
const files = fixtureCaptures();
if (!files.length) console.warn('no fixture captures (fixtures/captures): fixture tests skipped');
if (!HAVE_TSHARK) console.warn('tshark not installed: fixture captures not compared with it');

describe.skipIf(!files.length || !HAVE_TSHARK)('fixture captures against tshark', () => {
  for (const path of files) {
    it(path.slice(path.indexOf('fixtures/')), async () => {
      const out = execFileSync('tshark', ['-r', path, '-n', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 256 << 20,
      });
      const expected = out.split('\n').filter(Boolean).map((l) => l.split('\t'));
      const { info, packets } = await readAll(path);
      expect(info.errors).toEqual([]);
      expect(packets.map((p) => [p.time, String(p.capLen), String(p.origLen)])).toEqual(expected);
    });
  }
});
