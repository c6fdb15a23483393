// Standard output of the commands as a pipe sees it: a reader slower than the decoder holds the
// decoder back (memory stays bounded), a reader that goes away (`| head -1`) ends the command with
// status 0, and a failing write ends it with a message and status 1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureFiles } from '../topology/lab';
import { udpFrame, writePcap } from '../../main/bench/hostile';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'main/cli/bin.mjs');
const PACKETS = 2_000_000;
const MAX_RSS = 300 << 20;

let dir = '';
let big = '';
let flow = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tv-output-'));
  big = join(dir, 'flood.pcap');
  // 2M UDP packets of one flow, each with its own IP ID.
  writePcap(big, PACKETS, udpFrame(0), (v, data, i) => v.setUint16(data + 18, i & 0xffff));
  flow = join(dir, 'flow.pcap');
  writePcap(flow, 20_000, udpFrame(0), (v, data, i) => v.setUint16(data + 18, i));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resident set size figures of a running process from /proc: current and peak (bytes). */
function rssOf(pid: number): { rss: number; peak: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** CPU time (ticks) a process has used so far, and bytes it has read (rchar, positioned reads included). */
function activity(pid: number): { cpu: number; read: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { cpu: Number(f[11]) + Number(f[12]), read: Number(/^rchar:\s+(\d+)/m.exec(io)?.[1] ?? 0) };
  } catch {
    return null;
  }
}

describe('stdout of the commands', () => {
  it.skipIf(!existsSync('/proc/self/io'))(
    'decode into a reader that stalls, then drains: memory stays bounded, every line arrives',
    async () => {
      // The reader takes nothing until the decoder has either read its whole input (it buffered the
      // output) or stopped working for a second (it waits for the pipe), then reads everything.
      const child = spawn(process.execPath, [BIN, 'decode', big], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.pause();
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      let peak = 0;
      const poll = setInterval(() => {
        const r = rssOf(child.pid!);
        if (r) peak = Math.max(peak, r.peak, r.rss);
      }, 50);
      const size = statSync(big).size;
      let last = activity(child.pid!);
      let idleSince = Date.now();
      let stalledAt: { read: number } | null = null;
      while (!stalledAt) {
        await new Promise((r) => setTimeout(r, 100));
        const now = activity(child.pid!);
        if (!now) break;
        if (now.read >= size) stalledAt = { read: now.read };
        else if (last && now.cpu === last.cpu) {
          if (Date.now() - idleSince > 1000) stalledAt = { read: now.read };
        } else idleSince = Date.now();
        last = now;
      }
      // While the pipe is full the decoder must have stopped well before the end of the file.
      expect(stalledAt).not.toBeNull();
      expect(stalledAt!.read).toBeLessThan(size);
      let lines = 0;
      child.stdout.on('data', (d: Buffer) => {
        for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      });
      child.stdout.resume();
      const code = await exited;
      clearInterval(poll);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(lines).toBe(PACKETS);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThan(MAX_RSS);
    },
  );

  // `set -o pipefail` makes the pipeline's status the command's, not head's.
  const headOne = (cmd: string) =>
    spawnSync('bash', ['-c', `set -o pipefail; ${cmd} | head -1`], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });

  it('decode | head -1: the decoder ends at once with status 0 and no message', () => {
    const r = headOne(`"${process.execPath}" "${BIN}" decode --format jsonl "${big}"`);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).number).toBe(1);
  });

  it('topology --json | head -1 and follow --json | head -1 end with status 0 and no message', () => {
    const topo = headOne(
      `"${process.execPath}" "${BIN}" topology --json ${captureFiles('a')
        .map((f) => `"${f}"`)
        .join(' ')}`,
    );
    expect(topo.status).toBe(0);
    expect(topo.stderr).toBe('');
    expect(topo.stdout).toBe('{\n');
    const follow = headOne(`"${process.execPath}" "${BIN}" follow --json --flow "10.244.0.2 -> 10.244.1.2:9999 udp" "${flow}"`);
    expect(follow.status).toBe(0);
    expect(follow.stderr).toBe('');
    expect(follow.stdout).toBe('{\n');
  });

  it.skipIf(!existsSync('/dev/full'))('a write that fails (a full disk) ends with a message and status 1, not a stack trace', () => {
    for (const args of [
      ['decode', flow],
      ['topology', flow],
      ['follow', '--flow', '10.244.0.2 -> 10.244.1.2:9999 udp', flow],
    ]) {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" ${args.map((a) => `"${a}"`).join(' ')} > /dev/full`], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 110_000,
      });
      expect(r.status, args[0]).toBe(1);
      expect(r.stderr, args[0]).toMatch(new RegExp(`^tunnelvision ${args[0]}: cannot write the output: .*ENOSPC`, 'm'));
      expect(r.stderr, args[0]).not.toMatch(/\n\s+at /);
    }
  });
});
