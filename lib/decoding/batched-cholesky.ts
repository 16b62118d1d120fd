import * as tf from '@tensorflow/tfjs';

/**
 * Lower Cholesky factors of `batch` symmetric positive definite s × s systems at once, in float32
 * on the tfjs backend: a right-looking blocked factorisation whose trailing updates
 * A22 ← A22 − L21 L21ᵀ are batched matrix products (about 2/3 s³ flops per system, all in GEMM),
 * with only each w × w diagonal block factored and inverted in float64 JavaScript.
 *
 * a: batch × s × s, row-major, both triangles filled. factors (out): batch × s × s; each system's
 * lower triangle receives L (the upper triangle is left as it was). Returns one flag per system:
 * 1 if it factored, 0 if a diagonal block was not positive definite in float32 (its factor is then
 * meaningless and the caller must solve that system another way).
 *
 * The factor is only float32-accurate (relative error ≈ s·2⁻²⁴·cond); callers refine solutions
 * against the exact system in float64 (see mixed-precision-solve.ts).
 */
export function batchedCholeskyF32(a: Float32Array, batch: number, s: number, block: number, factors: Float32Array): Uint8Array {
  if (a.length !== batch * s * s || factors.length !== batch * s * s) {
    throw new Error(`batchedCholeskyF32: expected ${batch}×${s}×${s} arrays, got ${a.length} and ${factors.length}`);
  }
  if (!Number.isInteger(block) || block < 1) throw new Error(`batchedCholeskyF32: block must be a positive integer, got ${block}`);
  const ok = new Uint8Array(batch).fill(1);
  const diag = new Float64Array(block * block);
  const inverse = new Float64Array(block * block);
  let rest: tf.Tensor3D = tf.tensor3d(a, [batch, s, s]);
  try {
    for (let j0 = 0; j0 < s; j0 += block) {
      const w = Math.min(block, s - j0);
      const m = s - j0 - w;
      const d = sliceData(rest, [0, 0, 0], [batch, w, w]);
      const inverseT = new Float32Array(batch * w * w);
      for (let u = 0; u < batch; u++) {
        for (let i = 0; i < w * w; i++) diag[i] = d[u * w * w + i]!;
        if (!ok[u] || !factorLower(diag, w)) {
          // Keep the batch going with an identity block; this system's factor is discarded.
          ok[u] = 0;
          diag.fill(0);
          for (let i = 0; i < w; i++) diag[i * w + i] = 1;
        }
        invertLowerTransposed(diag, w, inverse);
        const base = u * s * s;
        for (let i = 0; i < w; i++) {
          for (let j = 0; j <= i; j++) factors[base + (j0 + i) * s + j0 + j] = diag[i * w + j]!;
          for (let j = 0; j < w; j++) inverseT[u * w * w + i * w + j] = inverse[i * w + j]!;
        }
      }
      if (m === 0) break;
      // L21 = A21 L11⁻ᵀ, then the Schur complement A22 − L21 L21ᵀ becomes the rest to factor.
      const [l21, next] = tf.tidy(() => {
        const panel = rest.slice([0, w, 0], [batch, m, w]);
        const L21 = tf.matMul(panel, tf.tensor3d(inverseT, [batch, w, w]));
        // An explicit transpose: transposed operands measured far slower on the wasm backend.
        const update = tf.matMul(L21, tf.transpose(L21, [0, 2, 1]));
        return [L21, rest.slice([0, w, w], [batch, m, m]).sub(update) as tf.Tensor3D];
      });
      const l = l21.dataSync() as Float32Array;
      l21.dispose();
      rest.dispose();
      rest = next;
      for (let u = 0; u < batch; u++) {
        const base = u * s * s;
        for (let i = 0; i < m; i++) {
          const from = (u * m + i) * w;
          const to = base + (j0 + w + i) * s + j0;
          for (let j = 0; j < w; j++) factors[to + j] = l[from + j]!;
        }
      }
    }
  } finally {
    rest.dispose();
  }
  return ok;
}

function sliceData(t: tf.Tensor3D, begin: [number, number, number], size: [number, number, number]): Float32Array {
  const part = t.slice(begin, size);
  try {
    return part.dataSync() as Float32Array;
  } finally {
    part.dispose();
  }
}

/** Dense w × w lower Cholesky in place (row-major; the upper triangle is zeroed); false if not SPD. */
function factorLower(a: Float64Array, w: number): boolean {
  for (let i = 0; i < w; i++) {
    const ri = i * w;
    for (let j = 0; j <= i; j++) {
      const rj = j * w;
      // Two partial sums halve the wait on each add's latency.
      let s0 = 0;
      let s1 = 0;
      let t = 0;
      for (; t + 1 < j; t += 2) {
        s0 += a[ri + t]! * a[rj + t]!;
        s1 += a[ri + t + 1]! * a[rj + t + 1]!;
      }
      if (t < j) s0 += a[ri + t]! * a[rj + t]!;
      const sum = a[ri + j]! - s0 - s1;
      if (i === j) {
        if (!(sum > 0)) return false;
        a[ri + i] = Math.sqrt(sum);
      } else {
        a[ri + j] = sum / a[rj + j]!;
      }
    }
    for (let j = i + 1; j < w; j++) a[ri + j] = 0;
  }
  return true;
}

/** out = (L⁻¹)ᵀ for a lower-triangular L (w × w, row-major), by forward substitution per column. */
function invertLowerTransposed(l: Float64Array, w: number, out: Float64Array): void {
  out.fill(0, 0, w * w);
  // Column c of L⁻¹ solves L x = e_c; x is zero above c. Stored as row c of out (the transpose).
  for (let c = 0; c < w; c++) {
    const rc = c * w;
    for (let i = c; i < w; i++) {
      const ri = i * w;
      let sum = i === c ? 1 : 0;
      for (let t = c; t < i; t++) sum -= l[ri + t]! * out[rc + t]!;
      out[rc + i] = sum / l[ri + i]!;
    }
  }
}
