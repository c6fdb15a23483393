// Lists of (row, time) entries keyed by two unsigned 32-bit numbers, in typed arrays: filled in one
// pass (an open-addressing table gives each key its list), then frozen into contiguous ranges by a
// counting sort. A million short lists cost a few arrays, not a million Maps and arrays of objects.
// Each list ends up sorted by time, entries of equal time in the order they were pushed, ready for
// binary search; lists pushed in time order already need no sort.

export class KeyedLists {
  private readonly mask: number;
  /** Table slot -> list id + 1, 0 when empty. */
  private readonly slots: Int32Array;
  private readonly keyA: Uint32Array;
  private readonly keyB: Uint32Array;
  /** Tag of each list's last entry, to push an entry once per tag (see push). */
  private readonly lastTag: Float64Array;
  private readonly entList: Uint32Array;
  private readonly entRow: Uint32Array;
  private readonly entAt: Float64Array;
  private lists = 0;
  private entries = 0;
  /** After freeze(): list i owns row/at[start[i] .. start[i + 1]). */
  start = new Uint32Array(1);
  row = new Uint32Array(0);
  at = new Float64Array(0);

  /** `capacity`: the most entries that will be pushed; `lists`: the most keys (no more than the entries). */
  constructor(capacity: number, lists = capacity) {
    let size = 16;
    while (size < lists * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    this.keyA = new Uint32Array(lists);
    this.keyB = new Uint32Array(lists);
    this.lastTag = new Float64Array(lists);
    this.entList = new Uint32Array(capacity);
    this.entRow = new Uint32Array(capacity);
    this.entAt = new Float64Array(capacity);
  }

  private slotOf(a: number, b: number): number {
    let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 15), 0x27d4eb2d);
    let s = (h ^ (h >>> 13)) & this.mask;
    for (;;) {
      const id = this.slots[s] - 1;
      if (id < 0 || (this.keyA[id] === a && this.keyB[id] === b)) return s;
      s = (s + 1) & this.mask;
    }
  }

  /** Appends (row, at) to the list of key (a, b), unless that list's last entry was pushed with the same tag. */
  push(a: number, b: number, tag: number, row: number, at: number): void {
    a >>>= 0;
    b >>>= 0;
    const s = this.slotOf(a, b);
    let id = this.slots[s] - 1;
    if (id < 0) {
      id = this.lists++;
      this.slots[s] = id + 1;
      this.keyA[id] = a;
      this.keyB[id] = b;
    } else if (this.lastTag[id] === tag) return;
    this.lastTag[id] = tag;
    const e = this.entries++;
    this.entList[e] = id;
    this.entRow[e] = row;
    this.entAt[e] = at;
  }

  /** Lays the entries out list by list, each list sorted by time (entries of equal time in push order). */
  freeze(): void {
    const n = this.lists;
    const start = new Uint32Array(n + 1);
    for (let e = 0; e < this.entries; e++) start[this.entList[e] + 1]++;
    for (let i = 0; i < n; i++) start[i + 1] += start[i];
    const fill = start.slice(0, n);
    const row = new Uint32Array(this.entries);
    const at = new Float64Array(this.entries);
    for (let e = 0; e < this.entries; e++) {
      const p = fill[this.entList[e]]++;
      row[p] = this.entRow[e];
      at[p] = this.entAt[e];
    }
    // Entries pushed in time order need no sort: only the lists that are not get one.
    const idx: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = start[i];
      const e = start[i + 1];
      let sorted = true;
      for (let p = s + 1; p < e && sorted; p++) sorted = at[p - 1] <= at[p];
      if (sorted) continue;
      idx.length = 0;
      for (let p = s; p < e; p++) idx.push(p);
      idx.sort((x, y) => at[x] - at[y] || x - y);
      const rows = idx.map((p) => row[p]);
      const ats = idx.map((p) => at[p]);
      row.set(rows, s);
      at.set(ats, s);
    }
    this.start = start;
    this.row = row;
    this.at = at;
  }

  /** The list of key (a, b), -1 when nothing was pushed under it. */
  find(a: number, b: number): number {
    return this.slots[this.slotOf(a >>> 0, b >>> 0)] - 1;
  }

  /** Position of the first entry of list `id` later than `t` (binary search; the list's end when none). */
  firstAfter(id: number, t: number): number {
    let lo = this.start[id];
    let hi = this.start[id + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** One past the last entry of list `id`. */
  end(id: number): number {
    return this.start[id + 1];
  }
}
