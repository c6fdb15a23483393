// Runs the SQL path finder on a dataset attached to DuckDB: creates its parameter table, then every
// statement of correlate.sql (journeys, hop order, latency, NAT, ICMP quotes), verdict.sql (each
// journey's verdict: delivered, dropped and where, or why it cannot tell; places crossed in pieces)
// and flows.sql (TCP flow totals, one view computed when asked for). The same files run on Spark
// through spark/run.py.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from './duck';

export const CORRELATE_SQL = fileURLToPath(new URL('./correlate.sql', import.meta.url));
export const VERDICT_SQL = fileURLToPath(new URL('./verdict.sql', import.meta.url));
export const FLOWS_SQL = fileURLToPath(new URL('./flows.sql', import.meta.url));
/** The path finder's files, in the order they run (verdict.sql and flows.sql read correlate.sql's views). */
export const PATH_FINDER_SQL = [CORRELATE_SQL, VERDICT_SQL, FLOWS_SQL];

export interface CorrelateOptions {
  /** A new journey starts when the corrected gap exceeds this (the in-process default: 1000 ms). */
  readonly windowNs?: number;
  /** ... or when a capture point sees the same bytes again this long after (default 1 ms). */
  readonly repeatNs?: number;
  /** Changes each statement before it runs (tests: a deliberately broken path finder must be caught). */
  readonly rewrite?: (statement: string) => string;
  /**
   * A DuckDB database file (created if absent; the caller removes it with its `.wal`) that holds the
   * materialised steps instead of temporary tables. DuckDB compresses a table it writes to a file
   * (dictionaries, bit packing) but spills a temporary table's blocks as they are in memory: on a
   * synthetic set of 2M sightings under a 300 MB limit the steps took 634 MiB of disk against
   * 2,633 MiB spilled, for about a fifth more CPU, with the same rows.
   */
  readonly workFile?: string;
}

/** The attached database of CorrelateOptions.workFile. */
const WORK = 'tv_work';

/** correlate.sql's one dialect switch: its 64-bit hash, by the name DuckDB gives it (Spark: xxhash64). */
export function forDuckDb(statement: string): string {
  return statement.replace(/\bhash64\(/g, 'hash(');
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

/** The dataset's tables the path finder reads (the files' headers' input tables). */
const NEEDS = ['packets', 'points', 'node_addresses', 'address_nodes', 'clock_offsets'];

const VIEW = /^CREATE OR REPLACE TEMPORARY VIEW (\w+) AS\s/;

/**
 * The statements with the views that later statements read more than once turned into tables
 * (`materialize`: those names). An engine recomputes a view each time a query names it, and the
 * windows behind the hop order are the expensive part: computed once, they are read from there.
 * DuckDB takes them as temporary tables; Spark caches them (spark/run.py, the same rule).
 */
export function materialized(statements: readonly string[]): Set<string> {
  const out = new Set<string>();
  statements.forEach((s, i) => {
    const name = VIEW.exec(s)?.[1];
    if (!name) return;
    const uses = statements.slice(i + 1).reduce((n, t) => n + (t.match(new RegExp(`\\b${name}\\b`, 'g'))?.length ?? 0), 0);
    if (uses > 1) out.add(name);
  });
  return out;
}

/** Creates the views sql_sightings ... sql_journeys and sql_verdicts over the attached dataset. */
export async function correlate(db: DuckDBConnection, opts: CorrelateOptions = {}): Promise<void> {
  const present = new Set((await db.runAndReadAll('SELECT view_name FROM duckdb_views()')).getRows().map((r) => String(r[0])));
  const missing = NEEDS.filter((t) => !present.has(t));
  if (missing.length)
    throw new Error(
      `--correlate needs the analysis tables (${missing.join(', ')} missing: a --packets-only dataset has packets alone); ` +
        `export the whole set into the dataset without --packets-only to write them`,
    );
  const pointColumns = (await db.runAndReadAll('SELECT * FROM points LIMIT 0')).columnNames();
  if (!pointColumns.includes('run_first_ns'))
    throw new Error(
      "--correlate needs each capture point's run (points.run_first_ns, run_last_ns), which this dataset " +
        'was exported without: export the set again',
    );
  if (!pointColumns.includes('cluster'))
    throw new Error(
      "--correlate needs each capture point's cluster (points.cluster), which this dataset was exported without: export the set again",
    );
  // Nothing here reads rows in the order they were inserted: without that promise DuckDB streams
  // the materialised steps to disk under its memory limit instead of holding them in order.
  await db.run('SET preserve_insertion_order = false');
  const windowNs = opts.windowNs ?? 1000 * 1e6;
  const repeatNs = opts.repeatNs ?? 1e6;
  await db.run(
    `CREATE OR REPLACE TEMP TABLE correlate_params AS SELECT ${windowNs}::DOUBLE AS window_ns, ${repeatNs}::DOUBLE AS repeat_ns,
       COALESCE((SELECT MIN(t_ns) FROM packets), 0)::BIGINT AS epoch_ns`,
  );
  const statements = PATH_FINDER_SQL.flatMap((f) => sqlStatements(readFileSync(f, 'utf8')));
  const tables = materialized(statements);
  if (opts.workFile) await db.run(`ATTACH IF NOT EXISTS ${sqlString(opts.workFile)} AS ${WORK}`);
  for (const s of opts.rewrite ? statements.map(opts.rewrite) : statements) {
    const name = VIEW.exec(s)?.[1];
    if (!name || !tables.has(name)) await db.run(forDuckDb(s));
    else if (!opts.workFile) await db.run(forDuckDb(s.replace(VIEW, `CREATE OR REPLACE TEMP TABLE ${name} AS `)));
    else {
      // The step as a table of the work file, and its name a view of that table for the statements after it.
      await db.run(forDuckDb(s.replace(VIEW, `CREATE OR REPLACE TABLE ${WORK}.${name} AS `)));
      await db.run(`CREATE OR REPLACE TEMPORARY VIEW ${name} AS SELECT * FROM ${WORK}.${name}`);
    }
  }
}
