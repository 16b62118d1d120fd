import type { z } from 'zod';
import type { DecodeSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import { fitRidgeProjection, type RidgeProjection } from '../lib/decoding/ridge';
import { decodeRidgeCv } from '../lib/decoding/ridge-cv';
import { decodeVoxelSelectionL2 } from '../lib/decoding/voxel-selection-l2';
import { pairwiseIdentification } from '../lib/evaluation/pairwise-identification';
import { averageByStimulus } from '../lib/preprocess/average-trials';
import { createMatrix, type Matrix } from '../lib/linalg/matrix';
import { columnCorrelations } from '../lib/evaluation/correlation';
import { patternCorrelation } from '../lib/evaluation/pattern-correlation';
import { unitStatistics } from '../lib/evaluation/unit-statistics';
import { decodeLabelledMatrix, encodeLabelledMatrix, type LabelledMatrix, rowsForIds } from '../lib/formats/labelled-matrix';
import { selectRows } from '../lib/linalg/matrix';
import { accuracyTable } from '../lib/formats/result-tables';
import type { LayerAccuracy, StageRequest, StageResult } from '../workflows/contracts';
import type { FeaturesConfig } from './features';
import { acquireProjections } from './projection-cache';
import { runStage, type StageContext } from './stage-runner';
import { finiteMean } from '../lib/evaluation/finite-mean';
import { shuffleImageLabels } from '../lib/reconstruction/shuffled-image-labels';
import { Random } from '../lib/random';
import { standardiseColumns } from '../lib/linalg/standardise-columns';

/** The decode stage's config; the shard size is in no key (sharding never changes a value). */
export type DecodeConfig = Omit<z.infer<typeof DecodeSchema>, 'shardUnits'> & {
  network: FeaturesConfig;
  /**
   * The chance control: fit on training images whose labels were permuted with this seed (all
   * repetitions of image i take image π(i)'s features), so the decoder carries no information.
   */
  shuffleImagesSeed?: number;
  /**
   * How many such decoders, each on its own permutation (default 1): test row i of each set is
   * decoded by decoder i mod K. One shuffled decoder is one fixed random map from voxels to
   * features, the same for every test image, so its score is a single draw from a wide null
   * distribution; K independent maps average K draws. At most the smallest test set's row count.
   */
  shuffleDecoders?: number;
};

/** Decoder k's permutation seed: the control seed itself for k = 0, a seeded draw from it after. */
export function controlDecoderSeed(seed: number, k: number): number {
  return k === 0 ? seed : new Random(seed).fork(k).int(2 ** 31);
}

/** Rows i of a set with i mod `groups` = `group`. */
function groupRows(rows: number, groups: number, group: number): number[] {
  return Array.from({ length: Math.ceil((rows - group) / groups) }, (_, j) => group + j * groups);
}

function restoreColumns(m: Matrix, mean: Float64Array, sd: Float64Array): Matrix {
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] = m.data[i * m.cols + j]! * sd[j]! + mean[j]!;
  return m;
}

/** A matrix's rows `rows` and columns [c0, c1), copied: one unit range of the training features. */
function selectBlock(m: Matrix, rows: readonly number[], c0: number, c1: number): Matrix {
  const width = c1 - c0;
  const out = createMatrix(rows.length, width);
  rows.forEach((r, k) => out.data.set(m.data.subarray(r * m.cols + c0, r * m.cols + c1), k * width));
  return out;
}

/** One decoder's training set, the test rows it predicts, and (ridge) its voxel-only projection. */
interface DecoderFit {
  readonly train: { readonly values: Matrix; readonly stimulusIds: string[] };
  readonly rows: number[][];
  readonly Xtests: Matrix[];
  readonly groups: Int32Array;
  projection?: RidgeProjection;
}

/**
 * Everything a decode needs before any layer: the training voxels per decoder, the test sets and
 * the layers. The same for the whole stage and for each of its shards, so a shard's units are
 * predicted exactly as they are in the whole stage.
 */
export interface DecodeSetup {
  readonly testNames: string[];
  readonly tests: LabelledMatrix[];
  readonly layers: string[];
  readonly fits: DecoderFit[];
  readonly decoders: number;
  /** What `dispose` undoes: projections fitted here, or the hold on a worker's shared ones. */
  readonly cleanups: (() => void)[];
  dispose(): void;
}

async function readMatrix(ctx: StageContext<DecodeConfig>, name: string): Promise<LabelledMatrix> {
  const ref = ctx.input(name);
  return decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri);
}

/** The layers to decode: the configured ones, checked against the features, or every layer. */
export function decodeLayers(config: DecodeConfig, inputNames: readonly string[]): string[] {
  const available = inputNames.filter((n) => n.startsWith('features.')).map((n) => n.slice('features.'.length));
  const layers = config.layers.length > 0 ? config.layers : available;
  for (const layer of layers) {
    if (!available.includes(layer)) throw new DataError('decode', `layer "${layer}" is not among the features (${available.join(', ')})`);
  }
  return layers;
}

export async function prepareDecode(ctx: StageContext<DecodeConfig>): Promise<DecodeSetup> {
  const recorded = await readMatrix(ctx, 'train');
  const seed = ctx.config.shuffleImagesSeed;
  const trainingFor = (k: number) => {
    const trials = seed === undefined ? recorded : { ...recorded, stimulusIds: shuffleImageLabels(recorded.stimulusIds, controlDecoderSeed(seed, k)) };
    return ctx.config.trainOn === 'averages' ? (({ X, stimulusIds }) => ({ values: X, stimulusIds }))(averageByStimulus(trials.values, trials.stimulusIds)) : trials;
  };
  const testNames = Object.keys(ctx.inputs).filter((n) => n.startsWith('test.'));
  const tests = await Promise.all(testNames.map((n) => readMatrix(ctx, n)));
  const layers = decodeLayers(ctx.config, Object.keys(ctx.inputs));
  for (const t of tests) {
    if (t.values.cols !== recorded.values.cols) {
      throw new DataError('decode', `test set has ${t.values.cols} voxels but training has ${recorded.values.cols}`);
    }
  }
  // Decoder k fits its own training labels and predicts only its own test rows; no more decoders
  // than the smallest set has rows, so every decoder predicts at least one row of every set.
  const decoders = seed === undefined ? 1 : Math.max(1, Math.min(ctx.config.shuffleDecoders ?? 1, ...tests.map((t) => t.values.rows)));
  const fits = Array.from({ length: decoders }, (_, k): DecoderFit => {
    const train = trainingFor(k);
    const rows = tests.map((t) => groupRows(t.values.rows, decoders, k));
    const Xtests = tests.map((t, ti) => (decoders === 1 ? t.values : selectRows(t.values, rows[ti]!)));
    // Folds never split one image's repetitions, so CV scores are not inflated by repeats.
    const imageIndex = new Map<string, number>();
    const groups = Int32Array.from(train.stimulusIds, (id) => imageIndex.get(id) ?? imageIndex.set(id, imageIndex.size).get(id)!);
    return { train, rows, Xtests, groups };
  });
  const first = fits[0]!.train.values;
  ctx.progress(0, `${ctx.config.method}: ${first.rows} training samples, ${first.cols} voxels${decoders > 1 ? `, ${decoders} shuffled decoders` : ''}`);
  const cleanups: (() => void)[] = [];
  return { testNames, tests, layers, fits, decoders, cleanups, dispose: () => cleanups.splice(0).forEach((c) => c()) };
}

/**
 * Ridge: the voxel-only projection of every decoder, once, before any unit is predicted. With
 * `sharedKey` (the stage's key), the worker's copy for that stage is used, or made and kept, so
 * a stage's shards on one worker fit them once.
 */
export function fitProjections(ctx: StageContext<DecodeConfig>, setup: DecodeSetup, sharedKey?: string): void {
  if (ctx.config.method !== 'ridge' || setup.fits.every((fit) => fit.projection)) return;
  const fitAll = () => {
    const fitted: RidgeProjection[] = [];
    // Shuffled decoders trained on single trials share the training voxels (only the labels
    // differ), and a projection depends on the voxels alone: fit it once, for every test row.
    const first = setup.fits[0]!.train.values;
    const shared = setup.fits.length > 1 && setup.fits.every((fit) => fit.train.values === first);
    try {
      if (shared) {
        const whole = fitRidgeProjection(first, setup.tests.map((t) => t.values), ctx.config.alpha);
        try {
          for (const fit of setup.fits) fitted.push(whole.selectTestRows(fit.rows));
        } finally {
          whole.dispose();
        }
      } else {
        for (const fit of setup.fits) fitted.push(fitRidgeProjection(fit.train.values, fit.Xtests, ctx.config.alpha));
      }
    } catch (error) {
      fitted.forEach((p) => p.dispose());
      throw error;
    }
    return fitted;
  };
  if (sharedKey) {
    const { projections, release } = acquireProjections(sharedKey, fitAll);
    setup.cleanups.push(release);
    setup.fits.forEach((fit, k) => (fit.projection = projections[k]));
    return;
  }
  const projections = fitAll();
  setup.cleanups.push(() => projections.forEach((p) => p.dispose()));
  setup.fits.forEach((fit, k) => (fit.projection = projections[k]));
}

/**
 * Predicts units [start, end) of one layer for every test set (test rows × end − start each).
 * Every method decodes each unit on its own, so a range gives the same values as the whole layer.
 */
export async function predictUnits(
  ctx: StageContext<DecodeConfig>,
  setup: DecodeSetup,
  features: LabelledMatrix,
  source: string,
  range: { start: number; end: number },
  onProgress: (fraction: number, message: string) => void,
): Promise<Matrix[]> {
  const width = range.end - range.start;
  const predictions = setup.tests.map((t) => createMatrix(t.values.rows, width));
  const method = ctx.config.method;
  for (const [k, fit] of setup.fits.entries()) {
    const Ytrain = selectBlock(features.values, rowsForIds(features, fit.train.stimulusIds, source), range.start, range.end);
    const progress = (f: number, message: string) => onProgress((k + f) / setup.decoders, message);
    let predicted: Matrix[];
    if (fit.projection) {
      predicted = await fit.projection.predict(Ytrain, { onProgress: progress });
    } else if (method === 'ridge-cv') {
      predicted = (await decodeRidgeCv(fit.train.values, Ytrain, fit.Xtests, { alphas: ctx.config.alphas, folds: ctx.config.folds, groups: fit.groups, onProgress: progress })).predictions;
    } else {
      // FastL2LiR decodes z-scored units.
      const { z, mean, sd } = standardiseColumns(Ytrain);
      const decoded = await decodeVoxelSelectionL2(fit.train.values, z, fit.Xtests, { alpha: ctx.config.alpha, nFeatures: ctx.config.nFeatures, onProgress: progress });
      predicted = decoded.map((p) => restoreColumns(p, mean, sd));
    }
    for (const [ti, part] of predicted.entries()) {
      const out = predictions[ti]!;
      fit.rows[ti]!.forEach((row, j) => out.data.set(part.data.subarray(j * part.cols, (j + 1) * part.cols), row * out.cols));
    }
  }
  return predictions;
}

/** Writes one layer's decoded features for every test set and returns their accuracy. */
export async function writeDecodedLayer(ctx: StageContext<DecodeConfig>, setup: DecodeSetup, layer: string, features: LabelledMatrix, source: string, predictions: readonly Matrix[]): Promise<LayerAccuracy[]> {
  const trainUnits = unitStatistics(selectRows(features.values, rowsForIds(features, setup.fits[0]!.train.stimulusIds, source)));
  const accuracy: LayerAccuracy[] = [];
  for (const [ti, test] of setup.tests.entries()) {
    const set = setup.testNames[ti]!.slice('test.'.length);
    const predicted = predictions[ti]!;
    await ctx.write(`decoded.${set}.${layer}`, encodeLabelledMatrix({ stimulusIds: test.stimulusIds, values: predicted, ...(features.shape ? { shape: features.shape } : {}) }, { layer }), 'arrow', [predicted.rows, predicted.cols]);
    const truth = selectRows(features.values, rowsForIds(features, test.stimulusIds, source));
    accuracy.push({
      subject: ctx.subject ?? '-',
      stimulusSet: set,
      layer,
      profileCorrelation: finiteMean(columnCorrelations(predicted, truth)),
      // The lab's convention: units z-scored with the training features' mean and SD first.
      patternCorrelation: finiteMean(patternCorrelation(predicted, truth, trainUnits.mean, trainUnits.sd)),
      identification: predicted.rows > 1 ? finiteMean(pairwiseIdentification(predicted, truth)) : Number.NaN,
    });
  }
  return accuracy;
}

/** Reads one layer's true features (all stimuli × units) and their source URI. */
export async function readLayerFeatures(ctx: StageContext<DecodeConfig>, layer: string): Promise<{ features: LabelledMatrix; source: string }> {
  return { features: await readMatrix(ctx, `features.${layer}`), source: ctx.input(`features.${layer}`).uri };
}

/**
 * Stage `decode`: one decoder per CNN layer — ridge (one projection shared by every layer),
 * per-unit cross-validated ridge, or FastL2LiR-style voxel selection — trained on single trials or
 * per-image averages, predicting every unit of the layer for each test set. Writes the decoded
 * features and their accuracy: profile and pattern correlation with the true features, and
 * pairwise identification in feature space. This is the whole stage in one activity; workflows run
 * it as shards (activities/decode-shards.ts), whose merged outputs are the same bytes.
 */
export function decodeActivity(request: StageRequest<DecodeConfig>): Promise<StageResult<{ accuracy: LayerAccuracy[] }>> {
  return runStage('decode', request, async (ctx) => {
    const setup = await prepareDecode(ctx);
    fitProjections(ctx, setup);
    const accuracy: LayerAccuracy[] = [];
    try {
      for (const [li, layer] of setup.layers.entries()) {
        const { features, source } = await readLayerFeatures(ctx, layer);
        const onProgress = (f: number, message: string) => ctx.progress((li + f) / setup.layers.length, `${layer}: ${message}`);
        const predictions = await predictUnits(ctx, setup, features, source, { start: 0, end: features.values.cols }, onProgress);
        accuracy.push(...(await writeDecodedLayer(ctx, setup, layer, features, source, predictions)));
        ctx.progress((li + 1) / setup.layers.length, `decoded ${layer}`);
      }
    } finally {
      setup.dispose();
    }
    await ctx.writeTable('accuracy', accuracyTable(accuracy, false));
    return { results: { accuracy } };
  });
}
