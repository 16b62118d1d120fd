import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { Cnn, extractFeatures } from '../../lib/features/cnn';
import { openNetwork } from '../../lib/features/networks';
import { createImageBatch } from '../../lib/images/image-batch';
import { Random } from '../../lib/random';

beforeAll(async () => {
  await suiteBackend();
});

const rng = new Random(11);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** Same-padded 3×3 convolution, 2×2 max-pool and dense layer by plain loops, for one HWC image. */
function bruteForce(image: Float32Array, size: number, filter: Float32Array, bias: Float32Array, cin: number, cout: number, dense: Float32Array, denseBias: Float32Array) {
  const conv = new Float32Array(size * size * cout);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let o = 0; o < cout; o++) {
        let s = bias[o]!;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= size || xx >= size) continue;
            for (let i = 0; i < cin; i++) s += image[(yy * size + xx) * cin + i]! * filter[((dy + 1) * 3 + (dx + 1)) * cin * cout + i * cout + o]!;
          }
        conv[(y * size + x) * cout + o] = s;
      }
  const half = size / 2;
  const pooled = new Float32Array(half * half * cout);
  for (let y = 0; y < half; y++)
    for (let x = 0; x < half; x++)
      for (let o = 0; o < cout; o++) {
        let m = -Infinity;
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) m = Math.max(m, Math.max(0, conv[((2 * y + dy) * size + 2 * x + dx) * cout + o]!));
        pooled[(y * half + x) * cout + o] = m;
      }
  const out = Float32Array.from(denseBias);
  for (let j = 0; j < out.length; j++) for (let k = 0; k < pooled.length; k++) out[j]! += pooled[k]! * dense[k * out.length + j]!;
  return { conv, dense: out };
}

describe('the CNN', () => {
  it('computes pre-ReLU conv and dense features as plain loops do', () => {
    const size = 6;
    const [cin, cout, units] = [3, 4, 5];
    const filter = rand(9 * cin * cout);
    const bias = rand(cout);
    const dense = rand(((size * size) / 4) * cout * units);
    const denseBias = rand(units);
    const cnn = new Cnn(
      'test',
      size,
      [
        { type: 'conv', name: 'c', filter: tf.tensor4d(filter, [3, 3, cin, cout]), bias: tf.tensor1d(bias) },
        { type: 'relu' },
        { type: 'maxpool' },
        { type: 'flatten' },
        { type: 'dense', name: 'd', weight: tf.tensor2d(dense, [(size * size * cout) / 4, units]), bias: tf.tensor1d(denseBias) },
      ],
      [0, 0, 0],
      [1, 1, 1],
    );
    expect(cnn.layerNames).toEqual(['c', 'd']);
    expect(cnn.layerShapes).toEqual({ c: [size, size, cout], d: [units] });
    const image = Float32Array.from({ length: size * size * cin }, () => rng.next());
    const out = tf.tidy(() => cnn.forward(tf.tensor4d(image, [1, size, size, cin]), ['c', 'd']));
    const expected = bruteForce(image, size, filter, bias, cin, cout, dense, denseBias);
    const conv = out.c!.dataSync();
    const fc = out.d!.dataSync();
    conv.forEach((v, i) => expect(v).toBeCloseTo(expected.conv[i]!, 4));
    fc.forEach((v, i) => expect(v).toBeCloseTo(expected.dense[i]!, 3));
    tf.dispose(Object.values(out));
    cnn.dispose();
  });

  it('vgg-mini is seeded, and batching does not change the features', async () => {
    const a = openNetwork('vgg-mini', 7, 16);
    const b = openNetwork('vgg-mini', 7, 16);
    const c = openNetwork('vgg-mini', 8, 16);
    expect(a.layerNames).toEqual(['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'fc1', 'fc2']);
    expect(a.layerShapes.conv2_1).toEqual([8, 8, 32]);
    const images = createImageBatch(5, 16, 16, Float32Array.from({ length: 5 * 16 * 16 * 3 }, () => rng.next()));
    const one = await extractFeatures(a, images, { batchSize: 5 });
    const two = await extractFeatures(b, images, { batchSize: 2 });
    const other = await extractFeatures(c, images, { batchSize: 5, layers: ['fc2'] });
    for (const layer of a.layerNames) {
      const x = one[layer]!.data;
      const y = two[layer]!.data;
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-3 * (1 + Math.abs(x[i]!)));
    }
    expect(other.fc2!.data).not.toEqual(one.fc2!.data);
    expect(Object.keys(other)).toEqual(['fc2']);
    [a, b, c].forEach((n) => n.dispose());
  });
});
