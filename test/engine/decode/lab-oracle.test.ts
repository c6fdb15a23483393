// The fixture lab's captures (flannel VXLAN and UDP backends, Calico; written by the Linux kernel)
// decoded by the engine and by tshark through oracle.sh, run live, compared field by field.
// Skipped with a message when the captures, oracle.sh or tshark are absent.
import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oracleForFile } from '../../../main/cli/decode';
import { compareOracle } from './oracle-compare';
import { describeNeeding, fileNeed, type Need } from '../../tools';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ORACLE = resolve(ROOT, '../shared/captures/oracle.sh');
const CAPTURES = join(ROOT, 'fixtures/captures');

function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? captures(join(dir, e.name)) : /\.(pcap|pcapng)(\.gz)?$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort();
}
const files = captures(CAPTURES);
const needs: Need[] = [
  'tshark',
  { what: 'the fixture captures (fixtures/captures)', present: files.length > 0 },
  fileNeed('oracle.sh next to the repository', ORACLE),
];

describeNeeding(needs, 'lab captures: engine vs tshark', () => {
  it.each(files.map((f) => relative(ROOT, f)))('%s', async (rel) => {
    const path = join(ROOT, rel);
    const expected = JSON.parse(
      execFileSync('bash', [ORACLE, path], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    const { doc } = await oracleForFile(path);
    expect(doc.frame_count).toBe(expected.frames.length);
    expect(compareOracle(rel, expected, doc)).toEqual([]);
  });
});
