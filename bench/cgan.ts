/**
 * The end-to-end cGAN (lib/gan) on data of the default experiment's shape: 2,400 training trials
 * × 1,500 z-scored voxels, 1,200 distinct 32×32 images (each shown twice), wasm backend,
 * trained on one averaged pair per image (the default `trainOn: averages`).
 * `--data simulated`: instead the default experiment's own data (configs/default.yaml: procedural
 * stimuli, simulated subject, preprocessing) and, after training, whether conditions are used:
 * pixel pairwise identification of the generated natural test images (averaged test patterns) vs
 * their true images, and the diversity ratio (mean pairwise pixel distance between generated
 * images / that between the true ones; a collapsed generator scores ~0).
 * Reports the training time of the default configuration (TRAIN_CGAN_DEFAULTS, seconds per epoch
 * as the median over epochs, and the total), then generation throughput for 50 test trials
 * (median of timed repeats after one warm-up) with 1 and 4 z draws per trial.
 * Data are random (timing does not depend on content).
 * Run: npx tsc -p tsconfig.json && node dist/bench/cgan.js [--epochs N] [--backend wasm|cpu|tensorflow] [--data random|simulated] [--trainOn averages|trials]
 *      [--pairs N] [--size S] [--gch C] [--dch C]
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../lib/compute/backend';
import { encodeCgan } from '../lib/gan/cgan-model-bytes';
import { disposeCgan } from '../lib/gan/cgan-model';
import { generateFromVoxels } from '../lib/gan/generate';
import { CGAN_CONFIG_DEFAULTS } from '../lib/gan/cgan-config';
import { TRAIN_CGAN_DEFAULTS, trainCgan } from '../lib/gan/train-cgan';
import { createImageBatch, type ImageBatch } from '../lib/images/image-batch';
import { createMatrix, selectRows, type Matrix } from '../lib/linalg/matrix';
import { Random } from '../lib/random';
import { median } from './median';
import { diversity } from '../lib/evaluation/diversity';
import { pairwiseIdentification } from '../lib/evaluation/pairwise-identification';
import { selectImages } from '../lib/images/image-batch';
import { averageByStimulus } from '../lib/preprocess/average-trials';
import { defaultSubjectData } from './default-subject-data';

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
  const trainOn = argument('--trainOn') ?? 'averages';
  const simulated = argument('--data') === 'simulated';
  console.log(`machine: ${os.cpus().length} logical cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, tfjs ${tf.version.tfjs}, backend ${backend}`);
  const rng = new Random(SEED);
  const tData = performance.now();
  const subject = simulated ? await defaultSubjectData(trainOn === 'trials' ? 'trials' : 'averages') : undefined;
  const data = subject && { voxels: subject.train.voxels, images: subject.train.images, testVoxels: subject.tests['natural']!.voxels, testImages: subject.tests['natural']!.images };
  const allTrials = randomVoxels(TRIALS, rng);
  const allImages = trialImages(rng);
  const ids = Array.from({ length: TRIALS }, (_, i) => String(i % DISTINCT_IMAGES));
  const voxels = data?.voxels ?? (trainOn === 'trials' ? allTrials : averageByStimulus(allTrials, ids).X);
  const images = data?.images ?? (trainOn === 'trials' ? allImages : selectImages(allImages, Array.from({ length: DISTINCT_IMAGES }, (_, i) => i)));
  console.log(`data: ${voxels.rows} pairs x ${voxels.cols} voxels (${simulated ? 'default experiment, simulated' : 'random'}, ${trainOn}), ${((performance.now() - tData) / 1000).toFixed(1)} s`);

  const epochEnds: number[] = [];
  const t0 = performance.now();
  // --pairs N: time training on the first N pairs only (per-step cost is what matters at 64 px);
  // --size, --gch, --dch: output size and widths, e.g. StackGAN's 64 px, 64 and 64 channels.
  const pairs = Math.min(Number(argument('--pairs') ?? voxels.rows), voxels.rows);
  const first = Array.from({ length: pairs }, (_, i) => i);
  const size = Number(argument('--size') ?? SIZE);
  const architecture = { generatorChannels: Number(argument('--gch') ?? CGAN_CONFIG_DEFAULTS.generatorChannels), discriminatorChannels: Number(argument('--dch') ?? CGAN_CONFIG_DEFAULTS.discriminatorChannels) };
  console.log(`training on ${pairs} pairs at ${size}x${size}, generator ${architecture.generatorChannels} / discriminator ${architecture.discriminatorChannels} channels`);
  const { model, history } = await trainCgan(selectRows(voxels, first), selectImages(images, first), {
    seed: SEED,
    outputSize: size,
    architecture,
    epochs,
    onProgress: (fraction) => {
      if (epochEnds.length < Math.round(fraction * epochs - 1e-9) && Math.abs(fraction * epochs - Math.round(fraction * epochs)) < 1e-9) epochEnds.push(performance.now());
    },
  });
  const total = (performance.now() - t0) / 1000;
  const perEpoch = epochEnds.map((t, i) => (t - (i === 0 ? t0 : epochEnds[i - 1]!)) / 1000);
  const steps = Math.floor(pairs / TRAIN_CGAN_DEFAULTS.batchSize);
  console.log(
    `train ${pairs} pairs x ${voxels.cols} voxels, ${size}x${size}, batch ${TRAIN_CGAN_DEFAULTS.batchSize} (${steps} steps/epoch), ${epochs} epochs: ` +
      `total ${total.toFixed(1)} s, median ${median(perEpoch).toFixed(1)} s/epoch (${(1000 * median(perEpoch) / steps).toFixed(0)} ms/step; epochs ${perEpoch.map((s) => s.toFixed(1)).join(', ')})`,
  );
  const last = history[history.length - 1]!;
  console.log(`last epoch: dLoss ${last.dLoss.toFixed(3)}, gLoss ${last.gLoss.toFixed(3)}, kl ${last.kl.toFixed(2)} nats`);
  console.log(`model bytes: ${(encodeCgan(model).length / 1024).toFixed(0)} KiB`);

  if (data) {
    const generated = generateFromVoxels(model, data.testVoxels, { seed: SEED, samples: 4, outputSize: data.testImages.height });
    const flat = (b: ImageBatch): Matrix => createMatrix(b.count, b.data.length / b.count, b.data);
    const ident = pairwiseIdentification(flat(generated), flat(data.testImages));
    const shuffled = Array.from({ length: data.testVoxels.rows }, (_, i) => (i + 1) % data.testVoxels.rows);
    const control = generateFromVoxels(model, selectRows(data.testVoxels, shuffled), { seed: SEED, samples: 4, outputSize: data.testImages.height });
    const mean = (a: Float64Array): number => a.reduce((x, y) => x + y, 0) / a.length;
    console.log(
      `natural test (${data.testVoxels.rows} images, averaged patterns, 4 z draws): pixel pairwise identification ${mean(ident).toFixed(3)} ` +
        `(conditions shifted by one image: ${mean(pairwiseIdentification(flat(control), flat(data.testImages))).toFixed(3)}; chance 0.5), ` +
        `diversity ratio ${mean(diversity(generated, data.testImages)).toFixed(3)}`,
    );
  }
  const test = data ? selectRows(data.testVoxels, Array.from({ length: Math.min(TEST_TRIALS, data.testVoxels.rows) }, (_, i) => i)) : randomVoxels(TEST_TRIALS, rng);
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
