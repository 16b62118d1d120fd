import { describe, it, expect } from 'vitest';
import { twoWayIdentification } from '../../lib/evaluation/two-way-identification';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { randomMatrix } from '../support/linear-reference';

/** Brute-force correlation: z-score both rows (population sd) and average the products. */
function zCorr(m1: Matrix, i: number, m2: Matrix, j: number): number {
  const d = m1.cols;
  const z = (m: Matrix, r: number): number[] => {
    const row = Array.from(m.data.subarray(r * d, (r + 1) * d));
    const mu = row.reduce((s, v) => s + v, 0) / d;
    const sd = Math.sqrt(row.reduce((s, v) => s + (v - mu) ** 2, 0) / d);
    return row.map((v) => (v - mu) / sd);
  };
  const a = z(m1, i);
  const b = z(m2, j);
  return a.reduce((s, v, k) => s + v * b[k]!, 0) / d;
}

function bruteForce(pred: Matrix, truth: Matrix): number[] {
  const n = pred.rows;
  return Array.from({ length: n }, (_, i) => {
    let wins = 0;
    for (let j = 0; j < n; j++) if (j !== i && zCorr(pred, i, truth, i) > zCorr(pred, i, truth, j)) wins++;
    return wins / (n - 1);
  });
}


describe('twoWayIdentification', () => {
  it('matches a brute-force loop on noisy feature predictions', () => {
    const rnd = new Random(21);
    const truth = randomMatrix(rnd, 15, 40);
    const pred = createMatrix(15, 40, truth.data.map((v) => v + 3 * rnd.normal()));
    const acc = Array.from(twoWayIdentification(pred, truth));
    expect(acc).toEqual(bruteForce(pred, truth));
    const mean = acc.reduce((s, v) => s + v, 0) / acc.length;
    expect(mean).toBeGreaterThan(0.5);
    expect(mean).toBeLessThan(1);
  });

  it('scores a hand-built 3-item case', () => {
    // Truth rows are zero-mean and mutually orthogonal, so r = cosine, computed by hand:
    //   t0 = (1,1,-1,-1), t1 = (1,-1,1,-1), t2 = (1,-1,-1,1), each of norm 2.
    // pred0 = t0: r = (1, 0, 0) with (t0, t1, t2) → beats both foils → 1.
    // pred1 = 2·t0 + t1 = (3,1,-1,-3), norm √20: dots (8, 4, 0) → r = (.894, .447, 0);
    //   own .447 loses to t0, beats t2 → 1/2.
    // pred2 = -t2: r = (0, 0, -1) → own is the minimum → 0.
    const truth = createMatrix(3, 4, new Float32Array([1, 1, -1, -1, 1, -1, 1, -1, 1, -1, -1, 1]));
    const pred = createMatrix(3, 4, new Float32Array([1, 1, -1, -1, 3, 1, -1, -3, -1, 1, 1, -1]));
    expect(Array.from(twoWayIdentification(pred, truth))).toEqual([1, 0.5, 0]);
  });

  it('counts ties as failures, including NaN from a constant prediction', () => {
    // Orthogonal zero-mean truths as above; pred1 = t0 + t1 = (2,0,0,-2) correlates exactly
    // equally (1/√2) with its own t1 and with foil t0 → tie = failure; 0 with t2 → win → 1/2.
    const truth = createMatrix(3, 4, new Float32Array([1, 1, -1, -1, 1, -1, 1, -1, 1, -1, -1, 1]));
    const tied = createMatrix(3, 4, new Float32Array([1, 1, -1, -1, 2, 0, 0, -2, 1, -1, -1, 1]));
    expect(Array.from(twoWayIdentification(tied, truth))).toEqual([1, 0.5, 1]);
    const constant = createMatrix(3, 4, new Float32Array([1, 1, -1, -1, 5, 5, 5, 5, 1, -1, -1, 1]));
    expect(Array.from(twoWayIdentification(constant, truth))).toEqual([1, 0, 1]);
  });

  it('is at chance on average when predictions ignore the truth', () => {
    const rnd = new Random(4);
    const truth = randomMatrix(rnd, 60, 20);
    const pred = randomMatrix(rnd, 60, 20);
    const acc = twoWayIdentification(pred, truth);
    const mean = acc.reduce((s, v) => s + v, 0) / acc.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.08);
  });

  it('rejects mismatched shapes and fewer than two items', () => {
    expect(() => twoWayIdentification(createMatrix(3, 4), createMatrix(3, 5))).toThrow(/shapes differ/);
    expect(() => twoWayIdentification(createMatrix(1, 4), createMatrix(1, 4))).toThrow(/at least 2/);
  });
});
