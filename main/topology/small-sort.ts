// Sorting the short arrays the analysis sorts by the hundred thousand (a journey's sightings, a key
// group's rows): Array.prototype.sort allocates a work array on every call, an insertion sort on a
// few elements allocates nothing. The comparators are total orders (the row number breaks the last
// tie), so both give the same sequence.

/** Elements up to which an insertion sort is used. */
const SMALL = 16;

/** Sorts `a` in place by `compare`, which must be a total order. */
export function sortNumbers(a: number[], compare: (x: number, y: number) => number): void {
  const n = a.length;
  if (n > SMALL) {
    a.sort(compare);
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && compare(a[j], v) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}
