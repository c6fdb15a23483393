// Fuzzing the reader and the decoder together on mutated real captures (the public captures and the
// fixture lab's, when present): bit flips, cut-offs, record/block length fields and packet header
// fields set to extremes, random bytes spliced in, gzip on top. 20,000+ cases per run, in memory,
// through the same reader code path as files (readCaptureBytes). For every case:
//   - reading and decoding never throw and terminate;
//   - the read result is coherent (packets counted, lengths bounded, errors with codes and offsets);
//   - every packet decodes validly or with anomalies: layer byte ranges inside the packet, levels
//     consistent, and never an 'internal-error' (a decoder that threw).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../main/engine/readers/read';
import { decodePacket, summarize, PacketSummary, type Field } from '../../main/engine/decode/index';
import type { CaptureInfo } from '../../main/engine/types';
import { HAVE_PUBLIC, PUBLIC_DIR, fixtureCaptures, publicCaptures } from './readers/helpers';

const RUNS = 20_000;
const MAX_SEED = 256 * 1024;

interface Seed {
  name: string;
  bytes: Uint8Array;
  /** Offsets of length fields in the file (record capLen/origLen, block lengths, EPB capLen). */
  lengthFields: number[];
  /** Offsets of packet data starts (to hit header fields of the decoders). */
  packetStarts: number[];
}

async function loadSeed(name: string, bytes: Uint8Array): Promise<Seed> {
  const pcapng = bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
  const lengthFields: number[] = [];
  const packetStarts: number[] = [];
  await readCaptureBytes(bytes, {
    onPacket(p) {
      if (pcapng) {
        lengthFields.push(p.fileOffset + 4, p.fileOffset + 20, p.fileOffset + 24);
        packetStarts.push(p.fileOffset + 28);
      } else {
        lengthFields.push(p.fileOffset + 8, p.fileOffset + 12);
        packetStarts.push(p.fileOffset + 16);
      }
    },
  });
  return {
    name,
    bytes,
    lengthFields: lengthFields.length ? lengthFields : [8, 12, 20, 24],
    packetStarts: packetStarts.length ? packetStarts : [24],
  };
}

async function loadSeeds(): Promise<Seed[]> {
  const seeds: Seed[] = [];
  const files = [...publicCaptures().map((f) => join(PUBLIC_DIR, f)), ...fixtureCaptures().filter((f) => !f.endsWith('.gz'))];
  for (const path of files) {
    if (statSync(path).size === 0) continue;
    let bytes = new Uint8Array(readFileSync(path));
    if (bytes.length > MAX_SEED) bytes = bytes.subarray(0, MAX_SEED);
    seeds.push(await loadSeed(path, bytes));
  }
  return seeds;
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'cut'; at: number }
  | { kind: 'length'; field: number; value: number; le: boolean }
  | { kind: 'header'; packet: number; at: number; value: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array };

const EXTREMES = [
  0, 1, 2, 3, 4, 8, 11, 12, 13, 16, 19, 20, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0xffff, 0x10000, 262143, 262144, 262145, 0x7fffffff, 0x80000000,
  0xfffffffc, 0xffffffff,
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('length' as const), field: fc.nat(), value: fc.constantFrom(...EXTREMES), le: fc.boolean() }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('header' as const),
      packet: fc.nat(),
      at: fc.integer({ min: 0, max: 120 }),
      value: fc.constantFrom(0, 1, 4, 5, 0x0f, 0x40, 0x45, 0x4f, 0x60, 0x80, 0xff),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  },
);

function apply(seed: Seed, muts: Mutation[]): Uint8Array {
  let b = seed.bytes.slice();
  for (const m of muts) {
    if (b.length === 0) break;
    switch (m.kind) {
      case 'flip':
        b[m.at % b.length] ^= 1 << m.bit;
        break;
      case 'cut':
        b = b.subarray(0, m.at % (b.length + 1));
        break;
      case 'length': {
        const at = seed.lengthFields[m.field % seed.lengthFields.length];
        if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, m.value >>> 0, m.le);
        break;
      }
      case 'header': {
        const at = seed.packetStarts[m.packet % seed.packetStarts.length] + m.at;
        if (at < b.length) b[at] = m.value;
        break;
      }
      case 'splice': {
        const at = m.at % b.length;
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at));
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
    }
  }
  return b;
}

const ANOMALY_CODES = new Set([
  'truncated',
  'bad-checksum',
  'bad-length',
  'fragment-continues',
  'bad-header-length',
  'bad-version',
  'unknown-next-protocol',
  'unknown-link-type',
  'tunnel-depth-exceeded',
  'empty-tunnel',
  'bad-option',
  'ext-header-limit',
]);

function checkFields(fields: Field[], len: number, where: string): void {
  for (const f of fields) {
    if (!(f.offset >= 0 && f.length >= 0 && f.offset + f.length <= len)) {
      throw new Error(`${where}: field ${f.name} range ${f.offset}+${f.length} outside the ${len}-byte packet`);
    }
    if (f.children) checkFields(f.children, len, where);
  }
}

/** Reads and decodes one mutated file; throws (failing the property) on any broken invariant. */
interface Stats {
  cases: number;
  readErrors: number;
  packets: number;
  anomalies: number;
  /** Cases where at least one packet came out flagged. */
  casesWithAnomalies: number;
}

async function check(bytes: Uint8Array, mode: 'pcap-parser' | 'fast', gzip: boolean, stats: Stats): Promise<void> {
  const input = gzip ? gzipSync(bytes) : bytes;
  const summary = new PacketSummary();
  let delivered = 0;
  let lastIndex = -1;
  let flagged = false;
  const info: CaptureInfo = await readCaptureBytes(
    input,
    {
      onPacket(p) {
        delivered++;
        if (p.index !== lastIndex + 1) throw new Error(`packet index ${p.index} after ${lastIndex}`);
        lastIndex = p.index;
        if (p.data.length !== p.capLen || p.capLen > 262144) throw new Error(`capLen ${p.capLen}, data ${p.data.length}`);
        if (p.fileOffset < 0 || p.fileOffset + p.capLen > bytes.length) throw new Error(`fileOffset ${p.fileOffset} out of the file`);
        const where = `packet ${p.index} at byte ${p.fileOffset}`;
        const d = decodePacket(p.data, p.linktype, undefined, p.origLen);
        summarize(p.data, p.linktype, summary, undefined, p.origLen);
        stats.packets++;
        if (d.anomalies.length) {
          stats.anomalies++;
          flagged = true;
        }
        for (const a of d.anomalies) {
          if (a.code === 'internal-error') throw new Error(`${where}: decoder threw: ${a.message}`);
          if (!ANOMALY_CODES.has(a.code)) throw new Error(`${where}: unknown anomaly code ${a.code}`);
        }
        if (d.layers.length === 0 && !d.undecoded && d.anomalies.length === 0 && p.capLen > 0)
          throw new Error(`${where}: nothing decoded and nothing flagged`);
        for (const l of d.layers) {
          if (!(l.offset >= 0 && l.length >= 0 && l.offset + l.length <= p.capLen))
            throw new Error(`${where}: layer ${l.proto} range ${l.offset}+${l.length} outside ${p.capLen} bytes`);
          if (!(l.level >= 0 && l.level < d.levels)) throw new Error(`${where}: layer ${l.proto} level ${l.level} of ${d.levels}`);
          checkFields(l.fields, p.capLen, where);
        }
        if (typeof d.info !== 'string' || typeof d.protocol !== 'string') throw new Error(`${where}: no info line`);
      },
    },
    { pcapReader: mode, chunkSize: 64 * 1024 },
  );
  if (info.packetCount !== delivered) throw new Error(`packetCount ${info.packetCount} but ${delivered} delivered`);
  for (const e of info.errors) {
    if (!e.code || !e.message || !Number.isInteger(e.offset)) throw new Error(`bad error record ${JSON.stringify(e)}`);
  }
  stats.cases++;
  if (info.errors.length) stats.readErrors++;
  if (flagged) stats.casesWithAnomalies++;
  if (info.errors.filter((e) => e.fatal).length > 1) throw new Error(`several fatal errors: ${JSON.stringify(info.errors)}`);
}

describe.skipIf(!HAVE_PUBLIC)('fuzz: mutated real captures', () => {
  it(`${RUNS} mutated captures read and decode without throwing, hanging or losing coherence`, async () => {
    const seeds = await loadSeeds();
    expect(seeds.length).toBeGreaterThanOrEqual(40);
    const stats: Stats = { cases: 0, readErrors: 0, packets: 0, anomalies: 0, casesWithAnomalies: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('pcap-parser' as const, 'fast' as const),
        fc.integer({ min: 0, max: 19 }).map((x) => x === 0), // 1 in 20 gzipped
        async (s, muts, mode, gzip) => {
          const bytes = apply(seeds[s], muts);
          const t0 = performance.now();
          await check(bytes, mode, gzip, stats);
          if (performance.now() - t0 > 5000) throw new Error(`${seeds[s].name}: one case took over 5 s`);
        },
      ),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2147483647), verbose: 1 },
    );
    // The mutations reach both the reader and the decoders: many files are damaged, and many packets
    // come out flagged while others still decode.
    expect(stats.cases).toBeGreaterThanOrEqual(RUNS);
    expect(stats.readErrors).toBeGreaterThan(RUNS * 0.1);
    expect(stats.casesWithAnomalies).toBeGreaterThan(RUNS * 0.1);
    expect(stats.anomalies).toBeLessThan(stats.packets);
    console.log(
      `fuzz: ${stats.cases} cases, ${stats.readErrors} with read errors, ${stats.packets} packets decoded, ${stats.anomalies} with anomalies (in ${stats.casesWithAnomalies} cases)`,
    );
  });
});
