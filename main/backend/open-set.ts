// The open capture set as the backend's parts read it: its packets (store), their labels, the
// analysis when there is one, the session's notes. backend.ts owns the set and replaces it on each
// load; queries, follow views, exports and notes get this read-only view of whatever set is open
// now, so none of them keeps a set of its own.
import type { DecodeOptions } from '../engine/decode/types';
import type { AnalysisHandle } from './analysis';
import type { RowLabels } from './columns';
import { resolve } from 'node:path';
import type { Notes, NotePacket } from './notes';
import type { PacketStore } from './store';

export interface OpenSet {
  readonly store: PacketStore;
  /** Node, interface and pod names of every row read so far. */
  readonly labels: RowLabels;
  /** The cluster analysis, null while it runs or when it failed (see `message`). */
  readonly analysis: AnalysisHandle | null;
  /** Index of each capture point id in the analysis' points. */
  readonly pointIndex: ReadonlyMap<string, number>;
  /** Changes whenever the rows or the analysis change. */
  readonly generation: number;
  /** The set-wide message (why there is no analysis...), or null. */
  readonly message: string | null;
  /** The session's notes, null before it is bound to the set's files or when it could not be read. */
  readonly notes: Notes | null;
  /** The "decode as" table in force, as decoder options. */
  readonly decodeOptions: DecodeOptions | undefined;
}

/** The analysis, or an error that says why there is none yet. */
export function requireAnalysis(set: OpenSet, need = ''): AnalysisHandle {
  if (set.analysis) return set.analysis;
  throw new Error(set.message ?? `The cluster analysis is not ready yet${need ? `: ${need}` : ''}.`);
}

/** The analysis' capture id of the store's file `fi`, or null. */
export function captureIdOfFile(set: OpenSet, fi: number): string | null {
  const f = set.store.files[fi];
  return set.analysis?.data.captures.find((c) => c.path === f?.path)?.id ?? null;
}

/** The store's row of the analysis' packet reference (capture id, 0-based index), or -1. */
export function rowOfRef(set: OpenSet, capture: string, index: number): number {
  const c = set.analysis?.data.captures.find((x) => x.id === capture);
  const fi = c ? set.store.files.findIndex((f) => f.path === c.path) : -1;
  return fi < 0 ? -1 : set.store.rowOf(fi, index);
}

/** A store row's packet as the session names it (file and 0-based index), null when the row is not read. */
export function notePacketOf(set: OpenSet, row: number): NotePacket | null {
  const f = set.store.files[set.store.table.file[row]];
  return f ? { path: resolve(f.path), index: set.store.table.index[row] } : null;
}
