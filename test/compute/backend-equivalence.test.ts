import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { autoBackend, BACKEND_ENV, type BackendName, initBackend, nativeAvailable } from '../../lib/compute/backend';
import { openNetwork } from '../../lib/features/networks';
import { Random } from '../../lib/random';
import { comparedBackends } from '../support/backend';

// The numbers a run depends on — CNN features, the image gradient reconstruction follows and the
// weight gradients training follows — computed on every installed backend and compared with the
// plain-JavaScript cpu backend. The native backend (oneDNN) and wasm (XNNPACK) sum in other
// orders, so agreement is to float32 round-off, not bit-for-bit.

const SIZE = 16;
const rng = new Random(5);
const images = Float32Array.from({ length: 2 * SIZE * SIZE * 3 }, () => rng.uniform(0, 1));
const weights = Float32Array.from({ length: 3 * 3 * 3 * 4 }, () => rng.normal());

/** vgg-mini features of two images, d/dimage of their squared sum, d/dfilter of one conv layer. */
async function compute(backend: BackendName): Promise<Record<string, Float32Array>> {
  expect(await initBackend(backend)).toBe(backend);
  const before = tf.memory().numTensors;
  const cnn = openNetwork('vgg-mini', 3, SIZE);
  const out: Record<string, Float32Array> = {};
  try {
    const x = tf.tensor4d(images, [2, SIZE, SIZE, 3]);
    const w = tf.tensor4d(weights, [3, 3, 3, 4]);
    const layers = cnn.layerNames;
    const features = tf.tidy(() => cnn.forward(x, layers));
    for (const layer of layers) out[layer] = (await features[layer]!.data()) as Float32Array;
    const imageGradient = tf.grad((im: tf.Tensor) => tf.addN(Object.values(cnn.forward(im as tf.Tensor4D, layers)).map((f) => tf.sum(tf.square(f)))))(x);
    out['d/dimage'] = (await imageGradient.data()) as Float32Array;
    const filterGradient = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 2, 'same'))))(w);
    out['d/dfilter'] = (await filterGradient.data()) as Float32Array;
    tf.dispose([x, w, imageGradient, filterGradient, ...Object.values(features)]);
  } finally {
    cnn.dispose();
  }
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

/** max |a − b| / max |b|: error relative to the quantity's scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / scale;
}

describe('backends agree', () => {
  const backends = comparedBackends();
  let reference: Record<string, Float32Array>;
  afterAll(() => initBackend('auto'));

  it('cpu computes the reference', async () => {
    reference = await compute('cpu');
    expect(Object.keys(reference).length).toBeGreaterThan(3);
  });

  it.each(backends.filter((b) => b !== 'cpu'))('%s matches cpu to 1e-4 relative on features and gradients', async (backend) => {
    const got = await compute(backend);
    for (const [name, values] of Object.entries(reference)) {
      expect(got[name]!.length, name).toBe(values.length);
      expect(relativeError(got[name]!, values), `${backend} ${name}`).toBeLessThan(1e-4);
    }
  });
});

describe('backend selection', () => {
  it('auto picks the native backend where it is built, else wasm', async () => {
    if (process.env[BACKEND_ENV]) return; // forced for this run (npm run test:wasm)
    expect(await initBackend('auto')).toBe(nativeAvailable() ? 'tensorflow' : 'wasm');
  });

  it(`${BACKEND_ENV} decides what auto means; an unknown name lists the valid ones`, () => {
    expect(autoBackend({})).toBe('auto');
    expect(autoBackend({ [BACKEND_ENV]: 'auto' })).toBe('auto');
    expect(autoBackend({ [BACKEND_ENV]: 'wasm' })).toBe('wasm');
    expect(() => autoBackend({ [BACKEND_ENV]: 'gpu' })).toThrow(/DEEPRECON_BACKEND=gpu is not a backend; use auto or one of tensorflow, wasm, cpu/);
  });
});
