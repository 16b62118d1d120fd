import type { Matrix } from '../linalg/matrix';
import { correlationMatrix } from './correlation';
import { withoutNanColumns } from './nan-columns';

/**
 * Pairwise identification accuracy as bdpy's `pairwise_identification` computes it by default
 * (`metric='correlation', remove_nan=True, remove_nan_dist=True`; chance 0.5):
 * - columns holding a NaN in either matrix are dropped first;
 * - for prediction i, S[i, j] = Pearson r with true item j; the accuracy is the fraction of the
 *   candidates j ≠ i with a defined S[i, j] whose S[i, j] is strictly below S[i, i] — ties fail;
 * - candidates with an undefined correlation (a constant image) are left out of the count and of
 *   the denominator; if S[i, i] itself is undefined every comparison is, and the item scores 0;
 *   if only S[i, i] is defined the accuracy is NaN (0/0), as in bdpy.
 */
export function pairwiseIdentification(predicted: Matrix, truth: Matrix): Float64Array {
  if (predicted.rows !== truth.rows || predicted.cols !== truth.cols) {
    throw new Error(
      `pairwiseIdentification: shapes differ (${predicted.rows}x${predicted.cols} vs ${truth.rows}x${truth.cols})`,
    );
  }
  const n = predicted.rows;
  if (n < 2) throw new Error(`pairwiseIdentification: needs at least 2 items, got ${n}`);
  const [p, t] = withoutNanColumns(predicted, truth);
  const c = correlationMatrix(p, t);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = c[i * n + i]!;
    if (Number.isNaN(own)) continue; // bdpy: every difference is NaN and removed, 0 / -1 = -0
    let wins = 0;
    let foils = 0;
    for (let j = 0; j < n; j++) {
      const r = c[i * n + j]!;
      if (j === i || Number.isNaN(r)) continue;
      foils++;
      if (r < own) wins++;
    }
    out[i] = wins / foils;
  }
  return out;
}
