import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend, nativeAvailable } from '../../lib/compute/backend';
import { batchedCholeskyF32 } from '../../lib/decoding/batched-cholesky';
import { UnitSelector } from '../../lib/decoding/unit-selection';
import { decodeVoxelSelectionL2, fitVoxelSelectionL2 } from '../../lib/decoding/voxel-selection-l2';
import { choleskyInPlace, choleskySolveInPlace } from '../../lib/linalg/cholesky';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { gaussJordan, maxRelativeDiff } from '../support/linear-reference';

const N = 40;
const P = 30;
const Q = 7;
const ALPHA = 3;

/** X with some structure, Y depending on a few voxels each, plus one constant voxel (FastL2LiR zeroes its r). */
function problem(seed: number, offset = 0): { X: Matrix; Y: Matrix; T: Matrix } {
  const rnd = new Random(seed);
  const X = createMatrix(N, P, new Float32Array(N * P).map(() => offset + rnd.normal()));
  for (let i = 0; i < N; i++) X.data[i * P + 29] = 0.5; // constant voxel
  const Y = createMatrix(N, Q);
  for (let i = 0; i < N; i++) {
    for (let u = 0; u < Q; u++) {
      Y.data[i * Q + u] = X.data[i * P + u]! - 0.9 * X.data[i * P + 2 * u + 3]! + 0.2 * rnd.normal() + u;
    }
  }
  const T = createMatrix(5, P, new Float32Array(5 * P).map(() => offset + rnd.normal()));
  return { X, Y, T };
}


const col = (m: Matrix, j: number): number[] => Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]!);
const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

/** Pearson r from the textbook formula; 0 for a constant series (as FastL2LiR's zeroed voxels). */
function pearson(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  a.forEach((x, i) => {
    sab += (x - ma) * (b[i]! - mb);
    saa += (x - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  });
  return saa < 1e-8 * a.length ? 0 : sab / Math.sqrt(saa * sbb);
}

/**
 * FastL2LiR by brute force: per unit, sort all voxels by |r|, keep the top k, build the normal
 * equations of [X_I, 1] with αI on every diagonal entry (bias included), solve, predict.
 */
function bruteForce(X: Matrix, Y: Matrix, T: Matrix, alpha: number, k: number): { pred: number[][]; selected: number[][] } {
  const kk = Math.min(k, X.cols);
  const selected: number[][] = [];
  const pred = Array.from({ length: T.rows }, () => new Array<number>(Y.cols).fill(0));
  for (let u = 0; u < Y.cols; u++) {
    const y = col(Y, u);
    const r = Array.from({ length: X.cols }, (_, v) => Math.abs(pearson(col(X, v), y)));
    const I = [...r.keys()].sort((a, b) => r[b]! - r[a]!).slice(0, kk);
    selected.push([...I].sort((a, b) => a - b));
    const design = (m: Matrix, i: number): number[] => [...I.map((v) => m.data[i * m.cols + v]!), 1];
    const rows = Array.from({ length: X.rows }, (_, i) => design(X, i));
    const A = Array.from({ length: kk + 1 }, (_, a) =>
      Array.from({ length: kk + 1 }, (_, b) => rows.reduce((s, row) => s + row[a]! * row[b]!, a === b ? alpha : 0)),
    );
    const rhs = Array.from({ length: kk + 1 }, (_, a) => rows.reduce((s, row, i) => s + row[a]! * y[i]!, 0));
    const w = gaussJordan(A, rhs.map((v) => [v])).map((row) => row[0]!);
    for (let t = 0; t < T.rows; t++) pred[t]![u] = design(T, t).reduce((s, x, j) => s + x * w[j]!, 0);
  }
  return { pred, selected };
}


describe('voxel-selection L2 (FastL2LiR equivalent)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('matches a brute-force per-unit solve with 5 selected voxels', async () => {
    const { X, Y, T } = problem(1);
    const ref = bruteForce(X, Y, T, ALPHA, 5);
    const [pred] = await decodeVoxelSelectionL2(X, Y, [T], { alpha: ALPHA, nFeatures: 5 });
    expect(maxRelativeDiff(pred!, ref.pred)).toBeLessThan(1e-5);
    const model = await fitVoxelSelectionL2(X, Y, { alpha: ALPHA, nFeatures: 5 });
    expect(model.featuresPerUnit).toBe(5);
    expect(maxRelativeDiff(model.predict(T), ref.pred)).toBeLessThan(1e-5);
  });

  it('never selects the constant voxel and picks the planted voxels', async () => {
    const { X, Y, T } = problem(2);
    const ref = bruteForce(X, Y, T, ALPHA, 2);
    // The planted voxels (u and 2u+3) dominate, so the brute-force selection must contain them.
    ref.selected.forEach((I, u) => expect(I).toEqual([u, 2 * u + 3].sort((a, b) => a - b)));
    expect(ref.selected.flat()).not.toContain(29);
    const [pred] = await decodeVoxelSelectionL2(X, Y, [T], { alpha: ALPHA, nFeatures: 2 });
    expect(maxRelativeDiff(pred!, ref.pred)).toBeLessThan(1e-5);
  });

  it.each([30, 50])('is plain ridge on [X, 1] (bias penalised) when nFeatures = %i ≥ voxels', async (k) => {
    const { X, Y, T } = problem(3, 0.7);
    const ref = bruteForce(X, Y, T, ALPHA, k);
    const [pred, second] = await decodeVoxelSelectionL2(X, Y, [T, X], { alpha: ALPHA, nFeatures: k, chunkUnits: 3 });
    expect(maxRelativeDiff(pred!, ref.pred)).toBeLessThan(1e-4);
    expect(second!.rows).toBe(N);
    const model = await fitVoxelSelectionL2(X, Y, { alpha: ALPHA, nFeatures: k });
    expect(model.featuresPerUnit).toBe(P);
    expect(maxRelativeDiff(model.predict(T), ref.pred)).toBeLessThan(1e-4);
  });

  it('uses the primal system when trials outnumber voxels', async () => {
    const { X, Y, T } = problem(4);
    const narrow = createMatrix(N, 6, new Float32Array(N * 6).map((_, i) => X.data[Math.floor(i / 6) * P + (i % 6)]!));
    const narrowT = createMatrix(T.rows, 6, new Float32Array(T.rows * 6).map((_, i) => T.data[Math.floor(i / 6) * P + (i % 6)]!));
    const ref = bruteForce(narrow, Y, narrowT, ALPHA, 6);
    const [pred] = await decodeVoxelSelectionL2(narrow, Y, [narrowT], { alpha: ALPHA, nFeatures: 6 });
    expect(maxRelativeDiff(pred!, ref.pred)).toBeLessThan(1e-4);
  });

  it('gives the same predictions whatever the unit chunk size', async () => {
    const { X, Y, T } = problem(5);
    const whole = await decodeVoxelSelectionL2(X, Y, [T, X], { alpha: ALPHA, nFeatures: 5 });
    const progress: number[] = [];
    const chunked = await decodeVoxelSelectionL2(X, Y, [T, X], { alpha: ALPHA, nFeatures: 5, chunkUnits: 2, onProgress: (f) => progress.push(f) });
    expect(Array.from(chunked[0]!.data)).toEqual(Array.from(whole[0]!.data));
    expect(Array.from(chunked[1]!.data)).toEqual(Array.from(whole[1]!.data));
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThan(3);
  });

  it('rejects mismatched shapes and bad options', async () => {
    const { X, Y, T } = problem(6);
    await expect(decodeVoxelSelectionL2(X, Y, [T], { alpha: 0, nFeatures: 5 })).rejects.toThrow(/alpha/);
    await expect(decodeVoxelSelectionL2(X, Y, [T], { alpha: 1, nFeatures: 0 })).rejects.toThrow(/nFeatures/);
    await expect(decodeVoxelSelectionL2(X, createMatrix(3, Q), [T], { alpha: 1, nFeatures: 5 })).rejects.toThrow(/rows/);
    await expect(decodeVoxelSelectionL2(X, Y, [createMatrix(2, 4)], { alpha: 1, nFeatures: 5 })).rejects.toThrow(/columns/);
  });
});

describe('selectLargest', () => {
  it('puts the k largest keys first, as a full sort would', () => {
    const rnd = new Random(7);
    for (const [p, k] of [[1, 1], [10, 3], [200, 50], [200, 199], [64, 64]] as const) {
      // Repeated values exercise the pivot-equal path.
      const keys = Float64Array.from({ length: p }, () => Math.round(rnd.uniform(0, 20)));
      const order = Int32Array.from({ length: p }, (_, i) => i);
      UnitSelector.selectLargest(keys, order, k);
      const got = Array.from(order.subarray(0, k), (i) => keys[i]!).sort((a, b) => b - a);
      const want = Array.from(keys).sort((a, b) => b - a).slice(0, k);
      expect(got).toEqual(want);
      expect(new Set(order).size).toBe(p);
    }
  });
});

describe('float64 Cholesky', () => {
  it('solves an SPD system like Gauss–Jordan does', () => {
    const rnd = new Random(8);
    for (const s of [1, 2, 3, 8, 9, 16, 17]) {
      const B = Array.from({ length: s }, () => Array.from({ length: s }, () => rnd.normal()));
      const A = B.map((_, i) => B.map((_, j) => B[i]!.reduce((acc, v, t) => acc + v * B[j]![t]!, i === j ? 0.5 : 0)));
      const b = Array.from({ length: s }, () => rnd.normal());
      const packed = Float64Array.from(A.flat());
      expect(choleskyInPlace(packed, s)).toBe(true);
      const x = Float64Array.from(b);
      choleskySolveInPlace(packed, s, x);
      const want = gaussJordan(A, b.map((v) => [v])).map((row) => row[0]!);
      want.forEach((v, i) => expect(x[i]).toBeCloseTo(v, 8));
    }
  });

  it('reports a matrix that is not positive definite', () => {
    expect(choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
  });
});

describe('mixed-precision solver (batched float32 factor, float64 refinement)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  /** Larger than one factorisation block (64), so the batched trailing updates run. */
  function wide(seed: number, offset: number): { X: Matrix; Y: Matrix; T: Matrix } {
    const rnd = new Random(seed);
    const [n, p, q] = [160, 120, 9];
    const X = createMatrix(n, p, new Float32Array(n * p).map(() => offset + rnd.normal()));
    const Y = createMatrix(n, q, new Float32Array(n * q).map((_, i) => X.data[Math.floor(i / q) * p + (i % q) * 3]! + 0.5 * rnd.normal()));
    const T = createMatrix(4, p, new Float32Array(4 * p).map(() => offset + rnd.normal()));
    return { X, Y, T };
  }

  it.each([
    ['centred data', 0],
    ['a large offset (float32 factor too coarse: float64 fallback)', 300],
  ])('gives the float64 solver’s predictions to 1e-9 with %s', async (_, offset) => {
    const { X, Y, T } = wide(11, offset);
    const o = { alpha: 10, nFeatures: 90, batchUnits: 4 };
    const [mixed] = await decodeVoxelSelectionL2(X, Y, [T], { ...o, solver: 'mixed' });
    const [exact] = await decodeVoxelSelectionL2(X, Y, [T], { ...o, solver: 'float64' });
    const ref = bruteForce(X, Y, T, o.alpha, o.nFeatures);
    expect(maxRelativeDiff(exact!, ref.pred)).toBeLessThan(1e-5);
    // A solver shortcut that changed the solution (not merely its rounding) would show here.
    let worst = 0;
    let scale = 0;
    exact!.data.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - mixed!.data[i]!));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(worst / scale).toBeLessThan(1e-9);
    const model = await fitVoxelSelectionL2(X, Y, { ...o, solver: 'mixed' });
    expect(maxRelativeDiff(model.predict(T), ref.pred)).toBeLessThan(1e-5);
  });

  it('rejects an unknown solver', async () => {
    const { X, Y, T } = wide(12, 0);
    await expect(decodeVoxelSelectionL2(X, Y, [T], { alpha: 1, nFeatures: 5, solver: 'lu' as 'mixed' })).rejects.toThrow(/solver/);
  });
});

describe('batchedCholeskyF32', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('factors a batch blockwise (L Lᵀ = A) and flags a system that is not positive definite', () => {
    const rnd = new Random(13);
    const [s, batch] = [21, 3];
    const a = new Float32Array(batch * s * s);
    for (let u = 0; u < batch; u++) {
      const B = Array.from({ length: s }, () => Array.from({ length: s }, () => rnd.normal()));
      for (let i = 0; i < s; i++) {
        for (let j = 0; j < s; j++) a[u * s * s + i * s + j] = B[i]!.reduce((acc, v, t) => acc + v * B[j]![t]!, i === j ? 1 : 0);
      }
    }
    a[2 * s * s + 10 * s + 10] = -5; // system 2: a negative pivot at row 10
    const factors = new Float32Array(batch * s * s);
    const ok = batchedCholeskyF32(a, batch, s, 8, factors);
    expect(Array.from(ok)).toEqual([1, 1, 0]);
    for (let u = 0; u < 2; u++) {
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < s; i++) {
        for (let j = 0; j <= i; j++) {
          let sum = 0;
          for (let t = 0; t <= j; t++) sum += factors[u * s * s + i * s + t]! * factors[u * s * s + j * s + t]!;
          worst = Math.max(worst, Math.abs(sum - a[u * s * s + i * s + j]!));
          scale = Math.max(scale, Math.abs(a[u * s * s + i * s + j]!));
        }
      }
      expect(worst / scale).toBeLessThan(1e-5);
    }
  });
});

describe.skipIf(!nativeAvailable())('native solver (float64 Cholesky in TensorFlow, batched)', () => {
  beforeAll(async () => {
    await initBackend('tensorflow');
  });

  /** As the mixed solver's problem: systems larger than a few SIMD widths, several batches, one partial. */
  function wide(seed: number, offset: number): { X: Matrix; Y: Matrix; T: Matrix } {
    const rnd = new Random(seed);
    const [n, p, q] = [160, 120, 9];
    const X = createMatrix(n, p, new Float32Array(n * p).map(() => offset + rnd.normal()));
    const Y = createMatrix(n, q, new Float32Array(n * q).map((_, i) => X.data[Math.floor(i / q) * p + (i % q) * 3]! + 0.5 * rnd.normal()));
    const T = createMatrix(4, p, new Float32Array(4 * p).map(() => offset + rnd.normal()));
    return { X, Y, T };
  }

  it.each([
    ['centred data', 0],
    ['a large voxel offset', 300],
  ])('gives the JavaScript float64 solver’s predictions to 1e-9 with %s', async (_, offset) => {
    const { X, Y, T } = wide(21, offset);
    const o = { alpha: 10, nFeatures: 90, batchUnits: 4 };
    const [native] = await decodeVoxelSelectionL2(X, Y, [T], { ...o, solver: 'native' });
    const [exact] = await decodeVoxelSelectionL2(X, Y, [T], { ...o, solver: 'float64' });
    const ref = bruteForce(X, Y, T, o.alpha, o.nFeatures);
    expect(maxRelativeDiff(native!, ref.pred)).toBeLessThan(1e-5);
    let worst = 0;
    let scale = 0;
    exact!.data.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - native!.data[i]!));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(worst / scale).toBeLessThan(1e-9);
    // 'auto' takes the native solver on this backend.
    const [auto] = await decodeVoxelSelectionL2(X, Y, [T], o);
    expect(Array.from(auto!.data)).toEqual(Array.from(native!.data));
  });

  it('gives bit-identical predictions with the gather on 1, 2 or 3 worker threads and on the main thread', async () => {
    const { X, Y, T } = wide(22, 0);
    // 9 units in batches of 2 and chunks of 5: batches straddle the pipeline at chunk ends, one is partial.
    const o = { alpha: 10, nFeatures: 90, batchUnits: 2, chunkUnits: 5, solver: 'native' as const };
    const [inline, trainInline] = await decodeVoxelSelectionL2(X, Y, [T, X], { ...o, gatherThreads: 0 });
    for (const gatherThreads of [1, 2, 3]) {
      const [threaded, trainThreaded] = await decodeVoxelSelectionL2(X, Y, [T, X], { ...o, gatherThreads });
      expect(Array.from(threaded!.data)).toEqual(Array.from(inline!.data));
      expect(Array.from(trainThreaded!.data)).toEqual(Array.from(trainInline!.data));
    }
    const [threaded] = await decodeVoxelSelectionL2(X, Y, [T], { ...o, gatherThreads: 2 });
    expect(maxRelativeDiff(threaded!, bruteForce(X, Y, T, o.alpha, o.nFeatures).pred)).toBeLessThan(1e-5);
  });

  it('matches brute force with few voxels and on plain ridge (dual and primal) on this backend', async () => {
    const { X, Y, T } = problem(1);
    const [few] = await decodeVoxelSelectionL2(X, Y, [T], { alpha: ALPHA, nFeatures: 5 });
    expect(maxRelativeDiff(few!, bruteForce(X, Y, T, ALPHA, 5).pred)).toBeLessThan(1e-5);
    const offset = problem(3, 0.7);
    const [all] = await decodeVoxelSelectionL2(offset.X, offset.Y, [offset.T], { alpha: ALPHA, nFeatures: P });
    expect(maxRelativeDiff(all!, bruteForce(offset.X, offset.Y, offset.T, ALPHA, P).pred)).toBeLessThan(1e-4);
    const narrow = createMatrix(N, 6, new Float32Array(N * 6).map((_, i) => X.data[Math.floor(i / 6) * P + (i % 6)]!));
    const narrowT = createMatrix(T.rows, 6, new Float32Array(T.rows * 6).map((_, i) => T.data[Math.floor(i / 6) * P + (i % 6)]!));
    const model = await fitVoxelSelectionL2(narrow, Y, { alpha: ALPHA, nFeatures: 6 });
    expect(maxRelativeDiff(model.predict(narrowT), bruteForce(narrow, Y, narrowT, ALPHA, 6).pred)).toBeLessThan(1e-4);
  });
});
