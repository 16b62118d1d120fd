import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { spatialPlan, type CganConfig } from '../../lib/gan/cgan-config';
import { CganDiscriminator } from '../../lib/gan/cgan-discriminator';
import { createCganModel, disposeCgan } from '../../lib/gan/cgan-model';
import { disposeVariables } from '../../lib/gan/seeded-variables';
import { Random } from '../../lib/random';
import { identityEncoder } from './identity-encoder';

beforeAll(async () => {
  await suiteBackend();
});

const config = (outputSize: number): CganConfig => ({ conditionDim: 40, embeddingDim: 12, noiseDim: 10, outputSize, generatorChannels: 4, discriminatorChannels: 4 });

describe('spatialPlan', () => {
  it('starts from 4×4 with one block per doubling for 16, 32 and 64 (StackGAN: 4 blocks at 64)', () => {
    expect(spatialPlan(16)).toEqual({ baseSize: 4, blocks: 2 });
    expect(spatialPlan(32)).toEqual({ baseSize: 4, blocks: 3 });
    expect(spatialPlan(64)).toEqual({ baseSize: 4, blocks: 4 });
  });
  it('handles the other multiples of 8 from a larger odd or even base', () => {
    expect(spatialPlan(24)).toEqual({ baseSize: 6, blocks: 2 });
    expect(spatialPlan(40)).toEqual({ baseSize: 5, blocks: 3 });
    expect(spatialPlan(48)).toEqual({ baseSize: 6, blocks: 3 });
    expect(spatialPlan(56)).toEqual({ baseSize: 7, blocks: 3 });
  });
  it('rejects sizes outside 16–64 or not multiples of 8', () => {
    for (const bad of [8, 20, 72, 31.5]) expect(() => spatialPlan(bad)).toThrow(/multiple of 8/);
  });
});

describe.each([16, 24, 32, 64])('generator and discriminator at %i×%i', (size) => {
  it('have the StackGAN output shapes, tanh range, and leak no tensors', () => {
    const before = tf.memory().numTensors;
    const c = config(size);
    const model = createCganModel(c, identityEncoder(c.conditionDim), 1);
    const discriminator = new CganDiscriminator(new Random(2), c);
    const { baseSize, blocks } = spatialPlan(size);
    const batch = 3;
    tf.tidy(() => {
      const voxels = tf.randomNormal([batch, c.conditionDim], 0, 1, 'float32', 1) as tf.Tensor2D;
      const z = tf.randomNormal([batch, c.noiseDim], 0, 1, 'float32', 2) as tf.Tensor2D;
      const { mu, logVariance } = model.conditioning.distribution(voxels);
      expect(mu.shape).toEqual([batch, c.embeddingDim]);
      expect(logVariance.shape).toEqual([batch, c.embeddingDim]);
      for (const mode of ['batch', 'moving'] as const) {
        const images = model.generator.forward(z, mu, mode);
        expect(images.shape).toEqual([batch, size, size, 3]);
        expect(tf.max(tf.abs(images)).dataSync()[0]).toBeLessThanOrEqual(1);
      }
      const features = discriminator.features(tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 3) as tf.Tensor4D);
      expect(features.shape).toEqual([batch, baseSize, baseSize, c.discriminatorChannels * 2 ** (blocks - 1)]);
      const logits = discriminator.logits(features, voxels);
      expect(logits.shape).toEqual([batch]);
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    });
    disposeCgan(model);
    disposeVariables(discriminator.namedVariables());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('createCganModel', () => {
  it('is reproducible from the seed and differs between seeds', () => {
    const weights = (seed: number) => {
      const m = createCganModel(config(16), identityEncoder(40), seed);
      const values = Array.from(m.conditioning.weight.dataSync().slice(0, 20));
      disposeCgan(m);
      return values;
    };
    expect(weights(4)).toEqual(weights(4));
    expect(weights(4)).not.toEqual(weights(5));
  });
});
