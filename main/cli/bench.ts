// `tunnelvision bench [--packets N] [--only SECTION]...`: the benchmarks (not timed tests).
// Generates a synthetic cluster capture once (cached in the temp folder), then runs every section.
// `--step SECTION.STEP FILE` is internal: it runs one measured step in this (child) process.

import { runBench, runStep } from '../bench/run';
import { withOutput } from './output';

export async function run(args: string[]): Promise<number> {
  let packets = 1_000_000;
  const only: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--step') return runStep(args[i + 1] ?? '', args[i + 2] ?? '', args.slice(i + 3));
    if (a === '--packets') packets = Number(args[++i]);
    else if (a === '--only') only.push(args[++i]);
    else if (a === '--dataset-packets')
      i++; // read by the dataset section (main/bench/dataset.ts)
    else {
      process.stderr.write('usage: tunnelvision bench [--packets N] [--only SECTION]... [--dataset-packets N]\n');
      return 2;
    }
  }
  if (!Number.isInteger(packets) || packets <= 0) {
    process.stderr.write('--packets needs a positive whole number\n');
    return 2;
  }
  return withOutput('bench', async (stdout) => {
    const t0 = performance.now();
    await runBench({ packets, only: only.length ? only : undefined, out: (l) => void stdout.push(`${l}\n`) });
    await stdout.write(`\nbenchmark finished in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    return 0;
  });
}
