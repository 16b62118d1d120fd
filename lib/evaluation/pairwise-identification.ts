import type { Matrix } from '../linalg/matrix';
import { correlationMatrix } from './correlation';

/**
 * Pairwise identification accuracy (Kamitani lab definition; chance 0.5): for reconstruction i,
 * the fraction of other candidates j ≠ i whose correlation with it is strictly below that of its
 * own true image. Ties count as failures, so a constant (NaN-correlation) prediction scores 0.
 */
export function pairwiseIdentification(predicted: Matrix, truth: Matrix): Float64Array {
  if (predicted.rows !== truth.rows || predicted.cols !== truth.cols) {
    throw new Error(
      `pairwiseIdentification: shapes differ (${predicted.rows}x${predicted.cols} vs ${truth.rows}x${truth.cols})`,
    );
  }
  const n = predicted.rows;
  if (n < 2) throw new Error(`pairwiseIdentification: needs at least 2 items, got ${n}`);
  const c = correlationMatrix(predicted, truth);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = c[i * n + i]!;
    let wins = 0;
    for (let j = 0; j < n; j++) {
      // NaN comparisons are false, so undefined correlations never count as wins.
      if (j !== i && c[i * n + j]! < own) wins++;
    }
    out[i] = wins / (n - 1);
  }
  return out;
}
