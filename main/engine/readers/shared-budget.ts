// One ReadBudget shared by the threads that read the files of a set at once: the set's packets and
// bytes are counted in shared memory, and the first limit any thread reaches stops every other one
// (at its next batch of packets or its next chunk) with the same message, as reading one file after
// another would. Packets are taken from the shared count in batches, so a thread touches the shared
// counter once per BATCH packets, not once per packet; what a file leaves of its batch is given back.
import { BUDGET_CODES, ReadBudget, type ReadLimits } from './budget';

const BATCH = 1024;
/** Int32 slot: which limit stopped the set (index in LIMIT_ORDER + 1), 0 while none. */
const LIMIT_ORDER: readonly (keyof ReadLimits)[] = ['maxPackets', 'maxBytes', 'maxMemoryBytes'];

/** The shared memory of a set's budget: packets and bytes so far (BigInt64), and the limit reached (Int32). */
export function sharedBudgetMemory(from: ReadBudget): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(24);
  const counts = new BigInt64Array(sab, 0, 2);
  counts[0] = BigInt(from.packets);
  counts[1] = BigInt(from.bytes);
  const code = from.code ? LIMIT_ORDER.findIndex((k) => BUDGET_CODES[k] === from.code) : -1;
  new Int32Array(sab, 16, 1)[0] = code + 1;
  return sab;
}

/** Copies the shared totals back into the set's own budget (after the threads are done). */
export function settleSharedBudget(into: ReadBudget, sab: SharedArrayBuffer, exceeded: string | null, code: string | null): void {
  const counts = new BigInt64Array(sab, 0, 2);
  into.packets = Number(Atomics.load(counts, 0));
  into.bytes = Number(Atomics.load(counts, 1));
  if (exceeded && !into.exceeded) {
    into.exceeded = exceeded;
    into.code = code;
  }
}

/** A thread's view of the shared budget. */
export class SharedReadBudget extends ReadBudget {
  private readonly counts: BigInt64Array;
  private readonly reached: Int32Array;
  /** Packets taken from the shared count and not used yet. */
  private quota = 0;

  constructor(limits: Partial<ReadLimits>, sab: SharedArrayBuffer) {
    super(limits);
    this.counts = new BigInt64Array(sab, 0, 2);
    this.reached = new Int32Array(sab, 16, 1);
    this.adopt();
  }

  override takePacket(): string | null {
    if (this.quota === 0 && !this.refill()) return this.exceeded;
    this.quota--;
    this.packets++;
    return null;
  }

  override takeBytes(n: number): string | null {
    this.bytes += n;
    const total = Number(Atomics.add(this.counts, 1, BigInt(n))) + n;
    if (this.adopt()) return this.exceeded;
    if (total > this.limits.maxBytes) return this.stopAll('maxBytes', this.byteLimitText());
    const over = this.checkMemory();
    if (over) this.publish('maxMemoryBytes');
    return over;
  }

  /** Gives back what is left of the current batch (call when a file ends). */
  release(): void {
    if (this.quota > 0) Atomics.sub(this.counts, 0, BigInt(this.quota));
    this.quota = 0;
  }

  /** Takes the next batch of packets; false (with `exceeded` set) when the set has none left. */
  private refill(): boolean {
    if (this.adopt()) return false;
    const max = this.limits.maxPackets;
    if (!Number.isFinite(max)) {
      this.quota = BATCH;
      return true;
    }
    const before = Number(Atomics.add(this.counts, 0, BigInt(BATCH)));
    const left = max - before;
    if (left <= 0) {
      Atomics.sub(this.counts, 0, BigInt(BATCH));
      this.stopAll('maxPackets', this.packetLimitText());
      return false;
    }
    if (left < BATCH) Atomics.sub(this.counts, 0, BigInt(BATCH - left));
    this.quota = Math.min(BATCH, left);
    return true;
  }

  private stopAll(limit: keyof ReadLimits, why: string): string {
    const msg = this.stop(limit, why);
    this.publish(limit);
    return msg;
  }

  private publish(limit: keyof ReadLimits): void {
    Atomics.compareExchange(this.reached, 0, 0, LIMIT_ORDER.indexOf(limit) + 1);
  }

  /** True when some thread has reached a limit (this budget then says which, as its own). */
  private adopt(): boolean {
    if (this.exceeded) return true;
    const k = Atomics.load(this.reached, 0);
    if (k === 0) return false;
    const limit = LIMIT_ORDER[k - 1];
    if (limit === 'maxPackets') this.stop(limit, this.packetLimitText());
    else if (limit === 'maxBytes') this.stop(limit, this.byteLimitText());
    else if (!this.checkMemory()) this.stop(limit, 'memory in use is past the limit (seen by another reading thread)');
    return true;
  }
}
