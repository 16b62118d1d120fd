/**
 * The q-th percentile (0–100) of the finite values, with numpy's default linear interpolation
 * between order statistics (position q/100 · (n − 1)); NaN when there is no finite value.
 * Finds the two order statistics by quickselect on a copy, so the input is left as it was and no
 * full sort is needed.
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new Error(`percentile: q must be within 0..100, got ${q}`);
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  const n = finite.length;
  if (n === 0) return Number.NaN;
  const position = (q / 100) * (n - 1);
  const below = Math.floor(position);
  const fraction = position - below;
  const lo = select(finite, below);
  if (fraction === 0) return lo;
  // After selecting `below`, everything right of it is ≥ it: the next order statistic is their minimum.
  let hi = Infinity;
  for (let i = below + 1; i < n; i++) if (finite[i]! < hi) hi = finite[i]!;
  return lo + fraction * (hi - lo);
}

/** Hoare-style quickselect: reorders `a` so a[k] is its k-th smallest value; returns it. */
function select(a: number[], k: number): number {
  let [left, right] = [0, a.length - 1];
  while (left < right) {
    const pivot = a[(left + right) >>> 1]!;
    let [i, j] = [left, right];
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        [a[i], a[j]] = [a[j]!, a[i]!];
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k]!;
}
