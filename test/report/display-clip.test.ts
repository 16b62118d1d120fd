import { describe, expect, it } from 'vitest';
import { displayClip } from '../../lib/report/display-clip';
import { Random } from '../../lib/random';
import { sortedPercentile } from '../support/sorted-percentile';

describe('displayClip', () => {
  it('clips at the 2nd and 98th percentiles of a full sort and stretches them to 0 and 1', () => {
    const rnd = new Random(51);
    // A reconstruction with outliers well outside [0, 1], as optimised pixels have.
    const image = Float32Array.from({ length: 16 * 16 * 3 }, () => 0.5 + 0.3 * rnd.normal() + (rnd.next() < 0.02 ? 5 * rnd.normal() : 0));
    const lo = sortedPercentile(image, 2);
    const hi = sortedPercentile(image, 98);
    const shown = displayClip(image);
    image.forEach((v, k) => expect(shown[k]).toBeCloseTo((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo), 5));
    expect(Math.min(...shown)).toBe(0);
    expect(Math.max(...shown)).toBeCloseTo(1, 6);
    // About 2 % of the values sit at each end.
    const atZero = shown.filter((v) => v === 0).length / shown.length;
    expect(atZero).toBeGreaterThan(0.015);
    expect(atZero).toBeLessThan(0.03);
  });

  it('leaves the input untouched and only clamps a constant image', () => {
    const image = Float32Array.of(0.2, 0.9, -1, 3, 0.5, 0.5);
    const copy = image.slice();
    displayClip(image);
    expect(image).toEqual(copy);
    expect(Array.from(displayClip(new Float32Array(6).fill(1.7)))).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
