import type { Matrix } from '../linalg/matrix';

export interface UnitStatistics {
  readonly mean: Float64Array;
  readonly sd: Float64Array;
}

/**
 * Mean and sample SD (ddof 1) of every column (unit) over the rows (training samples), in float64:
 * the lab's `y_mean` / `y_norm`, saved with each decoder and reused to normalise units when
 * evaluating (brain-decoding-cookbook, featdec training scripts).
 */
export function unitStatistics(m: Matrix): UnitStatistics {
  const { rows, cols } = m;
  if (rows < 2) throw new Error(`unitStatistics: needs at least 2 rows for a sample SD, got ${rows}`);
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j]! += m.data[i * cols + j]!;
  for (let j = 0; j < cols; j++) mean[j]! /= rows;
  const sd = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = m.data[i * cols + j]! - mean[j]!;
      sd[j]! += d * d;
    }
  }
  for (let j = 0; j < cols; j++) sd[j] = Math.sqrt(sd[j]! / (rows - 1));
  return { mean, sd };
}
