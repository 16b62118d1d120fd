import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { openNetwork } from '../../lib/features/networks';
import { conv3x3, createGenerator, decodeGenerator, encodeGenerator, Generator } from '../../lib/generative/generator';
import { columnQuantile, trainGenerator } from '../../lib/generative/train-generator';
import { createMatrix } from '../../lib/linalg/matrix';

beforeAll(async () => {
  await suiteBackend();
});

async function outputs(g: Generator, z: tf.Tensor2D): Promise<Float32Array> {
  const images = g.generate(z);
  const data = (await images.data()) as Float32Array;
  images.dispose();
  return data;
}

describe('generator', () => {
  it('maps latents to images in [0, 1] at the configured size, the same for the same seed', async () => {
    const before = tf.memory().numTensors;
    const a = createGenerator({ latentSize: 6, imageSize: 24 }, 3);
    const b = createGenerator({ latentSize: 6, imageSize: 24 }, 3);
    const c = createGenerator({ latentSize: 6, imageSize: 24 }, 4);
    const z = tf.randomUniform([2, 6], 0, 2, 'float32', 1) as tf.Tensor2D;
    const out = a.generate(z);
    expect(out.shape).toEqual([2, 24, 24, 3]);
    out.dispose();
    const [da, db, dc] = [await outputs(a, z), await outputs(b, z), await outputs(c, z)];
    expect(Math.min(...da)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...da)).toBeLessThanOrEqual(1);
    expect(da).toEqual(db);
    expect(dc).not.toEqual(da);
    tf.dispose(z);
    [a, b, c].forEach((g) => g.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects sizes that are not multiples of 8 and latents of the wrong width', () => {
    expect(() => createGenerator({ latentSize: 4, imageSize: 20 }, 1)).toThrow(/multiple of 8/);
    const g = createGenerator({ latentSize: 4, imageSize: 16 }, 1);
    const z = tf.zeros([1, 5]) as tf.Tensor2D;
    expect(() => g.generate(z)).toThrow(/5 units, expected 4/);
    z.dispose();
    g.dispose();
  });

  it('round-trips through bytes with identical outputs, configuration and latent bound', async () => {
    const before = tf.memory().numTensors;
    const base = createGenerator({ latentSize: 5, imageSize: 16, latentScale: 0.7, source: { network: 'vgg-mini', layer: 'fc1' } }, 9);
    const g = new Generator(base.config, base.params, Float32Array.from([1, 2, 3, 4.5, 0.25]));
    const bytes = encodeGenerator(g);
    const back = decodeGenerator(bytes);
    expect(back.config).toEqual(g.config);
    expect(back.params.map((p) => p.name)).toEqual(g.params.map((p) => p.name));
    expect(back.latentUpperBound).toEqual(g.latentUpperBound);
    const z = tf.randomUniform([3, 5], 0, 3, 'float32', 2) as tf.Tensor2D;
    expect(await outputs(back, z)).toEqual(await outputs(g, z));
    // A copy in an offset buffer decodes too (artifact stores hand out views).
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const again = decodeGenerator(shifted.subarray(3));
    expect(await outputs(again, z)).toEqual(await outputs(g, z));
    tf.dispose(z);
    [g, back, again].forEach((x) => x.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bytes that are not a whole generator', () => {
    const g = createGenerator({ latentSize: 3, imageSize: 8 }, 1);
    const bytes = encodeGenerator(g);
    g.dispose();
    const before = tf.memory().numTensors;
    expect(() => decodeGenerator(bytes.subarray(0, bytes.length - 4))).toThrow(/expected \d+ bytes/);
    const bad = bytes.slice();
    bad[0] = 0x58;
    expect(() => decodeGenerator(bad)).toThrow(/bad magic/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('conv3x3 has the same value and gradients as tfjs conv2d', async () => {
    const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 6, 5, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
    const loss = (conv: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w]);
    const ours = loss(conv3x3);
    const theirs = loss((a, b) => tf.conv2d(a, b, 1, 'same'));
    for (let i = 0; i < 2; i++) {
      const [a, b] = [await ours[i]!.data(), await theirs[i]!.data()];
      expect(a.length).toBe(b.length);
      a.forEach((v, k) => expect(v).toBeCloseTo(b[k]!, 3));
    }
    const v = conv3x3(x, w);
    const ref = tf.conv2d(x, w, 1, 'same');
    expect(Array.from(await v.data())).toEqual(Array.from(await ref.data()));
    tf.dispose([x, w, dy, v, ref, ...ours, ...theirs]);
  });
});

describe('columnQuantile', () => {
  it('interpolates per column', () => {
    const m = createMatrix(5, 2, Float32Array.from([5, 0, 1, 10, 4, 20, 2, 30, 3, 40]));
    expect(Array.from(columnQuantile(m, 0.5))).toEqual([3, 20]);
    expect(Array.from(columnQuantile(m, 1))).toEqual([5, 40]);
    expect(columnQuantile(m, 0.875)[0]).toBeCloseTo(4.5, 5);
  });
});

describe('trainGenerator', () => {
  it('more than halves the pixel loss on a small set, without leaking tensors', async () => {
    const size = 16;
    const stimuli = proceduralStimuli({ seed: 3, imageSize: size, trainImages: 64, testImages: 0 });
    const net = openNetwork('vgg-mini', 7, size);
    const before = tf.memory().numTensors;
    const fractions: number[] = [];
    const { generator, history } = await trainGenerator(stimuli.images, net, {
      latentLayer: 'fc1',
      seed: 1,
      epochs: 12,
      batchSize: 16,
      onProgress: (f) => fractions.push(f),
    });
    expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    const first = history[0]!;
    const last = history[history.length - 1]!;
    expect(last.pixelLoss).toBeLessThan(0.5 * first.pixelLoss);
    expect(last.featureLoss).toBeLessThan(first.featureLoss);
    expect(fractions[fractions.length - 1]).toBeCloseTo(1, 6);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    // The latent bound comes from the non-negative training latents of fc1.
    expect(generator.config.source).toEqual({ network: 'vgg-mini', layer: 'fc1' });
    expect(generator.latentUpperBound?.length).toBe(256);
    expect(Math.min(...generator.latentUpperBound!)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...generator.latentUpperBound!)).toBeGreaterThan(0);
    generator.dispose();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('rejects images at another size than the network and unknown layers', async () => {
    const net = openNetwork('vgg-mini', 7, 16);
    const stimuli = proceduralStimuli({ seed: 3, imageSize: 24, trainImages: 2, testImages: 0 });
    await expect(trainGenerator(stimuli.images, net, { latentLayer: 'fc1', seed: 1 })).rejects.toThrow(/24x24/);
    const small = proceduralStimuli({ seed: 3, imageSize: 16, trainImages: 2, testImages: 0 });
    await expect(trainGenerator(small.images, net, { latentLayer: 'fc9', seed: 1 })).rejects.toThrow(/no layer "fc9"/);
    net.dispose();
  });
});
