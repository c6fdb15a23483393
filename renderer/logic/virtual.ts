// Virtual scrolling of the packet list. Only the rows in view exist in the DOM; the scroll area is
// as tall as all rows, capped (browsers cannot make an element taller than ~33M px), beyond which
// scroll position maps proportionally onto row numbers.

export const MAX_SCROLL_HEIGHT = 15_000_000;

export interface Viewport {
  /** Height of the scrolling content in px. */
  readonly contentHeight: number;
  /** First row to render and how many. */
  readonly first: number;
  readonly count: number;
  /** Offset in px (within the content) where `first` is drawn. */
  readonly top: number;
}

export function viewport(total: number, rowHeight: number, scrollTop: number, height: number, overscan = 8): Viewport {
  const full = total * rowHeight;
  const contentHeight = Math.min(full, MAX_SCROLL_HEIGHT);
  const visible = Math.ceil(height / rowHeight) + 1;
  let firstVisible: number;
  if (full <= MAX_SCROLL_HEIGHT) firstVisible = Math.floor(scrollTop / rowHeight);
  else {
    const maxScroll = Math.max(1, contentHeight - height);
    const maxFirst = Math.max(0, total - visible + 1);
    firstVisible = Math.round((Math.min(scrollTop, maxScroll) / maxScroll) * maxFirst);
  }
  firstVisible = Math.max(0, Math.min(firstVisible, Math.max(0, total - 1)));
  const first = Math.max(0, firstVisible - overscan);
  const count = Math.max(0, Math.min(total - first, visible + overscan * 2));
  // Unscaled: each row sits at its own place. Scaled: the rows are drawn around the scroll position.
  const top = full <= MAX_SCROLL_HEIGHT ? first * rowHeight : scrollTop - (firstVisible - first) * rowHeight;
  return { contentHeight, first, count, top: Math.max(0, top) };
}

/** scrollTop that brings `row` into view (minimal movement), or null when it already is. */
export function scrollToRow(row: number, total: number, rowHeight: number, scrollTop: number, height: number): number | null {
  const full = total * rowHeight;
  if (full <= MAX_SCROLL_HEIGHT) {
    const top = row * rowHeight;
    if (top < scrollTop) return top;
    if (top + rowHeight > scrollTop + height) return top + rowHeight - height;
    return null;
  }
  const visible = Math.ceil(height / rowHeight) + 1;
  const maxFirst = Math.max(1, total - visible + 1);
  const maxScroll = Math.max(1, Math.min(full, MAX_SCROLL_HEIGHT) - height);
  const current = Math.round((scrollTop / maxScroll) * maxFirst);
  if (row >= current && row < current + visible - 2) return null;
  const wantFirst = row < current ? row : row - visible + 3;
  return (Math.max(0, wantFirst) / maxFirst) * maxScroll;
}

/** Pages of rows the backend must send to cover rows [first, first+count). */
export function pagesFor(first: number, count: number, pageSize: number): number[] {
  if (count <= 0) return [];
  const out: number[] = [];
  for (let p = Math.floor(first / pageSize); p <= Math.floor((first + count - 1) / pageSize); p++) out.push(p);
  return out;
}
