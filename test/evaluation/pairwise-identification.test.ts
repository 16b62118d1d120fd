import { describe, it, expect } from 'vitest';
import { pearson } from '../../lib/evaluation/correlation';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { randomMatrix } from '../support/linear-reference';

function rowOf(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Brute force: every pair recomputed with pearson, no shared correlation matrix. */
function bruteForce(pred: Matrix, truth: Matrix): number[] {
  const n = pred.rows;
  return Array.from({ length: n }, (_, i) => {
    const own = pearson(rowOf(pred, i), rowOf(truth, i));
    let wins = 0;
    for (let j = 0; j < n; j++) if (j !== i && pearson(rowOf(pred, i), rowOf(truth, j)) < own) wins++;
    return wins / (n - 1);
  });
}


describe('pairwiseIdentification', () => {
  it('matches a brute-force loop on noisy predictions', () => {
    const rnd = new Random(3);
    const truth = randomMatrix(rnd, 12, 30);
    const pred = createMatrix(12, 30, truth.data.map((v) => v + 4 * rnd.normal()));
    const acc = Array.from(pairwiseIdentification(pred, truth));
    const expected = bruteForce(pred, truth);
    expect(acc).toEqual(expected);
    // Sanity: the noise level leaves results between chance and perfect.
    const mean = acc.reduce((s, v) => s + v, 0) / acc.length;
    expect(mean).toBeGreaterThan(0.5);
    expect(mean).toBeLessThan(1);
  });

  it('is 1 for every item when predictions equal the truth', () => {
    const truth = randomMatrix(new Random(4), 5, 10);
    expect(Array.from(pairwiseIdentification(truth, truth))).toEqual([1, 1, 1, 1, 1]);
  });

  it('is 0 when each prediction is anti-correlated with its own image', () => {
    const truth = randomMatrix(new Random(5), 5, 10);
    const negated = createMatrix(5, 10, truth.data.map((v) => -v));
    // corr(-t_i, t_i) = -1 is the minimum, so no other candidate scores lower.
    expect(Array.from(pairwiseIdentification(negated, truth))).toEqual([0, 0, 0, 0, 0]);
  });

  it('scores a hand-computed 3-item case', () => {
    // Truth rows: t0 = (1,0,0), t1 = (0,1,0), t2 = (0,0,1). Prediction 0 = t1 (wrong: corr with t0
    // is -0.5, with t1 1, with t2 -0.5 → beats t2? -0.5 < -0.5 is false → 0/2).
    // Prediction 1 = t1 → 2/2. Prediction 2 = (0,1,2): corr with t2 is highest → 2/2.
    const truth = createMatrix(3, 3, Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]));
    const pred = createMatrix(3, 3, Float32Array.from([0, 1, 0, 0, 1, 0, 0, 1, 2]));
    expect(Array.from(pairwiseIdentification(pred, truth))).toEqual([0, 1, 1]);
  });

  it('counts ties as failures', () => {
    // Truth rows 0 and 1 are identical, so candidate 1 ties with item 0's own image and vice versa.
    const t = [1, 2, 3, 4];
    const truth = createMatrix(3, 4, Float32Array.from([...t, ...t, 4, 1, 3, 2]));
    const acc = pairwiseIdentification(truth, truth);
    expect(Array.from(acc)).toEqual([0.5, 0.5, 1]);
  });

  it('follows bdpy with NaN: NaN columns dropped, constant candidates left out of the count, undefined own correlation 0', () => {
    const rnd = new Random(7);
    const truth = randomMatrix(rnd, 6, 10);
    const pred = createMatrix(6, 10, truth.data.map((v) => v + 1.5 * rnd.normal()));
    // A NaN anywhere in column 4 gives the same as dropping column 4 from both matrices.
    const withNan = createMatrix(6, 10, pred.data.slice());
    withNan.data[1 * 10 + 4] = Number.NaN;
    const drop = (m: Matrix) => createMatrix(6, 9, Float32Array.from({ length: 54 }, (_, k) => m.data[Math.floor(k / 9) * 10 + (k % 9 < 4 ? k % 9 : (k % 9) + 1)]!));
    expect(Array.from(pairwiseIdentification(withNan, truth))).toEqual(bruteForce(drop(pred), drop(truth)));
    // True image 5 constant: no foil for anyone (denominator 4, not 5); prediction 5 scores 0.
    const flat = createMatrix(6, 10, truth.data.slice());
    flat.data.fill(0.2, 50, 60);
    const acc = Array.from(pairwiseIdentification(pred, flat));
    const firstFive = bruteForce(createMatrix(5, 10, pred.data.slice(0, 50)), createMatrix(5, 10, flat.data.slice(0, 50)));
    expect(acc).toEqual([...firstFive, 0]);
  });

  it('rejects mismatched shapes and too few items', () => {
    const rnd = new Random(6);
    expect(() => pairwiseIdentification(randomMatrix(rnd, 3, 4), randomMatrix(rnd, 3, 5))).toThrow(/shapes differ/);
    expect(() => pairwiseIdentification(randomMatrix(rnd, 1, 4), randomMatrix(rnd, 1, 4))).toThrow(/at least 2/);
  });
});
