// Capture engine benchmark (issue 2): on the same file, in one run, the engine (read + decode every
// layer of every packet + index), pcap-parser alone, a bare loop over the records (the ceiling), and
// the reference tools: tshark -T fields with VXLAN/flannel decode-as, tcpdump -nn -r; then one-line
// text summaries from `tunnelvision decode --format text`, `tshark -r` and `tcpdump -nn -r`.

import { closeSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'pcap-parser';
import { readCapture, type ReadOptions } from '../engine/readers/read';
import { decodePacket } from '../engine/decode/index';
import { PacketStore } from '../backend/store';
import { fmt, haveCommand, row, type Measured } from './measure';
import type { BenchContext, BenchSection, StepReport } from './types';

const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));
const DECODE_AS = ['-d', 'udp.port==8472,vxlan', '-d', 'udp.port==8285,ip'];

type PcapLoop = NonNullable<ReadOptions['pcapReader']>;

/**
 * The bare loop: 1 MiB reads of a little-endian classic pcap and a walk over the record headers,
 * calling `visit` with each record's data position. Returns the packet and byte counts.
 */
function walkRecords(path: string, visit: (b: Buffer, data: number, capLen: number) => void): { packets: number; bytes: number } {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe((1 << 20) + 262144 + 16);
  let fill = 0;
  let pos = 0;
  let packets = 0;
  let bytes = 0;
  let first = true;
  try {
    for (;;) {
      const n = readSync(fd, buf, fill, buf.length - fill, pos);
      pos += n;
      fill += n;
      let p = first ? 24 : 0;
      first = false;
      while (fill - p >= 16) {
        const cap = buf.readUInt32LE(p + 8);
        if (fill - p - 16 < cap) break;
        visit(buf, p + 16, cap);
        packets++;
        bytes += cap;
        p += 16 + cap;
      }
      buf.copy(buf, 0, p, fill);
      fill -= p;
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
  return { packets, bytes };
}

/** The ceiling of reading: the record walk alone. */
async function bare(path: string): Promise<StepReport> {
  const t0 = performance.now();
  const { packets, bytes } = walkRecords(path, () => {});
  return { packets, bytes, ms: performance.now() - t0 };
}

/**
 * The decoding ceiling: the same walk, plus a hand-inlined decode of the layers this file holds
 * (Ethernet, IPv4, TCP/UDP, VXLAN 4789/8472 -> Ethernet, flannel 8285 -> IPv4), outer and inner,
 * summing a few fields so nothing is optimised away. No dispatch tables, no anomalies, no index: what
 * a JS loop can do at best on this file, not a decoder.
 */
async function bareDecode(path: string): Promise<StepReport> {
  const t0 = performance.now();
  let acc = 0;
  let tunnels = 0;
  const { packets, bytes } = walkRecords(path, (b, start, cap) => {
    const end = start + cap;
    let o = start;
    let ethertype = (b[o + 12] << 8) | b[o + 13];
    o += 14;
    for (let level = 0; level < 4 && ethertype === 0x0800 && o + 20 <= end; level++) {
      const ihl = (b[o] & 15) * 4;
      const proto = b[o + 9];
      acc = (acc + b.readUInt32BE(o + 12) + b.readUInt32BE(o + 16) + proto) >>> 0;
      o += ihl;
      if (proto === 6 && o + 20 <= end) {
        acc = (acc + b.readUInt16BE(o) + b.readUInt16BE(o + 2) + b[o + 13]) >>> 0;
        break;
      }
      if (proto !== 17 || o + 8 > end) break;
      const dport = b.readUInt16BE(o + 2);
      acc = (acc + b.readUInt16BE(o) + dport) >>> 0;
      o += 8;
      if ((dport === 4789 || dport === 8472) && o + 22 <= end) {
        acc = (acc + (b.readUInt32BE(o + 4) >>> 8)) >>> 0;
        o += 8;
        ethertype = (b[o + 12] << 8) | b[o + 13];
        o += 14;
        tunnels++;
      } else if (dport === 8285) {
        ethertype = 0x0800;
        tunnels++;
      } else break;
    }
  });
  return { packets, bytes, ms: performance.now() - t0, extra: { 'tunnelled packets': tunnels, checksum: acc } };
}

/** pcap-parser by itself, as its README uses it: its own 64 KiB file stream, one event per record. */
function pcapParserAlone(path: string): Promise<StepReport> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let packets = 0;
    let bytes = 0;
    const parser = parse(path);
    parser.on('packet', (p: { data: Buffer }) => {
      packets++;
      bytes += p.data.length;
    });
    parser.on('error', reject);
    parser.on('end', () => resolve({ packets, bytes, ms: performance.now() - t0 }));
  });
}

async function readOnly(path: string, loop: PcapLoop): Promise<StepReport> {
  const t0 = performance.now();
  let bytes = 0;
  const info = await readCapture(path, { onPacket: (p) => (bytes += p.capLen) }, { pcapReader: loop });
  return { packets: info.packetCount, bytes, ms: performance.now() - t0 };
}

/** The engine as the app runs it: read, decode every layer (fast path, outer and inner) and fill the set's packet table. */
async function engine(path: string, loop: PcapLoop): Promise<StepReport> {
  const t0 = performance.now();
  const store = await PacketStore.readAll([{ path, name: path }], { pcapReader: loop });
  const ms = performance.now() - t0;
  const t = store.table;
  let bytes = 0;
  let levels = 0;
  let tunnels = 0;
  for (let i = 0; i < store.count; i++) {
    bytes += store.capLen[i];
    levels += t.levels[i];
    if (t.tunnel[i] !== 0) tunnels++;
  }
  return {
    packets: store.count,
    bytes,
    ms,
    extra: { 'table bytes/packet': store.bytesPerPacket(), 'tunnelled packets': tunnels, levels },
  };
}

/** Full decode (field trees, byte ranges, info line) of every packet: what the detail pane costs. */
async function fullDecode(path: string): Promise<StepReport> {
  const t0 = performance.now();
  let bytes = 0;
  let layers = 0;
  const info = await readCapture(
    path,
    {
      onPacket(p) {
        bytes += p.capLen;
        layers += decodePacket(p.data, p.linktype, undefined, p.origLen).layers.length;
      },
    },
    { pcapReader: 'fast' },
  );
  return { packets: info.packetCount, bytes, ms: performance.now() - t0, extra: { layers } };
}

function rate(m: Measured | null, packets: number): number {
  if (!m) return NaN;
  return packets / ((m.ms ?? m.wallMs) / 1000);
}

export const captureSection: BenchSection = {
  id: 'capture',
  title: 'Capture engine: reading and decoding',
  steps: {
    bare: (p) => bare(p),
    'bare-decode': (p) => bareDecode(p),
    'pcap-parser': (p) => pcapParserAlone(p),
    'read-pcap-parser': (p) => readOnly(p, 'pcap-parser'),
    'read-fast': (p) => readOnly(p, 'fast'),
    'engine-pcap-parser': (p) => engine(p, 'pcap-parser'),
    'engine-fast': (p) => engine(p, 'fast'),
    'decode-full': (p) => fullDecode(p),
  },
  async run(ctx: BenchContext): Promise<void> {
    const { path, packets, bytes } = ctx.capture;
    const out = ctx.out;
    const line = (name: string, m: Measured | null, note = ''): void => {
      if (!m) return out(`${name.padEnd(44)} (not installed)`);
      if (m.exitCode !== 0)
        return out(`${name.padEnd(44)} FAILED (exit ${m.exitCode}): ${m.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      const n = m.report?.packets ?? packets;
      out(row(name, n, m.report?.bytes ?? bytes, m.ms ?? m.wallMs, m.peakRss, note));
    };
    out(`file: ${packets} packets, ${fmt.mb(bytes)} (synthetic cluster traffic; page cache warm after the first pass)`);
    out('times: engine steps measure themselves (no process start-up); tools are timed as whole processes');
    out('');
    out('-- reading and decoding (no output) --');
    const bareM = await ctx.step('capture.bare');
    line('bare loop, 1 MiB reads, record walk (ceiling)', bareM);
    const bareDecodeM = await ctx.step('capture.bare-decode');
    line('bare loop + inlined outer/inner decode', bareDecodeM, extra(bareDecodeM));
    const pp = await ctx.step('capture.pcap-parser');
    line('pcap-parser alone (its 64 KiB stream)', pp);
    const rpp = await ctx.step('capture.read-pcap-parser');
    line('readCapture via pcap-parser (4 MiB chunks)', rpp);
    const rf = await ctx.step('capture.read-fast');
    line('readCapture via the fast loop', rf);
    const epp = await ctx.step('capture.engine-pcap-parser');
    line('ENGINE via pcap-parser: read+decode+table', epp, extra(epp));
    const ef = await ctx.step('capture.engine-fast');
    line('ENGINE via fast loop: read+decode+table', ef, extra(ef));
    const bpp = ef?.report?.extra?.['table bytes/packet'];
    if (typeof bpp === 'number') {
      ctx.figures.set('table.bytesPerPacket', bpp);
      out(`${''.padEnd(44)} packet table: ${bpp} bytes/packet (goal <= 32: ${bpp <= 32 ? 'met' : 'NOT met'})`);
    }
    const full = await ctx.step('capture.decode-full');
    line('full decode (field trees) of every packet', full);
    const tsharkFields = haveCommand('tshark')
      ? await ctx.command([
          'tshark',
          '-r',
          path,
          '-n',
          ...DECODE_AS,
          '-T',
          'fields',
          '-e',
          'frame.number',
          '-e',
          'frame.time_epoch',
          '-e',
          'ip.src',
          '-e',
          'ip.dst',
          '-e',
          'ip.proto',
          '-e',
          'udp.dstport',
          '-e',
          'tcp.srcport',
          '-e',
          'tcp.dstport',
          '-e',
          'vxlan.vni',
        ])
      : null;
    line('tshark -T fields (VXLAN/flannel decode-as)', tsharkFields);
    const tcpdump = haveCommand('tcpdump') ? await ctx.command(['tcpdump', '-nn', '-r', path]) : null;
    line('tcpdump -nn -r', tcpdump);

    out('');
    out('-- one-line text summaries of every packet (to /dev/null) --');
    const tvText = await ctx.command([process.execPath, BIN, 'decode', '--format', 'text', path]);
    line('tunnelvision decode --format text', tvText, tvText && tvText.exitCode === 2 ? '(decode command not available yet)' : '');
    const tsharkText = haveCommand('tshark') ? await ctx.command(['tshark', '-r', path, '-n', ...DECODE_AS]) : null;
    line('tshark -r (decode-as)', tsharkText);
    line('tcpdump -nn -r', tcpdump);

    const engineRate = rate(ef, packets);
    const enginePP = rate(epp, packets);
    ctx.figures.set('engine.pps', engineRate);
    out('');
    out('-- ratios --');
    const ratio = (label: string, a: number, b: number, goal?: number): void => {
      if (!Number.isFinite(a) || !Number.isFinite(b)) return out(`${label.padEnd(52)} n/a`);
      const r = a / b;
      out(`${label.padEnd(52)} ${fmt.x(r).padStart(7)}${goal ? `   goal >= ${goal}x: ${r >= goal ? 'met' : 'NOT met'}` : ''}`);
    };
    ratio('engine (fast loop) vs tshark -T fields', engineRate, rate(tsharkFields, packets), 10);
    ratio('engine (fast loop) vs tcpdump -nn -r', engineRate, rate(tcpdump, packets), 1);
    ratio('engine (pcap-parser) vs tshark -T fields', enginePP, rate(tsharkFields, packets), 10);
    ratio('engine (pcap-parser) vs tcpdump -nn -r', enginePP, rate(tcpdump, packets), 1);
    ratio('engine (fast loop) vs bare loop + inlined decode', engineRate, rate(bareDecodeM, packets));
    ratio('tunnelvision decode text vs tshark -r', rate(tvText?.exitCode === 0 ? tvText : null, packets), rate(tsharkText, packets));
    ratio('tunnelvision decode text vs tcpdump -nn -r', rate(tvText?.exitCode === 0 ? tvText : null, packets), rate(tcpdump, packets));
    if (rpp?.ms && epp?.ms && rf?.ms && ef?.ms) {
      out(
        `pcap-parser's share of the engine's time (via pcap-parser): ${((100 * rpp.ms) / epp.ms).toFixed(0)}% ` +
          `(${(rpp.ms / 1000).toFixed(2)} s of ${(epp.ms / 1000).toFixed(2)} s); the fast loop's share: ${((100 * rf.ms) / ef.ms).toFixed(0)}%`,
      );
    }
  },
};

function extra(m: Measured | null): string {
  const e = m?.report?.extra;
  if (!e) return '';
  return Object.entries(e)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt.int(v) : v}`)
    .join(', ');
}
