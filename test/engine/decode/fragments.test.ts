// A fragmented UDP datagram built byte by byte (three IPv4 fragments of a 2980-byte datagram, one
// unfragmented packet beside it): the first fragment is shown as a fragment, not as the whole
// datagram (info, Protocol column, the transport layer's summary), and the set tells each
// fragment's place: the datagram's length, the fragments seen, the packet that completes it. Checked
// against tshark's own reassembly of the same file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePacket } from '../../../main/engine/decode';
import { ReadBudget } from '../../../main/engine/readers/read';
import { encodePcap } from '../../../main/engine/writers/pcap';
import { fragmentNote, fragmentPlace } from '../../../main/topology/fragments';
import { CaptureSetReader } from '../../../main/topology/set-reader';
import { itNeeding } from '../../tools';
import { eth, ipv4, udp } from './build';

const dir = mkdtempSync(join(tmpdir(), 'tv-frag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One UDP datagram of 2972 payload bytes (UDP length 2980), cut at 1480-byte boundaries as a 1500 MTU does.
const payload = new Uint8Array(2972).map((_, i) => i & 0xff);
const datagram = udp(40000, 9999, payload);
const ID = 0x1234;
const cut = (from: number, to: number, more: boolean) =>
  eth(
    0x0800,
    ipv4({ src: '10.244.0.2', dst: '10.244.2.3', proto: 17, id: ID, mf: more, fragOffset: from / 8 }, datagram.subarray(from, to)),
  );
const frames = [
  cut(0, 1480, true),
  eth(0x0800, ipv4({ src: '10.244.0.2', dst: '10.244.2.3', proto: 17, id: 7 }, udp(40001, 9999, new Uint8Array(10)))),
  cut(1480, 2960, true),
  cut(2960, datagram.length, false),
];
const file = join(dir, 'fragments.pcap');
writeFileSync(
  file,
  encodePcap(
    { linktype: 1 },
    frames.map((data, i) => ({ tsSec: 1700000000, tsNsec: i * 1000, data })),
  ),
);

describe('IPv4 fragments', () => {
  it('the first fragment says it is one: info, Protocol column, the UDP layer', () => {
    const first = decodePacket(frames[0], 1);
    expect(first.protocol).toBe('IPv4');
    expect(first.info).toBe('Fragmented IP protocol (proto=UDP (17), off=0, ID=1234, more fragments follow) 40000 → 9999 Len=2972');
    const udpLayer = first.layers.find((l) => l.proto === 'udp')!;
    expect(udpLayer.summary).toMatch(/\[first fragment: only the start of the 1500-byte IP packet's datagram is here/);
    // The complete packet beside it is unchanged.
    const whole = decodePacket(frames[1], 1);
    expect([whole.protocol, whole.info]).toEqual(['UDP', '40001 → 9999 Len=10']);
    expect(decodePacket(frames[2], 1).info).toBe('Fragmented IP protocol (proto=UDP (17), off=1480, ID=1234)');
  });

  it("each fragment's place in its datagram, where the set reassembles it", async () => {
    const reader = new CaptureSetReader(['fragments.pcap'], { budget: new ReadBudget() });
    await reader.readFile(file);
    const t = reader.table;
    expect(t.count).toBe(4);
    const no = (r: number) => r + 1;
    expect(fragmentPlace(t, 0)).toEqual({ offset: 0, more: true, count: 3, length: 2980, completedBy: 3 });
    expect(fragmentPlace(t, 1)).toBeNull();
    expect(fragmentPlace(t, 2)).toMatchObject({ offset: 1480, more: true, completedBy: 3 });
    expect(fragmentNote(t, 0, no)).toBe(
      'first fragment (more fragments follow) of a 2980-byte datagram, 3 fragments seen here; reassembled at packet 4',
    );
    expect(fragmentNote(t, 3, no)).toBe(
      'fragment at offset 2960 (the last) of a 2980-byte datagram, 3 fragments seen here; reassembled at packet 4',
    );
  });

  it('without its middle fragment the datagram is not reassembled, and the note says so', async () => {
    const partial = join(dir, 'partial.pcap');
    writeFileSync(
      partial,
      encodePcap(
        { linktype: 1 },
        [frames[0], frames[3]].map((data, i) => ({ tsSec: 1700000000, tsNsec: i, data })),
      ),
    );
    const reader = new CaptureSetReader(['partial.pcap'], { budget: new ReadBudget() });
    await reader.readFile(partial);
    expect(fragmentNote(reader.table, 0, (r) => r + 1)).toBe(
      'first fragment (more fragments follow) of a 2980-byte datagram, 2 fragments seen here; not reassembled: the capture does not hold all its fragments',
    );
  });

  itNeeding(
    ['tshark'],
    "agrees with tshark's reassembly: fragment flags and offsets, the datagram's length, the frame that completes it",
    async () => {
      const r = spawnSync(
        'tshark',
        [
          '-r',
          file,
          '-n',
          '-2',
          '-T',
          'fields',
          '-E',
          'separator=|',
          '-e',
          'ip.flags.mf',
          '-e',
          'ip.frag_offset',
          '-e',
          'ip.reassembled_in',
          '-e',
          'ip.reassembled.length',
          '-e',
          '_ws.col.Protocol',
        ],
        { encoding: 'utf8' },
      );
      const rows = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('|'));
      // tshark reassembles in frame 4 (the last fragment): 2980 bytes; the first fragment is "IPv4" to it too.
      expect(rows[0]).toEqual(['1', '0', '4', '', 'IPv4']);
      expect(rows[2]).toEqual(['1', '185', '4', '', 'IPv4']);
      expect(rows[3].slice(0, 4)).toEqual(['0', '370', '', '2980']);
      const ours = frames.map((f) => decodePacket(f, 1));
      expect(ours[0].protocol).toBe(rows[0][4]);
      const reader = new CaptureSetReader(['fragments.pcap'], { budget: new ReadBudget() });
      await reader.readFile(file);
      for (const r of [0, 2, 3]) {
        const p = fragmentPlace(reader.table, r)!;
        expect([p.more ? '1' : '0', String(p.offset / 8)]).toEqual(rows[r].slice(0, 2));
        expect(p.length).toBe(Number(rows[3][3]));
        expect(p.completedBy! + 1).toBe(Number(rows[0][2]));
      }
    },
  );
});
