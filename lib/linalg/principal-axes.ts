import * as tf from '@tensorflow/tfjs';
import type { Matrix } from './matrix';
import { Random } from '../random';
import { symmetricEigen } from './symmetric-eigen';
import { tensorValues } from './tensor-values';

export interface PrincipalAxes {
  /** Row j (cols values) is the unit axis of the j-th largest variance. */
  readonly axes: Float64Array;
  /** Variance of the rows' projections on each axis (sum of squares / rows), largest first. */
  readonly variances: Float64Array;
  readonly count: number;
}

/** Extra block columns beyond k: subspace iteration converges at rate λ_{k+extra}/λ_k. */
const OVERSAMPLING = 16;
/** Fixed, so the result is deterministic and its cost bounded (~1–2 s for 1,200 × 1,500 on wasm). */
const ITERATIONS = 30;

/**
 * The top-k principal axes of rows that are already centred (standardised voxel patterns).
 * Works on the Gram matrix G = X Xᵀ (rows × rows, small for 1,200 pairs): its eigenvectors u with
 * eigenvalues λ give the axes Xᵀu/√λ. With few rows G is decomposed exactly; otherwise block
 * subspace iteration from a fixed seed, then Rayleigh–Ritz. Axes with λ ≈ 0 (rank deficiency)
 * are returned as zero vectors with variance 0, so they contribute nothing.
 */
export function principalAxes(x: Matrix, k: number): PrincipalAxes {
  const { rows: n, cols: d } = x;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) throw new Error(`principalAxes: k must be an integer in 1..${Math.min(n, d)}, got ${k}`);
  const gram = tensorValues(
    tf.tidy(() => {
      const xt = tf.tensor2d(x.data, [n, d]);
      return tf.matMul(xt, xt, false, true);
    }),
  );
  const { values, vectors } = topEigenvectors(gram, n, k);
  const lambdaMax = Math.max(values[0]!, 0);
  // Axes: row j = u_jᵀ X / √λ_j, as one product.
  const projected = tensorValues(tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(vectors), [k, n]), tf.tensor2d(x.data, [n, d]))));
  const axes = new Float64Array(k * d);
  const variances = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const lambda = values[j]!;
    if (!(lambda > 1e-9 * lambdaMax)) continue;
    // Renormalise in float64: the float32 product is unit-length only to ~1e-6.
    let norm = 0;
    for (let c = 0; c < d; c++) norm += projected[j * d + c]! * projected[j * d + c]!;
    norm = Math.sqrt(norm);
    for (let c = 0; c < d; c++) axes[j * d + c] = projected[j * d + c]! / norm;
    variances[j] = lambda / n;
  }
  return { axes, variances, count: k };
}

/** The k largest eigenpairs of the symmetric n × n matrix g; vectors row-major k × n. */
function topEigenvectors(g: Float64Array, n: number, k: number): { values: Float64Array; vectors: Float64Array } {
  const p = Math.min(n, k + OVERSAMPLING);
  if (p === n) {
    const all = symmetricEigen(g, n);
    return { values: all.values.slice(0, k), vectors: all.vectors.slice(0, k * n) };
  }
  const rng = new Random(1);
  let q: Float64Array = new Float64Array(p * n).map(() => rng.normal());
  orthonormaliseRows(q, p, n);
  const gT = tf.tensor2d(Float32Array.from(g), [n, n]);
  try {
    const times = (block: Float64Array): Float64Array => tensorValues(tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(block), [p, n]), gT)));
    for (let it = 0; it < ITERATIONS; it++) {
      q = times(q); // rows of Q G = (G Qᵀ)ᵀ, G symmetric
      orthonormaliseRows(q, p, n);
    }
    // Rayleigh–Ritz: T = Q G Qᵀ (p × p), whose eigenvectors rotate Q onto the eigenvectors of G.
    const qg = times(q);
    const t = new Float64Array(p * p);
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += qg[a * n + i]! * q[b * n + i]!;
        t[a * p + b] = s;
        t[b * p + a] = s;
      }
    }
    const small = symmetricEigen(t, p);
    const vectors = new Float64Array(k * n);
    for (let j = 0; j < k; j++) {
      for (let a = 0; a < p; a++) {
        const w = small.vectors[j * p + a]!;
        for (let i = 0; i < n; i++) vectors[j * n + i]! += w * q[a * n + i]!;
      }
    }
    return { values: small.values.slice(0, k), vectors };
  } finally {
    gT.dispose();
  }
}

/** Modified Gram–Schmidt on the rows, twice (the second pass restores orthogonality lost to rounding). */
function orthonormaliseRows(q: Float64Array, p: number, n: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < a; b++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[a * n + i]! * q[b * n + i]!;
        for (let i = 0; i < n; i++) q[a * n + i]! -= dot * q[b * n + i]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += q[a * n + i]! * q[a * n + i]!;
      norm = Math.sqrt(norm);
      // A row that vanished (rank < p) is left at zero; the Rayleigh–Ritz step then gives it λ = 0.
      for (let i = 0; i < n; i++) q[a * n + i] = norm > 0 ? q[a * n + i]! / norm : 0;
    }
  }
}
