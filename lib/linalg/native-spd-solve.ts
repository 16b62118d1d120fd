import { attr, cast, downloadF32, downloadF64, matMul, release, run, uploadF64, uploadInt32, type Handle } from './native-tensorflow';

/**
 * X = A⁻¹B for a batch of symmetric positive definite systems, in float64 on TensorFlow's native
 * kernels: one Cholesky op for the whole batch (TensorFlow spreads the systems over its threads)
 * and two triangular solves. Same arithmetic as a LAPACK dpotrf/dpotrs per system.
 */

/**
 * a: batch × s × s row-major, only the lower triangle read (the upper may hold anything);
 * b: batch × s × cols. Returns X (batch × s × cols), or undefined when any system is not positive
 * definite or a solution is not finite, so the caller can find the culprit with its own solver.
 */
export function nativeSpdSolve(a: Float64Array, b: Float64Array, batch: number, s: number, cols: number): Float64Array | undefined {
  if (a.length < batch * s * s || b.length < batch * s * cols) {
    throw new Error(`nativeSpdSolve: expected ${batch}×${s}×${s} and ${batch}×${s}×${cols} values, got ${a.length} and ${b.length}`);
  }
  const A = uploadF64(a.subarray(0, batch * s * s), [batch, s, s]);
  let B: Handle | undefined;
  try {
    B = uploadF64(b.subarray(0, batch * s * cols), [batch, s, cols]);
    return solveHandles(A, B);
  } finally {
    release(A, B);
  }
}

/**
 * The same on float64 handles already in TensorFlow: A (… × s × s, lower triangle read) and
 * B (… × s × cols). Returns X downloaded, or undefined as above.
 */
export function solveHandles(A: Handle, B: Handle): Float64Array | undefined {
  let L: Handle | undefined;
  let Y: Handle | undefined;
  let X: Handle | undefined;
  try {
    try {
      [L] = run('Cholesky', [attr.type('T', 'float64')], [A]);
    } catch {
      // Some TensorFlow versions reject the whole batch when one system is not positive definite.
      return undefined;
    }
    [Y] = run('MatrixTriangularSolve', [attr.bool('lower', true), attr.bool('adjoint', false), attr.type('T', 'float64')], [L!, B]);
    [X] = run('MatrixTriangularSolve', [attr.bool('lower', true), attr.bool('adjoint', true), attr.type('T', 'float64')], [L!, Y!]);
    const x = downloadF64(X!);
    // Others (2.21) fill that system's factor with NaN, which the solutions carry.
    for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return undefined;
    return x;
  } finally {
    release(L, Y, X);
  }
}

/** A float32 handle widened to float64 (callers release both). */
export function toFloat64(h: Handle): Handle {
  return cast(h, 'float32', 'float64');
}

/** Float64's unit roundoff. */
const U64 = 2 ** -53;

/**
 * X = A⁻¹B for one large SPD system of float64 handles, factored in float32 and refined in float64
 * (mixed-precision iterative refinement, as LAPACK's dsposv): X₀ from the float32 factor, then
 * R = B − A·X in float64 and X += (float32 factor)⁻¹ R, until the residual is at float64's
 * rounding level, ‖R‖ ≤ √n·u·‖A‖∞·‖X‖ (entrywise 1-norms of R and X, LAPACK's test). Why:
 * TensorFlow factors one matrix on one thread, and its float32 Cholesky is about 2.3× faster
 * than its float64 one (3,000²: 160 against 375 ms), while a refinement step is a multi-threaded
 * float64 product and two float32 triangular solves. Each step shrinks the error by about
 * cond(A)·2⁻²⁴, so it converges whenever cond(A) ≪ 10⁷; otherwise (after maxSteps), or when the
 * float32 factorisation fails, this falls back to the float64 factorisation (solveHandles).
 *
 * A is size × size; unlike solveHandles, it must be whole (both triangles): the residual uses all
 * of it. Returns X downloaded, or undefined as solveHandles does.
 */
export function refinedSpdSolve(A: Handle, B: Handle, size: number, maxSteps = 6): Float64Array | undefined {
  const handles: (Handle | undefined)[] = [];
  const keep = (h: Handle | undefined): Handle => {
    handles.push(h);
    return h!;
  };
  try {
    const L = float32Cholesky(keep(cast(A, 'float64', 'float32')));
    if (L === undefined) return solveHandles(A, B);
    keep(L);
    const tolerance = Math.sqrt(size) * U64 * maxRowSum(A);
    let X = keep(cast(keep(choleskySolve32(L, keep(cast(B, 'float64', 'float32')))), 'float32', 'float64'));
    for (let step = 0; step <= maxSteps; step++) {
      const R = keep(run('Sub', [attr.type('T', 'float64')], [B, keep(matMul(A, X, 'float64'))])[0]);
      const residual = sumAbs(R);
      const xNorm = sumAbs(X);
      if (!Number.isFinite(residual) || !Number.isFinite(xNorm)) break;
      if (residual <= tolerance * xNorm) return downloadF64(X);
      if (step === maxSteps) break;
      const D = keep(cast(keep(choleskySolve32(L, keep(cast(R, 'float64', 'float32')))), 'float32', 'float64'));
      X = keep(run('AddV2', [attr.type('T', 'float64')], [X, D])[0]);
    }
    return solveHandles(A, B);
  } finally {
    release(...handles);
  }
}

/** The float32 Cholesky factor of A, or undefined when float32 finds A not positive definite. */
function float32Cholesky(A: Handle): Handle | undefined {
  let L: Handle | undefined;
  try {
    [L] = run('Cholesky', [attr.type('T', 'float32')], [A]);
  } catch {
    return undefined;
  }
  // Some TensorFlow versions fill a failed factor with NaN instead of throwing.
  if (!Number.isFinite(sumAbs(L!, 'float32'))) {
    release(L);
    return undefined;
  }
  return L;
}

/** (L Lᵀ)⁻¹ B in float32. */
function choleskySolve32(L: Handle, B: Handle): Handle {
  const [Y] = run('MatrixTriangularSolve', [attr.bool('lower', true), attr.bool('adjoint', false), attr.type('T', 'float32')], [L, B]);
  try {
    return run('MatrixTriangularSolve', [attr.bool('lower', true), attr.bool('adjoint', true), attr.type('T', 'float32')], [L, Y!])[0]!;
  } finally {
    release(Y);
  }
}

/** Σ|h| over all entries of a matrix: NaN or ∞ when any entry is (a sum propagates both, a max need not). */
function sumAbs(h: Handle, dtype: 'float32' | 'float64' = 'float64'): number {
  let axes: Handle | undefined;
  let abs: Handle | undefined;
  let sum: Handle | undefined;
  try {
    axes = uploadInt32(Int32Array.of(0, 1), [2]);
    [abs] = run('Abs', [attr.type('T', dtype)], [h]);
    [sum] = run('Sum', [attr.bool('keep_dims', false), attr.type('T', dtype), attr.int32Type('Tidx')], [abs!, axes]);
    return dtype === 'float64' ? downloadF64(sum!)[0]! : downloadF32(sum!)[0]!;
  } finally {
    release(axes, abs, sum);
  }
}

/** ‖A‖∞ of a float64 matrix: the largest row sum of |A|. */
function maxRowSum(A: Handle): number {
  const handles: (Handle | undefined)[] = [];
  try {
    const rows = uploadInt32(Int32Array.of(1), [1]);
    const first = uploadInt32(Int32Array.of(0), [1]);
    handles.push(rows, first);
    const [abs] = run('Abs', [attr.type('T', 'float64')], [A]);
    handles.push(abs);
    const [sums] = run('Sum', [attr.bool('keep_dims', false), attr.type('T', 'float64'), attr.int32Type('Tidx')], [abs!, rows]);
    handles.push(sums);
    const [top] = run('Max', [attr.bool('keep_dims', false), attr.type('T', 'float64'), attr.int32Type('Tidx')], [sums!, first]);
    handles.push(top);
    return downloadF64(top!)[0]!;
  } finally {
    release(...handles);
  }
}
