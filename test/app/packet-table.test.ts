// The set's one packet table as the backend fills it (one streaming read per file): columns built
// from real files through readCapture + summarize, checked against the full decode of the same
// packets fetched again by file offset and, where the public captures exist, against tshark's IP
// lists; a bad file keeps the packets before the fault.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PacketStore, timeOrder } from '../../main/backend/store';
import { readPacketsAt } from '../../main/engine/readers/read';
import { decodePacket, TunnelKind, SummaryFlag } from '../../main/engine/decode/index';
import { encodePcap } from '../../main/engine/writers/pcap';
import { eth, ipv4, ipv6, tcp, udp, vxlan } from '../engine/decode/build';

const PUBLIC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures/public');

describe('packet table', () => {
  it('fills a written capture: outer/inner addresses and ports, tunnel, VNI, IPv6 interning, growth; full decode by file offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-table-'));
    try {
      const v6a = [0xfd, 0, ...new Array(13).fill(0), 0xa];
      const records = [];
      const n = 20000; // beyond the initial capacity: the columns must grow
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
      const s = await PacketStore.readAll([{ path, name: 'mixed.pcap' }]);
      const t = s.table;
      expect(s.files[0].info?.errors).toEqual([]);
      expect(s.count).toBe(n);
      expect(s.time(n - 1)).toMatchObject({ tsSec: 1700000000 + n - 1, tsNsec: 123456789 });
      // packet 0: VXLAN with IPv4 inside
      expect(t.tunnel[0]).toBe(TunnelKind.VXLAN);
      expect(t.vni[0]).toBe(1);
      expect(t.levels[0]).toBe(2);
      expect([t.addr(t.outerVer[0], t.outerSrc[0]), t.addr(t.innerVer[0], t.innerDst[0])]).toEqual(['192.168.0.1', '10.244.2.9']);
      expect([t.tunDport[0], t.dport[0], t.outerProto[0], t.innerProto[0]]).toEqual([8472, 80, 17, 6]);
      // packet 1: plain TCP: outer = inner
      expect(t.tunnel[1]).toBe(TunnelKind.NONE);
      expect(t.vni[1]).toBe(-1);
      expect(t.addr(t.outerVer[1], t.outerSrc[1])).toBe('10.244.1.5');
      expect(t.addr(t.innerVer[1], t.innerSrc[1])).toBe('10.244.1.5');
      expect(t.tcpFlags[1]).toBe(0x10);
      // packet 2: VXLAN with IPv6 inside: interned, one id for the repeated address
      expect(t.innerVer[2]).toBe(6);
      expect(t.addr(6, t.innerSrc[2])).toBe('fd00::a');
      expect(t.innerSrc[2]).toBe(t.innerSrc[8]);
      expect(t.ip6.length).toBe(2);
      // no flags on well-formed packets
      expect(Array.from(t.flags.subarray(0, n)).every((f) => (f & (SummaryFlag.MALFORMED | SummaryFlag.TRUNCATED)) === 0)).toBe(true);
      // time order numbers the packets (No.) and the full decode comes back by file offset
      expect(s.no(2999)).toBe(3000);
      const [a, b] = await readPacketsAt(
        path,
        s.files[0].info!,
        [2, n - 1].map((r) => ({ fileOffset: s.fileOffset[r], iface: s.ifaceOf(r), index: r })),
      );
      expect(a.ok && decodePacket(a.packet.data, a.packet.linktype).layers.map((l) => l.proto)).toEqual([
        'eth',
        'ip',
        'udp',
        'vxlan',
        'eth',
        'ipv6',
        'tcp',
      ]);
      expect(b.ok && decodePacket(b.packet.data, b.packet.linktype).protocol).toBe('TCP');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('numbers rows by time across files: runs merged, an out-of-order file sorted, equal times in row order', () => {
    // Three files: rows 0-3 in order, rows 4-6 out of order, rows 7-9 in order; equal times across files.
    const tNs = new Float64Array([10, 20, 30, 40, 35, 5, 20, 0, 20, 50]);
    const order = timeOrder(
      tNs,
      [
        [0, 4],
        [4, 7],
        [7, 10],
      ],
      10,
    );
    const expected = Array.from({ length: 10 }, (_, i) => i).sort((a, b) => tNs[a] - tNs[b] || a - b);
    expect(Array.from(order)).toEqual(expected);
    expect(Array.from(order)).toEqual([7, 5, 0, 1, 6, 8, 2, 4, 3, 9]);
  });

  it('reports a bad file in its errors and keeps the packets before the fault', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-table-'));
    try {
      const pcap = encodePcap(
        { linktype: 1 },
        [0, 1, 2].map((i) => ({ tsSec: i, tsNsec: 0, data: eth(0x0800, ipv4({ proto: 17 }, udp(1, 2, new Uint8Array(30)))) })),
      );
      const path = join(dir, 'cut.pcap');
      writeFileSync(path, pcap.subarray(0, pcap.length - 10));
      const s = await PacketStore.readAll([{ path, name: 'cut.pcap' }]);
      expect(s.count).toBe(2);
      expect(s.files[0].status).toBe('partial');
      expect(s.files[0].info?.errors.length).toBeGreaterThan(0);
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
      const s = await PacketStore.readAll([{ path: join(PUBLIC, f), name: f }], { decodeAs: [{ layer: 'udp', port: 8285, proto: 'ip' }] });
      const t = s.table;
      expect(s.count, f).toBe(frames.length);
      frames.forEach((fr: { ip: { src?: string; dst?: string }[] }, i: number) => {
        if (fr.ip.length === 0 || fr.ip[0].src === undefined || fr.ip[fr.ip.length - 1].dst === undefined) return;
        expect([t.addr(t.outerVer[i], t.outerSrc[i]), t.addr(t.innerVer[i], t.innerDst[i])], `${f} #${i + 1}`).toEqual([
          fr.ip[0].src,
          fr.ip[fr.ip.length - 1].dst,
        ]);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(200);
  });
});
