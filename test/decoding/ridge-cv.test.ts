import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../lib/compute/backend';
import { decodeLayerRidge } from '../../lib/decoding/ridge';
import { assignFolds, decodeRidgeCv } from '../../lib/decoding/ridge-cv';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { gaussJordan, maxRelativeDiff } from '../support/linear-reference';

const ALPHAS = [0.1, 3, 100, 1e4];

/**
 * Units whose best penalty clearly differs: unit 0 is a clean linear readout (small α wins),
 * units 1–2 mix signal and heavy noise, unit 3 is pure noise (largest α wins).
 */
function problem(seed: number, n: number, p: number): { X: Matrix; Y: Matrix; T: Matrix } {
  const rnd = new Random(seed);
  const X = createMatrix(n, p, new Float32Array(n * p).map(() => rnd.normal()));
  const w = Array.from({ length: p }, () => rnd.normal());
  const noise = [0.05, 2, 6, 1];
  const signal = [1, 1, 0.3, 0];
  const Y = createMatrix(n, noise.length);
  for (let i = 0; i < n; i++) {
    const s = w.reduce((acc, wj, j) => acc + wj * X.data[i * p + j]!, 0);
    noise.forEach((sd, u) => (Y.data[i * noise.length + u] = signal[u]! * s + sd * rnd.normal() + 5 * u));
  }
  const T = createMatrix(6, p, new Float32Array(6 * p).map(() => rnd.normal()));
  return { X, Y, T };
}


const rowsOf = (m: Matrix, idx: number[]): number[][] => idx.map((i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));

/** Primal closed-form ridge with intercept on plain arrays; returns predictions at `test` rows. */
function closedFormRidge(X: number[][], Y: number[][], test: number[][], alpha: number): number[][] {
  const p = X[0]!.length;
  const q = Y[0]!.length;
  const xm = Array.from({ length: p }, (_, j) => X.reduce((s, r) => s + r[j]!, 0) / X.length);
  const ym = Array.from({ length: q }, (_, j) => Y.reduce((s, r) => s + r[j]!, 0) / Y.length);
  const A = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => X.reduce((s, r) => s + (r[a]! - xm[a]!) * (r[b]! - xm[b]!), a === b ? alpha : 0)));
  const B = Array.from({ length: p }, (_, a) => Array.from({ length: q }, (_, u) => X.reduce((s, r, i) => s + (r[a]! - xm[a]!) * (Y[i]![u]! - ym[u]!), 0)));
  const W = gaussJordan(A, B);
  return test.map((t) => ym.map((m, u) => t.reduce((s, v, a) => s + (v - xm[a]!) * W[a]![u]!, m)));
}

/** The whole procedure by brute force: every fold, every α, a separate closed-form fit. */
function bruteForceCv(X: Matrix, Y: Matrix, T: Matrix, alphas: number[], foldOf: number[]): { alpha: number[]; pred: number[][] } {
  const q = Y.cols;
  const folds = Math.max(...foldOf) + 1;
  const mean = alphas.map(() => new Array<number>(q).fill(0));
  for (let f = 0; f < folds; f++) {
    const tr = foldOf.flatMap((g, i) => (g === f ? [] : [i]));
    const va = foldOf.flatMap((g, i) => (g === f ? [i] : []));
    const yva = rowsOf(Y, va);
    alphas.forEach((alpha, a) => {
      const pred = closedFormRidge(rowsOf(X, tr), rowsOf(Y, tr), rowsOf(X, va), alpha);
      for (let u = 0; u < q; u++) {
        const m = yva.reduce((s, r) => s + r[u]!, 0) / yva.length;
        const ssTot = yva.reduce((s, r) => s + (r[u]! - m) ** 2, 0);
        const ssRes = yva.reduce((s, r, i) => s + (r[u]! - pred[i]![u]!) ** 2, 0);
        mean[a]![u]! += (1 - ssRes / ssTot) / folds;
      }
    });
  }
  const all = [...Array(X.rows).keys()];
  const alpha = Array.from({ length: q }, (_, u) => alphas[mean.reduce((best, s, a) => (s[u]! > mean[best]![u]! ? a : best), 0)]!);
  const perAlpha = new Map(alphas.map((a) => [a, closedFormRidge(rowsOf(X, all), rowsOf(Y, all), rowsOf(T, [...Array(T.rows).keys()]), a)]));
  const pred = Array.from({ length: T.rows }, (_, t) => alpha.map((a, u) => perAlpha.get(a)![t]![u]!));
  return { alpha, pred };
}


describe('decodeRidgeCv', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each([
    ['dual (trials ≤ voxels)', 24, 30],
    ['primal (trials > voxels)', 60, 8],
  ])('picks each unit’s α and predicts like brute force, %s', async (_, n, p) => {
    const { X, Y, T } = problem(n + p, n, p);
    const folds = 4;
    const foldOf = Array.from({ length: n }, (_, i) => Math.floor((i * folds) / n));
    const ref = bruteForceCv(X, Y, T, ALPHAS, foldOf);
    // The case only tests selection if the units really want different penalties.
    expect(new Set(ref.alpha).size).toBeGreaterThan(1);
    const got = await decodeRidgeCv(X, Y, [T], { alphas: ALPHAS, folds, chunkColumns: 3 });
    expect(Array.from(got.alphaPerUnit)).toEqual(ref.alpha);
    expect(maxRelativeDiff(got.predictions[0]!, ref.pred)).toBeLessThan(1e-4);
  });

  it('keeps groups whole when assigning folds and uses those folds', async () => {
    const n = 30;
    const groups = Int32Array.from({ length: n }, (_, i) => [7, 3, 9, 1, 5][i % 5]!);
    const foldOf = assignFolds(n, 3, groups);
    const byGroup = new Map<number, Set<number>>();
    groups.forEach((g, i) => byGroup.set(g, (byGroup.get(g) ?? new Set()).add(foldOf[i]!)));
    for (const folds of byGroup.values()) expect(folds.size).toBe(1);
    expect(new Set(foldOf)).toEqual(new Set([0, 1, 2]));

    const { X, Y, T } = problem(11, n, 12);
    const ref = bruteForceCv(X, Y, T, ALPHAS, Array.from(foldOf));
    const got = await decodeRidgeCv(X, Y, [T], { alphas: ALPHAS, folds: 3, groups });
    expect(Array.from(got.alphaPerUnit)).toEqual(ref.alpha);
    expect(maxRelativeDiff(got.predictions[0]!, ref.pred)).toBeLessThan(1e-4);
  });

  it('without groups, folds are contiguous blocks of rows', () => {
    expect(Array.from(assignFolds(7, 3))).toEqual([0, 0, 0, 1, 1, 2, 2]);
    expect(() => assignFolds(4, 3, Int32Array.from([1, 1, 2, 2]))).toThrow(/groups/);
  });

  it('with a single α equals decodeLayerRidge', async () => {
    const { X, Y, T } = problem(12, 40, 25);
    const got = await decodeRidgeCv(X, Y, [T, X], { alphas: [7], folds: 2 });
    const ref = await decodeLayerRidge(X, Y, [T, X], { alpha: 7 });
    got.predictions.forEach((m, i) => m.data.forEach((v, j) => expect(v).toBeCloseTo(ref[i]!.data[j]!, 4)));
    expect(Array.from(got.alphaPerUnit)).toEqual([7, 7, 7, 7]);
  });

  it('rejects bad options', async () => {
    const { X, Y, T } = problem(13, 20, 5);
    await expect(decodeRidgeCv(X, Y, [T], { alphas: [], folds: 2 })).rejects.toThrow(/alphas/);
    await expect(decodeRidgeCv(X, Y, [T], { alphas: [1, -1], folds: 2 })).rejects.toThrow(/alphas/);
    await expect(decodeRidgeCv(X, Y, [T], { alphas: [1], folds: 1 })).rejects.toThrow(/folds/);
    await expect(decodeRidgeCv(X, Y, [T], { alphas: [1], folds: 2, groups: new Int32Array(3) })).rejects.toThrow(/group/);
  });
});
