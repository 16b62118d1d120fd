import { describe, expect, it } from 'vitest';
import { distinctImageGroups } from '../../lib/gan/distinct-images';
import { createImageBatch } from '../../lib/images/image-batch';

describe('distinctImageGroups', () => {
  it('gives identical images one id, numbered by first appearance, and tells near-identical ones apart', () => {
    const pixels = 2 * 2 * 3;
    const images = createImageBatch(5, 2, 2);
    const patterns = [0.1, 0.7, 0.1, 0.7, 0.1];
    patterns.forEach((v, i) => images.data.fill(v, i * pixels, (i + 1) * pixels));
    images.data[4 * pixels + 5] = 0.1000001; // image 4 differs from image 0 in one value
    expect(Array.from(distinctImageGroups(images))).toEqual([0, 1, 0, 1, 2]);
  });
});
