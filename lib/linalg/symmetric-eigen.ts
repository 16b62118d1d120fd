/**
 * Eigen-decomposition of a small dense symmetric matrix by cyclic Jacobi rotations: simple,
 * accurate to rounding and deterministic. O(n³) per sweep, so meant for n up to a few hundred
 * (the Rayleigh–Ritz step of principalAxes).
 */
export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  readonly values: Float64Array;
  /** Row k (n values) is the unit eigenvector of values[k]. */
  readonly vectors: Float64Array;
}

const MAX_SWEEPS = 60;

/** `a` is n × n row-major and must be symmetric (only read, never modified). */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: ${n}×${n} needs ${n * n} values, got ${a.length}`);
  const m = Float64Array.from(a);
  // v's columns accumulate the rotations: A = V diag(λ) Vᵀ.
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i]! * m[i]!;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! * m[p * n + q]!;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        // Rotation angle that zeroes (p, q): tan 2θ = 2 a_pq / (a_qq − a_pp), the smaller root for stability.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!;
          const akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!;
          const aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j]! - m[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, k) => {
    values[k] = m[col * n + col]!;
    for (let i = 0; i < n; i++) vectors[k * n + i] = v[i * n + col]!;
  });
  return { values, vectors };
}
