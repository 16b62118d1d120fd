import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { pearson } from '../../lib/evaluation/correlation';
import { disposeCgan } from '../../lib/gan/cgan-model';
import { generateFromVoxels } from '../../lib/gan/generate';
import { trainCgan } from '../../lib/gan/train-cgan';
import { imageView } from '../../lib/images/image-batch';
import { Random } from '../../lib/random';
import { classImages, classVoxels, CLASS_COLOURS, roundRobin } from './tiny-conditional-data';

beforeAll(async () => {
  await suiteBackend();
});

const SIZE = 16;
const SMALL = { embeddingDim: 16, noiseDim: 16, generatorChannels: 8, discriminatorChannels: 8 };

describe('trainCgan', () => {
  it('learns the conditional mapping: held-out noisy conditions generate their own class colour', async () => {
    const rng = new Random(5);
    const trainClasses = roundRobin(64);
    const { model, history } = await trainCgan(classVoxels(trainClasses, 0.3, rng), classImages(trainClasses, SIZE), {
      seed: 3,
      outputSize: SIZE,
      epochs: 75,
      batchSize: 16,
      learningRate: 1e-3,
      architecture: SMALL,
      // Four distinct images: held-out folds would each be an unseen class, so the unsupervised encoder here.
      conditionEncoder: 'voxel-pca',
    });
    expect(history).toHaveLength(75);
    for (const h of history) for (const v of [h.dLoss, h.gLoss, h.kl]) expect(Number.isFinite(v)).toBe(true);

    const testClasses = roundRobin(12);
    const generated = generateFromVoxels(model, classVoxels(testClasses, 0.3, rng), { seed: 9, outputSize: SIZE });
    disposeCgan(model);
    const references = classImages([0, 1, 2, 3], SIZE);
    let identified = 0;
    let pairwise = 0;
    testClasses.forEach((k, i) => {
      const r = CLASS_COLOURS.map((_, j) => pearson(imageView(generated, i), imageView(references, j)));
      const own = r[k]!;
      const others = r.filter((_, j) => j !== k);
      if (others.every((x) => x < own)) identified++;
      pairwise += others.filter((x) => x < own).length / others.length;
    });
    expect(pairwise / testClasses.length).toBeGreaterThanOrEqual(0.9);
    expect(identified / testClasses.length).toBeGreaterThanOrEqual(0.9);
    // 300 adversarial steps: on cores shared with other jobs they can take longer than the suite's 120 s.
  }, 300_000);

  it('leaks no tensors: the count is the same after every step, and back to the start after disposing', async () => {
    const rng = new Random(6);
    const classes = roundRobin(24);
    const voxels = classVoxels(classes, 0.3, rng);
    const images = classImages(classes, SIZE);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const fractions: number[] = [];
    const { model } = await trainCgan(voxels, images, {
      seed: 1,
      outputSize: SIZE,
      epochs: 2,
      batchSize: 8,
      architecture: SMALL,
      onProgress: (fraction) => {
        counts.push(tf.memory().numTensors);
        fractions.push(fraction);
      },
    });
    expect(counts).toHaveLength(6);
    expect(fractions[fractions.length - 1]).toBeCloseTo(1, 10);
    // Adam creates its moment tensors on the first step; afterwards nothing may accumulate.
    expect(new Set(counts.slice(1)).size).toBe(1);
    disposeCgan(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched inputs and a single distinct image', async () => {
    const rng = new Random(7);
    await expect(trainCgan(classVoxels([0, 1, 2], 0.1, rng), classImages([0, 1], SIZE), { seed: 1, outputSize: SIZE })).rejects.toThrow(/voxel rows/);
    await expect(trainCgan(classVoxels([0, 0, 0], 0.1, rng), classImages([0, 0, 0], SIZE), { seed: 1, outputSize: SIZE })).rejects.toThrow(/same image/);
  });
});
