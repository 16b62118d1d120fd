/**
 * The generator prior on the default data: (1) training time of trainGenerator on the 1,200
 * procedural training images at 32×32 with the default settings (per-epoch median and total),
 * (2) iCNN-DGN reconstruction throughput (images × iterations per second) from the true features
 * of all vgg-mini layers of the 50 test images, batched vs one image at a time (medians of timed
 * repeats after one warm-up). Also prints the held-out autoencoding accuracy as a sanity check.
 * Run: npx tsc -p tsconfig.json && node dist/bench/generator.js [--epochs N] [--iterations N] [--repeats N]
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/compute/backend';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { pairwiseIdentification } from '../lib/evaluation/pairwise-identification';
import { extractFeatures } from '../lib/features/cnn';
import { openNetwork } from '../lib/features/networks';
import type { Generator } from '../lib/generative/generator';
import { TRAIN_GENERATOR_DEFAULTS, trainGenerator } from '../lib/generative/train-generator';
import { createImageBatch, type ImageBatch } from '../lib/images/image-batch';
import { createMatrix, selectRows, type Matrix } from '../lib/linalg/matrix';
import { reconstructIcnnDgn } from '../lib/reconstruction/icnn-dgn';
import { median } from './median';

const SIZE = 32;
const TRAIN_IMAGES = 1200;
const TEST_IMAGES = 50;
const SEED = 1;

function mean(values: ArrayLike<number>): number {
  return Array.from(values).reduce((a, b) => a + b, 0) / values.length;
}

/** Held-out autoencoding: pairwise identification of G(relu(fc1(x))) against x. */
async function autoencodingAccuracy(net: ReturnType<typeof openNetwork>, generator: Generator, images: ImageBatch): Promise<number> {
  const latent = (await extractFeatures(net, images, { batchSize: 50, layers: ['fc1'] }))['fc1']!;
  const z = tf.relu(tf.tensor2d(latent.data, [latent.rows, latent.cols])) as tf.Tensor2D;
  const out = generator.generate(z);
  const data = (await out.data()) as Float32Array;
  tf.dispose([z, out]);
  const pixels = SIZE * SIZE * 3;
  return mean(pairwiseIdentification(createMatrix(images.count, pixels, data), createMatrix(images.count, pixels, images.data)));
}

/** Seconds per reconstruction call, after one untimed warm-up. */
async function timeReconstruction(run: () => Promise<unknown>, repeats: number): Promise<number[]> {
  const seconds: number[] = [];
  for (let r = -1; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    if (r >= 0) seconds.push((performance.now() - t0) / 1000);
  }
  return seconds;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: String(TRAIN_GENERATOR_DEFAULTS.epochs) },
      iterations: { type: 'string', default: '20' },
      repeats: { type: 'string', default: '3' },
      single: { type: 'string', default: '5' },
    },
  });
  const epochs = Number(values.epochs);
  const iterations = Number(values.iterations);
  const repeats = Number(values.repeats);
  const singles = Number(values.single);
  const backend = await initBackend('wasm');
  console.log(`machine: ${os.cpus().length} logical cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, tfjs ${tf.version.tfjs} ${backend}`);

  const stimuli = proceduralStimuli({ seed: SEED, imageSize: SIZE, trainImages: TRAIN_IMAGES, testImages: TEST_IMAGES });
  const pixels = SIZE * SIZE * 3;
  const train = createImageBatch(TRAIN_IMAGES, SIZE, SIZE, stimuli.images.data.slice(0, TRAIN_IMAGES * pixels));
  const test = createImageBatch(TEST_IMAGES, SIZE, SIZE, stimuli.images.data.slice(TRAIN_IMAGES * pixels));
  const net = openNetwork('vgg-mini', SEED, SIZE);

  // Epoch durations are differences between epoch ends, so the first epoch (which also holds
  // the latent extraction and the untrained baseline) is not one of them.
  const epochEnds: number[] = [];
  const t0 = performance.now();
  const { generator, history } = await trainGenerator(train, net, {
    latentLayer: 'fc1',
    seed: SEED,
    epochs,
    onProgress: (_, message) => {
      const batch = /batch (\d+)\/(\d+)/.exec(message);
      if (batch && batch[1] === batch[2]) epochEnds.push(performance.now());
    },
  });
  const total = (performance.now() - t0) / 1000;
  const epochSeconds = epochEnds.slice(1).map((t, i) => (t - epochEnds[i]!) / 1000);
  const d = TRAIN_GENERATOR_DEFAULTS;
  console.log(
    `train generator: ${TRAIN_IMAGES} images ${SIZE}x${SIZE}, ${epochs} epochs, batch ${d.batchSize}, lr ${d.learningRate}, λ ${d.featureLossWeight}: ` +
      `${total.toFixed(1)} s total, median ${median(epochSeconds).toFixed(1)} s per epoch (${epochSeconds.map((s) => s.toFixed(1)).join(', ')})`,
  );
  const first = history[0]!;
  const last = history[history.length - 1]!;
  console.log(`  pixel MSE ${first.pixelLoss.toFixed(4)} → ${last.pixelLoss.toFixed(4)}, feature loss ${first.featureLoss.toFixed(3)} → ${last.featureLoss.toFixed(3)}`);
  console.log(`  held-out autoencoding G(relu(fc1(x))): pairwise identification ${(await autoencodingAccuracy(net, generator, test)).toFixed(3)}`);

  const targets = await extractFeatures(net, test, { batchSize: 50, layers: net.layerNames });
  const batched = await timeReconstruction(() => reconstructIcnnDgn(net, generator, targets, { iterations }), repeats);
  const rate = (TEST_IMAGES * iterations) / median(batched);
  console.log(`icnn-dgn batched ${TEST_IMAGES} images × ${iterations} iterations: ${rate.toFixed(0)} image-iterations/s (median ${median(batched).toFixed(2)} s; runs ${batched.map((s) => s.toFixed(2)).join(', ')})`);
  const one = (i: number): Record<string, Matrix> => Object.fromEntries(Object.entries(targets).map(([l, m]) => [l, selectRows(m, [i])]));
  const single = await timeReconstruction(async () => {
    for (let i = 0; i < singles; i++) await reconstructIcnnDgn(net, generator, one(i), { iterations });
  }, repeats);
  const singleRate = (singles * iterations) / median(single);
  console.log(`icnn-dgn one at a time (${singles} images × ${iterations} iterations): ${singleRate.toFixed(0)} image-iterations/s (median ${median(single).toFixed(2)} s; runs ${single.map((s) => s.toFixed(2)).join(', ')}); batching ×${(rate / singleRate).toFixed(1)}`);
  console.log(`  200 iterations for 50 images: ~${((TEST_IMAGES * 200) / rate).toFixed(0)} s batched, ~${((TEST_IMAGES * 200) / singleRate).toFixed(0)} s one at a time`);
  generator.dispose();
  net.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
