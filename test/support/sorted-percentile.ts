/** numpy's default (linear) percentile of the finite values, from a full sort: the brute-force reference. */
export function sortedPercentile(values: ArrayLike<number>, q: number): number {
  const s = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  const pos = (q / 100) * (s.length - 1);
  const i = Math.floor(pos);
  return i + 1 < s.length ? s[i]! + (pos - i) * (s[i + 1]! - s[i]!) : s[i]!;
}
