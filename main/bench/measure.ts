// Running and timing: child processes under /usr/bin/time -v (peak resident memory), or, without
// it, with /proc sampling; result formatting.

import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import type { StepReport } from './types';

export interface Measured {
  /** Wall time of the whole process, start-up included. */
  wallMs: number;
  /** Time the step measured itself (steps only). */
  ms?: number;
  /** Peak resident set size in bytes. */
  peakRss: number;
  exitCode: number;
  report?: StepReport;
  stderr: string;
}

const TIME = '/usr/bin/time';

export function haveCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(`${d}/${name}`));
}

export interface MeasureOptions {
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
  /**
   * false: no /usr/bin/time wrapper and no sampling (peakRss 0), for start-up timings where the
   * wrapper's own exec would be a visible share of the figure.
   */
  peakMemory?: boolean;
}

/** Runs argv with stdout to /dev/null (or captured when `captureStdout`), measuring wall time and peak RSS. */
export function measure(argv: string[], captureStdout = false, opts: MeasureOptions = {}): Promise<Measured> {
  const peakMemory = opts.peakMemory ?? true;
  const useTime = peakMemory && existsSync(TIME);
  const cmd = useTime ? [TIME, '-v', ...argv] : argv;
  const devnull = openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const env = opts.env ? { ...process.env, ...opts.env } : process.env;
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', captureStdout ? 'pipe' : devnull, 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let sampledPeak = 0;
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const sampler =
      useTime || !peakMemory
        ? undefined
        : setInterval(() => {
            try {
              const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
              if (m) sampledPeak = Math.max(sampledPeak, Number(m[1]) * 1024);
            } catch {
              /* exited */
            }
          }, 50);
    child.on('error', (e) => {
      clearInterval(sampler);
      closeSync(devnull);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(sampler);
      closeSync(devnull);
      const wallMs = performance.now() - t0;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const peakRss = m ? Number(m[1]) * 1024 : sampledPeak;
      let report: StepReport | undefined;
      if (captureStdout) {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          report = JSON.parse(line) as StepReport;
        } catch {
          /* not a step */
        }
      }
      resolve({ wallMs, ms: report?.ms, peakRss, exitCode: code ?? -1, report, stderr });
    });
  });
}

export const fmt = {
  int: (n: number): string => Math.round(n).toLocaleString('en-US'),
  rate: (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0)),
  mb: (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`,
  x: (r: number): string => (r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(1)}x`),
};

/** One table row: name, packets/s, MB/s, time, peak memory, notes. */
export function row(name: string, packets: number, bytes: number, ms: number, peakRss: number | null, note = ''): string {
  const s = ms / 1000;
  return [
    name.padEnd(44),
    `${fmt.rate(packets / s)} pkt/s`.padStart(14),
    `${(bytes / 1048576 / s).toFixed(0)} MB/s`.padStart(10),
    `${s.toFixed(2)} s`.padStart(9),
    (peakRss === null ? '' : `peak ${fmt.mb(peakRss)}`).padStart(14),
    note ? `  ${note}` : '',
  ].join(' ');
}
