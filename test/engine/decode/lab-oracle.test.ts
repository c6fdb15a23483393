// The fixture lab's captures (flannel VXLAN and UDP backends, Calico; written by the Linux kernel)
// decoded by the engine and by tshark through oracle.sh, run live, compared field by field.
// Skipped with a message when the captures, oracle.sh or tshark are absent.
import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oracleForFile } from '../../../main/cli/decode';
import { compareOracle, type Allowed } from './oracle-compare';
import { describeNeeding, fileNeed, type Need } from '../../tools';
import { fixtureCaptures } from '../readers/helpers';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ORACLE = resolve(ROOT, '../shared/captures/oracle.sh');

const files = fixtureCaptures();
const needs: Need[] = [
  'tshark',
  { what: 'the fixture captures (fixtures/captures)', present: files.length > 0 },
  fileNeed('oracle.sh next to the repository', ORACLE),
];

/**
 * Known, explained disagreements. A capture taken with `-s 96` on flannel.1 cuts each ping's echo
 * data: the engine calls the packet cut (its IP total length runs past the captured bytes), while
 * tshark's ICMP dissector reads only the bytes captured and marks nothing.
 */
const SNAP96 = 'fixtures/captures/flannel-mixed/three-nodes/worker-2/flannel.1.pcap';
const ALLOWED: Allowed = Object.fromEntries(
  [1, 2, 3, 4, 5, 6, 35, 37, 39, 41].map((n) => [
    `${SNAP96}#${n}`,
    { truncated: 'echo data cut by a 96-byte snap length: the engine marks the IP length, tshark marks nothing' },
  ]),
);

/**
 * The review captures taken with one snap length on every interface (`tcpdump -s 128`, cut again to
 * 96 bytes) cut large TCP segments and pings: the engine calls each such packet cut (its IP total
 * length runs past the captured bytes), tshark marks a packet only when a header is cut.
 */
const CUT_BY_SNAPLEN = 'fixtures/captures/review4/';
function allowedFor(rel: string, frames: readonly { number: number; cap_len: number; len: number; truncated?: boolean }[]): Allowed {
  if (!rel.startsWith(CUT_BY_SNAPLEN)) return ALLOWED;
  const cut = frames.filter((f) => f.cap_len < f.len && !f.truncated);
  return {
    ...ALLOWED,
    ...Object.fromEntries(
      cut.map((f) => [
        `${rel}#${f.number}`,
        { truncated: 'payload cut by the snap length: the engine marks the IP length, tshark marks nothing' },
      ]),
    ),
  };
}

describeNeeding(needs, 'lab captures: engine vs tshark', () => {
  it.each(files.map((f) => relative(ROOT, f)))('%s', async (rel) => {
    const path = join(ROOT, rel);
    // oracle.sh reads the file's header itself: a gzip'd capture is given to it decompressed.
    const tmp = rel.endsWith('.gz') ? mkdtempSync(join(tmpdir(), 'tv-lab-oracle-')) : null;
    try {
      const plain = tmp ? join(tmp, rel.split('/').pop()!.replace(/\.gz$/, '')) : path;
      if (tmp) writeFileSync(plain, gunzipSync(readFileSync(path)));
      const expected = JSON.parse(
        execFileSync('bash', [ORACLE, plain], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] }),
      );
      const { doc } = await oracleForFile(path);
      expect(doc.frame_count).toBe(expected.frames.length);
      expect(compareOracle(rel, expected, doc, allowedFor(rel, expected.frames))).toEqual([]);
    } finally {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  });
});
