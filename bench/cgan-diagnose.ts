/**
 * Does the cGAN use its condition? On the default experiment's own data (bench/default-subject-data.ts):
 * 1. The ceiling hint: ridge regression from the 128-d condition embedding (and from the
 *    standardised voxels) to the training images' pixels, scored on the test sets by pixel
 *    pairwise identification. If a linear read-out of the embedding cannot identify test images,
 *    no generator conditioned on it can.
 * 2. A short training run (trainCgan with the options below), its per-epoch losses, then on each
 *    test set pixel identification (generated with 4 z draws), the same with conditions shifted by
 *    one image (must be at chance), the diversity ratio, and the condition's share of the output
 *    variation: mean pairwise distance across conditions at one fixed z vs across z at one condition.
 * Run: npx tsc -p tsconfig.json && node dist/bench/cgan-diagnose.js [--epochs N] [--kl W] [--lr R]
 *      [--rec W] [--components K] [--no-matching] [--gch C] [--dch C] [--size S] [--batch B] [--ridge-only | --no-ridge] [--trainOn averages|trials] [--encoder image-aligned|voxel-pca] [--backend wasm]
 *      [--grid PREFIX]   writes PREFIX-<set>.png: the first 8 true images of each set over the ridge
 *                        read-outs (voxels, then embedding; alpha 1000) and the cGAN's, display-clipped as in the report
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/compute/backend';
import { pairwiseIdentification } from '../lib/evaluation/pairwise-identification';
import { nWayIdentification } from '../lib/evaluation/nway-identification';
import { disposeCgan, type CganModel } from '../lib/gan/cgan-model';
import { encodeConditions, fitConditionEncoder, standardise } from '../lib/gan/condition-encoder';
import { diversity, meanPairwiseDistance } from '../lib/evaluation/diversity';
import { generateFromVoxels } from '../lib/gan/generate';
import { distinctImageGroups } from '../lib/gan/distinct-images';
import { fitImageAlignedEncoder } from '../lib/gan/image-aligned-encoder';
import { trainCgan, type TrainCganOptions } from '../lib/gan/train-cgan';
import { fitRidgeProjection } from '../lib/decoding/ridge';
import { createImageBatch, type ImageBatch } from '../lib/images/image-batch';
import { createMatrix, selectRows, type Matrix } from '../lib/linalg/matrix';
import { encodePng } from '../lib/images/png';
import { displayClip } from '../lib/report/display-clip';
import { imageGrid } from '../lib/report/image-grid';
import { writeFileSync } from 'node:fs';
import { defaultSubjectData } from './default-subject-data';

const SEED = 1;
const SETS = ['natural', 'shapes'];

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const numberArgument = (name: string): number | undefined => (argument(name) === undefined ? undefined : Number(argument(name)));
const flat = (b: ImageBatch): Matrix => createMatrix(b.count, b.data.length / b.count, b.data);
const mean = (a: Float64Array): number => a.reduce((x, y) => x + y, 0) / a.length;
const scores = (generated: ImageBatch, truth: ImageBatch): string =>
  `pairwise ${mean(pairwiseIdentification(flat(generated), flat(truth))).toFixed(3)} n-way ${mean(nWayIdentification(flat(generated), flat(truth))).toFixed(3)}`;

/** One generator output per condition row, every row with the same z (or one condition with many z). */
function fixedNoiseOutputs(model: CganModel, conditions: Matrix, sameZ: boolean): ImageBatch {
  const { conditionDim, noiseDim, outputSize } = model.config;
  const rows = conditions.rows;
  const data = tf.tidy(() => {
    const mu = model.conditioning.distribution(tf.tensor2d(conditions.data, [rows, conditionDim])).mu;
    const z = sameZ ? tf.tile(tf.randomNormal([1, noiseDim], 0, 1, 'float32', 5), [rows, 1]) : tf.randomNormal([rows, noiseDim], 0, 1, 'float32', 5);
    const c = sameZ ? mu : tf.tile(tf.slice(mu, [0, 0], [1, -1]), [rows, 1]);
    return tf.div(tf.add(model.generator.forward(z as tf.Tensor2D, c as tf.Tensor2D, 'moving'), 1), 2).dataSync() as Float32Array;
  });
  return createImageBatch(rows, outputSize, outputSize, Float32Array.from(data));
}

const GRID_COLUMNS = 8;
const gridRows: Record<string, Float32Array[][]> = {};
/** The set's first images, one grid row, for --grid. */
function addGridRow(set: string, batch: ImageBatch, clip = true): void {
  const size = batch.height * batch.width * 3;
  const row = Array.from({ length: Math.min(GRID_COLUMNS, batch.count) }, (_, i) => batch.data.slice(i * size, (i + 1) * size));
  (gridRows[set] ??= []).push(clip ? row.map((im) => displayClip(im)) : row);
}
function writeGrids(prefix: string): void {
  for (const [set, rows] of Object.entries(gridRows)) {
    const grid = imageGrid(rows, 32, 3);
    writeFileSync(`${prefix}-${set}.png`, encodePng(grid.data, grid.height, grid.width));
    console.log(`wrote ${prefix}-${set}.png (${rows.length} rows)`);
  }
}

async function main(): Promise<void> {
  console.log(`backend: ${await initBackend(argument('--backend') === 'wasm' ? 'wasm' : 'auto')}`);
  const trainOn = argument('--trainOn') === 'trials' ? 'trials' : 'averages';
  const t0 = performance.now();
  const { train, tests } = await defaultSubjectData(trainOn);
  console.log(`data: ${train.voxels.rows} pairs x ${train.voxels.cols} voxels (${trainOn}), ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const gridPrefix = argument('--grid');
  for (const s of SETS) addGridRow(s, tests[s]!.images, false);
  const components = numberArgument('--components') ?? 128;
  const conditionEncoder = argument('--encoder') === 'voxel-pca' ? 'voxel-pca' : 'image-aligned';
  const encoder = fitConditionEncoder(train.voxels, components);
  const trainCond = encodeConditions(encoder, train.voxels);
  const tAligned = performance.now();
  const aligned = process.argv.includes('--no-ridge') ? undefined : fitImageAlignedEncoder(train.voxels, flat(train.images), distinctImageGroups(train.images), components);
  if (aligned) console.log(`image-aligned encoder: alpha ${aligned.alphaPerVoxel} x voxels, held-out R2 of the image components ${aligned.heldOutR2.toFixed(3)}, ${((performance.now() - tAligned) / 1000).toFixed(1)} s`);
  for (const [label, x, map] of !aligned ? [] : [
    [`voxel-pca embedding (${components})`, trainCond, (m: Matrix) => encodeConditions(encoder, m)],
    [`image-aligned embedding (${components}, out-of-fold)`, aligned.trainingConditions, (m: Matrix) => encodeConditions(aligned.encoder, m)],
    ['standardised voxels', standardise(encoder, train.voxels), (m: Matrix) => standardise(encoder, m)],
  ] as const) {
    for (const alpha of [1, 100, 1000, 10000]) {
      const testX = SETS.map((s) => map(tests[s]!.voxels));
      const projection = fitRidgeProjection(x, testX, alpha * (x.cols / components));
      const predicted = await projection.predict(flat(train.images));
      projection.dispose();
      const line = SETS.map((s, i) => `${s} ${scores(createImageBatch(tests[s]!.images.count, 32, 32, predicted[i]!.data), tests[s]!.images)}`).join('; ');
      console.log(`ridge from ${label}, alpha ${alpha * (x.cols / components)}: ${line}`);
      if (alpha === 1000) SETS.forEach((s, i) => addGridRow(s, createImageBatch(tests[s]!.images.count, 32, 32, predicted[i]!.data)));
    }
  }
  if (process.argv.includes('--ridge-only')) {
    if (gridPrefix) writeGrids(gridPrefix);
    return;
  }

  const options: TrainCganOptions = {
    seed: SEED,
    epochs: numberArgument('--epochs') ?? 6,
    klWeight: numberArgument('--kl'),
    reconstructionWeight: numberArgument('--rec'),
    conditionComponents: components,
    conditionEncoder,
    matchingAware: !process.argv.includes('--no-matching'),
    learningRate: numberArgument('--lr'),
    batchSize: numberArgument('--batch'),
    outputSize: numberArgument('--size') ?? 32,
    architecture: { generatorChannels: numberArgument('--gch'), discriminatorChannels: numberArgument('--dch') },
    onEpoch: (e) =>
      console.log(
        `epoch ${e.epoch} (${((performance.now() - tTrain) / 1000).toFixed(0)} s): D real/right ${e.dRealRight.toFixed(3)} real/wrong ${e.dRealWrong.toFixed(3)} fake/right ${e.dFakeRight.toFixed(3)}; G adv ${e.gLoss.toFixed(3)} KL ${e.kl.toFixed(2)} L1 ${e.pixelL1.toFixed(3)}`,
      ),
  };
  const architecture = Object.fromEntries(Object.entries(options.architecture ?? {}).filter(([, v]) => v !== undefined));
  const tTrain = performance.now();
  const { model } = await trainCgan(train.voxels, train.images, { ...options, architecture });
  console.log(`trained in ${((performance.now() - tTrain) / 1000).toFixed(1)} s`);
  for (const s of SETS) {
    const set = tests[s]!;
    const generated = generateFromVoxels(model, set.voxels, { seed: SEED, samples: 4, outputSize: 32 });
    addGridRow(s, generated);
    const shifted = generateFromVoxels(model, selectRows(set.voxels, Array.from({ length: set.voxels.rows }, (_, i) => (i + 1) % set.voxels.rows)), { seed: SEED, samples: 4, outputSize: 32 });
    const conditions = encodeConditions(model.encoder, set.voxels);
    const acrossConditions = meanPairwiseDistance(fixedNoiseOutputs(model, conditions, true));
    const acrossNoise = meanPairwiseDistance(fixedNoiseOutputs(model, conditions, false));
    console.log(
      `${s}: ${scores(generated, set.images)}; shifted conditions ${scores(shifted, set.images)}; diversity ratio ${mean(diversity(generated, set.images)).toFixed(3)}; ` +
        `distance across conditions (fixed z) ${acrossConditions.toFixed(2)} vs across z (fixed condition) ${acrossNoise.toFixed(2)}`,
    );
  }
  disposeCgan(model);
  if (gridPrefix) writeGrids(gridPrefix);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
