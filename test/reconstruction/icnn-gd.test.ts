import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/compute/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { rowCorrelations } from '../../lib/evaluation/correlation';
import { extractFeatures } from '../../lib/features/cnn';
import { openNetwork } from '../../lib/features/networks';
import { createMatrix } from '../../lib/linalg/matrix';
import { reconstructIcnnGd } from '../../lib/reconstruction/icnn-gd';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('iCNN reconstruction by gradient descent', () => {
  it('recovers images from their own (true) features', async () => {
    const size = 16;
    const stimuli = proceduralStimuli({ seed: 8, imageSize: size, trainImages: 4, testImages: 3 });
    const cnn = openNetwork('vgg-mini', 7, size);
    const features = await extractFeatures(cnn, stimuli.images, { batchSize: 8, layers: ['conv1_1', 'conv2_1', 'conv3_1'] });
    const images = await reconstructIcnnGd(cnn, features, { iterations: 60, seed: 1 });
    cnn.dispose();
    const pixels = size * size * 3;
    const truth = createMatrix(stimuli.images.count, pixels, stimuli.images.data);
    const recon = createMatrix(images.count, pixels, images.data);
    const r = rowCorrelations(recon, truth);
    for (const v of r) expect(v).toBeGreaterThan(0.8);
    expect(Array.from(pairwiseIdentification(recon, truth))).toEqual(Array(7).fill(1));
  });

  it('also recovers them with jitter and from a blank start, and differs from the plain run', async () => {
    const size = 16;
    const stimuli = proceduralStimuli({ seed: 8, imageSize: size, trainImages: 4, testImages: 3 });
    const cnn = openNetwork('vgg-mini', 7, size);
    const features = await extractFeatures(cnn, stimuli.images, { batchSize: 8, layers: ['conv1_1', 'conv2_1', 'conv3_1'] });
    const plain = await reconstructIcnnGd(cnn, features, { iterations: 60, seed: 1 });
    const jittered = await reconstructIcnnGd(cnn, features, { iterations: 60, seed: 1, jitter: 1, start: 'blank' });
    cnn.dispose();
    const pixels = size * size * 3;
    const truth = createMatrix(stimuli.images.count, pixels, stimuli.images.data);
    const recon = createMatrix(jittered.count, pixels, jittered.data);
    // Jitter trades pixel exactness for robustness: still clearly each image's own reconstruction.
    for (const v of rowCorrelations(recon, truth)) expect(v).toBeGreaterThan(0.5);
    expect(Array.from(pairwiseIdentification(recon, truth))).toEqual(Array(7).fill(1));
    expect(Array.from(jittered.data)).not.toEqual(Array.from(plain.data));
  });

  it('rejects targets that do not fit the network', async () => {
    const cnn = openNetwork('vgg-mini', 7, 16);
    await expect(reconstructIcnnGd(cnn, { fc1: createMatrix(2, 5) }, { iterations: 1, seed: 1 })).rejects.toThrow(/fc1.*2x5, expected 2x256/);
    await expect(reconstructIcnnGd(cnn, {}, { iterations: 1, seed: 1 })).rejects.toThrow(/no target layers/);
    cnn.dispose();
  });
});
