/**
 * The end-to-end cGAN (lib/gan) on data of the default experiment's shape: 2,400 training trials
 * × 1,500 z-scored voxels, 1,200 distinct 32×32 images (each shown twice), wasm backend.
 * Reports the training time of the default configuration (TRAIN_CGAN_DEFAULTS, seconds per epoch
 * as the median over epochs, and the total), then generation throughput for 50 test trials
 * (median of timed repeats after one warm-up) with 1 and 4 z draws per trial.
 * Data are random (timing does not depend on content).
 * Run: npx tsc -p tsconfig.json && node dist/bench/cgan.js [--epochs N] [--backend wasm|cpu|tensorflow]
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../lib/compute/backend';
import { encodeCgan } from '../lib/gan/cgan-model-bytes';
import { disposeCgan } from '../lib/gan/cgan-model';
import { generateFromVoxels } from '../lib/gan/generate';
import { TRAIN_CGAN_DEFAULTS, trainCgan } from '../lib/gan/train-cgan';
import { createImageBatch, type ImageBatch } from '../lib/images/image-batch';
import { createMatrix, type Matrix } from '../lib/linalg/matrix';
import { Random } from '../lib/random';
import { median } from './median';

const TRIALS = 2400;
const DISTINCT_IMAGES = 1200;
const VOXELS = 1500;
const SIZE = 32;
const TEST_TRIALS = 50;
const REPEATS = 5;
const SEED = 1;

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function randomVoxels(rows: number, rng: Random): Matrix {
  const m = createMatrix(rows, VOXELS);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

/** Image k of DISTINCT_IMAGES random ones on trial i = k and k + DISTINCT_IMAGES. */
function trialImages(rng: Random): ImageBatch {
  const pixels = SIZE * SIZE * 3;
  const distinct = new Float32Array(DISTINCT_IMAGES * pixels).map(() => rng.next());
  const out = createImageBatch(TRIALS, SIZE, SIZE);
  for (let i = 0; i < TRIALS; i++) out.data.set(distinct.subarray((i % DISTINCT_IMAGES) * pixels, ((i % DISTINCT_IMAGES) + 1) * pixels), i * pixels);
  return out;
}

async function main(): Promise<void> {
  const backend = await initBackend((argument('--backend') as BackendName | undefined) ?? 'wasm');
  const epochs = Number(argument('--epochs') ?? TRAIN_CGAN_DEFAULTS.epochs);
  console.log(`machine: ${os.cpus().length} logical cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, tfjs ${tf.version.tfjs}, backend ${backend}`);
  const rng = new Random(SEED);
  const voxels = randomVoxels(TRIALS, rng);
  const images = trialImages(rng);

  const epochEnds: number[] = [];
  const t0 = performance.now();
  const { model, history } = await trainCgan(voxels, images, {
    seed: SEED,
    epochs,
    onProgress: (fraction) => {
      if (epochEnds.length < Math.round(fraction * epochs - 1e-9) && Math.abs(fraction * epochs - Math.round(fraction * epochs)) < 1e-9) epochEnds.push(performance.now());
    },
  });
  const total = (performance.now() - t0) / 1000;
  const perEpoch = epochEnds.map((t, i) => (t - (i === 0 ? t0 : epochEnds[i - 1]!)) / 1000);
  const steps = Math.floor(TRIALS / TRAIN_CGAN_DEFAULTS.batchSize);
  console.log(
    `train ${TRIALS} trials x ${VOXELS} voxels, ${SIZE}x${SIZE}, batch ${TRAIN_CGAN_DEFAULTS.batchSize} (${steps} steps/epoch), ${epochs} epochs: ` +
      `total ${total.toFixed(1)} s, median ${median(perEpoch).toFixed(1)} s/epoch (${(1000 * median(perEpoch) / steps).toFixed(0)} ms/step; epochs ${perEpoch.map((s) => s.toFixed(1)).join(', ')})`,
  );
  const last = history[history.length - 1]!;
  console.log(`last epoch: dLoss ${last.dLoss.toFixed(3)}, gLoss ${last.gLoss.toFixed(3)}, kl ${last.kl.toFixed(2)} nats`);
  console.log(`model bytes: ${(encodeCgan(model).length / 1024).toFixed(0)} KiB`);

  const test = randomVoxels(TEST_TRIALS, rng);
  for (const samples of [1, 4]) {
    const seconds: number[] = [];
    for (let r = -1; r < REPEATS; r++) {
      const t = performance.now();
      generateFromVoxels(model, test, { seed: SEED, samples });
      if (r >= 0) seconds.push((performance.now() - t) / 1000);
    }
    console.log(
      `generate ${TEST_TRIALS} trials, ${samples} z draw(s) each: ${(TEST_TRIALS / median(seconds)).toFixed(0)} trials/s ` +
        `(median ${(median(seconds) * 1000).toFixed(1)} ms; runs ${seconds.map((s) => (s * 1000).toFixed(1)).join(', ')})`,
    );
  }
  disposeCgan(model);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
