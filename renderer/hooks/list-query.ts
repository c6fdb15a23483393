// What the packet list shows: the display filter, the graph element whose packets to keep (with
// its label for the chip), the sort. A session that remembers a filter brings it back when its
// set is opened, unless one is typed already.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppState, PacketColumn } from '../../common/contract';
import { api } from '../api';
import type { ListQuery } from '../components/PacketList';

export interface ListQueryState {
  readonly query: ListQuery;
  readonly elementLabel: string | null;
  applyFilter(filter: string): void;
  /** Keeps only the packets of a graph element (null: all). */
  showElement(id: string | null, label: string | null): void;
  sortBy(column: PacketColumn): void;
}

export function useListQuery(state: AppState | null): ListQueryState {
  const [query, setQuery] = useState<ListQuery>({ filter: '', element: null, sort: 'no', descending: false });
  const [elementLabel, setElementLabel] = useState<string | null>(null);

  const remembered = state?.session?.saved ? state.session.filter : '';
  const sessionFile = state?.session?.file ?? null;
  const restored = useRef<string | null>(null);
  useEffect(() => {
    if (!sessionFile || restored.current === sessionFile) return;
    restored.current = sessionFile;
    if (remembered) setQuery((q) => (q.filter ? q : { ...q, filter: remembered }));
  }, [sessionFile, remembered]);

  const applyFilter = useCallback((filter: string) => {
    setQuery((q) => ({ ...q, filter }));
    api.rememberFilter({ filter }).catch(() => undefined);
  }, []);
  const showElement = useCallback((id: string | null, label: string | null) => {
    setQuery((q) => ({ ...q, element: id }));
    setElementLabel(label);
  }, []);
  const sortBy = useCallback(
    (c: PacketColumn) => setQuery((q) => ({ ...q, sort: c, descending: q.sort === c ? !q.descending : false })),
    [],
  );
  return { query, elementLabel, applyFilter, showElement, sortBy };
}
