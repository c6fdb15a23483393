// The session's part in a report, as a message: the backend holds the session, the analysis worker
// builds the report, so what the report reads of the session (its notes, captures and their
// checks, filter, decode-as table, which notes are attached to the open captures) goes over as data.
import type { ReportSessionInput } from '../report/build';
import type { SessionStore } from '../session/store';

export interface SessionSnapshot {
  readonly file: string | null;
  readonly annotations: ReportSessionInput['annotations'];
  readonly captures: ReportSessionInput['captures'];
  readonly captureChecks: ReportSessionInput['captureChecks'];
  readonly filter: string;
  readonly decodeAs: ReportSessionInput['decodeAs'];
  /** Ids of the notes attached to the open captures. */
  readonly attached: readonly string[];
  /** Session capture id -> its path. */
  readonly paths: Readonly<Record<string, string>>;
}

export function snapshotOf(s: SessionStore): SessionSnapshot {
  const paths: Record<string, string> = {};
  for (const c of s.captures) {
    const p = s.capturePath(c.id);
    if (p !== undefined) paths[c.id] = p;
  }
  return {
    file: s.file,
    annotations: s.annotations,
    captures: s.captures,
    captureChecks: s.captureChecks,
    filter: s.filter,
    decodeAs: s.decodeAs,
    attached: s.annotations.filter((a) => s.isAttached(a)).map((a) => a.id),
    paths,
  };
}

/** The report's view of a snapshot. */
export function sessionOf(s: SessionSnapshot): ReportSessionInput {
  const attached = new Set(s.attached);
  return { ...s, isAttached: (a) => attached.has(a.id), capturePath: (id) => s.paths[id] };
}
