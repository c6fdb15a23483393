// Runs the registered sections on the cached synthetic capture, or one step inside a child process.

import { withOutput } from '../cli/output';
import { fileURLToPath } from 'node:url';
import { sections } from './index';
import { ensureBenchCapture } from './synth';
import { measure, haveCommand, type Measured } from './measure';
import type { BenchContext } from './types';

const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));

export interface BenchOptions {
  packets: number;
  only?: string[];
  out(line: string): void;
}

export async function runBench(opts: BenchOptions): Promise<void> {
  const capture = ensureBenchCapture(opts.packets, opts.out);
  const ctx: BenchContext = {
    capture,
    out: opts.out,
    figures: new Map(),
    step: (id, args = []) => measure([process.execPath, BIN, 'bench', '--step', id, capture.path, ...args], true),
    command: async (argv): Promise<Measured | null> => {
      if (!argv[0].startsWith('/') && !haveCommand(argv[0])) return null;
      return measure(argv);
    },
  };
  for (const s of sections) {
    if (opts.only && !opts.only.includes(s.id)) continue;
    opts.out('');
    opts.out(`== ${s.title} ==`);
    await s.run(ctx);
  }
}

/** Inside the child: runs `<section>.<step>` and prints its report as one JSON line. */
export async function runStep(id: string, capturePath: string, args: string[]): Promise<number> {
  const [sectionId, stepName] = id.split('.', 2);
  const step = sections.find((s) => s.id === sectionId)?.steps?.[stepName];
  if (!step) {
    process.stderr.write(`unknown benchmark step ${id}\n`);
    return 2;
  }
  const report = await step(capturePath, args);
  return withOutput('bench', async (stdout) => {
    await stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  });
}
