// Display-filter history: most recent first, no duplicates, bounded; kept in localStorage.
export const HISTORY_MAX = 30;

export function pushHistory(history: readonly string[], entry: string): string[] {
  const e = entry.trim();
  if (!e) return [...history];
  return [e, ...history.filter((h) => h !== e)].slice(0, HISTORY_MAX);
}

const KEY = 'tunnelvision.filterHistory';

export function loadHistory(storage: Pick<Storage, 'getItem'> | null): string[] {
  try {
    const raw = storage?.getItem(KEY);
    const v: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, HISTORY_MAX) : [];
  } catch {
    return [];
  }
}

export function saveHistory(storage: Pick<Storage, 'setItem'> | null, history: readonly string[]): void {
  try {
    storage?.setItem(KEY, JSON.stringify(history.slice(0, HISTORY_MAX)));
  } catch {
    /* storage full or disabled: history stays in memory */
  }
}
