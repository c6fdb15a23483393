// The files of a set read in worker threads give the table a one-thread read gives (every column,
// the side lists, capture points, files and BGP facts), a broken file loses only itself, the
// signal stops every thread, and the set's packet limit holds across the threads. The app's read
// (the packet list's store: its first file on its own thread, the others in threads) gives the
// list what a one-thread read gives too, and lists the first file's rows as they are read.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ReadBudget } from '../../main/engine/readers/budget';
import { CaptureSetReader } from '../../main/topology/set-reader';
import { PacketStore } from '../../main/backend/store';
import { PacketTable } from '../../main/topology/table';

const HERE = dirname(fileURLToPath(import.meta.url));
const CAPTURES = join(HERE, '..', '..', 'fixtures', 'captures');
const PUBLIC = join(HERE, '..', '..', '..', 'shared', 'captures', 'public');
const dir = mkdtempSync(join(tmpdir(), 'tv-parallel-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function captures(d: string): string[] {
  return readdirSync(d)
    .flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? (f === 'expected' ? [] : captures(p)) : /\.(pcap|pcapng|gz)$/.test(f) ? [p] : [];
    })
    .sort();
}

async function sequential(paths: string[], budget = new ReadBudget()): Promise<CaptureSetReader> {
  const r = new CaptureSetReader(
    paths.map((_, i) => `c${i}`),
    { budget },
  );
  for (const p of paths) await r.readFile(p);
  return r;
}

async function threaded(
  paths: string[],
  budget = new ReadBudget(),
  signal?: AbortSignal,
  onProgress?: (fi: number) => void,
): Promise<CaptureSetReader> {
  const r = new CaptureSetReader(
    paths.map((_, i) => `c${i}`),
    { budget, signal },
  );
  await r.readFiles(paths, { threads: 2, minBytes: 0, onProgress });
  return r;
}

/** Everything a read gives, as plain values. */
function contents(r: CaptureSetReader): Record<string, unknown> {
  const t = r.table;
  const cols: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(t.columns())) cols[k] = Array.from(v.subarray(0, t.count));
  return {
    count: t.count,
    epochSec: t.epochSec,
    cols,
    ip6: t.ip6,
    arp: t.arp,
    tooBig: t.tooBig,
    icmpErrors: t.icmpErrors,
    points: r.points,
    files: r.files,
    bgp: r.bgp.result(() => null),
  };
}

/** A classic pcap of `copies` times the records of `from` (a bigger file from a real one). */
function repeated(from: string, copies: number, name: string): string {
  const b = readFileSync(from);
  const body = b.subarray(24);
  const out = Buffer.alloc(24 + body.length * copies);
  b.copy(out, 0, 0, 24);
  for (let i = 0; i < copies; i++) body.copy(out, 24 + i * body.length);
  const path = join(dir, name);
  writeFileSync(path, out);
  return path;
}

describe('reading the files of a set in threads', () => {
  it('fills the same table as reading them one after another (fixtures, with BGP and ARP)', async () => {
    const paths = captures(CAPTURES);
    expect(paths.length).toBeGreaterThan(20);
    const one = await sequential(paths);
    const progressed = new Set<number>();
    const many = await threaded(paths, new ReadBudget(), undefined, (fi) => progressed.add(fi));
    // Every file reports its progress, under its own number in the set.
    expect([...progressed].sort((a, b) => a - b)).toEqual(paths.map((_, i) => i));
    expect(one.bgp.result(() => null).sessions.length).toBeGreaterThan(0);
    expect(one.table.arp.length).toBeGreaterThan(0);
    expect(contents(many)).toEqual(contents(one));
  });

  it.skipIf(!existsSync(PUBLIC))('fills the same table for the public captures (IPv6, ICMP errors, odd link types)', async () => {
    const paths = captures(PUBLIC);
    const one = await sequential(paths);
    const many = await threaded(paths);
    expect(one.table.ip6.length).toBeGreaterThan(0);
    expect(one.table.icmpErrors.length).toBeGreaterThan(0);
    expect(contents(many)).toEqual(contents(one));
  });

  it("joins a thread's table in slices (the set's thread answering between them) as in one go", async () => {
    const paths = [...captures(CAPTURES), ...(existsSync(PUBLIC) ? captures(PUBLIC) : [])];
    const whole = new PacketTable();
    const sliced = new PacketTable();
    let pointBase = 0;
    let steps = 0;
    for (const [i, p] of paths.entries()) {
      const r = new CaptureSetReader(
        paths.map((_, k) => `c${k}`),
        { budget: new ReadBudget(), keepBgpPackets: true },
      );
      await r.readFile(p, {}, i);
      whole.append(r.table.part(), pointBase);
      for (const _ of sliced.appendSteps(r.table.part(), pointBase, 7)) steps++;
      pointBase += r.points.length;
    }
    expect(steps).toBeGreaterThan(paths.length);
    const plain = (t: PacketTable) => ({
      count: t.count,
      cols: Object.fromEntries(Object.entries(t.columns()).map(([k, v]) => [k, Array.from(v.subarray(0, t.count))])),
      side: [t.ip6, t.macs, t.arp, t.tooBig, t.icmpErrors],
    });
    expect(plain(sliced)).toEqual(plain(whole));
  });

  it('keeps every other file when one is broken or missing', async () => {
    const good = captures(CAPTURES).filter((p) => /a-node1-(eth0|cni0)\.pcap$/.test(p));
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, Buffer.from('this is not a capture at all, just text'));
    const paths = [good[0], junk, join(dir, 'missing.pcap'), good[1]];
    const one = await sequential(paths);
    const many = await threaded(paths);
    expect(many.files.map((f) => f.errors.length > 0)).toEqual([false, true, true, false]);
    expect(many.files[3].packetCount).toBeGreaterThan(0);
    expect(contents(many)).toEqual(contents(one));
  });

  it('stops every thread on the signal, keeping what was read', async () => {
    const src = captures(CAPTURES).find((p) => p.endsWith('a-node1-eth0.pcap'))!;
    const big = [repeated(src, 400, 'big1.pcap'), repeated(src, 400, 'big2.pcap'), repeated(src, 400, 'big3.pcap')];
    const ac = new AbortController();
    const r = await threaded(big, new ReadBudget(), ac.signal, () => ac.abort());
    const whole = (await sequential([big[0]])).table.count;
    // Files are started in order: what is listed is the first ones, each cancelled or whole.
    expect(r.files.length).toBeGreaterThanOrEqual(1);
    expect(r.files.length).toBeLessThanOrEqual(2);
    expect(r.files.some((f) => f.errors.some((e) => e.code === 'cancelled'))).toBe(true);
    expect(r.table.count).toBeLessThan(whole * r.files.length);
    expect(r.table.count).toBe(r.files.reduce((n, f) => n + f.packetCount, 0));
  });

  it('shares the set packet limit between the threads', async () => {
    const src = captures(CAPTURES).find((p) => p.endsWith('a-node1-eth0.pcap'))!;
    const big = [repeated(src, 100, 'lim1.pcap'), repeated(src, 100, 'lim2.pcap'), repeated(src, 100, 'lim3.pcap')];
    const perFile = (await sequential([big[0]])).table.count;
    const limit = Math.round(perFile * 1.5);
    const budget = new ReadBudget({ maxPackets: limit });
    const r = await threaded(big, budget);
    // Taken in batches of 1,024 per thread: never more than the limit, at most a batch per thread less.
    expect(r.table.count).toBeLessThanOrEqual(limit);
    expect(r.table.count).toBeGreaterThan(limit - 2 * 1024);
    expect(r.files).toHaveLength(3);
    expect(r.files.some((f) => f.errors.some((e) => e.code === 'budget-packets'))).toBe(true);
    expect(budget.code).toBe('budget-packets');
    expect(budget.exceeded).toMatch(/packet limit of .* is reached \(raise it with --max-packets\)/);
    expect(budget.packets).toBe(r.table.count);
  });
});

/** Everything the packet list's store holds after a read, as plain values. */
function listed(s: PacketStore): Record<string, unknown> {
  const t = s.table;
  const cols: Record<string, number[]> = {};
  for (const [k, v] of Object.entries({ ...t.columns(), fileOffset: s.fileOffset, capLen: s.capLen, protoId: s.protoId }))
    cols[k] = Array.from(v.subarray(0, t.count));
  cols.iface = Array.from({ length: t.count }, (_, r) => s.ifaceOf(r));
  return {
    count: t.count,
    epochSec: t.epochSec,
    cols,
    side: [t.ip6, t.macs, t.arp, t.tooBig, t.icmpErrors],
    files: s.files,
    order: Array.from(s.order),
  };
}

describe("the app's read of a set", () => {
  const named = (paths: string[]) => paths.map((path) => ({ path, name: path }));

  it('lists what a one-thread read lists (fixtures and public captures: every column, files, comments, times, order)', async () => {
    const paths = [...captures(CAPTURES), ...(existsSync(PUBLIC) ? captures(PUBLIC) : [])];
    const one = await PacketStore.readAll(named(paths), { threads: 1 });
    const many = await PacketStore.readAll(named(paths), { threads: 2, minBytes: 0 });
    expect(one.files.some((f) => f.comments.length > 0) || !existsSync(PUBLIC)).toBe(true);
    expect(one.files.every((f) => f.status !== 'waiting' && f.status !== 'loading')).toBe(true);
    expect(listed(many)).toEqual(listed(one));
    // A row's No. (found by binary search over the time order) is its place in that order; equal times included.
    const misnumbered = Array.from({ length: many.count }, (_, r) => r).filter((r) => many.order[many.no(r) - 1] !== r);
    expect(misnumbered).toEqual([]);
    const t = many.table.tNs;
    expect(Array.from(many.order).some((r, i) => i > 0 && t[r] === t[many.order[i - 1]])).toBe(true);
  });

  it("lists the first file's rows while it is read, the other files joining in order", async () => {
    const src = captures(CAPTURES).find((p) => p.endsWith('a-node1-eth0.pcap'))!;
    const big = [repeated(src, 400, 'app1.pcap'), repeated(src, 50, 'app2.pcap'), repeated(src, 50, 'app3.pcap')];
    const s = new PacketStore();
    await s.open(named(big));
    const seen: number[] = [];
    await s.readFiles(
      (i, p) => {
        // While the first file is read, its rows are the table's, as many as read so far.
        if (i === 0 && p.packets > 0 && p.bytesRead < p.bytesTotal) seen.push(s.count - p.packets);
      },
      { threads: 2, minBytes: 0 },
    );
    s.finish();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((d) => d === 0)).toBe(true);
    expect(s.files.map((f) => f.start)).toEqual([0, s.files[0].count, s.files[0].count + s.files[1].count]);
    expect(s.files[0].count).toBe(s.files[1].count * 8);
    const one = await PacketStore.readAll(named(big), { threads: 1 });
    expect(listed(s)).toEqual(listed(one));
  });
});
