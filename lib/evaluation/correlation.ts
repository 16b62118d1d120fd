import { columnMeans, type Matrix } from '../linalg/matrix';

/** Pearson correlation with float64 accumulation; NaN when either input is constant (or empty). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`pearson: lengths differ (${n} vs ${b.length})`);
  if (n === 0) return NaN;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i]!;
    meanB += b[i]!;
  }
  meanA /= n;
  meanB /= n;
  // Two passes (mean first) avoid the cancellation of the one-pass sum-of-squares formula.
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - meanA;
    const db = b[i]! - meanB;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  return clampUnit(sab / Math.sqrt(saa * sbb));
}

/** Correlation of row i of `a` with row i of `b`, for every row. */
export function rowCorrelations(a: Matrix, b: Matrix): Float64Array {
  assertSameShape(a, b, 'rowCorrelations');
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    out[i] = pearson(a.data.subarray(i * a.cols, (i + 1) * a.cols), b.data.subarray(i * b.cols, (i + 1) * b.cols));
  }
  return out;
}

/**
 * Correlation of column j of `a` with column j of `b` (across rows), for every column.
 * Walks the rows once, in memory order, accumulating per-column sums, so wide matrices
 * (e.g. 50 x 100k) are never copied column by column.
 */
export function columnCorrelations(a: Matrix, b: Matrix): Float64Array {
  assertSameShape(a, b, 'columnCorrelations');
  const { rows, cols } = a;
  const meanA = columnMeans(a);
  const meanB = columnMeans(b);
  const sab = new Float64Array(cols);
  const saa = new Float64Array(cols);
  const sbb = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const da = a.data[base + j]! - meanA[j]!;
      const db = b.data[base + j]! - meanB[j]!;
      sab[j]! += da * db;
      saa[j]! += da * da;
      sbb[j]! += db * db;
    }
  }
  const out = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    out[j] = saa[j] === 0 || sbb[j] === 0 ? NaN : clampUnit(sab[j]! / Math.sqrt(saa[j]! * sbb[j]!));
  }
  return out;
}

/**
 * All cross-correlations: out[i * b.rows + j] = corr(row i of a, row j of b).
 * Rows are centred and scaled to unit norm once, so each entry is a single dot product.
 */
export function correlationMatrix(a: Matrix, b: Matrix): Float64Array {
  if (a.cols !== b.cols) throw new Error(`correlationMatrix: column counts differ (${a.cols} vs ${b.cols})`);
  const na = normaliseRows(a);
  const nb = normaliseRows(b);
  const cols = a.cols;
  const out = new Float64Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) {
    const ai = na.subarray(i * cols, (i + 1) * cols);
    for (let j = 0; j < b.rows; j++) {
      const bj = nb.subarray(j * cols, (j + 1) * cols);
      let dot = 0;
      for (let k = 0; k < cols; k++) dot += ai[k]! * bj[k]!;
      out[i * b.rows + j] = clampUnit(dot);
    }
  }
  return out;
}

/** Rows centred and divided by their norm, in float64; a constant row becomes all NaN. */
function normaliseRows(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    let mean = 0;
    for (let k = 0; k < m.cols; k++) mean += m.data[base + k]!;
    mean /= m.cols;
    let ss = 0;
    for (let k = 0; k < m.cols; k++) {
      const d = m.data[base + k]! - mean;
      out[base + k] = d;
      ss += d * d;
    }
    const scale = ss > 0 ? 1 / Math.sqrt(ss) : NaN;
    for (let k = 0; k < m.cols; k++) out[base + k]! *= scale;
  }
  return out;
}


function assertSameShape(a: Matrix, b: Matrix, who: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(`${who}: shapes differ (${a.rows}x${a.cols} vs ${b.rows}x${b.cols})`);
  }
}

/** Rounding can push |r| a hair past 1; keep it a valid correlation. NaN passes through. */
function clampUnit(r: number): number {
  return r > 1 ? 1 : r < -1 ? -1 : r;
}
