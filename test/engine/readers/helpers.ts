// Shared by the reader tests: where the public captures are, reading a capture into plain objects,
// and building bad files from real ones.

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { epochText, readCapture, readCaptureBytes, type ReadOptions } from '../../../main/engine/readers/read';
import type { CaptureInfo, RawPacket } from '../../../main/engine/types';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The public captures live next to the repository, never inside it. */
export const PUBLIC_DIR = join(ROOT, '..', 'shared', 'captures', 'public');
export const HAVE_PUBLIC = existsSync(join(PUBLIC_DIR, 'expected'));
export const FIXTURE_DIR = join(ROOT, 'fixtures', 'captures');

if (!HAVE_PUBLIC) console.warn(`public captures not found at ${PUBLIC_DIR}: tests against them are skipped`);

export function publicCaptures(): string[] {
  if (!HAVE_PUBLIC) return [];
  return readdirSync(PUBLIC_DIR)
    .filter((f) => existsSync(join(PUBLIC_DIR, 'expected', `${f}.json`)))
    .sort();
}

/**
 * Capture files of the fixture lab, when present, in path order. A capture copied byte for byte
 * into another set (the sets of one cluster share files) is listed once, at its first path: the
 * same bytes read and decode the same, and each is a tshark run in the tests that compare them.
 * fixtures/captures/fuzz is left out: its files are damaged on purpose (some no tshark reads), and
 * test/engine/fuzz-regressions.test.ts reads them.
 */
export function fixtureCaptures(): string[] {
  if (!existsSync(FIXTURE_DIR)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (d !== FIXTURE_DIR || e.name !== 'fuzz') walk(join(d, e.name));
      } else if (/\.(pcap|pcapng)(\.gz)?$/.test(e.name)) out.push(join(d, e.name));
    }
  };
  walk(FIXTURE_DIR);
  const seen = new Set<string>();
  return out.sort().filter((f) => {
    const sum = createHash('sha256').update(readFileSync(f)).digest('hex');
    return !seen.has(sum) && !!seen.add(sum);
  });
}

export interface ExpectedFrame {
  number: number;
  time_epoch: string | null;
  cap_len: number;
  len: number;
  section?: number;
  interface_id?: number;
  linktype?: number;
  comments?: string[];
  non_packet_record?: boolean;
}

export interface Expected {
  frame_count: number;
  readable: boolean;
  frames: ExpectedFrame[];
  file: {
    format: string;
    byte_order?: string;
    ts_precision?: string;
    snaplen?: number;
    sections?: { byte_order: string; interfaces: { linktype: number; snaplen: number }[] }[];
  };
}

export function expected(name: string): Expected {
  return JSON.parse(readFileSync(join(PUBLIC_DIR, 'expected', `${name}.json`), 'utf8')) as Expected;
}

/** A packet copied out of the reader's reused object. */
export interface Got {
  index: number;
  /** frame.time_epoch; null when the record has no timestamp (as tshark prints it). */
  time: string | null;
  capLen: number;
  origLen: number;
  linktype: number;
  iface: number;
  fileOffset: number;
  data: Uint8Array;
  comments: string[] | null;
}

export function copy(p: RawPacket): Got {
  return {
    index: p.index,
    time: epochText(p),
    capLen: p.capLen,
    origLen: p.origLen,
    linktype: p.linktype,
    iface: p.iface,
    fileOffset: p.fileOffset,
    data: p.data.slice(),
    comments: p.comments ? [...p.comments] : null,
  };
}

export async function readAll(path: string, opts?: ReadOptions): Promise<{ info: CaptureInfo; packets: Got[] }> {
  const packets: Got[] = [];
  const info = await readCapture(path, { onPacket: (p) => packets.push(copy(p)) }, opts);
  return { info, packets };
}

export async function readBytes(bytes: Uint8Array, opts?: ReadOptions): Promise<{ info: CaptureInfo; packets: Got[] }> {
  const packets: Got[] = [];
  const info = await readCaptureBytes(bytes, { onPacket: (p) => packets.push(copy(p)) }, opts);
  return { info, packets };
}

/** A temporary folder removed by the returned function. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tv-readers-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

export function readPublic(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(PUBLIC_DIR, name)));
}
