import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { conv2dFastGradient } from '../../lib/gan/conv2d-fast-gradient';
import { matMulFastGradient } from '../../lib/gan/mat-mul-fast-gradient';
import { Random } from '../../lib/random';

type Shape4 = [number, number, number, number];

beforeAll(async () => {
  await suiteBackend();
});

const rng = new Random(11);
const randomTensor = (shape: Shape4) => tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  expect(scale).toBeGreaterThan(0);
  return worst / scale;
}

describe('conv2dFastGradient', () => {
  const cases: { x: Shape4; filter: Shape4; stride: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], stride: 1, pad: 'same' },
    { x: [2, 16, 16, 3], filter: [4, 4, 3, 4], stride: 2, pad: 'same' },
    { x: [1, 7, 9, 2], filter: [4, 4, 2, 3], stride: 2, pad: 'same' },
    { x: [1, 7, 7, 2], filter: [3, 3, 2, 3], stride: 2, pad: 'valid' },
    { x: [3, 4, 4, 6], filter: [4, 4, 6, 1], stride: 1, pad: 'valid' },
    { x: [1, 5, 5, 2], filter: [1, 1, 2, 2], stride: 2, pad: 'same' },
  ];
  it.each(cases)('matches tf.conv2d value and gradients: x $x, filter $filter, stride $stride, $pad', async (c) => {
    const before = tf.memory().numTensors;
    const x = randomTensor(c.x);
    const w = randomTensor(c.filter);
    const outShape = tf.tidy(() => tf.conv2d(x, w, c.stride, c.pad).shape) as Shape4;
    const r = randomTensor(outShape);
    const loss = (conv: typeof conv2dFastGradient) => (xt: tf.Tensor, wt: tf.Tensor) => tf.sum(tf.mul(conv(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad), r));
    const ref = tf.grads(loss((a, b, s, p) => tf.conv2d(a, b, s, p)))([x, w]);
    const fast = tf.grads(loss(conv2dFastGradient))([x, w]);
    const value = [tf.conv2d(x, w, c.stride, c.pad), conv2dFastGradient(x, w, c.stride, c.pad)];
    expect(maxRelativeError(value[1]!.dataSync() as Float32Array, value[0]!.dataSync() as Float32Array)).toBe(0);
    expect(fast[0]!.shape).toEqual(c.x);
    expect(maxRelativeError(fast[0]!.dataSync() as Float32Array, ref[0]!.dataSync() as Float32Array)).toBeLessThan(1e-5);
    expect(maxRelativeError(fast[1]!.dataSync() as Float32Array, ref[1]!.dataSync() as Float32Array)).toBeLessThan(1e-5);
    tf.dispose([x, w, r, ...ref, ...fast, ...value]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('matMulFastGradient', () => {
  it('matches tf.matMul value and gradients', () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor2d(Float32Array.from({ length: 5 * 7 }, () => rng.normal()), [5, 7]);
    const b = tf.tensor2d(Float32Array.from({ length: 7 * 3 }, () => rng.normal()), [7, 3]);
    const r = tf.tensor2d(Float32Array.from({ length: 5 * 3 }, () => rng.normal()), [5, 3]);
    const loss = (mm: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor2D) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mm(x as tf.Tensor2D, y as tf.Tensor2D), r));
    const ref = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
    const fast = tf.grads(loss(matMulFastGradient))([a, b]);
    const values = [tf.matMul(a, b), matMulFastGradient(a, b)];
    expect(maxRelativeError(values[1]!.dataSync() as Float32Array, values[0]!.dataSync() as Float32Array)).toBeLessThan(1e-6);
    for (let k = 0; k < 2; k++) {
      expect(fast[k]!.shape).toEqual(ref[k]!.shape);
      expect(maxRelativeError(fast[k]!.dataSync() as Float32Array, ref[k]!.dataSync() as Float32Array)).toBeLessThan(1e-5);
    }
    tf.dispose([a, b, r, ...ref, ...fast, ...values]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
