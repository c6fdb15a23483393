// --decode-as on every command that decodes, through one parser: a cluster whose VXLAN runs on a
// port no built-in table has (Weave's 6784, fixtures/captures/review5/weave-port) is analysed and
// followed from the command line as the decoder reads it.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'main/cli/bin.mjs');
const DIR = join(ROOT, 'fixtures/captures/review5/weave-port');
const FILES = readdirSync(DIR)
  .filter((f) => f !== 'README.md')
  .map((f) => join(DIR, f));
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, [BIN, ...args]).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );

describe('--decode-as udp:PORT=PROTO', () => {
  it('topology decodes the port as told: the three nodes’ tunnels on UDP 6784 and their addresses', async () => {
    const r = await run('topology', '--decode-as', 'udp:6784=vxlan', ...FILES);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/\nTunnels \(3\)\n(.*VXLAN VNI 7 UDP 6784 .*\n){3}/);
    expect(r.out).toMatch(/\n {2}worker-1 +192\.168\.50\.11 +02:00:c0:a8:00:01 +pods 10\.244\.1\.0\/24/);
  });

  it('follow takes it too (--decode-as=VALUE as well): the ping crosses the tunnel between the nodes and is delivered', async () => {
    const r = await run('follow', ...FILES, '--decode-as=udp:6784=vxlan', '--flow', '10.244.1.11 -> 10.244.2.11 icmp', '--limit', '1');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/ DELIVERED /);
    expect(r.out).toMatch(/in vxlan VNI 7 192\.168\.50\.11:\d+ → 192\.168\.50\.12:6784/);
  });

  it('a wrong value is a usage error with the same message on every command', async () => {
    for (const cmd of ['topology', 'follow', 'decode', 'export']) {
      const r = await run(cmd, '--decode-as', 'udp:6784=nope', FILES[0]);
      expect([cmd, r.code]).toEqual([cmd, 2]);
      expect(r.err).toMatch(/bad --decode-as 'udp:6784=nope': unknown protocol 'nope'/);
    }
  });
});
