import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/compute/backend';
import { Random } from '../../lib/random';

type Shape4 = [number, number, number, number];
interface Case {
  readonly x: Shape4;
  readonly filter: Shape4;
  readonly stride: number;
  readonly pad: 'same' | 'valid';
}

beforeAll(async () => {
  await initBackend('wasm');
});

const rng = new Random(11);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Gradient w.r.t. the input of sum(conv2d(x, w) * r) on the given backend. */
async function inputGradient(backend: 'cpu' | 'wasm', c: Case, x: Float32Array, w: Float32Array, r: Float32Array): Promise<Float32Array> {
  await tf.setBackend(backend);
  const grad = tf.tidy(() => {
    const wt = tf.tensor4d(w, c.filter);
    const outShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, wt, c.stride, c.pad).shape;
    const rt = tf.tensor(r.subarray(0, size(outShape)), outShape);
    return tf.grad((xt: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt as tf.Tensor4D, wt, c.stride, c.pad), rt)))(tf.tensor4d(x, c.x));
  });
  const out = (await grad.data()) as Float32Array;
  grad.dispose();
  await tf.setBackend('wasm');
  return out;
}

describe('wasm Conv2DBackpropInput from a forward convolution', () => {
  const cases: Case[] = [
    { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
    { x: [1, 7, 5, 2], filter: [3, 3, 2, 3], stride: 1, pad: 'valid' },
    { x: [2, 6, 6, 4], filter: [1, 1, 4, 2], stride: 1, pad: 'same' },
    { x: [1, 9, 9, 2], filter: [5, 3, 2, 2], stride: 1, pad: 'same' },
    // Stride 2 goes to the original kernel.
    { x: [1, 8, 8, 2], filter: [3, 3, 2, 2], stride: 2, pad: 'same' },
  ];
  for (const c of cases) {
    it(`matches the cpu backend: x ${c.x}, filter ${c.filter}, stride ${c.stride}, ${c.pad}`, async () => {
      const [x, w, r] = [rand(size(c.x)), rand(size(c.filter)), rand(size(c.x) * 4)];
      const wasm = await inputGradient('wasm', c, x, w, r);
      const cpu = await inputGradient('cpu', c, x, w, r);
      const scale = Math.max(...Array.from(cpu, Math.abs));
      wasm.forEach((v, i) => expect(Math.abs(v - cpu[i]!) / scale).toBeLessThan(1e-4));
    });
  }

  it('frees its intermediate buffers', async () => {
    const c = cases[0]!;
    const [x, w, r] = [rand(size(c.x)), rand(size(c.filter)), rand(size(c.x) * 4)];
    await inputGradient('wasm', c, x, w, r);
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    await inputGradient('wasm', c, x, w, r);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
  });
});
