// Formatting for the packet list, detail and hop table. Pure functions (tested in node); durations
// are worded by common/text.ts like everywhere else.
import { duration, signedDuration } from '../../common/text';

export type TimeMode = 'absolute' | 'relative' | 'delta';

/** The message of a failed call, without the wrapping Electron's IPC adds. */
export const errorText = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).replace(/^Error invoking remote method '[^']+': (Error: )?/, '');

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall-clock time of day with nanoseconds, UTC: 23:04:05.123456789. */
export function formatAbsolute(tsSec: number, tsNsec: number): string {
  const d = new Date(tsSec * 1000);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(tsNsec, 9)}`;
}

/** What stands for the time of a packet whose capture recorded none (a pcapng Simple Packet Block). */
export const NO_TIME = '— (no timestamp)';

/** Seconds with microsecond precision, like Wireshark's relative column. */
export function formatSeconds(s: number): string {
  return s.toFixed(6);
}

export function formatTime(
  mode: TimeMode,
  row: { tsSec: number; tsNsec: number; time: number; noTime?: boolean },
  firstTime: number,
  previousTime: number | null,
): string {
  if (row.noTime) return NO_TIME;
  if (mode === 'absolute') return formatAbsolute(row.tsSec, row.tsNsec);
  if (mode === 'relative') return formatSeconds(row.time - firstTime);
  return formatSeconds(previousTime === null ? 0 : row.time - previousTime);
}

/** Latency for humans (seconds in): 1.234 ms, 56.0 µs, 2.500 s, as the CLI and the reports word it. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  return duration(seconds * 1e9);
}

/** A clock offset, signed: +442 ns, -2.000 s. */
export const formatOffset = (ns: number): string => signedDuration(ns);

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatSpan(first: number | null, last: number | null): string {
  if (first === null || last === null) return '—';
  return formatDuration(last - first) || '0 s';
}

export interface HexLine {
  readonly offset: number;
  readonly hex: readonly string[];
  readonly ascii: readonly string[];
}

/** 16 bytes per line: hex pairs and printable ASCII ('.' for anything else). */
export function hexLines(bytes: Uint8Array): HexLine[] {
  const lines: HexLine[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const hex: string[] = [];
    const ascii: string[] = [];
    for (let i = off; i < Math.min(off + 16, bytes.length); i++) {
      const b = bytes[i];
      hex.push(b.toString(16).padStart(2, '0'));
      ascii.push(b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');
    }
    lines.push({ offset: off, hex, ascii });
  }
  return lines;
}

export const hexOffset = (n: number) => n.toString(16).padStart(4, '0');
