/**
 * One voxel-selection system, as FastL2LiR builds it for a unit with selected voxels I (k of them)
 * plus the bias:
 *   A = [ Gc_II + n m mᵀ + αI   n m   ]      b = [ Zc_uI + n m ȳ ]
 *       [ n mᵀ                  n + α ]          [ n ȳ          ]
 * where Gc = XcᵀXc is the centred Gram matrix (float32, exactly as the backend computed it), m the
 * voxels' training means and ȳ the unit's. Keeping Gc and the rank-one mean terms apart lets the
 * float64 residual use the very numbers the float64 Cholesky path would put in its system.
 */
export interface SelectionSystem {
  /** Gc_II, k × k row-major at `gramAt`; only its lower triangle is read. */
  readonly gram: Float32Array;
  readonly gramAt: number;
  /** Means of the k selected voxels. */
  readonly mean: Float64Array;
  readonly k: number;
  readonly n: number;
  readonly alpha: number;
}

/**
 * Refinement stops once the error left after the last correction, estimated as dx_k² / dx_{k−1}
 * (errors shrink geometrically), is below this fraction of x: well below the float32 rounding of
 * the Gram matrix itself, so the result is the float64 solution for all practical purposes.
 */
const REFINE_TOLERANCE = 1e-12;
const MAX_REFINEMENTS = 10;

/**
 * Solves A x = b (A as above, size s = k+1) with a float32-accurate factor L of A (lower, s × s,
 * row-major at `factorAt`) by iterative refinement in float64: x ← x + L⁻ᵀL⁻¹(b − A x) until the
 * error estimate is below REFINE_TOLERANCE of x. This is LAPACK's mixed-precision dsposv scheme:
 * each step multiplies the error by about s·2⁻²⁴·cond(A), so well-conditioned systems converge in
 * 2 steps to what a float64 factorisation gives. Returns false (x then undefined) if the
 * corrections stop shrinking, e.g. when cond(A) approaches 2²⁴/s; the caller then factors A in
 * float64.
 */
export function refineSolution(sys: SelectionSystem, factor: Float32Array, factorAt: number, b: Float64Array, x: Float64Array, r: Float64Array): boolean {
  const s = sys.k + 1;
  x.set(b.subarray(0, s));
  triangularSolves(factor, factorAt, s, x);
  let previous = 0;
  for (let i = 0; i < s; i++) previous = Math.max(previous, Math.abs(x[i]!));
  for (let step = 0; step < MAX_REFINEMENTS; step++) {
    residual(sys, b, x, r);
    triangularSolves(factor, factorAt, s, r);
    let dx = 0;
    let xs = 0;
    for (let i = 0; i < s; i++) {
      const v = r[i]!;
      x[i]! += v;
      dx = Math.max(dx, Math.abs(v));
      xs = Math.max(xs, Math.abs(x[i]!));
    }
    if (!Number.isFinite(dx) || !Number.isFinite(xs)) return false;
    if (dx === 0 || (dx * dx) / previous <= REFINE_TOLERANCE * xs) return true;
    // A correction that stops shrinking means the factor is too inaccurate for this system.
    if (dx > 0.5 * previous) return false;
    previous = dx;
  }
  return false;
}

/**
 * r = b − A x in float64, A applied from the lower triangle of Gc_II and the mean terms (never
 * formed): each stored row a gives both Σ_{t≤a} G[a,t] x_t to r_a and G[a,t] x_a to r_t (t < a),
 * so Gc_II is read once, contiguously.
 */
function residual(sys: SelectionSystem, b: Float64Array, x: Float64Array, r: Float64Array): void {
  const { gram, gramAt, mean, k, n, alpha } = sys;
  const bias = x[k]!;
  let mx = 0;
  for (let a = 0; a < k; a++) mx += mean[a]! * x[a]!;
  const shared = n * (mx + bias);
  for (let a = 0; a < k; a++) r[a] = b[a]! - alpha * x[a]! - mean[a]! * shared;
  for (let a = 0; a < k; a++) {
    const row = gramAt + a * k;
    const xa = x[a]!;
    let s0 = 0;
    let s1 = 0;
    let t = 0;
    for (; t + 1 < a; t += 2) {
      const g0 = gram[row + t]!;
      const g1 = gram[row + t + 1]!;
      s0 += g0 * x[t]!;
      s1 += g1 * x[t + 1]!;
      r[t]! -= g0 * xa;
      r[t + 1]! -= g1 * xa;
    }
    for (; t < a; t++) {
      const g = gram[row + t]!;
      s0 += g * x[t]!;
      r[t]! -= g * xa;
    }
    r[a]! -= s0 + s1 + gram[row + a]! * xa;
  }
  r[k] = b[k]! - n * mx - (n + alpha) * bias;
}

/** v ← L⁻ᵀ L⁻¹ v for the lower factor L (s × s at `at`), accumulated in float64. */
function triangularSolves(l: Float32Array, at: number, s: number, v: Float64Array): void {
  for (let i = 0; i < s; i++) {
    const ri = at + i * s;
    // Four partial sums: one running sum would wait on each add's latency.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let t = 0;
    for (; t + 3 < i; t += 4) {
      s0 += l[ri + t]! * v[t]!;
      s1 += l[ri + t + 1]! * v[t + 1]!;
      s2 += l[ri + t + 2]! * v[t + 2]!;
      s3 += l[ri + t + 3]! * v[t + 3]!;
    }
    for (; t < i; t++) s0 += l[ri + t]! * v[t]!;
    v[i] = (v[i]! - (s0 + s1 + s2 + s3)) / l[ri + i]!;
  }
  // Back substitution column-wise so that L is still read along rows.
  for (let i = s - 1; i >= 0; i--) {
    const ri = at + i * s;
    const xi = v[i]! / l[ri + i]!;
    v[i] = xi;
    for (let t = 0; t < i; t++) v[t]! -= l[ri + t]! * xi;
  }
}

/** The float64 system itself (lower triangle, s × s) for the exact fallback factorisation. */
export function fillExactSystem(sys: SelectionSystem, out: Float64Array): void {
  const { gram, gramAt, mean, k, n, alpha } = sys;
  const s = k + 1;
  for (let a = 0; a < k; a++) {
    const ma = n * mean[a]!;
    for (let c = 0; c <= a; c++) out[a * s + c] = gram[gramAt + a * k + c]! + ma * mean[c]!;
    out[a * s + a]! += alpha;
    out[k * s + a] = ma;
  }
  out[k * s + k] = n + alpha;
}
