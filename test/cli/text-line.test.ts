// `decode --format text` writes each line straight into its output chunk (writeTextLine); the bytes
// must be exactly textLine's string, UTF-8 encoded, on every packet of every fixture capture, under
// capture names with non-ASCII text and control characters, and across chunk boundaries.
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../main/engine/readers/read';
import { describePacketText, PacketSummary, PacketText } from '../../main/engine/decode/index';
import type { RawPacket } from '../../main/engine/types';
import { textLine, writeTextLine } from '../../main/cli/text-line';
import { LineBatch } from '../../main/cli/line-batch';
import { StringOut, word } from '../../main/engine/decode/context';
import { LinkType } from '../../main/engine/types';
import { eth, ipv4, tcp } from '../engine/decode/build';

const CAPTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/captures');

function captureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? captureFiles(join(dir, e.name)) : /\.(pcap|pcapng|cap)(\.gz)?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Both forms of every packet's line in `path`, under the capture name `name`. */
async function bothForms(path: string, name: string): Promise<{ strings: string; bytes: string; packets: number }> {
  const summary = new PacketSummary();
  const text = new PacketText();
  const batch = new LineBatch();
  const chunks: Buffer[] = [];
  let strings = '';
  let packets = 0;
  await readCapture(path, {
    onPacket: (p: RawPacket) => {
      const t = describePacketText(
        p.data,
        p.linktype,
        summary,
        text,
        { decodeAs: [{ layer: 'udp', port: 8472, proto: 'vxlan' }] },
        p.origLen,
      );
      strings += textLine(p, { info: t.info, protocol: t.protocol, summary }, name) + '\n';
      const full = writeTextLine(batch, p, t, summary, name);
      if (full) chunks.push(Buffer.from(full));
      packets++;
    },
  });
  const last = batch.take();
  if (last) chunks.push(last);
  return { strings, bytes: Buffer.concat(chunks).toString('utf8'), packets };
}

describe('writeTextLine', () => {
  // Empty captures (a classic pcap's 24-byte header alone: a device that carried nothing) have no line to compare.
  const files = captureFiles(CAPTURES).filter((f) => statSync(f).size > 24);

  it('finds the fixture captures', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((f) => [f.slice(CAPTURES.length + 1), f]))('%s: the same bytes as textLine', async (_name, path) => {
    const r = await bothForms(path, basename(path));
    expect(r.packets).toBeGreaterThan(0);
    expect(r.bytes).toBe(r.strings);
  });

  it('non-ASCII and control characters in the capture name, and lines across many chunks', async () => {
    const path = join(CAPTURES, 'b-node2-any.pcap');
    const odd = await bothForms(path, 'nœud-2 → ü.pcap');
    expect(odd.bytes).toBe(odd.strings);
    const astral = await bothForms(path, 'n🐳\ud800.pcap'); // a surrogate pair and a lone surrogate
    // A lone surrogate has no UTF-8 form: both ways must encode it as U+FFFD.
    expect(astral.bytes).toBe(Buffer.from(astral.strings, 'utf8').toString('utf8'));
    expect(astral.bytes).toContain('n🐳\ufffd.pcap');
    const ctl = await bothForms(path, 'bad\x1b[31mname');
    expect(ctl.strings).toContain('bad\\x1b[31mname');
    expect(ctl.bytes).toBe(ctl.strings);
    const long = await bothForms(path, 'x'.repeat(3000));
    expect(long.bytes.length).toBeGreaterThan(1 << 17);
    expect(long.bytes).toBe(long.strings);
  });

  it('every combination of TCP flags, with every option the info line names', () => {
    // Fixed words of the info line (' [PSH, ACK] Seq=' per combination, ' → ', ' TSval=') are
    // encoded once: both forms must agree on all 512 combinations of the nine named flags.
    const options = [2, 4, 0x05, 0xb4, 3, 3, 7, 4, 2, 1, 8, 10, 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 5, 10, 0, 0, 1, 0, 0, 0, 2, 0, 1, 1];
    const summary = new PacketSummary();
    const text = new PacketText();
    const batch = new LineBatch();
    const chunks: Buffer[] = [];
    let strings = '';
    for (let flags = 0; flags < 512; flags++) {
      const data = eth(0x0800, ipv4({ proto: 6 }, tcp(40000, 443, flags & 0xff, options, new Uint8Array(3), 4294967295, 7)));
      data[14 + 20 + 12] |= flags >> 8; // the ninth flag (AE) sits beside the header length
      const p: RawPacket = {
        index: flags,
        tsSec: 1764000000,
        tsNsec: 5,
        hasTime: true,
        capLen: data.length,
        origLen: data.length,
        linktype: LinkType.ETHERNET,
        iface: 0,
        fileOffset: 0,
        data,
        comments: null,
      };
      const t = describePacketText(p.data, p.linktype, summary, text, {}, p.origLen);
      strings += textLine(p, { info: t.info, protocol: t.protocol, summary }, 'f.pcap') + '\n';
      const full = writeTextLine(batch, p, t, summary, 'f.pcap');
      if (full) chunks.push(Buffer.from(full));
    }
    chunks.push(batch.take()!);
    expect(Buffer.concat(chunks).toString()).toBe(strings);
    expect(strings.split('\n')[0x112]).toBe(
      '275 1764000000.000000005 f.pcap 10.0.0.1:40000 > 10.0.0.2:443 TCP 89 40000 → 443 [SYN, ACK, AE] Seq=4294967295 Ack=7 ' +
        'Win=64240 Len=3 MSS=1460 WS=128 SACK_PERM TSval=9 TSecr=4294967295 SACK(1)',
    );
  });

  it('fixed words: every length, multi-byte characters, back to back', () => {
    const texts = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', ' → ', '→→→', 'ü', 'n🐳', ' Seq='];
    const b = new LineBatch();
    const s = new StringOut();
    b.begin(200);
    for (const t of texts) {
      b.word(word(t));
      s.word(word(t));
    }
    expect(b.take()!.toString()).toBe(texts.join(''));
    expect(s.s).toBe(texts.join(''));
  });

  it('numbers as String() writes them, including the edges of uint and nine', () => {
    const b = new LineBatch();
    b.begin(200);
    for (const n of [0, 7, 10, 99, 100, 999999999, 1e9, 4294967295, 4294967296, Number.MAX_SAFE_INTEGER, -3, 1.5]) {
      b.uint(n);
      b.byte(0x20);
    }
    b.nine(0);
    b.byte(0x20);
    b.nine(5000);
    b.byte(0x20);
    b.nine(999999999);
    b.byte(0x20);
    b.ipv4(0);
    b.byte(0x20);
    b.ipv4(0xffffffff);
    b.byte(0x20);
    b.ipv4(0x0a000a64);
    expect(b.take()!.toString()).toBe(
      '0 7 10 99 100 999999999 1000000000 4294967295 4294967296 9007199254740991 -3 1.5 000000000 000005000 999999999 0.0.0.0 255.255.255.255 10.0.10.100',
    );
  });

  it('every digit count of uint and nine, and every octet value of ipv4', () => {
    const numbers: number[] = [];
    for (let p = 1; p <= 1e15; p *= 10) numbers.push(p - 1, p, p + 1, 2 * p - 1, 5 * p + 3);
    for (let k = 31; k <= 33; k++) numbers.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
    for (let n = 0; n < 1000; n++) numbers.push(n);
    const nines = [0, 1, 9, 10, 99, 100, 12345678, 100000000, 999999998];
    const octets = Array.from({ length: 256 }, (_, v) => ((v << 24) | (((v + 1) & 255) << 16) | (((v * 7) & 255) << 8) | (255 - v)) >>> 0);
    const b = new LineBatch();
    const chunks: Buffer[] = [];
    const put = (write: () => void): void => {
      const full = b.begin(64);
      if (full) chunks.push(Buffer.from(full));
      write();
      b.byte(0x20);
    };
    for (const n of numbers) put(() => b.uint(n));
    for (const n of nines) put(() => b.nine(n));
    for (const n of octets) put(() => b.ipv4(n));
    chunks.push(b.take()!);
    const want = [
      ...numbers.map(String),
      ...nines.map((n) => String(n).padStart(9, '0')),
      ...octets.map((n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')),
    ];
    expect(Buffer.concat(chunks).toString()).toBe(want.join(' ') + ' ');
  });
});
