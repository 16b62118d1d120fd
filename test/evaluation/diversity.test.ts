import { describe, expect, it } from 'vitest';
import { diversity, meanPairwiseDistance } from '../../lib/evaluation/diversity';
import { createImageBatch, type ImageBatch } from '../../lib/images/image-batch';
import { Random } from '../../lib/random';

function randomBatch(count: number, size: number, rng: Random): ImageBatch {
  return createImageBatch(count, size, size, Float32Array.from({ length: count * size * size * 3 }, () => rng.next()));
}

/** Independent reference: float64 distances from ‖a‖² + ‖b‖² − 2 a·b, pairs enumerated as (i, j ≠ i). */
function referenceRatio(recon: ImageBatch, truth: ImageBatch): number {
  const mean = (b: ImageBatch): number => {
    const p = b.data.length / b.count;
    const rows = Array.from({ length: b.count }, (_, i) => Array.from(b.data.subarray(i * p, (i + 1) * p)));
    const dot = (x: number[], y: number[]): number => x.reduce((s, v, k) => s + v * y[k]!, 0);
    let sum = 0;
    for (let i = 0; i < b.count; i++) for (let j = 0; j < b.count; j++) if (i !== j) sum += Math.sqrt(Math.max(0, dot(rows[i]!, rows[i]!) + dot(rows[j]!, rows[j]!) - 2 * dot(rows[i]!, rows[j]!)));
    return sum / (b.count * (b.count - 1));
  };
  return mean(recon) / mean(truth);
}

describe('diversity', () => {
  const rng = new Random(4);
  const truth = randomBatch(9, 4, rng);

  it('averages over images to the ratio of mean pairwise distances (checked against an independent float64 computation)', () => {
    const recon = randomBatch(9, 4, rng);
    const perImage = diversity(recon, truth);
    expect(perImage).toHaveLength(9);
    const mean = perImage.reduce((s, v) => s + v, 0) / perImage.length;
    expect(mean).toBeCloseTo(referenceRatio(recon, truth), 5);
    expect(meanPairwiseDistance(recon) / meanPairwiseDistance(truth)).toBeCloseTo(mean, 10);
  });

  it('is 1 for the true images themselves, 0 for a collapsed generator, and scales with the spread', () => {
    expect(Array.from(diversity(truth, truth)).reduce((s, v) => s + v, 0) / 9).toBeCloseTo(1, 10);
    const collapsed = createImageBatch(9, 4, 4, new Float32Array(9 * 48).fill(0.3));
    expect(Array.from(diversity(collapsed, truth))).toEqual(new Array(9).fill(0));
    const half = createImageBatch(9, 4, 4, truth.data.map((v) => 0.5 + 0.5 * (v - 0.5)));
    expect(Array.from(diversity(half, truth)).reduce((s, v) => s + v, 0) / 9).toBeCloseTo(0.5, 6);
  });

  it('is blind to which image is which: permuting the reconstructions keeps the ratio', () => {
    const recon = randomBatch(9, 4, rng);
    const p = recon.data.length / 9;
    const shuffled = createImageBatch(9, 4, 4, new Float32Array(recon.data.length));
    for (let i = 0; i < 9; i++) shuffled.data.set(recon.data.subarray(((i + 1) % 9) * p, (((i + 1) % 9) + 1) * p), i * p);
    const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(diversity(shuffled, truth))).toBeCloseTo(mean(diversity(recon, truth)), 10);
  });

  it('rejects sets of different shapes and single images', () => {
    expect(() => diversity(randomBatch(8, 4, rng), truth)).toThrow(/8 reconstructions/);
    expect(() => meanPairwiseDistance(randomBatch(1, 4, rng))).toThrow(/at least 2/);
  });
});
