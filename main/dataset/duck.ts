// Embedded DuckDB, opened only by the dataset commands: `@duckdb/node-api` (and its native binary)
// is imported on first use, so nothing else in the product loads it. One in-memory database per
// call site, with the memory limit and spill directory a caller asks for.

import { createRequire } from 'node:module';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type * as duckdb from '@duckdb/node-api';
import type bindings from '@duckdb/node-bindings';

type DuckApi = typeof duckdb;

/**
 * DuckDB's packages are CommonJS, loaded by `require`: an ES `import()` of them first has Node scan
 * the source of every module `@duckdb/node-api` re-exports for its export names, which doubled the
 * package's load (0.27 against 0.14 s of CPU, in every process that opens a dataset or exports one).
 */
const load = createRequire(import.meta.url);

/** The native binding under `@duckdb/node-api` (its vector copy is what the export's table function calls). */
export function duckBindings(): typeof bindings {
  return load('@duckdb/node-bindings') as typeof bindings;
}

export interface DuckOptions {
  /** DuckDB `memory_limit` ('4GB'); DuckDB's default (80% of RAM) when absent. */
  readonly memoryLimit?: string;
  /** Where DuckDB spills when a query outgrows the memory limit. */
  readonly tempDirectory?: string;
  readonly threads?: number;
}

export interface Duck {
  readonly instance: DuckDBInstance;
  readonly db: DuckDBConnection;
  close(): void;
}

/** SQL text literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** SQL identifier. */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** DuckDB's package, or one line saying it is not there (the same line for every dataset command). */
export function duckApi(): DuckApi {
  try {
    return load('@duckdb/node-api') as DuckApi;
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new Error(`DuckDB is not available (the package @duckdb/node-api could not be loaded: ${why}); reinstall with 'npm install'`, {
      cause: e,
    });
  }
}

export async function openDuck(opts: DuckOptions = {}): Promise<Duck> {
  const { DuckDBInstance } = duckApi();
  const config: Record<string, string> = {};
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  if (opts.tempDirectory) config.temp_directory = opts.tempDirectory;
  if (opts.threads) config.threads = String(opts.threads);
  const instance = await DuckDBInstance.create(':memory:', config);
  const db = await instance.connect();
  return {
    instance,
    db,
    close() {
      db.closeSync();
      instance.closeSync();
    },
  };
}

/** Rows of a query as plain JSON-safe objects (BIGINTs as numbers when exact, else strings). */
export async function queryRows(db: DuckDBConnection, sql: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const r = await db.runAndReadAll(sql);
  const columns = r.columnNames();
  const rows = r.getRowObjectsJS().map((o) => {
    const out: Record<string, unknown> = {};
    for (const k of columns) {
      const v = o[k];
      out[k] = typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v;
    }
    return out;
  });
  return { columns, rows };
}
