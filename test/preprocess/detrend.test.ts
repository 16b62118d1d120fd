import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../lib/linalg/matrix';
import { detrendWithinRuns } from '../../lib/preprocess/detrend';
import { Random } from '../../lib/random';

/** Independent reference: the least-squares line from the 2×2 normal equations, solved in float64. */
function closedFormResidual(x: number[], t: number[]): number[] {
  const n = x.length;
  const st = t.reduce((s, v) => s + v, 0);
  const stt = t.reduce((s, v) => s + v * v, 0);
  const sx = x.reduce((s, v) => s + v, 0);
  const stx = t.reduce((s, v, k) => s + v * x[k]!, 0);
  const det = n * stt - st * st;
  const a = (stt * sx - st * stx) / det;
  const b = (n * stx - st * sx) / det;
  return x.map((v, k) => v - a - b * t[k]!);
}

describe('detrendWithinRuns', () => {
  // Two interleaved runs with unsorted block numbers.
  const runs = Int32Array.from([4, 9, 4, 9, 4, 9, 4, 4, 9]);
  const blocks = Int32Array.from([3, 1, 1, 4, 2, 2, 5, 4, 3]);

  it('removes a pure line exactly, with a different line per run and voxel', () => {
    const X = createMatrix(9, 2);
    runs.forEach((run, i) => {
      X.data[i * 2] = run === 4 ? 5 + 0.5 * blocks[i]! : -2 - 3 * blocks[i]!;
      X.data[i * 2 + 1] = run === 4 ? 100 - blocks[i]! : 7;
    });
    const out = detrendWithinRuns(X, runs, blocks);
    for (const v of out.data) expect(Math.abs(v)).toBeLessThan(1e-4);
  });

  it('leaves the closed-form least-squares residual, orthogonal to [1, t] in every run', () => {
    const rng = new Random(5);
    const X = createMatrix(9, 3, Float32Array.from({ length: 27 }, () => 10 + 4 * rng.normal()));
    const out = detrendWithinRuns(X, runs, blocks);
    for (const run of [4, 9]) {
      const rows = [...runs.keys()].filter((i) => runs[i] === run);
      const t = rows.map((i) => blocks[i]!);
      for (let j = 0; j < 3; j++) {
        const residual = rows.map((i) => out.data[i * 3 + j]!);
        const expected = closedFormResidual(rows.map((i) => X.data[i * 3 + j]!), t);
        residual.forEach((r, k) => expect(r).toBeCloseTo(expected[k]!, 4));
        expect(Math.abs(residual.reduce((s, r) => s + r, 0))).toBeLessThan(1e-4);
        expect(Math.abs(residual.reduce((s, r, k) => s + r * t[k]!, 0))).toBeLessThan(1e-3);
      }
    }
  });

  it('zeroes a run of one trial and only centres a run whose trials share one time', () => {
    const X = createMatrix(3, 1, Float32Array.from([5, 1, 3]));
    const out = detrendWithinRuns(X, Int32Array.from([1, 2, 2]), Int32Array.from([1, 7, 7]));
    expect(Array.from(out.data)).toEqual([0, -1, 1]);
  });

  it('rejects run or time labels of the wrong length', () => {
    expect(() => detrendWithinRuns(createMatrix(2, 1), Int32Array.from([1]), [1, 2])).toThrow(/1 run labels and 2 times for 2 rows/);
  });
});
