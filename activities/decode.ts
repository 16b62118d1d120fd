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
import { runStage } from './stage-runner';
import { finiteMean } from '../lib/evaluation/finite-mean';
import { shuffleImageLabels } from '../lib/reconstruction/shuffled-image-labels';
import { Random } from '../lib/random';

export type DecodeConfig = z.infer<typeof DecodeSchema> & {
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

/** Columns standardised with their own mean and SD (FastL2LiR decodes z-scored units). */
function standardiseColumns(m: Matrix): { z: Matrix; mean: Float64Array; sd: Float64Array } {
  const mean = new Float64Array(m.cols);
  const sd = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mean[j]! += m.data[i * m.cols + j]! / m.rows;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) sd[j]! += (m.data[i * m.cols + j]! - mean[j]!) ** 2 / m.rows;
  for (let j = 0; j < m.cols; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const z = createMatrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) z.data[i * m.cols + j] = (m.data[i * m.cols + j]! - mean[j]!) / sd[j]!;
  return { z, mean, sd };
}

function restoreColumns(m: Matrix, mean: Float64Array, sd: Float64Array): Matrix {
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] = m.data[i * m.cols + j]! * sd[j]! + mean[j]!;
  return m;
}

/**
 * Stage `decode`: one decoder per CNN layer — ridge (one projection shared by every layer),
 * per-unit cross-validated ridge, or FastL2LiR-style voxel selection — trained on single trials or
 * per-image averages, predicting every unit of the layer for each test set. Writes the decoded
 * features and their accuracy: profile and pattern correlation with the true features, and
 * pairwise identification in feature space.
 */
export function decodeActivity(request: StageRequest<DecodeConfig>): Promise<StageResult<{ accuracy: LayerAccuracy[] }>> {
  return runStage('decode', request, async (ctx) => {
    const read = async (name: string): Promise<LabelledMatrix> => {
      const ref = ctx.input(name);
      return decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri);
    };
    const recorded = await read('train');
    const seed = ctx.config.shuffleImagesSeed;
    const trainingFor = (k: number) => {
      const trials = seed === undefined ? recorded : { ...recorded, stimulusIds: shuffleImageLabels(recorded.stimulusIds, controlDecoderSeed(seed, k)) };
      return ctx.config.trainOn === 'averages' ? (({ X, stimulusIds }) => ({ values: X, stimulusIds }))(averageByStimulus(trials.values, trials.stimulusIds)) : trials;
    };
    const testNames = Object.keys(ctx.inputs).filter((n) => n.startsWith('test.'));
    const tests = await Promise.all(testNames.map(read));
    const available = Object.keys(ctx.inputs).filter((n) => n.startsWith('features.')).map((n) => n.slice('features.'.length));
    const layers = ctx.config.layers.length > 0 ? ctx.config.layers : available;
    for (const layer of layers) {
      if (!available.includes(layer)) throw new DataError('decode', `layer "${layer}" is not among the features (${available.join(', ')})`);
    }
    for (const t of tests) {
      if (t.values.cols !== recorded.values.cols) {
        throw new DataError('decode', `test set has ${t.values.cols} voxels but training has ${recorded.values.cols}`);
      }
    }
    // Decoder k fits its own training labels and predicts only its own test rows; no more decoders
    // than the smallest set has rows, so every decoder predicts at least one row of every set.
    const decoders = seed === undefined ? 1 : Math.max(1, Math.min(ctx.config.shuffleDecoders ?? 1, ...tests.map((t) => t.values.rows)));
    const fits = Array.from({ length: decoders }, (_, k) => {
      const train = trainingFor(k);
      const rows = tests.map((t) => groupRows(t.values.rows, decoders, k));
      const Xtests = tests.map((t, ti) => (decoders === 1 ? t.values : selectRows(t.values, rows[ti]!)));
      // Folds never split one image's repetitions, so CV scores are not inflated by repeats.
      const imageIndex = new Map<string, number>();
      const groups = Int32Array.from(train.stimulusIds, (id) => imageIndex.get(id) ?? imageIndex.set(id, imageIndex.size).get(id)!);
      return { train, rows, Xtests, groups, projection: undefined as RidgeProjection | undefined };
    });

    const accuracy: LayerAccuracy[] = [];
    const method = ctx.config.method;
    const first = fits[0]!.train.values;
    ctx.progress(0, `${method}: ${first.rows} training samples, ${first.cols} voxels${decoders > 1 ? `, ${decoders} shuffled decoders` : ''}`);
    try {
      if (method === 'ridge') for (const fit of fits) fit.projection = fitRidgeProjection(fit.train.values, fit.Xtests, ctx.config.alpha);
      for (const [li, layer] of layers.entries()) {
        const features = await read(`features.${layer}`);
        const source = ctx.input(`features.${layer}`).uri;
        const predictions = tests.map((t) => createMatrix(t.values.rows, features.values.cols));
        let trainUnits: ReturnType<typeof unitStatistics> | undefined;
        for (const [k, fit] of fits.entries()) {
          const Ytrain = selectRows(features.values, rowsForIds(features, fit.train.stimulusIds, source));
          trainUnits ??= unitStatistics(Ytrain);
          const onProgress = (f: number, message: string) => ctx.progress((li + (k + f) / decoders) / layers.length, `${layer}: ${message}`);
          let predicted: Matrix[];
          if (fit.projection) {
            predicted = await fit.projection.predict(Ytrain, { onProgress });
          } else if (method === 'ridge-cv') {
            predicted = (await decodeRidgeCv(fit.train.values, Ytrain, fit.Xtests, { alphas: ctx.config.alphas, folds: ctx.config.folds, groups: fit.groups, onProgress })).predictions;
          } else {
            const { z, mean, sd } = standardiseColumns(Ytrain);
            const decoded = await decodeVoxelSelectionL2(fit.train.values, z, fit.Xtests, { alpha: ctx.config.alpha, nFeatures: ctx.config.nFeatures, onProgress });
            predicted = decoded.map((p) => restoreColumns(p, mean, sd));
          }
          for (const [ti, part] of predicted.entries()) {
            const out = predictions[ti]!;
            fit.rows[ti]!.forEach((row, j) => out.data.set(part.data.subarray(j * part.cols, (j + 1) * part.cols), row * out.cols));
          }
        }
        for (const [ti, test] of tests.entries()) {
          const set = testNames[ti]!.slice('test.'.length);
          const predicted = predictions[ti]!;
          await ctx.write(`decoded.${set}.${layer}`, encodeLabelledMatrix({ stimulusIds: test.stimulusIds, values: predicted }, { layer }), 'arrow', [predicted.rows, predicted.cols]);
          const truth = selectRows(features.values, rowsForIds(features, test.stimulusIds, source));
          accuracy.push({
            subject: ctx.subject ?? '-',
            stimulusSet: set,
            layer,
            profileCorrelation: finiteMean(columnCorrelations(predicted, truth)),
            // The lab's convention: units z-scored with the training features' mean and SD first.
            patternCorrelation: finiteMean(patternCorrelation(predicted, truth, trainUnits!.mean, trainUnits!.sd)),
            identification: predicted.rows > 1 ? finiteMean(pairwiseIdentification(predicted, truth)) : Number.NaN,
          });
        }
        ctx.progress((li + 1) / layers.length, `decoded ${layer}`);
      }
    } finally {
      for (const fit of fits) fit.projection?.dispose();
    }
    await ctx.writeTable('accuracy', accuracyTable(accuracy, false));
    return { results: { accuracy } };
  });
}
