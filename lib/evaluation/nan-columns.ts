import { createMatrix, type Matrix } from '../linalg/matrix';

/**
 * Both matrices without the columns that hold a NaN in any row of either (bdpy's `remove_nan`:
 * a unit undefined for one image is dropped for all, so every image is compared on the same units).
 * Returns the inputs themselves when no column has a NaN.
 */
export function withoutNanColumns(a: Matrix, b: Matrix): [Matrix, Matrix] {
  if (a.cols !== b.cols) throw new Error(`withoutNanColumns: column counts differ (${a.cols} vs ${b.cols})`);
  const bad = new Uint8Array(a.cols);
  let nBad = 0;
  for (const m of [a, b]) {
    for (let k = 0; k < m.data.length; k++) {
      if (Number.isNaN(m.data[k]!)) {
        const j = k % m.cols;
        if (!bad[j]) [bad[j], nBad] = [1, nBad + 1];
      }
    }
  }
  if (nBad === 0) return [a, b];
  const keep: number[] = [];
  for (let j = 0; j < a.cols; j++) if (!bad[j]) keep.push(j);
  const pick = (m: Matrix): Matrix => {
    const out = new Float32Array(m.rows * keep.length);
    for (let i = 0; i < m.rows; i++) for (let k = 0; k < keep.length; k++) out[i * keep.length + k] = m.data[i * m.cols + keep[k]!]!;
    return createMatrix(m.rows, keep.length, out);
  };
  return [pick(a), pick(b)];
}
