import { describe, expect, it } from 'vitest';
import { bootstrapInterval } from '../../lib/evaluation/bootstrap-interval';
import { Random } from '../../lib/random';

describe('bootstrapInterval', () => {
  it('collapses to the value when every image scores the same', () => {
    expect(bootstrapInterval(new Float64Array(20).fill(0.75))).toEqual({ low: 0.75, high: 0.75 });
    expect(bootstrapInterval([0.3])).toEqual({ low: 0.3, high: 0.3 });
  });

  it('spans 0 to 1 for two images scoring 0 and 1 (resampled means 0, ½, 1 with probabilities ¼, ½, ¼)', () => {
    // P(mean = 0) = ¼ > 2.5 %, so the 2.5th percentile is 0 and the 97.5th is 1.
    expect(bootstrapInterval([0, 1])).toEqual({ low: 0, high: 1 });
  });

  it('matches mean ± 1.96 standard errors for many images', () => {
    const rnd = new Random(21);
    const n = 2000;
    const values = Float64Array.from({ length: n }, () => 0.6 + 0.2 * rnd.normal());
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    const se = sd / Math.sqrt(n);
    const { low, high } = bootstrapInterval(values, { resamples: 2000 });
    // Monte Carlo error of a 2.5 % quantile of 2,000 resamples is about 0.06 SE; allow 0.25 SE.
    expect(Math.abs(low - (mean - 1.96 * se))).toBeLessThan(0.25 * se);
    expect(Math.abs(high - (mean + 1.96 * se))).toBeLessThan(0.25 * se);
  });

  it('is deterministic for a seed, changes with it, and narrows at lower coverage', () => {
    const rnd = new Random(22);
    const values = Float64Array.from({ length: 30 }, () => rnd.next());
    expect(bootstrapInterval(values)).toEqual(bootstrapInterval(values));
    expect(bootstrapInterval(values, { seed: 1 })).not.toEqual(bootstrapInterval(values, { seed: 2 }));
    const wide = bootstrapInterval(values);
    const narrow = bootstrapInterval(values, { level: 0.5 });
    expect(narrow.low).toBeGreaterThan(wide.low);
    expect(narrow.high).toBeLessThan(wide.high);
  });

  it('leaves out undefined values, as the mean does, and gives NaN bounds when none is defined', () => {
    const values = [0.2, 0.4, 0.9, 0.5];
    expect(bootstrapInterval([0.2, Number.NaN, 0.4, 0.9, Number.NaN, 0.5])).toEqual(bootstrapInterval(values));
    const none = bootstrapInterval([Number.NaN, Number.NaN]);
    expect(none.low).toBeNaN();
    expect(none.high).toBeNaN();
    expect(() => bootstrapInterval(values, { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapInterval(values, { level: 1 })).toThrow(/level/);
  });
});
