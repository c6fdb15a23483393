// The options that set what reading a capture set may cost (main/engine/readers/budget.ts), shared
// by every command that reads captures.
import { DEFAULT_LIMITS, LIMIT_FLAGS, formatBytes, parseCount, parseSize, type ReadLimits } from '../engine/readers/budget';

type Limit = keyof ReadLimits;
const BY_FLAG = new Map(Object.entries(LIMIT_FLAGS).map(([k, f]) => [f, k as Limit]));

/** Usage lines of the given limits (all three by default), with their defaults; `width` aligns the descriptions. */
export function limitsUsage(which: readonly Limit[] = ['maxBytes', 'maxPackets', 'maxMemoryBytes'], width = 23): string {
  const gib = (n: number) => formatBytes(n).replace(' GiB', 'G');
  // Only the lines asked for are made: toLocaleString loads ICU's number formats, about 30 ms of the
  // start of a command (`decode` shows only --max-bytes).
  const line: Record<Limit, () => [string, string]> = {
    maxBytes: () => [
      '--max-bytes SIZE',
      `stop reading after SIZE bytes of captures, after decompression (default ${gib(DEFAULT_LIMITS.maxBytes)})`,
    ],
    maxPackets: () => [
      '--max-packets N',
      `stop reading after N packets in all (default ${DEFAULT_LIMITS.maxPackets.toLocaleString('en-US')})`,
    ],
    maxMemoryBytes: () => [
      '--max-memory SIZE',
      `stop reading when memory in use passes SIZE (default ${gib(DEFAULT_LIMITS.maxMemoryBytes)})`,
    ],
  };
  return which
    .map((k) => {
      const [flag, text] = line[k]();
      return `  ${flag.padEnd(width)}${text}\n`;
    })
    .join('');
}

/**
 * Takes `flag` when it is one of the limit options in `which`: false when it is not one, true when
 * its value went into `limits`, a message when the value is wrong.
 */
export function takeLimit(
  flag: string,
  value: () => string | undefined,
  limits: Partial<Record<Limit, number>>,
  which: readonly Limit[] = ['maxBytes', 'maxPackets', 'maxMemoryBytes'],
): boolean | string {
  const key = BY_FLAG.get(flag);
  if (!key || !which.includes(key)) return false;
  const v = value();
  const n = v === undefined ? null : key === 'maxPackets' ? parseCount(v) : parseSize(v);
  if (n === null)
    return key === 'maxPackets' ? `${flag} needs a number of packets (e.g. 5000000 or 5M)` : `${flag} needs a size (e.g. 4G, 512M)`;
  limits[key] = n;
  return true;
}

/** Tells on stderr where reading stopped at a limit (the analysis also lists it as a finding). */
export function reportLimitStops(
  command: string,
  captures: readonly { id: string; errors: readonly { code: string; message: string }[] }[],
): void {
  for (const c of captures) {
    for (const e of c.errors) if (e.code.startsWith('budget-')) process.stderr.write(`${command}: ${c.id}: ${e.message}\n`);
  }
}
