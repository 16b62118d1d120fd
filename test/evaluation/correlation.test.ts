import { describe, it, expect } from 'vitest';
import { columnCorrelations, correlationMatrix, pearson, rowCorrelations } from '../../lib/evaluation/correlation';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { randomMatrix } from '../support/linear-reference';

/** Textbook one-pass formula, written differently from the library's two-pass version. */
function referencePearson(x: number[], y: number[]): number {
  const n = x.length;
  const sx = x.reduce((s, v) => s + v, 0);
  const sy = y.reduce((s, v) => s + v, 0);
  const sxy = x.reduce((s, v, i) => s + v * y[i]!, 0);
  const sxx = x.reduce((s, v) => s + v * v, 0);
  const syy = y.reduce((s, v) => s + v * v, 0);
  return (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
}


function row(m: Matrix, i: number): number[] {
  return Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
}

function column(m: Matrix, j: number): number[] {
  return Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]!);
}

describe('pearson', () => {
  it('matches a hand-computed value', () => {
    // x = [1,2,3], y = [1,3,2]: centred (-1,0,1),(-1,1,0) → 1 / sqrt(2 * 2) = 0.5
    expect(pearson([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 12);
  });

  it('is ±1 for exact linear relations and invariant to affine transforms', () => {
    const x = [0.3, -1.2, 4.5, 2.2, 0];
    expect(pearson(x, x.map((v) => 3 * v + 7))).toBeCloseTo(1, 12);
    expect(pearson(x, x.map((v) => -0.5 * v + 1))).toBeCloseTo(-1, 12);
  });

  it('matches the one-pass textbook formula on random data', () => {
    const rnd = new Random(1);
    const x = Array.from({ length: 40 }, () => rnd.normal());
    const y = x.map((v) => 0.3 * v + rnd.normal());
    expect(pearson(x, y)).toBeCloseTo(referencePearson(x, y), 10);
  });

  it('is NaN when either input is constant', () => {
    expect(pearson([2, 2, 2], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
  });

  it('throws on length mismatch', () => {
    expect(() => pearson([1, 2], [1, 2, 3])).toThrow(/lengths differ/);
  });
});

describe('rowCorrelations / columnCorrelations / correlationMatrix', () => {
  const rnd = new Random(2);
  const a = randomMatrix(rnd, 6, 9);
  const b = randomMatrix(rnd, 6, 9);

  it('rowCorrelations matches the reference per row', () => {
    const r = rowCorrelations(a, b);
    expect(r.length).toBe(6);
    for (let i = 0; i < 6; i++) expect(r[i]).toBeCloseTo(referencePearson(row(a, i), row(b, i)), 6);
  });

  it('columnCorrelations matches the reference per column', () => {
    const r = columnCorrelations(a, b);
    expect(r.length).toBe(9);
    for (let j = 0; j < 9; j++) expect(r[j]).toBeCloseTo(referencePearson(column(a, j), column(b, j)), 6);
  });

  it('columnCorrelations gives NaN for a constant column only', () => {
    const c = createMatrix(3, 2, Float32Array.from([1, 5, 1, 6, 1, 8]));
    const r = columnCorrelations(c, c);
    expect(r[0]).toBeNaN();
    expect(r[1]).toBeCloseTo(1, 12);
  });

  it('correlationMatrix matches the reference for every pair, including different row counts', () => {
    const c = randomMatrix(rnd, 4, 9);
    const m = correlationMatrix(a, c);
    expect(m.length).toBe(6 * 4);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 4; j++) expect(m[i * 4 + j]).toBeCloseTo(referencePearson(row(a, i), row(c, j)), 6);
    }
  });

  it('rejects mismatched shapes', () => {
    expect(() => rowCorrelations(a, randomMatrix(rnd, 6, 8))).toThrow(/shapes differ/);
    expect(() => columnCorrelations(a, randomMatrix(rnd, 5, 9))).toThrow(/shapes differ/);
    expect(() => correlationMatrix(a, randomMatrix(rnd, 6, 8))).toThrow(/column counts differ/);
  });

  it('columnCorrelations is exact for an affine copy of a wide matrix', () => {
    const big = randomMatrix(rnd, 50, 100_000);
    const shifted = createMatrix(50, 100_000, big.data.map((v) => 2 * v + 1));
    const r = columnCorrelations(big, shifted);
    expect(r.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });
});
