// One tshark run over many classic pcap files instead of one per file: tshark spends most of a small
// file's run starting up (about a third of a second), and the fixture lab has some 160 such files.
// `mergecap -a -I none` writes the files one after another into one pcapng, each file's records
// behind an interface block of its own (its link type, snap length and time resolution), so the
// frames of the k-th file are those on interface k, in their order. Only classic pcap files go in:
// tshark shows no section or interface for them, and their one interface each is what splits the
// batch. The tests that use it check, for each kind of file header in a batch, that one file's share
// equals tshark's run over that file alone.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const CLASSIC_MAGICS = new Set(['d4c3b2a1', 'a1b2c3d4', '4d3cb2a1', 'a1b23c4d']);

/** A capture's first 24 bytes (a gzip'd one's, decompressed), or what there is of them. */
function head(path: string): Buffer {
  const bytes = readFileSync(path);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).subarray(0, 24);
}

/** A classic pcap file (by its magic number), which can join a batch. */
export function isClassicPcap(path: string): boolean {
  return CLASSIC_MAGICS.has(head(path).subarray(0, 4).toString('hex'));
}

/**
 * What tells one classic pcap header from another for tshark: byte order and time resolution (the
 * magic) and link type. The batches are checked once per kind against single-file runs.
 */
export function headerKind(path: string): string {
  const h = head(path);
  const magic = h.subarray(0, 4).toString('hex');
  const linktype = magic.startsWith('a1') ? h.readUInt32BE(20) : h.readUInt32LE(20);
  return `${magic}/${linktype}`;
}

/**
 * The classic pcap files, concatenated into `dir`/batch.pcapng; null when mergecap refuses one of
 * them (a file cut short, say: mergecap stops there), and then each file is to be run alone.
 */
export function concatenate(files: readonly string[], dir: string): string | null {
  const out = join(dir, 'batch.pcapng');
  try {
    execFileSync('mergecap', ['-a', '-I', 'none', '-F', 'pcapng', '-w', out, ...files], { stdio: 'ignore' });
    return out;
  } catch {
    return null;
  }
}

/**
 * A batch's frames (in tshark's order, numbered from 1) split into one list per file by interface;
 * throws when they are not `fileCount` runs of one interface each, in file order and numbered without a gap.
 */
export function splitByInterface<T>(frames: readonly T[], fileCount: number, iface: (f: T) => number, number: (f: T) => number): T[][] {
  const out: T[][] = Array.from({ length: fileCount }, () => []);
  let last = 0;
  frames.forEach((f, i) => {
    const k = iface(f);
    if (!Number.isInteger(k) || k < last || k >= fileCount) throw new Error(`batch frame ${i + 1}: interface ${k} after ${last}`);
    if (number(f) !== i + 1) throw new Error(`batch frame ${i + 1} is numbered ${number(f)}`);
    last = k;
    out[k].push(f);
  });
  return out;
}
