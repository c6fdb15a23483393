// A dataset directory as views in DuckDB: `packets` over every packets/*.parquet, and one view per
// analysis table present (<name>.parquet). Queries then name tables, never files, which is what
// lets the same SQL run on Spark (main/dataset/spark/run.py registers the same names).

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent, sqlString } from './duck';

/** Creates the views; returns the table names. Fails with a clear message when DIR holds no dataset. */
export async function attachDataset(db: DuckDBConnection, dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new Error(`${dir}: not a dataset directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  const tables: string[] = [];
  const packets = names.includes('packets') ? (await readdir(join(dir, 'packets'))).filter((n) => n.endsWith('.parquet')) : [];
  if (packets.length) {
    await db.run(
      `CREATE OR REPLACE VIEW packets AS SELECT * FROM read_parquet(${sqlString(join(dir, 'packets', '*.parquet'))}, union_by_name = true)`,
    );
    tables.push('packets');
  }
  for (const n of names.sort()) {
    if (!n.endsWith('.parquet')) continue;
    const t = n.slice(0, -'.parquet'.length);
    await db.run(`CREATE OR REPLACE VIEW ${sqlIdent(t)} AS SELECT * FROM read_parquet(${sqlString(join(dir, n))})`);
    tables.push(t);
  }
  if (!tables.length) throw new Error(`${dir}: no Parquet tables (expected packets/*.parquet, made by 'tunnelvision export --parquet')`);
  return tables;
}
