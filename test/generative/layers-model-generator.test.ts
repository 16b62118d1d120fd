import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { extractFeatures } from '../../lib/features/cnn';
import { saveModelFolder } from '../../lib/features/model-folder';
import { openNetwork } from '../../lib/features/networks';
import { loadGeneratorFolder } from '../../lib/generative/layers-model-generator';
import { createImageBatch } from '../../lib/images/image-batch';
import { createMatrix } from '../../lib/linalg/matrix';
import { optimiseDgnLatents } from '../../lib/reconstruction/icnn-dgn';
import { Random } from '../../lib/random';

let dir: string;
let original: tf.Sequential;
const LATENT = 6;

beforeAll(async () => {
  await suiteBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-usergen-'));
  // A small "user" generator: latent → dense → 8×8×8 → upsample → conv → tanh, 16×16 RGB.
  original = tf.sequential({
    layers: [
      // LeakyReLU as in the DGN: a plain ReLU with zero bias would have no gradient at the zero start.
      tf.layers.dense({ inputShape: [LATENT], units: 8 * 8 * 8, kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.leakyReLU({ alpha: 0.3 }),
      tf.layers.reshape({ targetShape: [8, 8, 8] }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
    ],
  });
  await saveModelFolder(original, path.join(dir, 'gen'));
});

afterAll(async () => {
  original.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a user-supplied generator (TensorFlow.js model folder)', () => {
  it('loads, maps its [-1, 1] output to [0, 1], and serves latent-space reconstruction', async () => {
    const generator = await loadGeneratorFolder(path.join(dir, 'gen'), 'minus-one-one', 3);
    expect([generator.latentSize, generator.imageSize]).toEqual([LATENT, 16]);
    const rng = new Random(4);
    const latents = tf.tensor2d(Float32Array.from({ length: 5 * LATENT }, () => rng.uniform(0, 2)), [5, LATENT]);
    const mine = generator.generate(latents);
    const theirs = tf.div(tf.add(original.predict(latents) as tf.Tensor, 1), 2);
    const [a, b] = [mine.dataSync(), theirs.dataSync()];
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));

    // Images the generator can make are recovered from their own features through its latent.
    const images = createImageBatch(5, 16, 16, Float32Array.from(a));
    tf.dispose([mine, theirs, latents]);
    const net = openNetwork('vgg-mini', 7, 16);
    const targets = await extractFeatures(net, images, { batchSize: 5, layers: ['conv1_2', 'conv2_2'] });
    const { images: recon, latents: z } = await optimiseDgnLatents(net, generator, targets, { iterations: 60 });
    net.dispose();
    generator.dispose();
    expect(Math.max(...z.data)).toBeLessThanOrEqual(3);
    const id = pairwiseIdentification(createMatrix(5, 768, recon.data), createMatrix(5, 768, images.data));
    expect(Array.from(id).reduce((s, v) => s + v, 0) / 5).toBeGreaterThan(0.8);
  });

  it('refuses a model that is not latent → square RGB', async () => {
    const classifier = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 })] });
    await saveModelFolder(classifier, path.join(dir, 'not-a-generator'));
    classifier.dispose();
    await expect(loadGeneratorFolder(path.join(dir, 'not-a-generator'), 'zero-one')).rejects.toThrow(/output must be square RGB images/);
  });
});
