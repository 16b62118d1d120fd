import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/compute/backend';
import { registerWasmConvFilterGradient } from '../../lib/compute/wasm-conv-filter-gradient';
import { Random } from '../../lib/random';

type Shape4 = [number, number, number, number];
type Stride = number | [number, number];
type Pad = 'same' | 'valid';

interface Case {
  readonly x: Shape4;
  readonly filter: Shape4;
  readonly stride: Stride;
  readonly pad: Pad;
}

beforeAll(async () => {
  await initBackend('wasm');
});

const rng = new Random(7);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Gradient w.r.t. the filter of sum(conv2d(x, w) * r) on the given backend. */
async function filterGradient(backend: 'cpu' | 'wasm', c: Case, x: Float32Array, w: Float32Array, r: Float32Array): Promise<Float32Array> {
  await tf.setBackend(backend);
  const grad = tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const outShape = tf.conv2d(xt, tf.zeros(c.filter) as tf.Tensor4D, c.stride, c.pad).shape;
    const rt = tf.tensor(r.subarray(0, size(outShape)), outShape);
    return tf.grad((wt: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt, wt as tf.Tensor4D, c.stride, c.pad), rt)))(tf.tensor4d(w, c.filter));
  });
  const out = (await grad.data()) as Float32Array;
  grad.dispose();
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, relative: number): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...Array.from(expected, Math.abs));
  expect(scale).toBeGreaterThan(0);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst / scale).toBeLessThanOrEqual(relative);
}

/** dW by the definition, with TensorFlow's SAME padding (extra padding at the bottom/right). */
function bruteForceFilterGradient(c: Case, x: Float32Array, dy: Float32Array, outH: number, outW: number): Float32Array {
  const [n, h, w, cin] = c.x;
  const [kh, kw, , cout] = c.filter;
  const [sh, sw] = typeof c.stride === 'number' ? [c.stride, c.stride] : c.stride;
  const padTop = c.pad === 'same' ? Math.floor(Math.max((outH - 1) * sh + kh - h, 0) / 2) : 0;
  const padLeft = c.pad === 'same' ? Math.floor(Math.max((outW - 1) * sw + kw - w, 0) / 2) : 0;
  const dw = new Float32Array(kh * kw * cin * cout);
  for (let p = 0; p < kh; p++)
    for (let q = 0; q < kw; q++)
      for (let ci = 0; ci < cin; ci++)
        for (let co = 0; co < cout; co++) {
          let s = 0;
          for (let b = 0; b < n; b++)
            for (let i = 0; i < outH; i++)
              for (let j = 0; j < outW; j++) {
                const yy = i * sh + p - padTop;
                const xx = j * sw + q - padLeft;
                if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
                s += x[((b * h + yy) * w + xx) * cin + ci]! * dy[((b * outH + i) * outW + j) * cout + co]!;
              }
          dw[((p * kw + q) * cin + ci) * cout + co] = s;
        }
  return dw;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [1, 9, 9, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'valid' },
  // 'valid' with stride 2 on an even size never reads the last row/column: exercises the crop.
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'valid' },
  { x: [3, 10, 6, 4], filter: [4, 2, 4, 3], stride: 2, pad: 'same' },
  { x: [2, 6, 9, 2], filter: [5, 3, 2, 3], stride: [1, 2], pad: 'same' },
  { x: [2, 6, 6, 16], filter: [1, 1, 16, 8], stride: 2, pad: 'valid' },
];

describe('wasm Conv2DBackpropFilter', () => {
  it('is registered once; a second registration is a no-op', () => {
    const first = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm');
    expect(first).toBeDefined();
    registerWasmConvFilterGradient();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(first);
  });

  for (const c of CASES) {
    it(`matches the cpu backend: x ${c.x}, filter ${c.filter}, stride ${c.stride}, ${c.pad}`, async () => {
      const x = rand(size(c.x));
      const w = rand(size(c.filter));
      const r = rand(size(c.x) * size(c.filter)); // more than any output needs
      const onCpu = await filterGradient('cpu', c, x, w, r);
      const onWasm = await filterGradient('wasm', c, x, w, r);
      expectClose(onWasm, onCpu, 1e-4);
    });
  }

  it('matches a brute-force loop', async () => {
    const c: Case = { x: [2, 5, 6, 2], filter: [3, 3, 2, 3], stride: 2, pad: 'same' };
    const [outH, outW] = [3, 3];
    const x = rand(size(c.x));
    const r = rand(2 * outH * outW * 3);
    const onWasm = await filterGradient('wasm', c, x, rand(size(c.filter)), r);
    expectClose(onWasm, bruteForceFilterGradient(c, x, r, outH, outW), 1e-5);
  });

  it('frees its intermediate buffers', async () => {
    await tf.setBackend('wasm');
    const c: Case = { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'valid' };
    const x = tf.tensor4d(rand(size(c.x)), c.x);
    const dy = tf.tensor4d(rand(2 * 3 * 3 * 4), [2, 3, 3, 4]);
    const before = tf.engine().backend.numDataIds();
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
    const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as tf.Tensor;
    expect(dw.shape).toEqual(c.filter);
    dw.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(before);
    tf.dispose([x, dy]);
  });

  it('lets SGD train a conv layer on wasm', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(rand(4 * 8 * 8 * 3), [4, 8, 8, 3]);
    const target = tf.tidy(() => tf.conv2d(x, tf.tensor4d(rand(3 * 3 * 3 * 4), [3, 3, 3, 4]), 2, 'same'));
    const w = tf.variable(tf.tensor4d(rand(3 * 3 * 3 * 4), [3, 3, 3, 4]));
    const loss = () => tf.mean(tf.square(tf.sub(tf.conv2d(x, w as tf.Variable<tf.Rank.R4>, 2, 'same'), target))) as tf.Scalar;
    const optimizer = tf.train.sgd(0.02);
    const initial = tf.tidy(() => loss().dataSync()[0]!);
    for (let step = 0; step < 30; step++) optimizer.minimize(loss);
    const final = tf.tidy(() => loss().dataSync()[0]!);
    expect(final).toBeLessThan(0.5 * initial);
    tf.dispose([x, target, w]);
    optimizer.dispose();
  });
});
