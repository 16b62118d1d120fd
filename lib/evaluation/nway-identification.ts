import type { Matrix } from '../linalg/matrix';
import { correlationMatrix } from './correlation';
import { withoutNanColumns } from './nan-columns';

/**
 * N-way (top-1) identification (chance 1/N): prediction i scores 1 when its own true item has the
 * strictly highest Pearson correlation with it among all N true items of the set, else 0 — a tie
 * with any other candidate fails. NaN handling follows `pairwiseIdentification` (bdpy): columns
 * with a NaN are dropped, candidates with an undefined correlation are not competitors, and an
 * undefined own correlation scores 0. Far harder to pass than pairwise identification: one close
 * foil is enough to fail.
 */
export function nWayIdentification(predicted: Matrix, truth: Matrix): Float64Array {
  if (predicted.rows !== truth.rows || predicted.cols !== truth.cols) {
    throw new Error(`nWayIdentification: shapes differ (${predicted.rows}x${predicted.cols} vs ${truth.rows}x${truth.cols})`);
  }
  const n = predicted.rows;
  if (n < 2) throw new Error(`nWayIdentification: needs at least 2 items, got ${n}`);
  const [p, t] = withoutNanColumns(predicted, truth);
  const c = correlationMatrix(p, t);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = c[i * n + i]!;
    if (Number.isNaN(own)) continue;
    let top = true;
    for (let j = 0; j < n && top; j++) if (j !== i && c[i * n + j]! >= own) top = false;
    out[i] = top ? 1 : 0;
  }
  return out;
}
