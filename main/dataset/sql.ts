// `tunnelvision sql DIR "SELECT ..."`: one query over a dataset in embedded DuckDB, printed as an
// aligned table, CSV or JSON lines.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { attachDataset } from './open';
import { correlate } from './correlate';
import { openDuck, queryRows, type DuckOptions } from './duck';

export type SqlFormat = 'table' | 'csv' | 'json';

export interface SqlResult {
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
}

export async function runSql(dir: string, query: string, opts: DuckOptions & { correlate?: boolean } = {}): Promise<SqlResult> {
  const duck = await openDuck(opts);
  // With a spill directory (a set beyond memory), the path finder's steps go to a database file
  // there: compressed, a quarter of the disk their spilled temporary tables take.
  const workFile =
    opts.correlate && opts.tempDirectory ? join(opts.tempDirectory, `tunnelvision-correlate-${process.pid}.duckdb`) : undefined;
  try {
    await attachDataset(duck.db, dir);
    if (opts.correlate) await correlate(duck.db, { workFile });
    return await queryRows(duck.db, query);
  } finally {
    duck.close();
    if (workFile) for (const f of [workFile, `${workFile}.wal`]) rmSync(f, { force: true });
  }
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Control characters from captures (names, messages) never reach the terminal as they are. */
function safe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatRows(r: SqlResult, format: SqlFormat): string {
  if (format === 'json') return r.rows.map((row) => JSON.stringify(row)).join('\n') + (r.rows.length ? '\n' : '');
  if (format === 'csv') {
    const lines = [r.columns.map(csvField).join(',')];
    for (const row of r.rows) lines.push(r.columns.map((c) => csvField(text(row[c]))).join(','));
    return lines.join('\n') + '\n';
  }
  const cells = r.rows.map((row) => r.columns.map((c) => safe(text(row[c]))));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...cells.map((x) => x[i].length)));
  const line = (xs: string[]) =>
    xs
      .map((x, i) => x.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [line(r.columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}
