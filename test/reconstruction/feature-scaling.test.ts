import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../lib/linalg/matrix';
import { featureScale, featureStd, rescaleFeatures } from '../../lib/reconstruction/feature-scaling';

describe('feature scaling', () => {
  it('is the mean over channels of the spatial SD for conv layers', () => {
    // 2×1 positions, 2 channels, NHWC: channel 0 = [1, 3] (SD 1), channel 1 = [0, 4] (SD 2).
    expect(featureScale([1, 0, 3, 4], [2, 1, 2])).toBeCloseTo(1.5, 12);
    // Dense: population SD of [1, 3] is 1.
    expect(featureScale([1, 3], [2])).toBeCloseTo(1, 12);
  });

  it('averages over images for std0 and rescales each image to it', () => {
    const m = createMatrix(2, 2, Float32Array.from([1, 3, 0, 4]));
    expect(featureStd(m, [2])).toBeCloseTo(1.5, 6);
    const scaled = rescaleFeatures(m, [2], 3);
    expect(Array.from(scaled.data)).toEqual([3, 9, 0, 6]);
    // A constant image has no scale and is left as it is.
    expect(Array.from(rescaleFeatures(createMatrix(1, 2, Float32Array.from([2, 2])), [2], 5).data)).toEqual([2, 2]);
  });
});
