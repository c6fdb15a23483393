// CLI start-up (issue 17): whole processes, as an operator's loop over per-node files runs them.
// The median of 20 runs of `tunnelvision decode` on a tiny capture and of `tunnelvision --help`,
// beside `node -e 0` (the floor for any Node program), tcpdump and tshark on the same file; then
// `decode --format text` of a 300k-packet synthetic capture beside the same tools, start-up included.
// Runs are interleaved (one of each command per round) so that a change in the machine's load
// weighs on every command alike.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureBenchCapture } from './synth';
import { fmt, haveCommand, measure } from './measure';
import type { BenchContext, BenchSection } from './types';

const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));
const TINY = fileURLToPath(new URL('../../fixtures/captures/a-node1-eth0.pcap', import.meta.url));
const DECODE_AS = ['-d', 'udp.port==8472,vxlan', '-d', 'udp.port==8285,ip'];
const ROUNDS = 20;
const BIG_PACKETS = 300_000;
const BIG_ROUNDS = 3;

interface Cmd {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  /** Rounds for this command when fewer than the others (the tsx path takes seconds). */
  rounds?: number;
}

interface Timed {
  median: number;
  min: number;
  failed?: string;
  stderr: string;
}

/** Runs every available command `rounds` times, round-robin; median and minimum wall time of each. */
async function timeAll(cmds: Cmd[], rounds: number): Promise<Map<string, Timed>> {
  const times = new Map<string, number[]>(cmds.map((c) => [c.name, []]));
  const result = new Map<string, Timed>();
  for (let r = 0; r < rounds; r++) {
    for (const c of cmds) {
      if (result.get(c.name)?.failed || r >= (c.rounds ?? rounds)) continue;
      const m = await measure(c.argv, false, { env: c.env, peakMemory: false });
      if (m.exitCode !== 0) {
        result.set(c.name, {
          median: NaN,
          min: NaN,
          failed: `exit ${m.exitCode}: ${m.stderr.trim().split('\n').slice(-2).join(' | ')}`,
          stderr: m.stderr,
        });
        continue;
      }
      times.get(c.name)!.push(m.wallMs);
      result.set(c.name, { median: NaN, min: NaN, stderr: m.stderr });
    }
  }
  for (const [name, t] of times) {
    const r = result.get(name);
    if (!r || r.failed) continue;
    const s = [...t].sort((a, b) => a - b);
    r.median = s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    r.min = s[0];
  }
  return result;
}

function tools(path: string, text: boolean): Cmd[] {
  const out: Cmd[] = [];
  if (haveCommand('tcpdump')) out.push({ name: 'tcpdump -nn -r', argv: ['tcpdump', '-nn', '-r', path] });
  if (haveCommand('tshark'))
    out.push({ name: text ? 'tshark -r (decode-as)' : 'tshark -r', argv: ['tshark', '-r', path, '-n', ...DECODE_AS] });
  return out;
}

export const startupSection: BenchSection = {
  id: 'startup',
  title: 'CLI start-up, whole processes (issue 17)',
  async run(ctx: BenchContext): Promise<void> {
    const out = ctx.out;
    const node = process.execPath;
    if (!existsSync(TINY)) return out(`tiny capture ${TINY} not found: section skipped`);
    const tiny: Cmd[] = [
      { name: 'node -e 0', argv: [node, '-e', '0'] },
      { name: 'tunnelvision --help', argv: [node, BIN, '--help'] },
      { name: 'tunnelvision decode', argv: [node, BIN, 'decode', TINY] },
      {
        name: 'tunnelvision decode, from sources (tsx)',
        argv: [node, BIN, 'decode', TINY],
        env: { TUNNELVISION_FROM_SOURCES: '1' },
        rounds: 5,
      },
      ...tools(TINY, false),
    ];
    out(`tiny capture: fixtures/captures/a-node1-eth0.pcap (140 packets, VXLAN); wall time, median of ${ROUNDS} runs (from sources: 5)`);
    const t = await timeAll(tiny, ROUNDS);
    const notice = t.get('tunnelvision decode')?.stderr.match(/^tunnelvision: .*running from the TypeScript sources.*$/m);
    if (notice) out(`NOTE: the bundle is not in use, these figures are the sources path: ${notice[0]}`);
    const base = t.get('node -e 0')?.median ?? NaN;
    for (const c of tiny) {
      const r = t.get(c.name)!;
      if (r.failed) {
        out(`${c.name.padEnd(44)} FAILED (${r.failed})`);
        continue;
      }
      const vsNode = c.name === 'node -e 0' ? '' : `${fmt.x(r.median / base).padStart(6)} node -e 0`;
      out(`${c.name.padEnd(44)} ${`${r.median.toFixed(0)} ms`.padStart(8)}  (min ${r.min.toFixed(0)} ms)  ${vsNode}`);
    }
    const decodeMs = t.get('tunnelvision decode')?.median ?? NaN;
    const goal = decodeMs / base;
    out(
      `${'decode of a tiny capture vs node -e 0'.padEnd(44)} ${fmt.x(goal).padStart(8)}   goal <= 1.5x: ${goal <= 1.5 ? 'met' : 'NOT met'}`,
    );

    out('');
    const big = ensureBenchCapture(BIG_PACKETS, out);
    const text: Cmd[] = [
      { name: 'tunnelvision decode --format text', argv: [node, BIN, 'decode', '--format', 'text', big.path] },
      ...tools(big.path, true),
    ];
    out(
      `${BIG_PACKETS.toLocaleString('en-US')} packets (${fmt.mb(big.bytes)}, the synthetic cluster capture), text to /dev/null; median of ${BIG_ROUNDS} runs`,
    );
    const b = await timeAll(text, BIG_ROUNDS);
    const tv = b.get(text[0].name)!;
    for (const c of text) {
      const r = b.get(c.name)!;
      if (r.failed) {
        out(`${c.name.padEnd(44)} FAILED (${r.failed})`);
        continue;
      }
      out(
        `${c.name.padEnd(44)} ${`${(r.median / 1000).toFixed(2)} s`.padStart(8)}  ${fmt.rate(BIG_PACKETS / (r.median / 1000)).padStart(6)} pkt/s`,
      );
    }
    const goals: Record<string, number> = { 'tcpdump -nn -r': 2, 'tshark -r (decode-as)': 10 };
    for (const c of text.slice(1)) {
      const r = b.get(c.name)!;
      if (r.failed || tv.failed) continue;
      const x = r.median / tv.median;
      out(
        `${`tunnelvision text vs ${c.name}`.padEnd(44)} ${fmt.x(x).padStart(8)} faster   goal >= ${goals[c.name]}x: ${x >= goals[c.name] ? 'met' : 'NOT met'}`,
      );
    }
  },
};
