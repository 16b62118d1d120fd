import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { rowCorrelations } from '../../lib/evaluation/correlation';
import { extractFeatures } from '../../lib/features/cnn';
import { openNetwork } from '../../lib/features/networks';
import { createMatrix } from '../../lib/linalg/matrix';
import { reconstructIcnnGd } from '../../lib/reconstruction/icnn-gd';
import { Random } from '../../lib/random';
import { pixelNetwork } from './pixel-network';
import { scipyGaussianFilter } from './scipy-gaussian-filter';

beforeAll(async () => {
  await suiteBackend();
});


/**
 * icnn_gd's loop written out in float64 for the pixel network, whose loss Σ (x/255 + c/255 − t)² has
 * the gradient 2(x + c − 255t)/255²: per iteration t of T (schedules linear in t/T), normalise the
 * gradient by its mean |g|, δ ← 0.9δ + g, x ← x − lr·δ, x ← (1 − decay)x, blur; no clipping until
 * the end.
 */
function icnnGdReference(mean: Float32Array, targets: Float32Array, count: number, size: number, iterations: number, blur: [number, number], decayRange: [number, number]): Float32Array {
  const n = size * size * 3;
  const centre = [0, 1, 2].map((c) => (255 * mean.filter((_, k) => k % 3 === c).reduce((a, b) => a + b, 0)) / (size * size));
  const out = new Float32Array(count * n);
  for (let i = 0; i < count; i++) {
    let x = Array.from({ length: n }, (_, k) => 255 * mean[k]! - centre[k % 3]!);
    let delta = new Array<number>(n).fill(0);
    for (let it = 0; it < iterations; it++) {
      const f = it / iterations;
      const [lr, decay, sigma] = [2 + (1e-10 - 2) * f, decayRange[0] + (decayRange[1] - decayRange[0]) * f, blur[0] + (blur[1] - blur[0]) * f];
      const g = x.map((v, k) => (2 * (v + centre[k % 3]! - 255 * targets[i * n + k]!)) / 255 ** 2);
      const meanAbs = g.reduce((a, b) => a + Math.abs(b), 0) / n;
      delta = delta.map((d, k) => 0.9 * d + g[k]! / meanAbs);
      x = x.map((v, k) => (1 - decay) * (v - lr * delta[k]!));
      for (let c = 0; c < 3; c++) {
        const channel = Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, xx) => x[(y * size + xx) * 3 + c]!));
        scipyGaussianFilter(channel, sigma).forEach((row, y) => row.forEach((v, xx) => (x[(y * size + xx) * 3 + c] = v)));
      }
    }
    x.forEach((v, k) => (out[i * n + k] = Math.min(1, Math.max(0, (v + centre[k % 3]!) / 255))));
  }
  return out;
}

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

  it('follows icnn_gd step for step: normalise, momentum, learning rate, decay, blur, no clipping until the end', async () => {
    const [size, count, iterations] = [8, 2, 30];
    const rng = new Random(11);
    const mean = Float32Array.from({ length: size * size * 3 }, () => rng.uniform(0.3, 0.7));
    // A quarter of the targets lie outside the valid range: those pixels leave it (icnn does not
    // clip), and through the blur and the gradient's normalisation the rest depend on them, so
    // clipping during the optimisation would change every image.
    const targets = Float32Array.from({ length: count * size * size * 3 }, () => (rng.next() < 0.25 ? rng.uniform(-0.4, 1.4) : rng.uniform(0.2, 0.8)));
    const blur: [number, number] = [0.6, 0.3];
    const net = pixelNetwork(size);
    const base = { iterations, seed: 1, start: 'mean' as const, meanImage: mean, blurStart: blur[0], blurEnd: blur[1] };
    // icnn's decay (0.2 → 1e-10), and a weak one under which pixels overshoot the valid range.
    for (const decay of [[0.2, 1e-10], [0.01, 0.01]] as [number, number][]) {
      const images = await reconstructIcnnGd(net, { pixels: createMatrix(count, size * size * 3, targets) }, { ...base, decayStart: decay[0], decayEnd: decay[1] });
      const want = icnnGdReference(mean, targets, count, size, iterations, blur, decay);
      let worst = 0;
      images.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - want[k]!))));
      expect(worst, `decay ${decay}`).toBeLessThan(1e-4);
      // Not a trivial agreement: the images moved away from the start towards their targets.
      const moved = images.data.reduce((a, v, k) => a + Math.abs(v - mean[k % mean.length]!), 0) / images.data.length;
      expect(moved).toBeGreaterThan(0.05);
    }
  });

  it('rejects targets that do not fit the network', async () => {
    const cnn = openNetwork('vgg-mini', 7, 16);
    await expect(reconstructIcnnGd(cnn, { fc1: createMatrix(2, 5) }, { iterations: 1, seed: 1 })).rejects.toThrow(/fc1.*2x5, expected 2x256/);
    await expect(reconstructIcnnGd(cnn, {}, { iterations: 1, seed: 1 })).rejects.toThrow(/no target layers/);
    cnn.dispose();
  });
});
