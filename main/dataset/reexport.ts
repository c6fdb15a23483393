// The command that exports a dataset again with a user's correction. A correction of a capture's node
// or interface, or a "decode as" table, changes how the set is read and analysed: the graph, the
// journeys and the packets' columns were all computed when the dataset was exported, and the SQL
// over the packets cannot redo the path finder's attribution. So on a dataset the app gives the
// exact `tunnelvision export --parquet` command: the export's own arguments (recorded in model.json),
// with the correction in place of what it replaces.

import type { DecodeAsEntry } from '../engine/decode/types';
import type { PointOverride } from '../topology/types';
import type { DatasetModel } from './model';

export type Correction =
  | {
      readonly kind: 'assign';
      readonly capture: string;
      readonly node: string | null;
      readonly iface: string | null;
      readonly ifaceKind?: string;
    }
  | { readonly kind: 'decode-as'; readonly entries: readonly DecodeAsEntry[] };

/** What the command needs of the open dataset. */
export interface Reexportable {
  readonly dir: string;
  readonly model: DatasetModel | null;
  /** The captures where the dataset looked for them. */
  readonly files: readonly { readonly path: string }[];
}

/** A word for a POSIX shell: as it is when it holds nothing the shell reads, else in single quotes. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `--assign`'s value for an override: C=NODE[:IFACE[:KIND]]. */
function assignArg(o: PointOverride): string {
  const tail = o.kind ? `:${o.interface ?? ''}:${o.kind}` : o.interface ? `:${o.interface}` : '';
  return `${o.capture ?? o.point ?? ''}=${o.node ?? ''}${tail}`;
}

/**
 * The `tunnelvision export --parquet DIR ...` command that writes `d` again with `c` applied, on one
 * line. Without the recorded arguments (a dataset written before they were, or by the map step), the
 * captures' own paths stand for the files and the command says the rest was not recorded.
 */
export function exportCommand(d: Reexportable, c: Correction): string {
  const m = d.model;
  const given = m?.export;
  // A dataset without its analysis (the map step's packets alone) knows no capture paths: the files are the user's to give.
  const files = given?.files ?? (m ? d.files.map((x) => x.path) : ['FILE...']);
  let overrides = [...(given?.overrides ?? [])];
  let decodeAs = [...(given?.decodeAs ?? [])];
  if (c.kind === 'assign') {
    overrides = overrides.filter((o) => o.capture !== c.capture);
    if (c.node || c.iface)
      overrides.push({
        capture: c.capture,
        node: c.node ?? undefined,
        interface: c.iface ?? undefined,
        kind: c.ifaceKind as PointOverride['kind'],
      });
  } else decodeAs = [...c.entries];
  const args = ['tunnelvision', 'export', '--parquet', d.dir];
  for (const e of given?.enrichment ?? []) args.push('--enrich', e);
  for (const o of overrides) args.push('--assign', assignArg(o));
  for (const e of decodeAs) args.push('--decode-as', `${e.layer}:${e.port}=${e.proto}`);
  if (given?.maxClockSkewMs) args.push('--max-skew', String(given.maxClockSkewMs));
  args.push(...files);
  const line = args.map(shellWord).join(' ');
  if (given) return line;
  return m
    ? `${line}\n(this dataset does not record its export's other options, such as --enrich: add them as they were given)`
    : `${line}\n(this dataset holds packets alone, from --packets-only exports: give the capture files, and the options they were exported with)`;
}
