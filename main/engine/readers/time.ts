// Timestamps: pcapng's 64-bit unit counts to (seconds, nanoseconds), and the epoch text tshark prints.

/** Where a reader writes one converted timestamp (RawPacket has the same two fields). */
export interface Timestamp {
  tsSec: number;
  tsNsec: number;
}

const TWO32 = 4294967296;

/**
 * pcapng timestamp (high and low 32-bit words, units of the interface's if_tsresol) to
 * seconds + nanoseconds, plus if_tsoffset seconds. `tsresolRaw` is the option byte: bit 7 clear =
 * 10^-n seconds, set = 2^-n seconds. Exact for any input: plain numbers while the unit count is
 * below 2^53, BigInt above (nanosecond timestamps of today are ~1.8e18).
 */
export function pcapngTimestamp(hi: number, lo: number, tsresolRaw: number, tsoffsetSec: number, out: Timestamp): void {
  const binary = (tsresolRaw & 0x80) !== 0;
  const exp = tsresolRaw & 0x7f;
  if (!binary && exp === 6 && hi < 0x200000) {
    const units = hi * TWO32 + lo; // < 2^53: exact
    const sec = Math.floor(units / 1e6);
    out.tsSec = sec + tsoffsetSec;
    out.tsNsec = (units - sec * 1e6) * 1000;
    return;
  }
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  let sec: bigint;
  let nsec: bigint;
  if (binary) {
    const e = BigInt(Math.min(exp, 63));
    sec = units >> e;
    nsec = ((units - (sec << e)) * 1_000_000_000n) >> e;
  } else {
    const d = 10n ** BigInt(exp);
    sec = units / d;
    const frac = units - sec * d;
    nsec = exp <= 9 ? frac * 10n ** BigInt(9 - exp) : frac / 10n ** BigInt(exp - 9);
  }
  out.tsSec = Number(sec) + tsoffsetSec;
  out.tsNsec = Number(nsec);
}

/** if_tsresol byte as a power-of-ten exponent (binary resolutions rounded up to the next decimal digit). */
export function tsresolToExp(raw: number): number {
  if ((raw & 0x80) === 0) return raw & 0x7f;
  return Math.ceil((raw & 0x7f) * Math.LOG10E * Math.LN2);
}

/** A packet's frame.time_epoch, null when its record has no timestamp (tshark prints none either). */
export function epochText(p: { tsSec: number; tsNsec: number; hasTime: boolean }): string | null {
  return p.hasTime ? formatEpoch(p.tsSec, p.tsNsec) : null;
}

/**
 * frame.time_epoch as tshark prints it: seconds, a dot, 9 fraction digits. Fractions out of range
 * are printed as tshark 4 does (not normalised): 1e9 gives 10 digits, and a fraction with bit 31 set
 * is taken as a negative 32-bit number, giving e.g. "-1418145370.2147483648".
 */
export function formatEpoch(tsSec: number, tsNsec: number): string {
  if (tsNsec >= 0x80000000) {
    const neg = tsNsec - TWO32; // as a signed 32-bit value
    return `-${tsSec}.${String(-neg).padStart(9, '0')}`;
  }
  return `${tsSec}.${String(tsNsec).padStart(9, '0')}`;
}
