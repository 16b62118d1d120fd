import { createMatrix, type Matrix } from './matrix';

/** A matrix with every column z-scored, and the statistics used, to restore or reuse them. */
export interface StandardisedColumns {
  readonly z: Matrix;
  readonly mean: Float64Array;
  readonly sd: Float64Array;
}

/**
 * Every column of `m` minus its mean, divided by its population SD, both taken over the rows
 * `rows` (all rows when omitted) and applied to every row: test rows are scaled with the
 * training rows' statistics, as FastL2LiR and the paper's preprocessing do. A constant column
 * gets SD 1, so it becomes zeros instead of NaN.
 */
export function standardiseColumns(m: Matrix, rows?: readonly number[]): StandardisedColumns {
  const fit = rows ?? Array.from({ length: m.rows }, (_, i) => i);
  const n = fit.length;
  const mean = new Float64Array(m.cols);
  const sd = new Float64Array(m.cols);
  for (const i of fit) for (let j = 0; j < m.cols; j++) mean[j]! += m.data[i * m.cols + j]! / n;
  for (const i of fit) for (let j = 0; j < m.cols; j++) sd[j]! += (m.data[i * m.cols + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < m.cols; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const z = createMatrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) z.data[i * m.cols + j] = (m.data[i * m.cols + j]! - mean[j]!) / sd[j]!;
  return { z, mean, sd };
}
