/**
 * How much image information the simulated subject's voxels hold for a LINEAR read-out, the only
 * kind the paper's decoders use. Ridge from voxels to two 16×16 maps of every image, fitted on the
 * training images and scored on each test set by pattern correlation (per image, over map
 * values) and n-way identification:
 *   signed   — the image minus mid-grey, per colour channel (what a reconstruction must show);
 *   contrast — its absolute value (where the image departs from grey: a shape's silhouette).
 * Read-outs come from the clean stimulus-driven signal (no trial noise, no drift: the encoding
 * model's own ceiling) and from the preprocessed trials of the default design, for both
 * `pixelTerms`. Reconstruction from decoded CNN features cannot show more than these maps hold.
 * Run: npx tsc -p tsconfig.json && node dist/bench/information-ceiling.js [--voxels 1500] [--noise 2]
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../lib/compute/backend';
import type { PixelTerms } from '../lib/data/encoding/gabor-voxel-drive';
import { voxelDrive } from '../lib/data/encoding/voxel-drive';
import { drawVoxelPopulation, DEFAULT_GAIN_SD } from '../lib/data/encoding/voxel-population';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { simulateResponses } from '../lib/data/simulated-subject';
import { fitRidgeProjection } from '../lib/decoding/ridge';
import { rowCorrelations } from '../lib/evaluation/correlation';
import { finiteMean } from '../lib/evaluation/finite-mean';
import { nWayIdentification } from '../lib/evaluation/nway-identification';
import type { ImageBatch } from '../lib/images/image-batch';
import { createMatrix, type Matrix, selectRows } from '../lib/linalg/matrix';
import { standardiseColumns } from '../lib/linalg/standardise-columns';
import { preprocessTrials } from '../lib/preprocess/preprocess-trials';
import { Random } from '../lib/random';
import { runBench } from './run-bench';

const SIZE = 32;
const MAP = 16;
const SETS = ['natural', 'shapes', 'letters'];
const ALPHA = 100;

/** 16×16×3 maps of (pixel − 0.5), or of its absolute value, averaged over 2×2 pixel blocks. */
function imageMaps(images: ImageBatch, contrast: boolean): Matrix {
  const f = SIZE / MAP;
  const out = createMatrix(images.count, MAP * MAP * 3);
  for (let n = 0; n < images.count; n++) {
    for (let y = 0; y < MAP; y++) {
      for (let x = 0; x < MAP; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = 0; dy < f; dy++) {
            for (let dx = 0; dx < f; dx++) {
              const v = images.data[((n * SIZE + y * f + dy) * SIZE + x * f + dx) * 3 + c]! - 0.5;
              sum += contrast ? Math.abs(v) : v;
            }
          }
          out.data[n * MAP * MAP * 3 + (y * MAP + x) * 3 + c] = sum / (f * f);
        }
      }
    }
  }
  return out;
}

interface Readout {
  readonly Xtrain: Matrix;
  readonly trainImages: readonly number[];
  readonly Xtests: Matrix[];
  readonly testImages: (readonly number[])[];
}

async function score(readout: Readout, maps: Matrix): Promise<string[]> {
  const projection = fitRidgeProjection(readout.Xtrain, readout.Xtests, ALPHA);
  const decoded = await projection.predict(selectRows(maps, readout.trainImages));
  projection.dispose();
  return decoded.map((d, i) => {
    const truth = selectRows(maps, readout.testImages[i]!);
    return `${finiteMean(rowCorrelations(d, truth)).toFixed(2)} / ${finiteMean(nWayIdentification(d, truth)).toFixed(2)}`;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { voxels: { type: 'string', default: '1500' }, noise: { type: 'string', default: '2' } } });
  const voxels = Number(values.voxels);
  const backend = await initBackend('auto');
  const stimuli = proceduralStimuli({ seed: 1, imageSize: SIZE, trainImages: 1200, testImages: 50, shapes: true, letters: true });
  const index = new Map(stimuli.ids.map((id, i) => [id, i]));
  const rowsOf = (ids: readonly string[]) => ids.map((id) => index.get(id)!);
  const imagesOf = (set: string) => stimuli.sets.flatMap((s, i) => (s === set ? [i] : []));
  const train = imagesOf('train');
  const maps = { signed: imageMaps(stimuli.images, false), contrast: imageMaps(stimuli.images, true) };
  console.log(`backend ${backend}; ${SIZE} px, ${voxels} voxels (VC), ridge α ${ALPHA}, maps ${MAP}×${MAP}×3; cells: pattern r / n-way (chance ${SETS.map((s) => `1/${imagesOf(s).length}`).join(', ')})`);
  console.log(`\n| pixel terms | read-out from | map | ${SETS.join(' | ')} |`);
  console.log(`|---|---|---|${SETS.map(() => '---').join('|')}|`);
  for (const pixelTerms of ['rectified', 'linear'] as PixelTerms[]) {
    // The same population simulateResponses draws for seed 1 (its fork 1).
    const population = drawVoxelPopulation(new Random(1).fork(1), voxels, SIZE, SIZE, DEFAULT_GAIN_SD);
    const drive = standardiseColumns(voxelDrive(stimuli.images, population, pixelTerms), train).z;
    const clean: Readout = { Xtrain: selectRows(drive, train), trainImages: train, Xtests: SETS.map((s) => selectRows(drive, imagesOf(s))), testImages: SETS.map(imagesOf) };
    const trials = simulateResponses(stimuli, { seed: 1, voxels, trainRepeats: 2, testRepeats: 8, noiseSd: Number(values.noise), pixelTerms });
    const pre = preprocessTrials(trials, { roi: 'VC', averageTestTrials: true, trainSet: 'train', testSets: SETS });
    const noisy: Readout = { Xtrain: pre.train.X, trainImages: rowsOf(pre.train.stimulusIds), Xtests: SETS.map((s) => pre.test[s]!.X), testImages: SETS.map((s) => rowsOf(pre.test[s]!.stimulusIds)) };
    for (const [source, readout] of [['clean signal', clean], [`trials (noiseSd ${values.noise})`, noisy]] as const) {
      for (const [name, m] of Object.entries(maps)) console.log(`| ${pixelTerms} | ${source} | ${name} | ${(await score(readout, m)).join(' | ')} |`);
    }
  }
  console.log(`peak resident memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

runBench(main);
