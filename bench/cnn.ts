/**
 * vgg-mini at 32×32, batch 50, per tfjs backend: forward images/s (all feature layers),
 * forward+backward images/s for the gradient w.r.t. the input of the summed squared features of
 * all layers (what reconstruction computes each iteration), and forward+backward w.r.t. all
 * weights (training; on wasm this needs the Conv2DBackpropFilter kernel from lib/compute).
 * Medians of timed repeats after one warm-up (one run for cpu weight gradients: see below).
 * Run: npx tsc -p tsconfig.json && node dist/bench/cnn.js [backend|all]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../lib/compute/backend';
import { Cnn, type CnnStep } from '../lib/features/cnn';
import { openNetwork } from '../lib/features/networks';
import { benchEachBackend } from './each-backend';
import { median } from './median';

const SIZE = 32;
const BATCH = 50;
const REPEATS = 3;
const SEED = 1;

/** Seconds per call of `step` (which must read its results back), after `warmUps` untimed calls. */
async function time(step: () => Promise<void>, repeats = REPEATS, warmUps = 1): Promise<number[]> {
  const seconds: number[] = [];
  for (let r = -warmUps; r < repeats; r++) {
    const t0 = performance.now();
    await step();
    if (r >= 0) seconds.push((performance.now() - t0) / 1000);
  }
  return seconds;
}

/** Sum over layers of the summed squared features: the shape of the reconstruction loss. */
function featureEnergy(cnn: Cnn, images: tf.Tensor4D): tf.Scalar {
  const features = Object.values(cnn.forward(images, cnn.layerNames));
  return tf.addN(features.map((f) => tf.sum(tf.square(f)))) as tf.Scalar;
}

/** Same architecture as openNetwork('vgg-mini'), built here so the bench holds the weight tensors. */
function vggMiniWithWeights(): { cnn: Cnn; weights: tf.Tensor[] } {
  const steps: CnnStep[] = [];
  const weights: tf.Tensor[] = [];
  let channels = 3;
  let size = SIZE;
  [[16, 16], [32, 32], [64, 64]].forEach((block, b) => {
    block.forEach((out, c) => {
      const filter = tf.randomNormal([3, 3, channels, out], 0, Math.sqrt(2 / (9 * channels)), 'float32', SEED) as tf.Tensor4D;
      const bias = tf.zeros([out]) as tf.Tensor1D;
      steps.push({ type: 'conv', name: `conv${b + 1}_${c + 1}`, filter, bias }, { type: 'relu' });
      weights.push(filter, bias);
      channels = out;
    });
    steps.push({ type: 'maxpool' });
    size /= 2;
  });
  steps.push({ type: 'flatten' });
  let units = size * size * channels;
  [256, 128].forEach((out, d) => {
    if (d > 0) steps.push({ type: 'relu' });
    const weight = tf.randomNormal([units, out], 0, Math.sqrt(2 / units), 'float32', SEED) as tf.Tensor2D;
    const bias = tf.zeros([out]) as tf.Tensor1D;
    steps.push({ type: 'dense', name: `fc${d + 1}`, weight, bias });
    weights.push(weight, bias);
    units = out;
  });
  return { cnn: new Cnn('vgg-mini', SIZE, steps, [0.48, 0.46, 0.41], [0.23, 0.23, 0.23]), weights };
}

function report(what: string, backend: BackendName, seconds: number[]): void {
  console.log(
    `vgg-mini ${SIZE}x${SIZE} batch ${BATCH} backend ${backend} ${what}: ${(BATCH / median(seconds)).toFixed(1)} images/s ` +
      `(median ${(median(seconds) * 1000).toFixed(0)} ms per batch; runs ${seconds.map((s) => (s * 1000).toFixed(0)).join(', ')})`,
  );
}

async function benchBackend(requested: BackendName): Promise<void> {
  let backend: BackendName;
  try {
    backend = await initBackend(requested);
  } catch {
    console.log(`backend ${requested}: not available`);
    return;
  }
  const images = tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', SEED) as tf.Tensor4D;

  const cnn = openNetwork('vgg-mini', SEED, SIZE);
  report('forward', backend, await time(async () => {
    const features = tf.tidy(() => cnn.forward(images, cnn.layerNames));
    await Promise.all(Object.values(features).map((f) => f.data()));
    tf.dispose(Object.values(features));
  }));
  const inputGradient = tf.grad((x: tf.Tensor) => featureEnergy(cnn, x as tf.Tensor4D));
  report('forward+backward (input gradient)', backend, await time(async () => {
    const g = tf.tidy(() => inputGradient(images));
    await g.data();
    g.dispose();
  }));
  cnn.dispose();

  const trainable = vggMiniWithWeights();
  const weightGradients = tf.grads(() => featureEnergy(trainable.cnn, images));
  // The cpu backend's Conv2DBackpropFilter is a plain JS loop (~0.01 GFLOP/s, over a minute per
  // batch here), so it gets one timed run and no warm-up.
  const slow = backend === 'cpu';
  report('forward+backward (weight gradients)', backend, await time(async () => {
    const gs = tf.tidy(() => weightGradients(trainable.weights));
    await Promise.all(gs.map((g) => g.data()));
    tf.dispose(gs);
  }, slow ? 1 : REPEATS, slow ? 0 : 1));
  trainable.cnn.dispose();
  images.dispose();
}

benchEachBackend(benchBackend);
