import { attr, cast, matMul, release, run, uploadF32, uploadF64, uploadInt32, type Handle } from './native-tensorflow';
import { refinedSpdSolve } from './native-spd-solve';

/**
 * The one linear solve behind a ridge fit whose units all share a penalty, done entirely inside
 * TensorFlow on the native backend:
 *   dual   (G = X Xᵀ, n × n):  Z = (G + αI)⁻¹ X Tᵀ
 *   primal (G = XᵀX, p × p):   Z = (G + αI)⁻¹ Tᵀ
 * for X (n × p) and row vectors T (m × p), both float32. The Gram matrix and X Tᵀ are float32
 * products (multi-threaded); G + αI is solved to float64 accuracy (refinedSpdSolve: a float32
 * factor refined in float64). Nothing of size n² crosses
 * into JavaScript, whose single-threaded float64 Cholesky used to be most of a ridge fit.
 *
 * With `centre`, X and T are first centred with X's column means, in float64 and rounded to
 * float32 (as the JavaScript centring does) but on TensorFlow's threads: for 3,000 × 6,000 that
 * took 90–140 ms of single-threaded JavaScript per fit.
 *
 * Returns Z (size × m, row-major, float64), or undefined when G + αI is not positive definite.
 */
export function nativeRidgeSolve(
  x: Float32Array,
  n: number,
  p: number,
  t: Float32Array,
  m: number,
  alpha: number,
  dual: boolean,
  centre = false,
): Float64Array | undefined {
  if (x.length !== n * p || t.length !== m * p) throw new Error(`nativeRidgeSolve: expected ${n}×${p} and ${m}×${p} values, got ${x.length} and ${t.length}`);
  const handles: (Handle | undefined)[] = [];
  const keep = (h: Handle | undefined): Handle => {
    handles.push(h);
    return h!;
  };
  try {
    let X = keep(uploadF32(x, [n, p]));
    let T = keep(uploadF32(t, [m, p]));
    if (centre) [X, T] = centredOnTrainingMeans(X, T, keep);
    const gram = symmetricGram(X, dual ? n : p, dual, keep);
    // Right-hand sides as columns: X Tᵀ (n × m) or Tᵀ (p × m).
    const cross = keep(dual ? matMul(X, T, 'float32', false, true) : transpose2d(T));
    const A = keep(addToDiagonal(keep(cast(gram, 'float32', 'float64')), alpha));
    const B = keep(cast(cross, 'float32', 'float64'));
    return refinedSpdSolve(A, B, dual ? n : p);
  } finally {
    release(...handles);
  }
}

/**
 * G = X Xᵀ (dual) or XᵀX (primal), size × size, from three quarters of the flops of one general
 * product: with X split in two halves (rows for dual, columns for primal), G's lower block row is
 * one product with all of X, its top-left block one with the first half, and its top-right block
 * the transpose of the lower-left (numpy's X @ X.T uses a symmetric rank-k update for the same
 * saving). G is exactly symmetric, which the refinement's residual relies on. 3,000 × 6,000: 190
 * against 240 ms.
 */
function symmetricGram(X: Handle, size: number, dual: boolean, keep: (h: Handle | undefined) => Handle): Handle {
  const h = Math.floor(size / 2);
  if (h === 0) return keep(dual ? matMul(X, X, 'float32', false, true) : matMul(X, X, 'float32', true, false));
  // A dual split takes rows of X; a primal one its columns, i.e. rows of Xᵀ.
  const rows = dual ? X : keep(transpose2d(X));
  const first = keep(slice2d(rows, [0, 0], [h, -1]));
  const second = keep(slice2d(rows, [h, 0], [size - h, -1]));
  const topLeft = keep(matMul(first, first, 'float32', false, true));
  const lower = keep(matMul(second, rows, 'float32', false, true));
  const topRight = keep(transpose2d(keep(slice2d(lower, [0, 0], [size - h, h]))));
  const top = keep(concat([topLeft, topRight], 1));
  return keep(concat([top, lower], 0));
}

/** The size[0] × size[1] block of a float32 matrix starting at begin (−1 in size: to the end). */
function slice2d(h: Handle, begin: [number, number], size: [number, number]): Handle {
  const at = uploadI32(begin, [2]);
  const extent = uploadI32(size, [2]);
  try {
    return run('Slice', [attr.type('T', 'float32'), attr.int32Type('Index')], [h, at, extent])[0]!;
  } finally {
    release(at, extent);
  }
}

/** Float32 matrices joined along `axis`. */
function concat(parts: Handle[], axis: number): Handle {
  const at = uploadI32Scalar(axis);
  try {
    return run('ConcatV2', [attr.type('T', 'float32'), attr.int('N', parts.length), attr.int32Type('Tidx')], [...parts, at])[0]!;
  } finally {
    release(at);
  }
}

/** X − x̄ and T − x̄ (x̄: X's column means), each subtracted in float64 and rounded to float32. */
function centredOnTrainingMeans(X: Handle, T: Handle, keep: (h: Handle | undefined) => Handle): [Handle, Handle] {
  const rows = keep(uploadI32([0], [1]));
  const X64 = keep(cast(X, 'float32', 'float64'));
  const [mean] = run('Mean', [attr.bool('keep_dims', true), attr.type('T', 'float64'), attr.int32Type('Tidx')], [X64, rows]);
  keep(mean);
  const centred = (h64: Handle): Handle => keep(cast(keep(run('Sub', [attr.type('T', 'float64')], [h64, mean!])[0]), 'float64', 'float32'));
  return [centred(X64), centred(keep(cast(T, 'float32', 'float64')))];
}

/** A (square, float64) with α added to its diagonal. */
function addToDiagonal(A: Handle, alpha: number): Handle {
  const diagonalIndex = uploadI32Scalar(0);
  const zero = uploadF64(new Float64Array([0]), []);
  const shift = uploadF64(new Float64Array([alpha]), []);
  let diagonal: Handle | undefined;
  let shifted: Handle | undefined;
  try {
    [diagonal] = run('MatrixDiagPartV3', [attr.type('T', 'float64')], [A, diagonalIndex, zero]);
    [shifted] = run('AddV2', [attr.type('T', 'float64')], [diagonal!, shift]);
    return run('MatrixSetDiagV3', [attr.type('T', 'float64')], [A, shifted!, diagonalIndex])[0]!;
  } finally {
    release(diagonalIndex, zero, shift, diagonal, shifted);
  }
}

function transpose2d(h: Handle): Handle {
  const perm = uploadI32([1, 0], [2]);
  try {
    return run('Transpose', [attr.type('T', 'float32'), attr.int32Type('Tperm')], [h, perm])[0]!;
  } finally {
    release(perm);
  }
}

function uploadI32Scalar(v: number): Handle {
  return uploadInt32(Int32Array.of(v), []);
}

function uploadI32(values: number[], shape: number[]): Handle {
  return uploadInt32(Int32Array.from(values), shape);
}
