import { describe, it, expect } from 'vitest';
import { createMatrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { zscoreWithinRuns } from '../../lib/preprocess/zscore';

describe('zscoreWithinRuns', () => {
  it('matches hand-computed values, with runs interleaved and a constant voxel', () => {
    // Run 7: rows 0, 2 → voxel 0 values 1, 3 (mean 2, SD 1); voxel 1 values 5, 5 (constant → 0).
    // Run 3: rows 1, 3, 4 → voxel 0 values 0, 3, 6 (mean 3, SD √6); voxel 1 values 2, 2, 8 (mean 4, SD √8).
    const X = createMatrix(5, 2, Float32Array.from([1, 5, 0, 2, 3, 5, 3, 2, 6, 8]));
    const runs = Int32Array.from([7, 3, 7, 3, 3]);
    const z = zscoreWithinRuns(X, runs);
    const s6 = Math.sqrt(6);
    const s8 = Math.sqrt(8);
    const expected = [-1, 0, -3 / s6, -2 / s8, 1, 0, 0, -2 / s8, 3 / s6, 4 / s8];
    expect(z.rows).toBe(5);
    expect(z.cols).toBe(2);
    expected.forEach((v, i) => expect(z.data[i]).toBeCloseTo(v, 6));
  });

  it('gives each run mean 0 and population SD 1 per voxel on random data', () => {
    const rnd = new Random(11);
    const X = createMatrix(12, 4, new Float32Array(48).map(() => 10 + 3 * rnd.normal()));
    const runs = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]);
    const z = zscoreWithinRuns(X, runs);
    for (const run of [0, 1, 2]) {
      const rows = [...runs.keys()].filter((i) => runs[i] === run);
      for (let j = 0; j < 4; j++) {
        const v = rows.map((i) => z.data[i * 4 + j]!);
        const mean = v.reduce((s, x) => s + x, 0) / v.length;
        const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
        expect(mean).toBeCloseTo(0, 5);
        expect(variance).toBeCloseTo(1, 5);
      }
    }
  });

  it('does not modify its input and rejects a wrong number of run labels', () => {
    const X = createMatrix(2, 1, Float32Array.from([1, 3]));
    zscoreWithinRuns(X, Int32Array.from([0, 0]));
    expect(Array.from(X.data)).toEqual([1, 3]);
    expect(() => zscoreWithinRuns(X, Int32Array.from([0]))).toThrow(/1 run labels for 2 rows/);
  });
});
