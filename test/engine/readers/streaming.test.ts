// Streaming: memory stays bounded whatever the input size, progress is reported, reads can be
// cancelled. The large inputs are generated on the fly by a source that never holds them.
import { describe, expect, it } from 'vitest';
import { readSource } from '../../../main/engine/readers/driver';
import type { ByteSource } from '../../../main/engine/readers/source';
import { encodePcapHeader, encodePcapRecord } from '../../../main/engine/writers/pcap';
import type { ReadProgress } from '../../../main/engine/types';

/** A classic pcap of `records` records of `size` bytes each, produced as it is read. */
class GeneratedPcap implements ByteSource {
  private pos = 0;
  private readonly header = encodePcapHeader({ linktype: 1 });
  private readonly record: Uint8Array;
  readonly bytesTotal: number;
  constructor(
    readonly records: number,
    size: number,
  ) {
    this.record = encodePcapRecord({ tsSec: 1_700_000_000, tsNsec: 0, data: new Uint8Array(size).fill(7) }, false);
    this.bytesTotal = this.header.length + records * this.record.length;
  }
  get bytesRead(): number {
    return this.pos;
  }
  private byteAt(i: number): number {
    return i < 24 ? this.header[i] : this.record[(i - 24) % this.record.length];
  }
  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    const n = Math.min(len, this.bytesTotal - this.pos);
    let i = 0;
    while (i < n && this.pos + i < 24) buf[off + i] = this.byteAt(this.pos + i++);
    // copy whole record images where possible
    while (i < n) {
      const r = (this.pos + i - 24) % this.record.length;
      const k = Math.min(n - i, this.record.length - r);
      buf.set(this.record.subarray(r, r + k), off + i);
      i += k;
    }
    this.pos += n;
    return n;
  }
  async skip(n: number): Promise<number> {
    const k = Math.min(n, this.bytesTotal - this.pos);
    this.pos += k;
    return k;
  }
  async peek(n: number): Promise<Uint8Array> {
    return this.header.subarray(0, n);
  }
  async close(): Promise<void> {}
}

describe('streaming', () => {
  for (const mode of ['fast', 'pcap-parser'] as const) {
    it(`reads 1 GiB with bounded memory (${mode})`, async () => {
      const src = new GeneratedPcap(16384, 65536 - 16); // 16384 records of 64 KiB = 1 GiB
      global.gc?.();
      const base = process.memoryUsage();
      let peakExternal = 0;
      let peakHeap = 0;
      let packets = 0;
      let bytes = 0;
      const progress: ReadProgress[] = [];
      const info = await readSource(
        src,
        'generated',
        {
          onPacket(p) {
            packets++;
            bytes += p.capLen;
          },
          onProgress(p) {
            progress.push(p);
            const m = process.memoryUsage();
            peakExternal = Math.max(peakExternal, m.arrayBuffers - base.arrayBuffers);
            peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
          },
        },
        { pcapReader: mode },
      );
      expect(info.errors).toEqual([]);
      expect(packets).toBe(16384);
      expect(bytes).toBe(16384 * (65536 - 16));
      // 1 GiB went through; the reader never held more than a few chunks of it.
      expect(peakExternal).toBeLessThan(256 << 20);
      expect(peakHeap).toBeLessThan(128 << 20);
      expect(progress.length).toBeGreaterThan(100);
      expect(progress.every((p, i) => i === 0 || p.bytesRead >= progress[i - 1].bytesRead)).toBe(true);
      expect(progress[progress.length - 1]).toEqual({ bytesRead: src.bytesTotal, bytesTotal: src.bytesTotal, packets: 16384 });
    });
  }

  it('reads past 4 GiB with exact file offsets (a 5 GB capture)', async () => {
    const recordLen = 16 + 65536 - 16;
    const src = new GeneratedPcap(80_000, 65536 - 16); // 24 + 80,000 x 64 KiB = 5.24 GB
    let last = -1;
    let lastIndex = -1;
    const info = await readSource(src, 'generated', {
      onPacket(p) {
        last = p.fileOffset;
        lastIndex = p.index;
      },
    });
    expect(info.errors).toEqual([]);
    expect(info.packetCount).toBe(80_000);
    expect(lastIndex).toBe(79_999);
    expect(last).toBe(24 + 79_999 * recordLen);
    expect(last).toBeGreaterThan(2 ** 32);
  });

  it('cancels through an AbortSignal, keeping what was read', async () => {
    const src = new GeneratedPcap(1_000_000, 1500);
    const ac = new AbortController();
    let packets = 0;
    let calls = 0;
    const info = await readSource(
      src,
      'generated',
      {
        onPacket() {
          packets++;
        },
        onProgress() {
          if (++calls === 3) ac.abort();
        },
      },
      { signal: ac.signal, pcapReader: 'fast' },
    );
    expect(info.errors.map((e) => [e.code, e.fatal])).toEqual([['cancelled', true]]);
    expect(info.packetCount).toBe(packets);
    expect(packets).toBeGreaterThan(0);
    expect(packets).toBeLessThan(1_000_000);
  });

  it('a cancelled signal stops before the first record', async () => {
    const ac = new AbortController();
    ac.abort();
    const info = await readSource(new GeneratedPcap(10, 100), 'generated', { onPacket() {} }, { signal: ac.signal });
    expect(info.packetCount).toBe(0);
    expect(info.errors.map((e) => e.code)).toEqual(['cancelled']);
  });
});
