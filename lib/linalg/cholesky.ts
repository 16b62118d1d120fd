// Compact float64 Cholesky on Float64Array (row-major, lower triangle), kept over ml-matrix's
// CholeskyDecomposition: at the 501 x 501 per-unit size it measured ~12 ms against ~75-100 ms for
// ml-matrix, whose per-element get/set on arrays of arrays dominates (bench/decoders.ts --cholesky).

/** A = L Lᵀ in place (lower triangle of `a` becomes L; the upper is ignored); false if not SPD. */
export function choleskyInPlace(a: Float64Array, s: number): boolean {
  let i = 0;
  for (; i + 1 < s; i += 2) if (!choleskyRowPair(a, s, i)) return false;
  return i < s ? choleskyRow(a, s, i) : true;
}

/**
 * Rows i and i+1 of L (i even) against column pairs (j, j+1): each pass of the inner loop loads 4
 * values for 4 multiply-adds instead of 2 for 1, which is what bounds this loop in V8 (~1.7x).
 */
function choleskyRowPair(a: Float64Array, s: number, i: number): boolean {
  const ri = i * s;
  const rk = ri + s;
  for (let j = 0; j < i; j += 2) {
    const rj = j * s;
    const rj1 = rj + s;
    let s00 = 0;
    let s01 = 0;
    let s10 = 0;
    let s11 = 0;
    for (let t = 0; t < j; t++) {
      const x0 = a[ri + t]!;
      const x1 = a[rk + t]!;
      const y0 = a[rj + t]!;
      const y1 = a[rj1 + t]!;
      s00 += x0 * y0;
      s01 += x0 * y1;
      s10 += x1 * y0;
      s11 += x1 * y1;
    }
    const d = a[rj + j]!;
    const d1 = a[rj1 + j + 1]!;
    const l1j = a[rj1 + j]!;
    const lij = (a[ri + j]! - s00) / d;
    const lkj = (a[rk + j]! - s10) / d;
    a[ri + j] = lij;
    a[rk + j] = lkj;
    a[ri + j + 1] = (a[ri + j + 1]! - s01 - lij * l1j) / d1;
    a[rk + j + 1] = (a[rk + j + 1]! - s11 - lkj * l1j) / d1;
  }
  let sii = 0;
  let ski = 0;
  let skk = 0;
  for (let t = 0; t < i; t++) {
    const x0 = a[ri + t]!;
    const x1 = a[rk + t]!;
    sii += x0 * x0;
    ski += x1 * x0;
    skk += x1 * x1;
  }
  const dii = a[ri + i]! - sii;
  if (!(dii > 0)) return false;
  const lii = Math.sqrt(dii);
  a[ri + i] = lii;
  const lki = (a[rk + i]! - ski) / lii;
  a[rk + i] = lki;
  const dkk = a[rk + i + 1]! - skk - lki * lki;
  if (!(dkk > 0)) return false;
  a[rk + i + 1] = Math.sqrt(dkk);
  return true;
}

/** One row of L (the last one when s is odd). */
function choleskyRow(a: Float64Array, s: number, i: number): boolean {
  const ri = i * s;
  for (let j = 0; j <= i; j++) {
    const rj = j * s;
    let sum = 0;
    for (let t = 0; t < j; t++) sum += a[ri + t]! * a[rj + t]!;
    const v = a[ri + j]! - sum;
    if (i === j) {
      if (!(v > 0)) return false;
      a[ri + i] = Math.sqrt(v);
    } else {
      a[ri + j] = v / a[rj + j]!;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place (b becomes x) with the factor from choleskyInPlace. */
export function choleskySolveInPlace(l: Float64Array, s: number, b: Float64Array): void {
  for (let i = 0; i < s; i++) {
    const ri = i * s;
    let sum = b[i]!;
    for (let t = 0; t < i; t++) sum -= l[ri + t]! * b[t]!;
    b[i] = sum / l[ri + i]!;
  }
  // Back substitution column-wise so that L is still read along rows.
  for (let i = s - 1; i >= 0; i--) {
    const ri = i * s;
    const x = b[i]! / l[ri + i]!;
    b[i] = x;
    for (let t = 0; t < i; t++) b[t]! -= l[ri + t]! * x;
  }
}

/** Solves L Lᵀ X = B in place for a row-major s × cols right-hand side. */
export function choleskySolveColumnsInPlace(l: Float64Array, s: number, b: Float64Array, cols: number): void {
  for (let i = 0; i < s; i++) {
    const ri = i * s;
    const bi = i * cols;
    for (let t = 0; t < i; t++) {
      const f = l[ri + t]!;
      if (f === 0) continue;
      const bt = t * cols;
      for (let c = 0; c < cols; c++) b[bi + c]! -= f * b[bt + c]!;
    }
    const inv = 1 / l[ri + i]!;
    for (let c = 0; c < cols; c++) b[bi + c]! *= inv;
  }
  for (let i = s - 1; i >= 0; i--) {
    const ri = i * s;
    const bi = i * cols;
    const inv = 1 / l[ri + i]!;
    for (let c = 0; c < cols; c++) b[bi + c]! *= inv;
    for (let t = 0; t < i; t++) {
      const f = l[ri + t]!;
      if (f === 0) continue;
      const bt = t * cols;
      for (let c = 0; c < cols; c++) b[bt + c]! -= f * b[bi + c]!;
    }
  }
}
