// Reading limits on hostile input, made at test time: a gzip bomb (a few MB expanding to GiBs), the
// issue's 3 GiB of zero-length records in a 3 MB gzip, and a flood of 200,000 identical packets
// (IP ID 0) that forms one journey. Reading stops at the limit with a message that says where and
// why, and what was read before stays usable: listed, analysed, followed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../main/backend/backend';
import { ReadBudget } from '../../main/engine/readers/budget';
import { loadCaptureSet } from '../../main/topology/load';
import { demoCaptures } from '../../main/server/browser-mode';
import { ready } from '../app/helpers';
import { captureCopies } from '../tools';
import { udpFrame, writePcap, writeZeroRecordsGzip } from '../../main/bench/hostile';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'main/cli/bin.mjs');
const GIB = 1 << 30;

let dir = '';
let bomb = '';
let zeros = '';
let flood = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tv-limits-'));
  bomb = join(dir, 'bomb.pcap.gz');
  writeZeroRecordsGzip(bomb, 4, 65000); // 4 GiB of 65,000-byte records
  zeros = join(dir, 'zeros.pcap.gz');
  writeZeroRecordsGzip(zeros, 3); // 3 GiB of zero-length records: about 200M of them
  flood = join(dir, 'flood.pcap');
  writePcap(flood, 200_000, udpFrame(0)); // the same bytes every time, IP ID 0
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI, sampling its peak resident memory from /proc. */
function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string; peak: number }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const poll = setInterval(() => {
      try {
        const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        /* exited */
      }
    }, 50);
    child.on('close', (code) => {
      clearInterval(poll);
      res({ code, out, err, peak });
    });
  });
}

describe('reading limits', () => {
  it('a gzip bomb stops at --max-bytes, with the packets before it kept and analysed', async () => {
    expect(statSync(bomb).size).toBeLessThan(8 << 20);
    const r = await cli('topology', '--json', '--max-bytes', '1G', bomb);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /^topology: bomb\.pcap\.gz: reading stopped at byte \d+, after [\d,]+ packets of this file: the set's limit of 1 GiB read \(after decompression\) is reached \(raise it with --max-bytes\)/m,
    );
    const j = JSON.parse(r.out);
    const c = j.captures[0];
    // Every whole record of the first GiB, none after.
    expect(c.packetCount).toBe(Math.floor((GIB - 24) / 65016));
    expect(c.errors).toEqual([expect.objectContaining({ code: 'budget-bytes', fatal: true })]);
    expect(c.errors[0].offset).toBeLessThanOrEqual(GIB);
    expect(j.findings.some((f: { code: string; message: string }) => f.code === 'read-error' && /--max-bytes/.test(f.message))).toBe(true);
    expect(r.peak).toBeLessThan(400 << 20);
    // decode stops the same way: the lines before, the reason on stderr, status 1.
    const d = await cli('decode', '--max-bytes=256M', bomb);
    expect(d.code).toBe(1);
    expect(d.out.trim().split('\n')).toHaveLength(Math.floor(((256 << 20) - 24) / 65016));
    expect(d.err).toMatch(/bomb\.pcap\.gz: byte offset \d+: reading stopped at byte \d+, .*limit of 256 MiB read/);
  });

  it("the issue's 3 GiB of zero-length records: stops at --max-packets, and at --max-memory", async () => {
    expect(statSync(zeros).size).toBeLessThan(14 << 20);
    const r = await cli('topology', '--json', '--max-packets', '2M', zeros);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out).captures[0];
    expect(c.packetCount).toBe(2_000_000);
    expect(c.errors).toEqual([expect.objectContaining({ code: 'budget-packets', offset: 24 + 2_000_000 * 16, fatal: true })]);
    expect(c.errors[0].message).toMatch(
      /after 2,000,000 packets of this file: the set's packet limit of 2,000,000 packets is reached \(raise it with --max-packets\); the packets before are kept/,
    );
    expect(r.peak).toBeLessThan(1 << 30);

    const m = await cli('topology', '--max-memory', '300M', zeros);
    expect(m.code).toBe(0);
    expect(m.err).toMatch(
      /zeros\.pcap\.gz: reading stopped at byte \d+, after [\d,]+ packets of this file: memory in use \([\d.]+ MiB\) is past the limit of 300 MiB \(raise it with --max-memory\)/,
    );
    expect(m.out).toMatch(/\[problem\] read-error: zeros\.pcap\.gz: reading stopped/);
    expect(m.peak).toBeLessThan(600 << 20);
  });

  it('a limit is per set: later files are not read, and say why', async () => {
    const files = demoCaptures().slice(0, 3);
    const a = await loadCaptureSet(files, { limits: { maxPackets: 100 } });
    expect(a.packetCount).toBe(100);
    const [first, second, third] = a.captures;
    expect(first.errors).toEqual([]);
    expect(second.errors[0]).toMatchObject({ code: 'budget-packets', fatal: true });
    expect(first.packetCount + second.packetCount).toBe(100);
    expect(third.packetCount).toBe(0);
    expect(third.errors[0].message).toMatch(/^not read: the set's packet limit of 100 packets is reached/);
    // What was read is analysed: the packets of the first capture are followed.
    expect(a.journeys.count).toBeGreaterThan(0);
    // report takes the same options, and warns where reading stopped.
    const out = join(dir, 'limited.json');
    const r = await cli('report', ...files, '--max-packets', '100', '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^warning: a-node1-eth0\.pcap: budget-packets at byte \d+: reading stopped/m);
    expect(JSON.parse(readFileSync(out, 'utf8')).captures.map((c: { packets: number }) => c.packets)).toEqual([77, 23, 0]);
    const budget = new ReadBudget({ maxPackets: 1 });
    expect(budget.takePacket()).toBeNull();
    expect(budget.takePacket()).toMatch(/limit of 1 packets/);
  });

  it("the README's limits table gives the defaults the code applies", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const row = (name: string) => new RegExp(`^\\| ${name} \\| ([^|]+) \\|`, 'm').exec(readme)?.[1].trim();
    const d = new ReadBudget().limits;
    expect(row('Bytes')).toBe(`${d.maxBytes / GIB} GiB`);
    expect(row('Packets')).toBe(d.maxPackets.toLocaleString('en-US'));
    expect(row('Memory')).toBe(`${d.maxMemoryBytes / GIB} GiB`);
  });

  it('the app reads with the limits of its options and says where it stopped', async () => {
    const home = mkdtempSync(join(dir, 'app-'));
    const b = createBackend({
      shell: 'browser',
      recentFile: null,
      tempDir: home,
      sessionDir: join(home, 'sessions'),
      limits: { maxPackets: 100 },
    });
    const lab = captureCopies(demoCaptures().slice(0, 3));
    try {
      await b.openCaptures({ paths: lab.files, append: false });
      const s = await ready(b, 2400);
      expect(s.phase).toBe('ready');
      expect(s.message).toMatch(/^Reading stopped: the set's packet limit of 100 packets is reached \(raise it with --max-packets\)/);
      expect(s.captures.map((c) => c.packets)).toEqual([77, 23, 0]);
      expect(s.captures[1].status).toBe('partial');
      const page = await b.queryPackets({ filter: '', element: null, sort: 'no', descending: false, offset: 0, limit: 200, locate: 0 });
      expect(page.total).toBe(100);
      // The analysis ran on the same 100 packets: a ping among them is followed hop by hop.
      const ping = await b.queryPackets({ filter: 'icmp', element: null, sort: 'no', descending: false, offset: 0, limit: 1, locate: 0 });
      expect(ping.rows).toHaveLength(1);
      expect((await b.followPacket({ no: ping.rows[0].no }))?.journeys.length).toBeGreaterThan(0);
    } finally {
      await b.close();
      lab.dispose();
    }
  });

  it('one journey of 200,000 identical packets: ordered, followed, in bounded memory', async () => {
    const r = await cli('topology', '--json', flood);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.captures[0].packetCount).toBe(200_000);
    expect(j.journeyCount).toBe(1);
    expect(r.peak).toBeLessThan(600 << 20);
    const a = await loadCaptureSet([flood]);
    const journey = a.journeys.get(0);
    expect(journey.hops).toHaveLength(200_000);
    // One capture, so the hops are in capture order.
    expect(journey.hops.every((h, i) => h.packet.index === i)).toBe(true);
  });
});
