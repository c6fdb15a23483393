// The columnar index: built from real files through readCapture + summarize, checked against the
// full decode of the same packets (and, where the public captures exist, against tshark's IP lists);
// full decode on demand by file offset; size per packet.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpInfo, indexCapture } from '../../main/engine/index/index';
import { encodePcap } from '../../main/engine/writers/pcap';
import { TunnelKind, SummaryFlag } from '../../main/engine/decode/index';
import { eth, ipv4, ipv6, tcp, udp, vxlan } from './decode/build';

const PUBLIC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures/public');

describe('capture index', () => {
  it('stays within 64 bytes per packet, counted from the columns it allocates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-index-size-'));
    try {
      const n = 5000;
      const records = Array.from({ length: n }, (_, i) => ({
        tsSec: 1700000000 + i,
        tsNsec: 0,
        data: eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17 }, udp(1000, 2000, new Uint8Array(4)))),
      }));
      const path = join(dir, 'size.pcap');
      writeFileSync(path, encodePcap({ linktype: 1, nanosecond: true }, records));
      const idx = await indexCapture(path);
      idx.trim();
      expect(idx.count).toBe(n);
      // Every typed array the index holds, whatever its name: one element per packet each.
      const columns = Object.values(idx).filter((v): v is Uint8Array => ArrayBuffer.isView(v));
      expect(columns.length).toBeGreaterThan(20);
      for (const c of columns) expect(c.length).toBe(n);
      const perPacket = columns.reduce((sum, c) => sum + c.byteLength, 0) / n;
      expect(idx.bytesPerPacket).toBe(perPacket);
      expect(idx.byteLength - idx.ipv6.byteLength).toBe(perPacket * n);
      expect(perPacket).toBeLessThanOrEqual(64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('indexes a written capture: outer/inner addresses and ports, tunnel, VNI, IPv6 interning, growth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-index-'));
    try {
      const v6a = [0xfd, 0, ...new Array(13).fill(0), 0xa];
      const records = [];
      const n = 3000; // beyond the initial capacity: the columns must grow
      for (let i = 0; i < n; i++) {
        const inner =
          i % 3 === 2
            ? eth(0x86dd, ipv6({ src: v6a, nxt: 6 }, tcp(40000 + (i % 7), 443, 0x18)))
            : eth(0x0800, ipv4({ src: '10.244.1.5', dst: '10.244.2.9', proto: 6 }, tcp(40000 + (i % 7), 80, 0x10)));
        const data =
          i % 2 === 0
            ? eth(0x0800, ipv4({ src: '192.168.0.1', dst: '192.168.0.2', proto: 17 }, udp(50000 + (i % 100), 8472, vxlan(1, inner))))
            : inner;
        records.push({ tsSec: 1700000000 + i, tsNsec: 123456789, data });
      }
      const path = join(dir, 'mixed.pcap');
      writeFileSync(path, encodePcap({ linktype: 1, nanosecond: true }, records));
      const idx = await indexCapture(path);
      expect(idx.info?.errors).toEqual([]);
      expect(idx.count).toBe(n);
      expect(idx.capacity).toBeGreaterThanOrEqual(n);
      expect(idx.tsSec[n - 1]).toBe(1700000000 + n - 1);
      expect(idx.tsNsec[5]).toBe(123456789);
      // packet 0: VXLAN with IPv4 inside
      expect(idx.tunnel[0]).toBe(TunnelKind.VXLAN);
      expect(idx.vni[0]).toBe(1);
      expect(idx.levels[0]).toBe(2);
      expect([idx.address(0, 'outerSrc'), idx.address(0, 'innerDst')]).toEqual(['192.168.0.1', '10.244.2.9']);
      expect([idx.outerDstPort[0], idx.innerDstPort[0], idx.outerProto[0], idx.innerProto[0]]).toEqual([8472, 80, 17, 6]);
      // packet 1: plain TCP: outer = inner
      expect(idx.tunnel[1]).toBe(TunnelKind.NONE);
      expect(idx.vni[1]).toBe(-1);
      expect(idx.address(1, 'outerSrc')).toBe('10.244.1.5');
      expect(idx.address(1, 'innerSrc')).toBe('10.244.1.5');
      expect(idx.tcpFlags[1]).toBe(0x10);
      // packet 2: VXLAN with IPv6 inside: interned, one id for the repeated address
      expect(idx.ipInfo[2] & IpInfo.INNER_V6).toBeTruthy();
      expect(idx.address(2, 'innerSrc')).toBe('fd00::a');
      expect(idx.innerSrc[2]).toBe(idx.innerSrc[8]);
      expect(idx.ipv6.size).toBe(2);
      // no flags on well-formed packets
      expect(Array.from(idx.flags.subarray(0, n)).every((f) => (f & (SummaryFlag.MALFORMED | SummaryFlag.TRUNCATED)) === 0)).toBe(true);
      // full decode on demand by file offset
      const [a, b] = await idx.decodeAt([2, 2999]);
      expect('packet' in a && a.packet.layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'udp', 'vxlan', 'eth', 'ipv6', 'tcp']);
      expect('packet' in b && b.packet.protocol).toBe('TCP');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a bad file in info.errors and keeps the packets before the fault', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-index-'));
    try {
      const pcap = encodePcap(
        { linktype: 1 },
        [0, 1, 2].map((i) => ({ tsSec: i, tsNsec: 0, data: eth(0x0800, ipv4({ proto: 17 }, udp(1, 2, new Uint8Array(30)))) })),
      );
      const path = join(dir, 'cut.pcap');
      writeFileSync(path, pcap.subarray(0, pcap.length - 10));
      const idx = await indexCapture(path);
      expect(idx.count).toBe(2);
      expect(idx.info?.errors.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const files = existsSync(join(PUBLIC, 'expected'))
    ? readdirSync(PUBLIC).filter((f) => existsSync(join(PUBLIC, 'expected', f + '.json')))
    : [];
  it.skipIf(files.length === 0)('agrees with tshark on outer and inner addresses of every public capture', async () => {
    let checked = 0;
    for (const f of files) {
      const exp = JSON.parse(readFileSync(join(PUBLIC, 'expected', f + '.json'), 'utf8'));
      const frames = exp.frames.filter((x: { non_packet_record?: boolean }) => !x.non_packet_record);
      const idx = await indexCapture(join(PUBLIC, f), { decodeAs: [{ layer: 'udp', port: 8285, proto: 'ip' }] });
      expect(idx.count, f).toBe(frames.length);
      frames.forEach((fr: { ip: { src?: string; dst?: string }[] }, i: number) => {
        if (fr.ip.length === 0 || fr.ip[0].src === undefined || fr.ip[fr.ip.length - 1].dst === undefined) return;
        expect([idx.address(i, 'outerSrc'), idx.address(i, 'innerDst')], `${f} #${i + 1}`).toEqual([
          fr.ip[0].src,
          fr.ip[fr.ip.length - 1].dst,
        ]);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(200);
  });
});
