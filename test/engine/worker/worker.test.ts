// The engine worker: a task runs in its own thread (tsx bootstrap), reports progress, can be
// cancelled, and gives the same result as running it in-process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEngineTask, runEngineTasks } from '../../../main/engine/worker/run';
import { readCapture } from '../../../main/engine/readers/read';
import { CaptureIndex, indexCapture } from '../../../main/engine/index/index';
import { encodePcapHeader, encodePcapRecord } from '../../../main/engine/writers/pcap';
import type { ReadProgress } from '../../../main/engine/types';
import { HAVE_PUBLIC, PUBLIC_DIR, tempDir } from '../readers/helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A 20 MB capture on disk. */
function bigCapture(): string {
  const rec = encodePcapRecord({ tsSec: 1, tsNsec: 0, data: new Uint8Array(1484) }, false);
  const out = new Uint8Array(24 + rec.length * 13_000);
  out.set(encodePcapHeader({ linktype: 1 }));
  for (let i = 0; i < 13_000; i++) out.set(rec, 24 + i * rec.length);
  const p = join(tmp.dir, 'big.pcap');
  writeFileSync(p, out);
  return p;
}

describe('engine worker', () => {
  it.skipIf(!HAVE_PUBLIC)('reads a capture in a worker thread with the same result as in-process', async () => {
    const path = join(PUBLIC_DIR, 'test202.pcapng');
    const progress: ReadProgress[] = [];
    const viaWorker = await runEngineTask('read', { path }, { onProgress: (p) => progress.push(p) });
    const here = await readCapture(path, { onPacket() {} });
    expect(viaWorker).toEqual(here);
    expect(viaWorker.packetCount).toBe(8);
    expect(progress.at(-1)).toEqual({ bytesRead: 2908, bytesTotal: 2908, packets: 8 });
  });

  it('cancels a running read: the task ends with what it read and a cancelled error', async () => {
    const path = bigCapture();
    const ac = new AbortController();
    const info = await runEngineTask('read', { path, opts: { chunkSize: 4096 } }, { signal: ac.signal, onProgress: () => ac.abort() });
    expect(info.errors.map((e) => e.code)).toEqual(['cancelled']);
    expect(info.packetCount).toBeLessThan(13_000);
    const full = await runEngineTask('read', { path });
    expect(full.packetCount).toBe(13_000);
  });

  it('a bad file is a result, not a failure', async () => {
    const info = await runEngineTask('read', { path: join(tmp.dir, 'missing.pcap') });
    expect(info.errors.map((e) => e.code)).toEqual(['open-failed']);
  });

  it.skipIf(!HAVE_PUBLIC)('builds the index in a worker: columns transferred, methods work as in-process', async () => {
    const path = join(PUBLIC_DIR, 'vxlan-encapsulated-http.pcap');
    const progress: ReadProgress[] = [];
    const viaWorker = await runEngineTask('index', { path }, { onProgress: (p) => progress.push(p) });
    const here = await indexCapture(path);
    expect(viaWorker).toBeInstanceOf(CaptureIndex);
    expect(viaWorker.count).toBe(12);
    expect({ ...viaWorker, ipv6: null }).toEqual({ ...here, ipv6: null });
    expect([...Array(viaWorker.count).keys()].map((i) => viaWorker.address(i, 'innerSrc'))).toEqual(
      [...Array(here.count).keys()].map((i) => here.address(i, 'innerSrc')),
    );
    const [decoded] = await viaWorker.decodeAt([3]);
    expect('packet' in decoded && decoded.packet.layers.map((l) => l.proto)).toEqual(
      (await here.decodeAt([3])).map((d) => 'packet' in d && d.packet.layers.map((l) => l.proto))[0],
    );
    expect(progress.at(-1)?.packets).toBe(12);
  });

  it.skipIf(!HAVE_PUBLIC)('indexes IPv6 captures in a worker (interned addresses survive the transfer)', async () => {
    const path = join(PUBLIC_DIR, 'ipv6-fragmented-dns.pcap');
    const viaWorker = await runEngineTask('index', { path });
    const here = await indexCapture(path);
    const texts = (ix: CaptureIndex): string[] =>
      [...Array(ix.count).keys()].flatMap((i) => [ix.address(i, 'outerSrc'), ix.address(i, 'outerDst')]);
    expect(texts(viaWorker)).toEqual(texts(here));
    expect(texts(here).some((t) => t.includes(':'))).toBe(true);
  });

  it.skipIf(!HAVE_PUBLIC)('indexes several captures in parallel threads, results in order', async () => {
    const names = ['vxlan_port_8472.pcap', 'geneve.pcap', 'test202.pcapng', 'empty.pcapng', 'pcap-invalid-version-1.pcap'];
    const seen = new Set<number>();
    const got = await runEngineTasks(
      'index',
      names.map((n) => ({ path: join(PUBLIC_DIR, n) })),
      { concurrency: 2, onProgress: (i) => seen.add(i) },
    );
    expect(got.map((ix) => ix.count)).toEqual([10, 39, 8, 0, 0]);
    expect(got[4].info?.errors.map((e) => e.code)).toEqual(['unsupported-version']);
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
