/** Mean of the finite values (NaN where a metric is undefined, e.g. a constant image); NaN if none. */
export function finiteMean(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) [sum, n] = [sum + v, n + 1];
  }
  return n === 0 ? Number.NaN : sum / n;
}
