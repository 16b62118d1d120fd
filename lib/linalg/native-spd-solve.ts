import { attr, cast, downloadF64, release, run, uploadF64, type Handle } from './native-tensorflow';

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
