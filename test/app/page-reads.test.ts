// The packets on screen are read again from their files without Node's file thread pool: while a big
// set is read, every thread of that pool may be busy with the reading (or, on a busy machine, wait
// for a core), and a page of the list must not wait behind them. Here every thread of the pool is
// taken (each blocked opening a named pipe nobody writes to) and the list and the detail view must
// still answer with the records read again from both a pcap and a pcapng file. Ordering only: the
// answers must come before the pool is let go, whatever the machine's speed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readPacketsAt } from '../../main/engine/readers/read';
import { openBackend } from './helpers';

const CAPTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/captures');
const dir = mkdtempSync(join(tmpdir(), 'tv-page-reads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Node's file thread pool size in this process (UV_THREADPOOL_SIZE, 4 when unset). */
const POOL = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/**
 * Takes every thread of the pool: each opens a named pipe for reading, which blocks until a writer
 * opens it. `sentinel` is a file call queued behind them (settles only once the pool is let go);
 * `release` opens each pipe for writing, which lets the blocked opens complete.
 */
function takePool(name: string): { sentinel: Promise<unknown>; release: () => Promise<void> } {
  const fifos = Array.from({ length: POOL }, (_, i) => join(dir, `${name}-${i}`));
  for (const f of fifos) execFileSync('mkfifo', [f]);
  const readers: Promise<FileHandle>[] = fifos.map((f) => open(f, 'r'));
  const sentinel = stat(dir);
  return {
    sentinel,
    async release() {
      const writers = fifos.map((f) => openSync(f, 'w'));
      for (const h of await Promise.all(readers)) await h.close();
      writers.forEach((fd) => closeSync(fd));
    },
  };
}

/** Runs `p` while the pool is taken and checks that it settled before the pool was let go; its value. */
async function settlesWhilePoolTaken<T>(name: string, p: () => Promise<T>): Promise<T> {
  const pool = takePool(name);
  let sentinelDone = false;
  void pool.sentinel.then(() => (sentinelDone = true));
  let settled = false;
  const run = p().finally(() => (settled = true));
  // A few turns of the event loop: enough for calls that need no file thread, never enough for one that does.
  for (let i = 0; i < 20 && !settled; i++) await new Promise((go) => setImmediate(go));
  const before = settled;
  const blocked = !sentinelDone;
  await pool.release();
  const value = await run;
  await pool.sentinel;
  // The pool really was taken (else the check proves nothing): the call queued behind it waited.
  expect(blocked, 'a file call queued behind the blocked opens waited for them').toBe(true);
  expect(before, `${name}: answered while every file thread was taken`).toBe(true);
  return value;
}

describe('records read again while the file thread pool is busy', () => {
  it('answers a page of the list and a packet in full from pcap and pcapng files', async () => {
    const paths = [join(CAPTURES, 'a-node1-eth0.pcap'), join(CAPTURES, 'a-node2.pcapng')];
    const b = await openBackend(dir, paths);
    try {
      const s = await b.getState();
      expect(s.captures.map((c) => c.status)).toEqual(['ok', 'ok']);
      // Rows of both files on one page: sorted by capture point, the first rows of each are far apart.
      const total = s.totalPackets;
      const query = { filter: '', element: null, sort: 'no' as const, descending: false, limit: 40, locate: 0 };
      const pages = await settlesWhilePoolTaken('page', () =>
        Promise.all([b.queryPackets({ ...query, offset: 0 }), b.queryPackets({ ...query, offset: total - 40 })]),
      );
      const rows = pages.flatMap((p) => p.rows);
      expect(new Set(rows.map((r) => r.capture))).toEqual(new Set([0, 1]));
      for (const r of rows) {
        expect(r.info).not.toBe('');
        expect(r.info).not.toMatch(/could not be read again/);
      }
      const detail = await settlesWhilePoolTaken('detail', () =>
        Promise.all(rows.filter((_, i) => i % 20 === 0).map((r) => b.getPacket({ no: r.no }))),
      );
      for (const d of detail) {
        expect(d).not.toBeNull();
        expect(d!.bytes.length).toBe(d!.capLen);
        expect(d!.levels.length).toBeGreaterThan(0);
      }
    } finally {
      await b.close();
    }
  });

  it('refuses a named pipe without waiting for a writer', async () => {
    const fifo = join(dir, 'not-a-capture');
    execFileSync('mkfifo', [fifo]);
    const got = await readPacketsAt(
      fifo,
      { path: fifo, format: 'pcap', compressed: false, interfaces: [], packetCount: 0, errors: [], comments: [] },
      [{ fileOffset: 24, iface: 0 }],
    );
    expect(got).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'open-failed', message: expect.stringMatching(/named pipe/) }) },
    ]);
  });
});
