// The notes of the open set: fetched for each new analysis and whenever the session's count of
// notes changes (the state pushed by the backend carries it), and after the user changes one.
import { useCallback, useEffect, useState } from 'react';
import type { AppState, NoteView } from '../../common/contract';
import { api } from '../api';
import { errorText } from '../logic/format';

export interface Notes {
  /** Null when no set is open (or its session has no notes to offer). */
  readonly notes: NoteView[] | null;
  readonly error: string | null;
  /** Bumped when notes change: the packet list fetches its rows again for their note marks. */
  readonly revision: number;
  /** The user added, changed or removed a note. */
  changed(): void;
}

export function useNotes(state: AppState | null): Notes {
  const [notes, setNotes] = useState<NoteView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [revision, setRevision] = useState(0);
  const refresh = useCallback(() => {
    api.listNotes().then(
      (n) => {
        setNotes(n);
        setError(null);
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, []);
  const generation = state?.generation ?? 0;
  const count = state?.session?.notes ?? -1;
  useEffect(() => {
    if (count < 0) return setNotes(null);
    refresh();
  }, [generation, count, refresh]);
  const changed = useCallback(() => {
    refresh();
    setRevision((r) => r + 1);
  }, [refresh]);
  return { notes, error, revision, changed };
}
