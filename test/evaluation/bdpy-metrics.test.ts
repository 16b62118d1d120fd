import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnCorrelations, rowCorrelations } from '../../lib/evaluation/correlation';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { patternCorrelation } from '../../lib/evaluation/pattern-correlation';
import { unitStatistics } from '../../lib/evaluation/unit-statistics';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';

// Values computed by bdpy itself (test/fixtures/make-bdpy-metrics.py); null stands for NaN.
type Values = (number | null)[];
interface Fixture {
  versions: Record<string, string>;
  cases: {
    pairwise_plain: { pred: Values[]; truth: Values[]; bdpy: Values };
    pairwise_nan: { pred: Values[]; truth: Values[]; bdpy: Values };
    pattern: {
      pred: Values[]; truth: Values[]; train: Values[]; train_mean: Values; train_sd: Values;
      bdpy_pattern: Values; bdpy_pattern_unnormalised: Values; pred_nan: Values[]; bdpy_pattern_nan: Values; bdpy_profile: Values;
    };
  };
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/bdpy-metrics.json'), 'utf8')) as Fixture;

const nan = (v: number | null): number => (v === null ? Number.NaN : v);
const matrix = (rows: Values[]): Matrix => createMatrix(rows.length, rows[0]!.length, Float32Array.from(rows.flat(), nan));
const vector = (v: Values): Float64Array => Float64Array.from(v, nan);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i]!)) expect(actual[i], `item ${i}`).toBeNaN();
    else expect(Math.abs(actual[i]! - expected[i]!), `item ${i}: ${actual[i]} vs bdpy ${expected[i]}`).toBeLessThanOrEqual(tolerance);
  }
}

describe(`bdpy ${fixture.versions.bdpy}'s evaluation metrics`, () => {
  it('pairwise identification agrees without NaN', () => {
    const c = fixture.cases.pairwise_plain;
    const expected = vector(c.bdpy);
    expectClose(pairwiseIdentification(matrix(c.pred), matrix(c.truth)), expected);
    // Not a trivial case: some items are missed.
    expect(Math.min(...expected)).toBeLessThan(0.7);
  });

  it('pairwise identification agrees with NaN values, a constant true image, a constant prediction and a tie', () => {
    const c = fixture.cases.pairwise_nan;
    const expected = vector(c.bdpy);
    expectClose(pairwiseIdentification(matrix(c.pred), matrix(c.truth)), expected);
    // bdpy's conventions, visible in its numbers: the constant true item 4 is no foil (tenths, not elevenths);
    // it and the constant prediction 7 score 0; the tied items 9 and 10 do not both score 1.
    expect(expected[4]).toEqual(-0); // bdpy: 0 comparisons left / (0 - 1)
    expect(expected[7]).toEqual(-0);
    expect(expected.filter((v) => v > 0).every((v) => Math.abs(v * 10 - Math.round(v * 10)) < 1e-12)).toBe(true);
    expect(Math.min(expected[9]!, expected[10]!)).toBeLessThan(1);
  });

  it('the training statistics are the lab’s y_mean and y_norm (sample SD)', () => {
    const c = fixture.cases.pattern;
    const { mean, sd } = unitStatistics(matrix(c.train));
    expectClose(mean, vector(c.train_mean), 1e-9);
    expectClose(sd, vector(c.train_sd), 1e-9);
  });

  it('pattern correlation with training normalisation agrees, also with a NaN unit', () => {
    const c = fixture.cases.pattern;
    const { mean, sd } = unitStatistics(matrix(c.train));
    const normalised = patternCorrelation(matrix(c.pred), matrix(c.truth), mean, sd);
    expectClose(normalised, vector(c.bdpy_pattern));
    expectClose(patternCorrelation(matrix(c.pred_nan), matrix(c.truth), mean, sd), vector(c.bdpy_pattern_nan));
    // Without normalisation bdpy gives other numbers, which plain row correlations reproduce.
    expectClose(rowCorrelations(matrix(c.pred), matrix(c.truth)), vector(c.bdpy_pattern_unnormalised));
    expect(Math.max(...normalised.map((r, i) => Math.abs(r - vector(c.bdpy_pattern_unnormalised)[i]!)))).toBeGreaterThan(0.05);
  });

  it('profile correlation agrees', () => {
    const c = fixture.cases.pattern;
    expectClose(columnCorrelations(matrix(c.pred), matrix(c.truth)), vector(c.bdpy_profile));
  });
});
