import type { Matrix } from '../linalg/matrix';
import { correlationMatrix } from './correlation';

/**
 * MindEye's 2-way identification in a feature space (chance 0.5): for item i, the fraction of
 * foils j ≠ i with corr(pred_i, truth_j) strictly below corr(pred_i, truth_i). Rows are items
 * (e.g. network features of reconstruction and true image). Ties and NaN count as failures.
 */
export function twoWayIdentification(predicted: Matrix, truth: Matrix): Float64Array {
  if (predicted.rows !== truth.rows || predicted.cols !== truth.cols) {
    throw new Error(
      `twoWayIdentification: shapes differ (${predicted.rows}x${predicted.cols} vs ${truth.rows}x${truth.cols})`,
    );
  }
  const n = predicted.rows;
  if (n < 2) throw new Error(`twoWayIdentification: needs at least 2 items, got ${n}`);
  const c = correlationMatrix(predicted, truth); // c[i * n + j] = corr(pred_i, truth_j)
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = c[i * n + i]!;
    let wins = 0;
    for (let j = 0; j < n; j++) if (j !== i && c[i * n + j]! < own) wins++;
    out[i] = wins / (n - 1);
  }
  return out;
}
