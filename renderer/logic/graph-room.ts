// The room the graph pane takes, remembered per user in localStorage: its width and height beside
// and above the other panes (dragged by its edges), and whether it fills the whole window.
export interface GraphRoom {
  /** Width in px of the graph's column. */
  readonly width: number;
  /** Height in px of the top row (graph and packet list). */
  readonly height: number;
  readonly expanded: boolean;
}

const KEY = 'tunnelvision.graphRoom';
export const ROOM_MIN = { width: 300, height: 200 } as const;
export const DEFAULT_ROOM: GraphRoom = { width: 520, height: 380, expanded: false };
/** Shares of the window the graph's pane takes until the user sizes it: room for a few node boxes at a readable size. */
const DEFAULT_SHARE = { width: 0.48, height: 0.63 } as const;

/** The pane's size before the user sizes it: a share of the window (DEFAULT_ROOM when the window is not known). */
export function defaultRoom(window?: { width: number; height: number }): GraphRoom {
  if (!window) return DEFAULT_ROOM;
  return clampRoom(
    {
      width: Math.max(DEFAULT_ROOM.width, window.width * DEFAULT_SHARE.width),
      height: Math.max(DEFAULT_ROOM.height, window.height * DEFAULT_SHARE.height),
      expanded: false,
    },
    window,
  );
}

/** Keeps a size inside the window: at least the minimum, at most the window less room for the rest. */
export function clampRoom(r: GraphRoom, window: { width: number; height: number }): GraphRoom {
  const w = Math.round(Math.min(Math.max(r.width, ROOM_MIN.width), Math.max(ROOM_MIN.width, window.width - 420)));
  const h = Math.round(Math.min(Math.max(r.height, ROOM_MIN.height), Math.max(ROOM_MIN.height, window.height - 180)));
  return { width: w, height: h, expanded: r.expanded };
}

export function loadRoom(storage: Pick<Storage, 'getItem'> | null, window?: { width: number; height: number }): GraphRoom {
  const d = defaultRoom(window);
  try {
    const raw = storage?.getItem(KEY);
    const v = (raw ? JSON.parse(raw) : null) as Partial<Record<keyof GraphRoom, unknown>> | null;
    if (!v || typeof v !== 'object') return d;
    const num = (x: unknown, dx: number) => (typeof x === 'number' && Number.isFinite(x) ? x : dx);
    return { width: num(v.width, d.width), height: num(v.height, d.height), expanded: v.expanded === true };
  } catch {
    return d;
  }
}

export function saveRoom(storage: Pick<Storage, 'setItem'> | null, r: GraphRoom): void {
  try {
    storage?.setItem(KEY, JSON.stringify(r));
  } catch {
    /* storage full or disabled: the size holds for this run only */
  }
}
