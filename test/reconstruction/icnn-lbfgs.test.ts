import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/compute/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { rowCorrelations } from '../../lib/evaluation/correlation';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { extractFeatures } from '../../lib/features/cnn';
import { openNetwork } from '../../lib/features/networks';
import { createMatrix } from '../../lib/linalg/matrix';
import { reconstructIcnnLbfgs } from '../../lib/reconstruction/icnn-lbfgs';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('iCNN reconstruction by L-BFGS', () => {
  it('recovers images from their true features within the valid pixel range, without leaking tensors', async () => {
    const size = 16;
    const stimuli = proceduralStimuli({ seed: 8, imageSize: size, trainImages: 4, testImages: 3 });
    const cnn = openNetwork('vgg-mini', 7, size);
    const features = await extractFeatures(cnn, stimuli.images, { batchSize: 8, layers: ['conv1_1', 'conv2_1', 'conv3_1'] });
    const before = tf.memory().numTensors;
    const images = await reconstructIcnnLbfgs(cnn, features, { iterations: 40 });
    expect(tf.memory().numTensors).toBe(before);
    cnn.dispose();
    const pixels = size * size * 3;
    const truth = createMatrix(stimuli.images.count, pixels, stimuli.images.data);
    const recon = createMatrix(images.count, pixels, images.data);
    for (const v of rowCorrelations(recon, truth)) expect(v).toBeGreaterThan(0.8);
    expect(Array.from(pairwiseIdentification(recon, truth))).toEqual(Array(7).fill(1));
    expect(Math.min(...images.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...images.data)).toBeLessThanOrEqual(1);
  });
});
