import { describe, expect, it } from 'vitest';
import { pearson } from '../../lib/evaluation/correlation';
import { nWayIdentification } from '../../lib/evaluation/nway-identification';
import { createMatrix, type Matrix, rowView } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { randomMatrix } from '../support/linear-reference';

/** Brute force: every correlation recomputed with pearson; 1 only if the own one beats every other strictly. */
function bruteForce(pred: Matrix, truth: Matrix): number[] {
  return Array.from({ length: pred.rows }, (_, i) => {
    const scores = Array.from({ length: truth.rows }, (_, j) => pearson(rowView(pred, i), rowView(truth, j)));
    const best = Math.max(...scores);
    const winners = scores.filter((s) => s === best).length;
    return scores[i] === best && winners === 1 ? 1 : 0;
  });
}

const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;

describe('nWayIdentification', () => {
  it('matches a brute-force argmax on noisy predictions, and is stricter than pairwise', () => {
    const rnd = new Random(11);
    const truth = randomMatrix(rnd, 15, 40);
    const pred = createMatrix(15, 40, truth.data.map((v) => v + 2.5 * rnd.normal()));
    const acc = Array.from(nWayIdentification(pred, truth));
    expect(acc).toEqual(bruteForce(pred, truth));
    // Neither trivial nor hopeless at this noise level.
    expect(mean(acc)).toBeGreaterThan(1 / 15);
    expect(mean(acc)).toBeLessThan(1);
  });

  it('is 1 for exact predictions and 0 when every prediction is another item’s true image', () => {
    const truth = randomMatrix(new Random(12), 6, 10);
    expect(Array.from(nWayIdentification(truth, truth))).toEqual([1, 1, 1, 1, 1, 1]);
    // Prediction i is true item i+1: its own image is never the best match (corr 1 with the other).
    const shifted = createMatrix(6, 10, Float32Array.from({ length: 60 }, (_, k) => truth.data[((Math.floor(k / 10) + 1) % 6) * 10 + (k % 10)]!));
    expect(Array.from(nWayIdentification(shifted, truth))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts a tie for the top as a failure', () => {
    const t = [1, 2, 3, 4];
    const truth = createMatrix(3, 4, Float32Array.from([...t, ...t, 4, 1, 3, 2]));
    // Items 0 and 1 have identical true images: each ties with the other for the top.
    expect(Array.from(nWayIdentification(truth, truth))).toEqual([0, 0, 1]);
  });

  it('is at chance, 1/N, for predictions unrelated to the images', () => {
    const rnd = new Random(13);
    const sets = 800;
    const n = 5;
    let total = 0;
    for (let s = 0; s < sets; s++) total += mean(nWayIdentification(randomMatrix(rnd, n, 8), randomMatrix(rnd, n, 8)));
    // SD of the mean over 800 sets of 5 Bernoulli(0.2) ≈ 0.2·0.8/√4000 ≈ 0.0063.
    expect(Math.abs(total / sets - 1 / n)).toBeLessThan(0.025);
  });

  it('leaves out NaN columns and constant candidates, and scores an undefined own correlation 0', () => {
    const rnd = new Random(14);
    const truth = randomMatrix(rnd, 5, 12);
    const pred = createMatrix(5, 12, truth.data.map((v) => v + 0.3 * rnd.normal()));
    // A NaN in column 3 of one prediction: the same result as dropping column 3 everywhere.
    const withNan = createMatrix(5, 12, pred.data.slice());
    withNan.data[2 * 12 + 3] = Number.NaN;
    const drop = (m: Matrix) => createMatrix(5, 11, Float32Array.from({ length: 55 }, (_, k) => m.data[Math.floor(k / 11) * 12 + (k % 11 < 3 ? k % 11 : (k % 11) + 1)]!));
    expect(Array.from(nWayIdentification(withNan, truth))).toEqual(Array.from(nWayIdentification(drop(pred), drop(truth))));
    // A constant true image 4: undefined for everyone; prediction 4 scores 0, the others ignore it.
    const flat = createMatrix(5, 12, truth.data.slice());
    flat.data.fill(0.5, 4 * 12, 5 * 12);
    expect(Array.from(nWayIdentification(pred, flat))).toEqual([1, 1, 1, 1, 0]);
  });

  it('rejects mismatched shapes and too few items', () => {
    const rnd = new Random(15);
    expect(() => nWayIdentification(randomMatrix(rnd, 3, 4), randomMatrix(rnd, 3, 5))).toThrow(/shapes differ/);
    expect(() => nWayIdentification(randomMatrix(rnd, 1, 4), randomMatrix(rnd, 1, 4))).toThrow(/at least 2/);
  });
});
