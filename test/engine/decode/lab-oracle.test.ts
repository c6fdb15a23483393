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
 * Known, explained disagreements. A capture cut by a snap length (`tcpdump -s 96` on a tunnel device
 * or NIC, one snap length on every interface) cuts large TCP segments and pings' echo data: the
 * engine calls each such packet cut (its IP total length runs past the captured bytes), tshark marks
 * a packet only when a header is cut. And an ICMP error that quotes a tunnel packet (a router
 * refusing a VXLAN packet between two nodes, a node's port unreachable for a tunnel port it does not
 * listen on): tshark decodes the quote on through VXLAN to the pod's packet inside and lists its
 * layers (IP, ICMP or TCP/UDP) and the VNI as the frame's own; the engine keeps the quote as the
 * error's fields (the quoted IP header and ports) and the path finder reads the packet inside from
 * them (table.ts). Only the fields that differ are allowed, frame by frame.
 */
function allowedFor(rel: string, frames: readonly OracleFrame[], engine: readonly object[]): Allowed {
  const quotesTunnel = frames.filter((f) => {
    const icmp = f.icmp as { type?: number; embedded_ip?: { proto?: number }[] }[] | undefined;
    const mine = (engine[f.number - 1] as Record<string, unknown> | undefined)?.vxlan_vni;
    const inQuote = Array.isArray(f.vxlan_vni) && f.vxlan_vni.length > (Array.isArray(mine) ? mine.length : 0);
    return inQuote && !!icmp?.[0]?.embedded_ip?.some((q) => q.proto === 17);
  });
  const reason = "the quoted VXLAN packet decoded on by tshark; the engine keeps the quote as the error's fields";
  const differing = (f: OracleFrame) => {
    const mine = (engine[f.number - 1] ?? {}) as Record<string, unknown>;
    const list = (v: unknown) => JSON.stringify(v ?? []);
    return ['ip', 'icmp', 'l4', 'vxlan_vni'].filter((k) => list(f[k]) !== list(mine[k]));
  };
  // A TCP header the snap length cut before its flags: tshark writes `flags: null`, the engine leaves the field out.
  const withoutNulls = (v: unknown) => JSON.stringify(v ?? [], (_k, x: unknown) => (x === null ? undefined : x));
  const flagsCut = (f: OracleFrame) => {
    const mine = (engine[f.number - 1] ?? {}) as Record<string, unknown>;
    return JSON.stringify(f.l4 ?? []) !== JSON.stringify(mine.l4 ?? []) && withoutNulls(f.l4) === withoutNulls(mine.l4);
  };
  const limited = frames.filter((f) => (f.cap_len as number) < (f.len as number));
  return {
    ...Object.fromEntries(
      limited.map((f) => [
        `${rel}#${f.number}`,
        {
          ...(f.truncated ? {} : { truncated: 'payload cut by the snap length: the engine marks the IP length, tshark marks nothing' }),
          ...(flagsCut(f) ? { l4: 'TCP header cut before its flags: tshark writes them as null, the engine leaves them out' } : {}),
        },
      ]),
    ),
    ...Object.fromEntries(quotesTunnel.map((f) => [`${rel}#${f.number}`, Object.fromEntries(differing(f).map((k) => [k, reason]))])),
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
