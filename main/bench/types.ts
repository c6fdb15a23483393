// What a benchmark section is. Each section lives in its own file and is listed once in index.ts.

import type { SynthCapture } from './synth';
import type { Measured } from './measure';

export interface BenchContext {
  /** The synthetic cluster capture every section measures on (generated once, cached). */
  readonly capture: SynthCapture;
  /** Prints one line of the report. */
  out(line: string): void;
  /** Runs one of this or another section's steps in a fresh child process (clean peak memory). */
  step(id: string, args?: string[]): Promise<Measured>;
  /** Runs an external command with stdout discarded, measured the same way; null when not installed. */
  command(argv: string[]): Promise<Measured | null>;
  /** Figures sections leave for later sections (e.g. packets/s of the engine). */
  readonly figures: Map<string, number>;
}

/** What a step (run inside the child) reports; the parent adds wall time and peak memory. */
export interface StepReport {
  packets: number;
  bytes: number;
  /** Time measured inside the step, without process start-up. */
  ms: number;
  /** Anything else worth printing, e.g. index bytes per packet. */
  extra?: Record<string, number | string>;
}

export interface BenchSection {
  readonly id: string;
  readonly title: string;
  /** Steps run in child processes by `ctx.step('<section id>.<step>')`; each gets the capture path. */
  readonly steps?: Record<string, (capturePath: string, args: string[]) => Promise<StepReport>>;
  run(ctx: BenchContext): Promise<void>;
}
