import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { rowCorrelations } from '../../lib/evaluation/correlation';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { extractFeatures } from '../../lib/features/cnn';
import { openNetwork } from '../../lib/features/networks';
import { createMatrix, selectRows } from '../../lib/linalg/matrix';
import { reconstructIcnnLbfgs } from '../../lib/reconstruction/icnn-lbfgs';
import { meanImage } from '../../lib/reconstruction/mean-image';
import { Random } from '../../lib/random';
import { pixelNetwork } from './pixel-network';

beforeAll(async () => {
  await suiteBackend();
});

const SIZE = 16;
const LAYERS = ['conv1_1', 'conv2_1', 'conv3_1'];

/** Three test images, their true features, and the mean of 12 training images. */
async function scene() {
  const stimuli = proceduralStimuli({ seed: 8, imageSize: SIZE, trainImages: 12, testImages: 3 });
  const trainRows = stimuli.sets.flatMap((s, i) => (s === 'train' ? [i] : []));
  const testRows = stimuli.sets.flatMap((s, i) => (s === 'train' ? [] : [i]));
  const cnn = openNetwork('vgg-mini', 7, SIZE);
  const all = await extractFeatures(cnn, stimuli.images, { batchSize: 8, layers: LAYERS });
  const features = Object.fromEntries(LAYERS.map((l) => [l, selectRows(all[l]!, testRows)]));
  const pixels = SIZE * SIZE * 3;
  const truth = createMatrix(testRows.length, pixels, Float32Array.from(testRows.flatMap((r) => Array.from(stimuli.images.data.subarray(r * pixels, (r + 1) * pixels)))));
  return { cnn, features, truth, mean: meanImage(stimuli.images, trainRows) };
}

describe('iCNN reconstruction by bounded L-BFGS', () => {
  it('recovers images from their true features, from the mean image, within the valid range, without leaking tensors', async () => {
    const { cnn, features, truth, mean } = await scene();
    const before = tf.memory().numTensors;
    const images = await reconstructIcnnLbfgs(cnn, features, { iterations: 40, meanImage: mean });
    expect(tf.memory().numTensors).toBe(before);
    cnn.dispose();
    const recon = createMatrix(images.count, truth.cols, images.data);
    for (const v of rowCorrelations(recon, truth)) expect(v).toBeGreaterThan(0.8);
    expect(Array.from(pairwiseIdentification(recon, truth))).toEqual([1, 1, 1]);
    expect(Math.min(...images.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...images.data)).toBeLessThanOrEqual(1);
  });

  it('optimises each image on its own: a batch gives the images of one-at-a-time runs', async () => {
    const { cnn, features, mean } = await scene();
    const options = { iterations: 25, meanImage: mean };
    const batched = await reconstructIcnnLbfgs(cnn, features, options);
    const pixels = SIZE * SIZE * 3;
    let worst = 0;
    for (let i = 0; i < batched.count; i++) {
      const alone = await reconstructIcnnLbfgs(cnn, Object.fromEntries(LAYERS.map((l) => [l, selectRows(features[l]!, [i])])), options);
      alone.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - batched.data[i * pixels + k]!))));
    }
    // The same image twice in one batch: two identical, independent problems.
    const twice = await reconstructIcnnLbfgs(cnn, Object.fromEntries(LAYERS.map((l) => [l, selectRows(features[l]!, [0, 0, 1, 2])])), options);
    cnn.dispose();
    expect(worst).toBeLessThanOrEqual(1e-5);
    let duplicate = 0;
    for (let k = 0; k < pixels; k++) duplicate = Math.max(duplicate, Math.abs(twice.data[k]! - twice.data[pixels + k]!), Math.abs(twice.data[pixels + k]! - batched.data[k]!));
    expect(duplicate).toBeLessThanOrEqual(1e-5);
  });

  it('finds the closed-form minimiser of a box-constrained quadratic: the target clipped to the pixel range', async () => {
    // With the pixel network the loss is ‖x − t‖² (one layer, weight 1): over 0 ≤ x ≤ 1 its
    // minimiser is clip(t, 0, 1). A third of the targets lie outside the range.
    const [size, count] = [8, 3];
    const rng = new Random(5);
    const n = size * size * 3;
    const targets = Float32Array.from({ length: count * n }, () => (rng.next() < 1 / 3 ? rng.uniform(-0.5, 1.5) : rng.uniform(0, 1)));
    const mean = Float32Array.from({ length: n }, () => rng.uniform(0.2, 0.8));
    const images = await reconstructIcnnLbfgs(pixelNetwork(size), { pixels: createMatrix(count, n, targets) }, { iterations: 20, meanImage: mean });
    let worst = 0;
    images.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - Math.min(1, Math.max(0, targets[k]!))))));
    expect(worst).toBeLessThan(1e-3);
  });
});
