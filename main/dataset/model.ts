// What the app needs of a dataset beyond the tables SQL reads: the analysis itself, so the app
// rebuilds the cluster graph and the follow view through the same code as for captures instead of
// guessing them back from flattened rows.
//
//   DIR/model.json                 the analysis data (captures, points, cluster model, flows, clock
//                                  offsets, findings), each capture's file and CaptureInfo in the
//                                  set's order (what fetching a record again by offset needs), and
//                                  what the export was given (files, corrections, "decode as"): what
//                                  the app decodes the records with, and the command that exports
//                                  the set again with a correction (reexport.ts)
//   DIR/journey_objects.parquet    id, json: each journey as the path finder made it (hops, gaps,
//                                  NAT, MTU, verdict); written by tables.ts in its one pass over the
//                                  journeys, beside the journeys and hops tables
//   DIR/flow_journeys.parquet      flow, pos, journey: a flow's journeys in the path finder's order

import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CaptureInfo } from '../engine/types';
import type { Analysis } from '../topology/analyze';
import type { AnalysisData, PointOverride } from '../topology/types';
import type { DecodeAsEntry } from '../engine/decode/types';
import { sqlString } from './duck';

export const MODEL_FORMAT = 'tunnelvision-dataset-model/1';
export const MODEL_FILE = 'model.json';

export interface DatasetModel {
  readonly format: typeof MODEL_FORMAT;
  readonly analysis: AnalysisData;
  /** The set's captures in its order (the order that breaks ties between equal times in the list). */
  readonly captures: readonly { readonly id: string; readonly path: string; readonly info: CaptureInfo | null }[];
  /** What the export was given (absent in datasets written before it was recorded). */
  readonly export?: ExportInputs;
}

/** The arguments of a whole-set export, as `tunnelvision export --parquet` takes them again. */
export interface ExportInputs {
  /** The capture files, folders and bundles given, as absolute paths. */
  readonly files: readonly string[];
  readonly enrichment: readonly string[];
  /** The --assign corrections. */
  readonly overrides: readonly PointOverride[];
  /** The "decode as" table the packets were decoded with. */
  readonly decodeAs: readonly DecodeAsEntry[];
  readonly maxClockSkewMs: number | null;
}

/** The export's inputs from its arguments. */
export function exportInputs(
  files: readonly (string | { readonly path: string })[],
  opts: {
    readonly enrichment?: readonly string[];
    readonly overrides?: readonly PointOverride[];
    readonly decodeAs?: readonly DecodeAsEntry[];
    readonly maxClockSkewMs?: number;
  },
): ExportInputs {
  return {
    files: files.map((f) => resolve(typeof f === 'string' ? f : f.path)),
    enrichment: (opts.enrichment ?? []).map((f) => resolve(f)),
    overrides: [...(opts.overrides ?? [])],
    decodeAs: [...(opts.decodeAs ?? [])],
    maxClockSkewMs: opts.maxClockSkewMs ?? null,
  };
}

async function copyTable(db: DuckDBConnection, table: string, dir: string): Promise<void> {
  const out = join(dir, `${table}.parquet`);
  await db.run(`COPY ${table} TO ${sqlString(`${out}.tmp`)} (FORMAT parquet, COMPRESSION zstd)`);
  await rename(`${out}.tmp`, out);
  await db.run(`DROP TABLE ${table}`);
}

/** Writes model.json and flow_journeys for the analysis `a` of the captures read with `infos`. */
export async function writeModel(
  db: DuckDBConnection,
  a: Analysis,
  infos: ReadonlyMap<string, CaptureInfo>,
  dir: string,
  inputs?: ExportInputs,
): Promise<void> {
  const model: DatasetModel = {
    format: MODEL_FORMAT,
    analysis: a.toJSON(),
    captures: a.captures.map((c) => ({ id: c.id, path: c.path, info: infos.get(c.path) ?? null })),
    ...(inputs ? { export: inputs } : {}),
  };
  const out = join(dir, MODEL_FILE);
  await writeFile(`${out}.tmp`, JSON.stringify(model));
  await rename(`${out}.tmp`, out);

  await db.run('CREATE OR REPLACE TABLE flow_journeys (flow VARCHAR, pos INTEGER, journey INTEGER)');
  const f = await db.createAppender('flow_journeys');
  for (const flow of a.flows) {
    a.journeyIdsForFlow(flow.id).forEach((id, pos) => {
      f.appendVarchar(flow.id);
      f.appendInteger(pos);
      f.appendInteger(id);
      f.endRow();
    });
  }
  f.closeSync();
  await copyTable(db, 'flow_journeys', dir);
}
