import { describe, expect, it } from 'vitest';
import { percentile } from '../../lib/evaluation/percentile';
import { Random } from '../../lib/random';
import { sortedPercentile } from '../support/sorted-percentile';

describe('percentile', () => {
  it('equals the sorted-array definition, with and without ties, and leaves its input alone', () => {
    const rnd = new Random(31);
    for (const n of [1, 2, 3, 10, 101, 1000]) {
      const values = Array.from({ length: n }, () => rnd.normal());
      const ties = Array.from({ length: n }, () => rnd.int(4));
      for (const v of [values, ties]) {
        const copy = [...v];
        for (const q of [0, 2, 2.5, 25, 50, 73.3, 97.5, 98, 100]) expect(percentile(v, q), `n=${n} q=${q}`).toBeCloseTo(sortedPercentile(v, q), 12);
        expect(v).toEqual(copy);
      }
    }
  });

  it('matches numpy on a hand-checked case and skips NaN', () => {
    // numpy.percentile([1, 2, 3, 4, 10], [2, 98]) = [1.08, 9.52]
    expect(percentile([10, 2, Number.NaN, 4, 1, 3], 2)).toBeCloseTo(1.08, 12);
    expect(percentile([10, 2, 4, 1, 3], 98)).toBeCloseTo(9.52, 12);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(/q must be/);
  });
});
