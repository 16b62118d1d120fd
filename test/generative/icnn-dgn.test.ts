import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { extractFeatures } from '../../lib/features/cnn';
import type { FeatureNetwork } from '../../lib/features/feature-network';
import { openNetwork } from '../../lib/features/networks';
import type { Generator } from '../../lib/generative/generator';
import { trainGenerator } from '../../lib/generative/train-generator';
import { createImageBatch, type ImageBatch } from '../../lib/images/image-batch';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { optimiseDgnLatents, reconstructIcnnDgn } from '../../lib/reconstruction/icnn-dgn';

const SIZE = 16;
const TRAIN = 128;
const HELD_OUT = 12;
const LAYERS = ['conv1_2', 'conv2_2', 'conv3_2', 'fc1'];

let net: FeatureNetwork;
let generator: Generator;
let heldOut: ImageBatch;
let targets: Record<string, Matrix>;

beforeAll(async () => {
  await suiteBackend();
  const stimuli = proceduralStimuli({ seed: 3, imageSize: SIZE, trainImages: TRAIN, testImages: HELD_OUT });
  const pixels = SIZE * SIZE * 3;
  const train = createImageBatch(TRAIN, SIZE, SIZE, stimuli.images.data.slice(0, TRAIN * pixels));
  heldOut = createImageBatch(HELD_OUT, SIZE, SIZE, stimuli.images.data.slice(TRAIN * pixels));
  net = openNetwork('vgg-mini', 7, SIZE);
  generator = (await trainGenerator(train, net, { latentLayer: 'fc1', seed: 1, epochs: 8, batchSize: 16 })).generator;
  targets = await extractFeatures(net, heldOut, { batchSize: HELD_OUT, layers: LAYERS });
});

afterAll(() => {
  generator.dispose();
  net.dispose();
});

function mean(values: ArrayLike<number>): number {
  return Array.from(values).reduce((a, b) => a + b, 0) / values.length;
}

describe('iCNN reconstruction through the generator prior', () => {
  it('recovers held-out images from their true features, within the latent bounds, without leaks', async () => {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const { images, latents } = await optimiseDgnLatents(net, generator, targets, { iterations: 80, onProgress: (f) => progress.push(f) });
    expect(tf.memory().numTensors).toBe(before);
    expect([images.count, images.height, images.width]).toEqual([HELD_OUT, SIZE, SIZE]);
    const pixels = SIZE * SIZE * 3;
    const accuracy = mean(pairwiseIdentification(createMatrix(HELD_OUT, pixels, images.data), createMatrix(HELD_OUT, pixels, heldOut.data)));
    expect(accuracy).toBeGreaterThan(0.7);
    const bound = generator.latentUpperBound!;
    expect([latents.rows, latents.cols]).toEqual([HELD_OUT, bound.length]);
    latents.data.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(bound[i % bound.length]!);
    });
    // The optimisation moved away from the zeros start.
    expect(Math.max(...latents.data)).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBe(1);
  });

  it('beats the untrained-latent image (G(0)) it starts from', async () => {
    const pixels = SIZE * SIZE * 3;
    const truth = createMatrix(HELD_OUT, pixels, heldOut.data);
    const start = await reconstructIcnnDgn(net, generator, targets, { iterations: 0 });
    const end = await reconstructIcnnDgn(net, generator, targets, { iterations: 40 });
    const sse = (b: ImageBatch): number => b.data.reduce((s, v, i) => s + (v - truth.data[i]!) ** 2, 0);
    expect(sse(end)).toBeLessThan(0.8 * sse(start));
  });

  it('clips the latent to an explicit upper bound', async () => {
    const cap = new Float32Array(generator.latentSize).fill(0.05);
    const { latents } = await optimiseDgnLatents(net, generator, targets, { iterations: 10, upperBound: cap });
    expect(Math.max(...latents.data)).toBeLessThanOrEqual(Math.fround(0.05)); // the cap is a float32
    expect(Math.max(...latents.data)).toBeGreaterThan(0);
  });

  it('rejects targets or bounds that do not fit', async () => {
    await expect(optimiseDgnLatents(net, generator, { fc1: createMatrix(2, 5) }, { iterations: 1 })).rejects.toThrow(/fc1.*2x5, expected 2x256/);
    await expect(optimiseDgnLatents(net, generator, {}, { iterations: 1 })).rejects.toThrow(/no target layers/);
    await expect(optimiseDgnLatents(net, generator, targets, { iterations: 1, upperBound: new Float32Array(3) })).rejects.toThrow(/3 values, expected 256/);
    const other = openNetwork('vgg-mini', 7, 24);
    await expect(optimiseDgnLatents(other, generator, targets, { iterations: 1 })).rejects.toThrow(/16px images/);
    other.dispose();
  });
});
