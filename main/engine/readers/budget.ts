// What one capture set may cost: decompressed bytes read, packets kept and the process's resident
// memory, shared by every file of the set. Past a limit, reading stops with a fatal read error that
// names the limit, where it was reached and the option that raises it; what was read before stays.
// The defaults fit a 16 GB laptop: 20M packets take about 6 GB in the analysis and the packet list.

export { parseCount, parseSize } from '../../../common/limits';

export interface ReadLimits {
  /** Bytes read from the captures after decompression (a gzip bomb stops here). */
  readonly maxBytes: number;
  /** Packets read over the whole set. */
  readonly maxPackets: number;
  /** Resident memory of the process, checked after every chunk read. */
  readonly maxMemoryBytes: number;
}

const GIB = 1 << 30;

export const DEFAULT_LIMITS: ReadLimits = { maxBytes: 32 * GIB, maxPackets: 20_000_000, maxMemoryBytes: 6 * GIB };

/** The command-line option that raises each limit (named in the messages). */
export const LIMIT_FLAGS: Record<keyof ReadLimits, string> = {
  maxBytes: '--max-bytes',
  maxPackets: '--max-packets',
  maxMemoryBytes: '--max-memory',
};

/** Error codes of the three limits, as they appear in CaptureInfo.errors. */
export const BUDGET_CODES = { maxBytes: 'budget-bytes', maxPackets: 'budget-packets', maxMemoryBytes: 'budget-memory' } as const;

/** Environment variable that carries `start`'s limits to the desktop app's process (JSON of ReadLimits). */
export const LIMITS_ENV = 'TUNNELVISION_READ_LIMITS';

/** The limits in `LIMITS_ENV`'s value: only known keys with positive finite numbers are kept. */
export function limitsFromEnv(text: string | undefined): Partial<ReadLimits> {
  if (!text) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return {};
  }
  const out: { -readonly [K in keyof ReadLimits]?: number } = {};
  if (v && typeof v === 'object') {
    for (const k of Object.keys(LIMIT_FLAGS) as (keyof ReadLimits)[]) {
      const n = (v as Record<string, unknown>)[k];
      if (typeof n === 'number' && Number.isFinite(n) && n > 0) out[k] = n;
    }
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n >= GIB) return `${+(n / GIB).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${+(n / (1 << 20)).toFixed(1)} MiB`;
  return `${n} bytes`;
}

/** The running totals of one capture set against its limits. */
export class ReadBudget {
  bytes = 0;
  packets = 0;
  /** Why reading stopped, once a limit is reached (then every later file of the set is refused). */
  exceeded: string | null = null;
  readonly limits: ReadLimits;

  constructor(
    limits: Partial<ReadLimits> = {},
    /** Resident memory now (replaceable in tests). */
    private readonly memory: () => number = () => process.memoryUsage.rss(),
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Counts one packet; a message when it is one too many. */
  takePacket(): string | null {
    if (this.packets >= this.limits.maxPackets) {
      return this.stop('maxPackets', this.packetLimitText());
    }
    this.packets++;
    return null;
  }

  /** Counts bytes read and checks memory; a message when a limit is passed. */
  takeBytes(n: number): string | null {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytes) {
      return this.stop('maxBytes', this.byteLimitText());
    }
    return this.checkMemory();
  }

  /** A message when the process's resident memory is past its limit. */
  protected checkMemory(): string | null {
    const rss = this.limits.maxMemoryBytes === Number.POSITIVE_INFINITY ? 0 : this.memory();
    if (rss > this.limits.maxMemoryBytes) {
      return this.stop(
        'maxMemoryBytes',
        `memory in use (${formatBytes(rss)}) is past the limit of ${formatBytes(this.limits.maxMemoryBytes)}`,
      );
    }
    return null;
  }

  /** The message of the packet limit (the same whichever thread reaches it). */
  protected packetLimitText(): string {
    return `the set's packet limit of ${this.limits.maxPackets.toLocaleString('en-US')} packets is reached`;
  }

  /** The message of the byte limit. */
  protected byteLimitText(): string {
    return `the set's limit of ${formatBytes(this.limits.maxBytes)} read (after decompression) is reached`;
  }

  /** Error code of the limit reached. */
  code: string | null = null;

  protected stop(limit: keyof ReadLimits, why: string): string {
    this.exceeded = `${why} (raise it with ${LIMIT_FLAGS[limit]})`;
    this.code = BUDGET_CODES[limit];
    return this.exceeded;
  }
}
