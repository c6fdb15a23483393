// The read limits as users type and read them: sizes such as `512M` or `16G`, counts such as `2M`.
// Shared by the command line (flags) and the UI's settings panel. Plain TypeScript, no Node imports.

/** Parses a size such as `512M`, `16G`, `2.5GiB`, `1000000` (bytes). Null when it is not one. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Number.isFinite(n) && n >= 1 && n <= Number.MAX_SAFE_INTEGER ? Math.floor(n) : null;
}

/** Parses a count such as `2000000`, `2M`, `500k`. Null when it is not one. */
export function parseCount(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([km]?)$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * 1000 ** ' km'.indexOf((m[2] || ' ').toLowerCase());
  return Number.isFinite(n) && n >= 1 && n <= Number.MAX_SAFE_INTEGER ? Math.floor(n) : null;
}

/** A size as parseSize reads it back: `6G`, `512M`, `64k`, or bytes when no unit divides it. */
export function sizeText(n: number): string {
  for (const [unit, k] of [
    ['T', 4],
    ['G', 3],
    ['M', 2],
    ['k', 1],
  ] as const) {
    if (n % 1024 ** k === 0) return `${n / 1024 ** k}${unit}`;
  }
  return String(n);
}

/** A count as parseCount reads it back: `20M`, `500k`, or the number. */
export function countText(n: number): string {
  if (n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}
