import * as tf from '@tensorflow/tfjs';
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend, type BackendName } from '../../lib/compute/backend';
import { decodeLayerRidge, fitRidgeProjection } from '../../lib/decoding/ridge';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { comparedBackends } from '../support/backend';
import { gaussJordan, randomMatrix } from '../support/linear-reference';



/** Textbook primal ridge with intercept, float64, plain loops: W = (XcᵀXc + αI)⁻¹ XcᵀYc. */
function bruteForceRidge(X: Matrix, Y: Matrix, T: Matrix, alpha: number): number[][] {
  const n = X.rows;
  const p = X.cols;
  const q = Y.cols;
  const xm = Array.from({ length: p }, (_, j) => Array.from({ length: n }, (_, i) => X.data[i * p + j]!).reduce((s, v) => s + v, 0) / n);
  const ym = Array.from({ length: q }, (_, j) => Array.from({ length: n }, (_, i) => Y.data[i * q + j]!).reduce((s, v) => s + v, 0) / n);
  const xc = (i: number, j: number) => X.data[i * p + j]! - xm[j]!;
  const gram = Array.from({ length: p }, (_, a) =>
    Array.from({ length: p }, (_, b) => {
      let s = a === b ? alpha : 0;
      for (let i = 0; i < n; i++) s += xc(i, a) * xc(i, b);
      return s;
    }),
  );
  const xty = Array.from({ length: p }, (_, a) =>
    Array.from({ length: q }, (_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += xc(i, a) * (Y.data[i * q + k]! - ym[k]!);
      return s;
    }),
  );
  const W = gaussJordan(gram, xty);
  return Array.from({ length: T.rows }, (_, t) =>
    Array.from({ length: q }, (_, k) => {
      let s = ym[k]!;
      for (let a = 0; a < p; a++) s += (T.data[t * p + a]! - xm[a]!) * W[a]![k]!;
      return s;
    }),
  );
}

/** ‖P − R‖ / ‖R − ȳ‖: error relative to the part of the prediction the regression contributes. */
function relativeError(P: Matrix, R: number[][], Y: Matrix): number {
  const q = Y.cols;
  const ym = Array.from({ length: q }, (_, j) => {
    let s = 0;
    for (let i = 0; i < Y.rows; i++) s += Y.data[i * q + j]!;
    return s / Y.rows;
  });
  let num = 0;
  let den = 0;
  R.forEach((row, t) =>
    row.forEach((r, k) => {
      num += (P.data[t * q + k]! - r) ** 2;
      den += (r - ym[k]!) ** 2;
    }),
  );
  return Math.sqrt(num / den);
}

describe.each<BackendName>(comparedBackends())('decodeLayerRidge on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
    expect(tf.getBackend()).toBe(backend);
  });

  it.each([
    { regime: 'dual (n < p)', n: 20, p: 45, offset: 0 },
    { regime: 'primal (n > p)', n: 60, p: 15, offset: 0 },
    // Voxels far from zero: the centring (inside TensorFlow for the native dual fit) must remove it.
    { regime: 'dual, voxels offset by 200,', n: 20, p: 45, offset: 200 },
  ])('matches the float64 closed form in the $regime regime', async ({ n, p, offset }) => {
    const rnd = new Random(n * 100 + p);
    const q = 11;
    const X = randomMatrix(rnd, n, p, offset);
    const Wtrue = randomMatrix(rnd, p, q);
    // Y = X W + noise + a large offset, so the intercept matters.
    const Y = createMatrix(n, q);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < q; k++) {
        let s = 50 + rnd.normal();
        for (let a = 0; a < p; a++) s += X.data[i * p + a]! * Wtrue.data[a * q + k]!;
        Y.data[i * q + k] = s;
      }
    }
    const T1 = randomMatrix(rnd, 7, p, offset + 0.3);
    const T2 = randomMatrix(rnd, 4, p, offset);
    const alpha = 3.5;
    const [P1, P2, ...rest] = await decodeLayerRidge(X, Y, [T1, T2], { alpha });
    expect(rest).toHaveLength(0);
    expect([P1!.rows, P1!.cols, P2!.rows, P2!.cols]).toEqual([7, q, 4, q]);
    expect(relativeError(P1!, bruteForceRidge(X, Y, T1, alpha), Y)).toBeLessThan(1e-4);
    expect(relativeError(P2!, bruteForceRidge(X, Y, T2, alpha), Y)).toBeLessThan(1e-4);
    // Guard against a vacuous pass: a different alpha must give a clearly different answer.
    expect(relativeError(P1!, bruteForceRidge(X, Y, T1, alpha * 10), Y)).toBeGreaterThan(1e-2);
  });

  it('shares one projection across layers, each matching the closed form', async () => {
    const rnd = new Random(77);
    const X = randomMatrix(rnd, 30, 12);
    const T = randomMatrix(rnd, 5, 12);
    const layers = [randomMatrix(rnd, 30, 9, 2), randomMatrix(rnd, 30, 4, -1)];
    const projection = fitRidgeProjection(X, [T], 2);
    try {
      for (const Y of layers) {
        const [P] = await projection.predict(Y);
        expect(relativeError(P!, bruteForceRidge(X, Y, T, 2), Y)).toBeLessThan(1e-4);
      }
      await expect(projection.predict(randomMatrix(rnd, 29, 3))).rejects.toThrow(/30 rows but Ytrain has 29/);
    } finally {
      projection.dispose();
    }
  });

  it('gives some test rows of each set, as the closed form fitted on those rows alone', async () => {
    const rnd = new Random(78);
    const X = randomMatrix(rnd, 30, 12);
    const [T1, T2] = [randomMatrix(rnd, 6, 12), randomMatrix(rnd, 4, 12)];
    const Y = randomMatrix(rnd, 30, 7, 3);
    const whole = fitRidgeProjection(X, [T1, T2], 2);
    const rows = [[5, 0, 3], [2]];
    const part = whole.selectTestRows(rows);
    whole.dispose();
    try {
      const [P1, P2] = await part.predict(Y);
      const pick = (T: Matrix, r: number[]) => createMatrix(r.length, T.cols, Float32Array.from(r.flatMap((i) => [...T.data.subarray(i * T.cols, (i + 1) * T.cols)])));
      expect(relativeError(P1!, bruteForceRidge(X, Y, pick(T1, rows[0]!), 2), Y)).toBeLessThan(1e-4);
      expect(relativeError(P2!, bruteForceRidge(X, Y, pick(T2, rows[1]!), 2), Y)).toBeLessThan(1e-4);
      expect(() => part.selectTestRows([[3], []])).toThrow(/row 3 is not in test set 0 \(3 rows\)/);
      expect(() => part.selectTestRows([[0]])).toThrow(/1 row lists for 2 test sets/);
    } finally {
      part.dispose();
    }
  });

  it('predicts the training means when alpha is huge', async () => {
    const rnd = new Random(5);
    const X = randomMatrix(rnd, 30, 8);
    const Y = randomMatrix(rnd, 30, 5, 10);
    const [P] = await decodeLayerRidge(X, Y, [randomMatrix(rnd, 3, 8)], { alpha: 1e12 });
    for (let k = 0; k < 5; k++) {
      let mean = 0;
      for (let i = 0; i < 30; i++) mean += Y.data[i * 5 + k]!;
      mean /= 30;
      for (let t = 0; t < 3; t++) expect(P!.data[t * 5 + k]).toBeCloseTo(mean, 4);
    }
  });

  it('gives the same result in column chunks as in one chunk, reporting progress per chunk', async () => {
    const rnd = new Random(6);
    const X = randomMatrix(rnd, 25, 30);
    const Y = randomMatrix(rnd, 25, 10, 2);
    const T = randomMatrix(rnd, 6, 30);
    const tensorsBefore = tf.memory().numTensors;
    const [whole] = await decodeLayerRidge(X, Y, [T], { alpha: 2 });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const fractions: number[] = [];
    const [chunked] = await decodeLayerRidge(X, Y, [T], {
      alpha: 2,
      chunkColumns: 3,
      onProgress: (f) => fractions.push(f),
    });
    // One call before solving, then one per chunk of 3 units (4 chunks for 10 units).
    expect(fractions).toEqual([0, 0.25, 0.5, 0.75, 1]);
    whole!.data.forEach((v, i) => expect(chunked!.data[i]).toBeCloseTo(v, 5));
  });

  it('returns empty predictions for empty test matrices', async () => {
    const rnd = new Random(7);
    const X = randomMatrix(rnd, 10, 4);
    const Y = randomMatrix(rnd, 10, 3);
    const [P] = await decodeLayerRidge(X, Y, [createMatrix(0, 4)], { alpha: 1 });
    expect([P!.rows, P!.cols]).toEqual([0, 3]);
  });
});

describe('decodeLayerRidge validation', () => {
  const rnd = new Random(8);
  const X = randomMatrix(rnd, 10, 4);
  const Y = randomMatrix(rnd, 10, 3);
  it('rejects mismatched shapes and bad options', async () => {
    await expect(decodeLayerRidge(X, randomMatrix(rnd, 9, 3), [], { alpha: 1 })).rejects.toThrow(/10 rows but Ytrain has 9/);
    await expect(decodeLayerRidge(X, Y, [randomMatrix(rnd, 2, 5)], { alpha: 1 })).rejects.toThrow(/test matrix 0 has 5 columns/);
    await expect(decodeLayerRidge(X, Y, [], { alpha: 0 })).rejects.toThrow(/alpha must be a positive/);
    await expect(decodeLayerRidge(X, Y, [], { alpha: 1, chunkColumns: 0 })).rejects.toThrow(/chunkColumns/);
  });
});
