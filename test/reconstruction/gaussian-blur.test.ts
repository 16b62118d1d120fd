import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { gaussianBlur, gaussianKernel } from '../../lib/reconstruction/gaussian-blur';
import { atImageSize } from '../../lib/reconstruction/icnn-image-scale';
import { Random } from '../../lib/random';
import { scipyGaussianFilter } from './scipy-gaussian-filter';

beforeAll(async () => {
  await suiteBackend();
});

describe('the Gaussian blur icnn applies after each step', () => {
  it('has scipy’s kernel: taps out to int(4σ + 0.5), summing to 1, the identity when that is 0', () => {
    expect(gaussianKernel(1)).toHaveLength(9);
    expect(gaussianKernel(0.286)).toHaveLength(3);
    expect(gaussianKernel(0.1)).toEqual([1]);
    expect(gaussianKernel(0)).toEqual([1]);
    expect(gaussianKernel(2).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('equals a brute-force scipy gaussian_filter per channel, borders included', async () => {
    const rng = new Random(3);
    const [h, w, sigma] = [7, 6, 1.3];
    const data = Float32Array.from({ length: 2 * h * w * 3 }, () => rng.uniform(-100, 100));
    const blurred = gaussianBlur(tf.tensor4d(data, [2, h, w, 3]), sigma);
    const got = (await blurred.data()) as Float32Array;
    blurred.dispose();
    let worst = 0;
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < 3; c++) {
        const channel = Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => data[((n * h + y) * w + x) * 3 + c]!));
        const want = scipyGaussianFilter(channel, sigma);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) worst = Math.max(worst, Math.abs(got[((n * h + y) * w + x) * 3 + c]! - want[y]![x]!));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('scales icnn’s 224-px lengths to the image: σ 2 → 0.5 becomes 0.286 → 0.071 at 32 px', () => {
    expect(atImageSize(2, 32)).toBeCloseTo(2 / 7, 12);
    expect(atImageSize(0.5, 32)).toBeCloseTo(1 / 14, 12);
    expect(atImageSize(32, 224)).toBe(32);
  });
});
