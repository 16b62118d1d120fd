import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { encodeConditions, fitConditionEncoder } from '../../lib/gan/condition-encoder';
import { principalAxes } from '../../lib/linalg/principal-axes';
import { symmetricEigen } from '../../lib/linalg/symmetric-eigen';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';

beforeAll(async () => {
  await suiteBackend();
});

/** A random orthonormal basis (rows) of R^d by Gram–Schmidt, written out here independently. */
function orthonormalRows(count: number, d: number, rng: Random): number[][] {
  const rows: number[][] = [];
  while (rows.length < count) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (const u of rows) {
      const dot = u.reduce((s, x, i) => s + x * v[i]!, 0);
      u.forEach((x, i) => (v[i]! -= dot * x));
    }
    const norm = Math.hypot(...v);
    rows.push(v.map((x) => x / norm));
  }
  return rows;
}

/**
 * Rows ±σ_j·v_j (each twice with opposite signs): mean exactly 0 and covariance exactly
 * Σ_j (2σ_j²/n) v_j v_jᵀ, so the principal axes are the v_j with variances 2σ_j²/n.
 */
function knownAxesData(axes: number[][], sigmas: number[]): Matrix {
  const d = axes[0]!.length;
  const m = createMatrix(2 * axes.length, d);
  axes.forEach((v, j) => {
    for (let c = 0; c < d; c++) {
      m.data[2 * j * d + c] = sigmas[j]! * v[c]!;
      m.data[(2 * j + 1) * d + c] = -sigmas[j]! * v[c]!;
    }
  });
  return m;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

describe('symmetricEigen', () => {
  it('matches the closed form of a 2×2 matrix', () => {
    const [a, b, c] = [3, 1.5, -2];
    const { values, vectors } = symmetricEigen([a, b, b, c], 2);
    const mid = (a + c) / 2;
    const r = Math.hypot((a - c) / 2, b);
    expect(values[0]).toBeCloseTo(mid + r, 12);
    expect(values[1]).toBeCloseTo(mid - r, 12);
    // (A − λ) v = 0 for the first vector.
    expect(a * vectors[0]! + b * vectors[1]! - values[0]! * vectors[0]!).toBeCloseTo(0, 12);
  });
});

describe('principalAxes', () => {
  it('recovers known axes and variances exactly when rows are few (direct decomposition)', () => {
    const rng = new Random(1);
    const axes = orthonormalRows(4, 9, rng);
    const sigmas = [5, 3, 2, 1];
    const x = knownAxesData(axes, sigmas);
    const pca = principalAxes(x, 3);
    for (let j = 0; j < 3; j++) {
      expect(pca.variances[j]).toBeCloseTo((2 * sigmas[j]! ** 2) / x.rows, 4);
      expect(Math.abs(dot(pca.axes.subarray(j * 9, (j + 1) * 9), axes[j]!))).toBeCloseTo(1, 5);
    }
  });

  it('recovers known axes by subspace iteration when rows exceed k + oversampling', () => {
    const rng = new Random(2);
    // 40 axes in 60 dimensions → 80 rows; k = 5 uses the iterative path (5 + 16 < 80).
    const sigmas = Array.from({ length: 40 }, (_, j) => 10 / (1 + j));
    const axes = orthonormalRows(40, 60, rng);
    const x = knownAxesData(axes, sigmas);
    const before = tf.memory().numTensors;
    const pca = principalAxes(x, 5);
    expect(tf.memory().numTensors).toBe(before);
    for (let j = 0; j < 5; j++) {
      expect(pca.variances[j]! / ((2 * sigmas[j]! ** 2) / x.rows)).toBeCloseTo(1, 4);
      expect(Math.abs(dot(pca.axes.subarray(j * 60, (j + 1) * 60), axes[j]!))).toBeCloseTo(1, 4);
    }
  });
});

describe('fitConditionEncoder / encodeConditions', () => {
  it('standardises with the training mean and population SD, then projects: closed form on 3 rows × 2 voxels', () => {
    // Voxel 0: 1, 2, 3 (mean 2, SD √(2/3)); voxel 1: 10, 10, 16 (mean 12, SD √8).
    const train = createMatrix(3, 2, Float32Array.from([1, 10, 2, 10, 3, 16]));
    const enc = fitConditionEncoder(train, 1);
    expect(Array.from(enc.mean)).toEqual([2, 12]);
    expect(enc.sd[0]).toBeCloseTo(Math.sqrt(2 / 3), 6);
    expect(enc.sd[1]).toBeCloseTo(Math.sqrt(8), 6);
    // A test row far outside the training range, as averaged patterns of another scale would be.
    const test = createMatrix(1, 2, Float32Array.from([7, -4]));
    const z = [(7 - 2) / Math.sqrt(2 / 3), (-4 - 12) / Math.sqrt(8)];
    const expected = z[0]! * enc.projection[0]! + z[1]! * enc.projection[1]!;
    expect(encodeConditions(enc, test).data[0]).toBeCloseTo(expected, 4);
    // The training mean maps to the origin; the kept training embedding has variance 1 (one dim).
    expect(encodeConditions(enc, createMatrix(1, 2, Float32Array.from([2, 12]))).data[0]).toBeCloseTo(0, 6);
    const e = encodeConditions(enc, train).data;
    expect((e[0]! ** 2 + e[1]! ** 2 + e[2]! ** 2) / 3).toBeCloseTo(1, 5);
  });

  it('gives embeddings with zero mean and mean variance 1 per dimension, caps the dimension at rows − 1', () => {
    const rng = new Random(3);
    const x = createMatrix(30, 50);
    for (let i = 0; i < x.data.length; i++) x.data[i] = 4 + 3 * rng.normal() + (i % 50) * 0.1;
    const enc = fitConditionEncoder(x, 128);
    expect(enc.dim).toBe(29);
    const e = encodeConditions(enc, x);
    let total = 0;
    for (let c = 0; c < e.cols; c++) {
      let m = 0;
      let s = 0;
      for (let i = 0; i < e.rows; i++) m += e.data[i * e.cols + c]!;
      for (let i = 0; i < e.rows; i++) s += e.data[i * e.cols + c]! ** 2;
      expect(m / e.rows).toBeCloseTo(0, 4);
      total += s / e.rows;
    }
    expect(total / e.cols).toBeCloseTo(1, 4);
  });
});
