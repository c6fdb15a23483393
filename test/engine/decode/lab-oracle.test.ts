// The fixture lab's captures (flannel VXLAN and UDP backends, Calico; written by the Linux kernel)
// decoded by the engine and by tshark through oracle.sh, run live, compared field by field.
// tshark reads the classic pcap files in one run (../readers/batch.ts: about a third of a second of
// start-up per run, 160-odd files), the others (pcapng) one run each; for each kind of classic header
// one file's share of that run is checked against oracle.sh over that file alone.
// Skipped with a message when the captures, oracle.sh, tshark or mergecap are absent.
import { beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oracleForFile } from '../../../main/cli/decode';
import { COMPARED, compareOracle, type Allowed } from './oracle-compare';
import { describeNeeding, fileNeed, type Need } from '../../tools';
import { fixtureCaptures } from '../readers/helpers';
import { concatenate, headerKind, isClassicPcap, splitByInterface } from '../readers/batch';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ORACLE = resolve(ROOT, '../shared/captures/oracle.sh');

const files = fixtureCaptures();
const classic = files.filter(isClassicPcap);
/** One classic file of each kind of header (byte order, time resolution, link type). */
const kinds = [...new Map(classic.map((f) => [headerKind(f), f])).values()];
const needs: Need[] = [
  'tshark',
  'mergecap',
  { what: 'the fixture captures (fixtures/captures)', present: files.length > 0 },
  fileNeed('oracle.sh next to the repository', ORACLE),
];

/**
 * Known, explained disagreements. A capture taken with `-s 96` on flannel.1 cuts each ping's echo
 * data: the engine calls the packet cut (its IP total length runs past the captured bytes), while
 * tshark's ICMP dissector reads only the bytes captured and marks nothing.
 */
const SNAP96 = 'fixtures/captures/flannel-mixed/three-nodes/worker-2/flannel.1.pcap';
const ALLOWED: Allowed = Object.fromEntries(
  [1, 2, 3, 4, 5, 6, 35, 37, 39, 41].map((n) => [
    `${SNAP96}#${n}`,
    { truncated: 'echo data cut by a 96-byte snap length: the engine marks the IP length, tshark marks nothing' },
  ]),
);

interface OracleFrame {
  [k: string]: unknown;
  number: number;
  interface_id?: number;
}
interface OracleDoc {
  readable: boolean;
  frames: OracleFrame[];
}

/** oracle.sh over one capture; it reads the file's header itself, so a gzip'd capture is given to it decompressed. */
function oracle(path: string): OracleDoc {
  const tmp = path.endsWith('.gz') ? mkdtempSync(join(tmpdir(), 'tv-lab-oracle-')) : null;
  try {
    const plain = tmp ? join(tmp, path.split('/').pop()!.replace(/\.gz$/, '')) : path;
    if (tmp) writeFileSync(plain, gunzipSync(readFileSync(path)));
    return JSON.parse(
      execFileSync('bash', [ORACLE, plain], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] }),
    ) as OracleDoc;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A frame's compared fields and number. In a run over many files tshark's dissection above them may
 * depend on the files before (a DNS query "retransmitted" from another file in the expert items, a
 * TCP port pair taken for HTTP in the protocol list); the fields compared never have, as checked here.
 */
const compared = (doc: OracleDoc): { readable: boolean; frames: Record<string, unknown>[] } => ({
  readable: doc.readable,
  frames: doc.frames.map((f) => Object.fromEntries(['number', ...COMPARED].map((k) => [k, f[k]]))),
});

/**
 * The review captures taken with one snap length on every interface (`tcpdump -s 128`, cut again to
 * 96 bytes) cut large TCP segments and pings: the engine calls each such packet cut (its IP total
 * length runs past the captured bytes), tshark marks a packet only when a header is cut. And an ICMP
 * error that quotes a tunnel packet (a router refusing a VXLAN packet between two nodes): tshark
 * decodes the quote on through VXLAN to the pod's packet inside and lists its IP and ICMP layers
 * and the VNI as the frame's own; the engine keeps the quote as the error's fields (the quoted IP
 * header and ports) and the path finder reads the packet inside from them (table.ts).
 */
const CUT_BY_SNAPLEN = 'fixtures/captures/review4/';
function allowedFor(rel: string, frames: readonly OracleFrame[], engine: readonly { vxlan_vni?: unknown }[]): Allowed {
  const cut = rel.startsWith(CUT_BY_SNAPLEN) ? frames.filter((f) => (f.cap_len as number) < (f.len as number) && !f.truncated) : [];
  const quotesTunnel = frames.filter((f) => {
    const icmp = f.icmp as { type?: number; embedded_ip?: { proto?: number }[] }[] | undefined;
    const mine = engine[f.number - 1]?.vxlan_vni;
    const inQuote = Array.isArray(f.vxlan_vni) && f.vxlan_vni.length > (Array.isArray(mine) ? mine.length : 0);
    return inQuote && !!icmp?.[0]?.embedded_ip?.some((q) => q.proto === 17);
  });
  if (!cut.length && !quotesTunnel.length) return ALLOWED;
  const reason = "the quoted VXLAN packet decoded on by tshark; the engine keeps the quote as the error's fields";
  return {
    ...ALLOWED,
    ...Object.fromEntries(
      cut.map((f) => [
        `${rel}#${f.number}`,
        { truncated: 'payload cut by the snap length: the engine marks the IP length, tshark marks nothing' },
      ]),
    ),
    ...Object.fromEntries(quotesTunnel.map((f) => [`${rel}#${f.number}`, { ip: reason, icmp: reason, vxlan_vni: reason }])),
  };
}

describeNeeding(needs, 'lab captures: engine vs tshark', () => {
  /** Each classic file's share of the one run over all of them, numbered as in the file alone. */
  const batch = new Map<string, OracleDoc>();
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-lab-oracle-'));
    try {
      const merged = concatenate(classic, dir);
      if (!merged) throw new Error(`mergecap refused a classic pcap among the fixtures: ${classic.join(' ')}`);
      const doc = oracle(merged);
      const parts = splitByInterface(
        doc.frames,
        classic.length,
        (f) => f.interface_id ?? -1,
        (f) => f.number,
      );
      // In the batch each frame has a section and an interface; tshark shows neither for a classic pcap.
      classic.forEach((f, k) =>
        batch.set(f, {
          readable: doc.readable,
          frames: parts[k].map(({ section: _s, interface_id: _i, ...fr }, i) => ({ ...fr, number: i + 1 })),
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it.each(kinds.map((f) => relative(ROOT, f)))("one run over every classic pcap gives %s tshark's frames of that file alone", (rel) => {
    expect(compared(batch.get(join(ROOT, rel))!)).toEqual(compared(oracle(join(ROOT, rel))));
  });

  it.each(files.map((f) => relative(ROOT, f)))('%s', async (rel) => {
    const path = join(ROOT, rel);
    const expected = batch.get(path) ?? oracle(path);
    const { doc } = await oracleForFile(path);
    expect(doc.frame_count).toBe(expected.frames.length);
    expect(compareOracle(rel, expected, doc, allowedFor(rel, expected.frames, doc.frames))).toEqual([]);
  });
});
