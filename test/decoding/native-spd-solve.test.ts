import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, nativeAvailable } from '../../lib/compute/backend';
import { nativeRidgeSolve } from '../../lib/linalg/native-ridge-solve';
import { nativeSpdSolve, refinedSpdSolve, solveHandles } from '../../lib/linalg/native-spd-solve';
import { release, uploadF64 } from '../../lib/linalg/native-tensorflow';
import { Random } from '../../lib/random';
import { gaussJordan } from '../support/linear-reference';

/** An SPD s × s matrix BBᵀ + I as nested arrays. */
function spd(rnd: Random, s: number): number[][] {
  const B = Array.from({ length: s }, () => Array.from({ length: s }, () => rnd.normal()));
  return B.map((bi, i) => B.map((bj, j) => bi.reduce((acc, v, t) => acc + v * bj[t]!, i === j ? 1 : 0)));
}

describe.skipIf(!nativeAvailable())('float64 solves in TensorFlow', () => {
  beforeAll(async () => {
    await initBackend('tensorflow');
  });

  it('solves a batch of SPD systems like Gauss–Jordan, reading only the lower triangles', () => {
    const rnd = new Random(31);
    const [batch, s, cols] = [3, 17, 2];
    const systems = Array.from({ length: batch }, () => spd(rnd, s));
    const rhs = Array.from({ length: batch }, () => Array.from({ length: s }, () => Array.from({ length: cols }, () => rnd.normal())));
    const a = new Float64Array(batch * s * s);
    systems.forEach((A, u) => A.forEach((row, i) => row.forEach((v, j) => (a[u * s * s + i * s + j] = j <= i ? v : 1e6 * rnd.normal()))));
    const b = Float64Array.from(rhs.flat(2));
    const x = nativeSpdSolve(a, b, batch, s, cols)!;
    expect(x).toBeDefined();
    systems.forEach((A, u) => {
      const want = gaussJordan(A, rhs[u]!);
      want.forEach((row, i) => row.forEach((v, c) => expect(Math.abs(x[(u * s + i) * cols + c]! - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v)))));
    });
  });

  it('returns undefined when a system of the batch is not positive definite', () => {
    const rnd = new Random(32);
    const s = 5;
    const a = Float64Array.from([...spd(rnd, s).flat(), ...spd(rnd, s).flat()]);
    a[s * s + 3 * s + 3] = -1;
    expect(nativeSpdSolve(a, new Float64Array(2 * s), 2, s, 1)).toBeUndefined();
  });

  it.each([
    ['dual', 12, 20],
    ['primal', 20, 7],
  ])('solves the %s ridge system (G + αI) Z = C of float32 data like Gauss–Jordan', (form, n, p) => {
    const rnd = new Random(33);
    const m = 3;
    const alpha = 2.5;
    const x = new Float32Array(n * p).map(() => rnd.normal());
    const t = new Float32Array(m * p).map(() => rnd.normal());
    const dual = form === 'dual';
    const size = dual ? n : p;
    const at = (i: number, j: number) => x[i * p + j]!;
    // G from the float32 values in float64; float32 products differ by ~1e-7 relative.
    const G = Array.from({ length: size }, (_, a) =>
      Array.from({ length: size }, (_, b) => {
        let sum = a === b ? alpha : 0;
        if (dual) for (let j = 0; j < p; j++) sum += at(a, j) * at(b, j);
        else for (let i = 0; i < n; i++) sum += at(i, a) * at(i, b);
        return sum;
      }),
    );
    const C = Array.from({ length: size }, (_, a) =>
      Array.from({ length: m }, (_, r) => {
        if (!dual) return t[r * p + a]!;
        let sum = 0;
        for (let j = 0; j < p; j++) sum += at(a, j) * t[r * p + j]!;
        return sum;
      }),
    );
    const want = gaussJordan(G, C);
    const z = nativeRidgeSolve(x, n, p, t, m, alpha, dual)!;
    let worst = 0;
    let scale = 0;
    want.forEach((row, a) =>
      row.forEach((v, r) => {
        worst = Math.max(worst, Math.abs(z[a * m + r]! - v));
        scale = Math.max(scale, Math.abs(v));
      }),
    );
    expect(worst / scale).toBeLessThan(1e-5);
  });
});

describe.skipIf(!nativeAvailable())('mixed-precision refinement (refinedSpdSolve)', () => {
  beforeAll(async () => {
    await initBackend('tensorflow');
  });

  /** A = Q diag(λ) Qᵀ with eigenvalues from 1 to `cond` (Q from Gram–Schmidt of a random matrix), row-major. */
  function withCondition(rnd: Random, s: number, cond: number): Float64Array {
    const q: number[][] = [];
    while (q.length < s) {
      const v = Array.from({ length: s }, () => rnd.normal());
      for (const u of q) {
        const d = u.reduce((acc, x, i) => acc + x * v[i]!, 0);
        u.forEach((x, i) => (v[i]! -= d * x));
      }
      const norm = Math.hypot(...v);
      q.push(v.map((x) => x / norm));
    }
    const lambda = Array.from({ length: s }, (_, i) => cond ** (i / (s - 1)));
    const a = new Float64Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) a[i * s + j] = q.reduce((acc, u, k) => acc + u[i]! * lambda[k]! * u[j]!, 0);
    // Exactly symmetric, as a whole matrix must be.
    for (let i = 0; i < s; i++) for (let j = 0; j < i; j++) a[j * s + i] = a[i * s + j]!;
    return a;
  }

  function solveBoth(a: Float64Array, b: Float64Array, s: number, cols: number): { refined: Float64Array | undefined; direct: Float64Array | undefined } {
    const A = uploadF64(a, [s, s]);
    const B = uploadF64(b, [s, cols]);
    try {
      return { refined: refinedSpdSolve(A, B, s), direct: solveHandles(A, B) };
    } finally {
      release(A, B);
    }
  }

  it('reaches the float64 solution (to 1e-12) of a well-conditioned system from a float32 factor', () => {
    const rnd = new Random(41);
    const [s, cols] = [120, 4];
    const a = withCondition(rnd, s, 1e3);
    const b = Float64Array.from({ length: s * cols }, () => rnd.normal());
    const { refined, direct } = solveBoth(a, b, s, cols);
    const want = gaussJordan(
      Array.from({ length: s }, (_, i) => Array.from(a.subarray(i * s, (i + 1) * s))),
      Array.from({ length: s }, (_, i) => Array.from(b.subarray(i * cols, (i + 1) * cols))),
    ).flat();
    const scale = Math.max(...want.map(Math.abs));
    want.forEach((v, i) => expect(Math.abs(refined![i]! - v)).toBeLessThan(1e-12 * scale));
    // A float32 solve alone would be ~cond·2⁻²⁴ ≈ 6e-5 off: the refinement did the work.
    direct!.forEach((v, i) => expect(Math.abs(refined![i]! - v)).toBeLessThan(1e-12 * scale));
  });

  it.each([
    ['the refinement cannot converge', 1e8],
    ['float32 finds it not positive definite', 1e10],
  ])('falls back to the float64 factorisation when %s (cond %d)', (_, cond) => {
    const rnd = new Random(42);
    const s = 60;
    const a = withCondition(rnd, s, cond);
    const b = Float64Array.from({ length: s }, () => rnd.normal());
    const { refined, direct } = solveBoth(a, b, s, 1);
    expect(Array.from(refined!)).toEqual(Array.from(direct!));
  });

  it('returns undefined for a matrix that is not positive definite', () => {
    const rnd = new Random(43);
    const s = 8;
    const a = withCondition(rnd, s, 10);
    for (let i = 0; i < s; i++) a[i * s + i]! -= 20;
    expect(solveBoth(a, new Float64Array(s), s, 1).refined).toBeUndefined();
  });
});
