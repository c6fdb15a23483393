// The backend's state as the UI holds it: pushed by the backend after each change (IPC events in
// the desktop app, server-sent events in browser mode), never polled. The state is read once when
// the window opens; from then on only the events change it, so an answer that crossed a newer
// event on the way cannot bring an older state back.
import { useEffect, useState } from 'react';
import type { AppState } from '../../common/contract';
import { api, events } from '../api';
import { errorText } from '../logic/format';

export interface BackendState {
  readonly state: AppState | null;
  /** Why the first state could not be read, or null. */
  readonly error: string | null;
}

export function useBackendState(): BackendState {
  const [state, setState] = useState<AppState | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let pushed = false;
    const stop = events.subscribe('state', (s) => {
      pushed = true;
      setState(s);
      setError(null);
    });
    // While the stream is cut the state on screen may be old: say so (it comes back by itself).
    const stopConnection = events.onConnection((connected) =>
      setError(
        connected
          ? null
          : 'The connection to Tunnelvision was lost; trying again… (if it does not come back, open the address `npm start` printed)',
      ),
    );
    api.getState().then(
      (s) => {
        if (!pushed) setState(s);
      },
      (e: unknown) => {
        if (!pushed) setError(errorText(e));
      },
    );
    return () => {
      stop();
      stopConnection();
    };
  }, []);
  return { state, error };
}

/** True while a set is being read or analysed. */
export const isBusy = (state: AppState | null): boolean => state?.phase === 'loading' || state?.phase === 'analysing';
