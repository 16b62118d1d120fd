import { describe, expect, it } from 'vitest';
import { pearson } from '../../lib/evaluation/correlation';
import { patternCorrelation } from '../../lib/evaluation/pattern-correlation';
import { unitStatistics } from '../../lib/evaluation/unit-statistics';
import { createMatrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';

describe('patternCorrelation', () => {
  it('is the row correlation of the units z-scored with the training mean and SD', () => {
    const rnd = new Random(41);
    const [rows, cols] = [6, 9];
    const scale = Array.from({ length: cols }, () => 0.1 + 5 * rnd.next());
    const offset = Array.from({ length: cols }, () => 10 * rnd.normal());
    const draw = (n: number) => createMatrix(n, cols, Float32Array.from({ length: n * cols }, (_, k) => offset[k % cols]! + scale[k % cols]! * rnd.normal()));
    const train = draw(25);
    const truth = draw(rows);
    const pred = createMatrix(rows, cols, truth.data.map((v, k) => v + scale[k % cols]! * rnd.normal()));
    const { mean, sd } = unitStatistics(train);
    const r = patternCorrelation(pred, truth, mean, sd);
    for (let i = 0; i < rows; i++) {
      const z = (m: typeof pred) => Array.from({ length: cols }, (_, j) => (m.data[i * cols + j]! - mean[j]!) / sd[j]!);
      expect(r[i]).toBeCloseTo(pearson(z(pred), z(truth)), 12);
    }
  });

  it('drops units with a zero training SD and units that are NaN for any image', () => {
    const truth = createMatrix(2, 4, Float32Array.of(1, 2, 3, 9, 4, 1, 2, 9));
    const pred = createMatrix(2, 4, Float32Array.of(1, 3, 2, 7, Number.NaN, 2, 1, 5));
    const mean = Float64Array.of(0, 1, 2, 9);
    const sd = Float64Array.of(1, 2, 1, 0);
    // Unit 3 (SD 0) and unit 0 (NaN in prediction 1) are left out: units 1 and 2 remain.
    const r = patternCorrelation(pred, truth, mean, sd);
    expect(r[0]).toBeCloseTo(pearson([1, 0], [0.5, 1]), 12);
    // Image 1's true pattern is constant on units 1–2 after z-scoring, so its correlation is undefined.
    expect(r[1]).toBeNaN();
  });

  it('rejects statistics of another width', () => {
    const m = createMatrix(2, 3);
    expect(() => patternCorrelation(m, m, new Float64Array(2), new Float64Array(3))).toThrow(/training statistics/);
  });
});
