// Runs the SQL path finder (correlate.sql) on a dataset attached to DuckDB: creates its parameter
// table and the tables the export may not have (node_cidrs from the nodes' pod blocks), then every
// statement of the file. The same file runs on Spark through spark/run.py.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';

export const CORRELATE_SQL = fileURLToPath(new URL('./correlate.sql', import.meta.url));

export interface CorrelateOptions {
  /** A new journey starts when the corrected gap exceeds this (the in-process default: 1000 ms). */
  readonly windowNs?: number;
  /** ... or when a capture point sees the same bytes again this long after (default 1 ms). */
  readonly repeatNs?: number;
}

/** The statements of a SQL file: split where a line ends with ';', comments dropped. */
export function sqlStatements(text: string): string[] {
  const body = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('--'))
    .join('\n');
  return body
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Creates the views sql_sightings ... sql_journeys over the attached dataset. */
export async function correlate(db: DuckDBConnection, opts: CorrelateOptions = {}): Promise<void> {
  const windowNs = opts.windowNs ?? 1000 * 1e6;
  const repeatNs = opts.repeatNs ?? 1e6;
  await db.run(
    `CREATE OR REPLACE TEMP TABLE correlate_params AS SELECT ${windowNs}::DOUBLE AS window_ns, ${repeatNs}::DOUBLE AS repeat_ns,
       COALESCE((SELECT MIN(t_ns) FROM packets), 0)::BIGINT AS epoch_ns`,
  );
  for (const s of sqlStatements(readFileSync(CORRELATE_SQL, 'utf8'))) await db.run(s);
}
