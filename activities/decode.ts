import type { z } from 'zod';
import type { DecodeSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import { decodeLayerRidge } from '../lib/decoding/ridge';
import { columnCorrelations, rowCorrelations } from '../lib/evaluation/correlation';
import { decodeLabelledMatrix, encodeLabelledMatrix, type LabelledMatrix, rowsForIds } from '../lib/formats/labelled-matrix';
import { selectRows } from '../lib/linalg/matrix';
import { encodeTable } from '../lib/store/arrow-table';
import type { LayerAccuracy, StageRequest, StageResult } from '../workflows/contracts';
import type { FeaturesConfig } from './features';
import { runStage } from './stage-runner';

export type DecodeConfig = z.infer<typeof DecodeSchema> & { network: FeaturesConfig };

function finiteMean(values: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) [sum, n] = [sum + v, n + 1];
  return n === 0 ? Number.NaN : sum / n;
}

/**
 * Stage `decode`: one ridge decoder per CNN layer, trained on single training trials, predicting
 * every unit of the layer for each test set; writes the decoded features and their accuracy
 * (profile and pattern correlation with the true features).
 */
export function decodeActivity(request: StageRequest<DecodeConfig>): Promise<StageResult<{ accuracy: LayerAccuracy[] }>> {
  return runStage('decode', request, async (ctx) => {
    const read = async (name: string): Promise<LabelledMatrix> => {
      const ref = ctx.input(name);
      return decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri);
    };
    const train = await read('train');
    const testNames = Object.keys(ctx.inputs).filter((n) => n.startsWith('test.'));
    const tests = await Promise.all(testNames.map(read));
    const available = Object.keys(ctx.inputs).filter((n) => n.startsWith('features.')).map((n) => n.slice('features.'.length));
    const layers = ctx.config.layers.length > 0 ? ctx.config.layers : available;
    for (const layer of layers) {
      if (!available.includes(layer)) throw new DataError('decode', `layer "${layer}" is not among the features (${available.join(', ')})`);
    }
    for (const t of tests) {
      if (t.values.cols !== train.values.cols) {
        throw new DataError('decode', `test set has ${t.values.cols} voxels but training has ${train.values.cols}`);
      }
    }

    const accuracy: LayerAccuracy[] = [];
    for (const [li, layer] of layers.entries()) {
      const features = await read(`features.${layer}`);
      const source = ctx.input(`features.${layer}`).uri;
      const Ytrain = selectRows(features.values, rowsForIds(features, train.stimulusIds, source));
      const predictions = await decodeLayerRidge(train.values, Ytrain, tests.map((t) => t.values), {
        alpha: ctx.config.alpha,
        onProgress: (f, message) => ctx.progress((li + f) / layers.length, `${layer}: ${message}`),
      });
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
          patternCorrelation: finiteMean(rowCorrelations(predicted, truth)),
        });
      }
      ctx.progress((li + 1) / layers.length, `decoded ${layer}`);
    }
    await ctx.write(
      'accuracy',
      encodeTable({
        stimulus_set: { kind: 'utf8', values: accuracy.map((a) => a.stimulusSet) },
        layer: { kind: 'utf8', values: accuracy.map((a) => a.layer) },
        profile_correlation: { kind: 'float64', values: Float64Array.from(accuracy, (a) => a.profileCorrelation) },
        pattern_correlation: { kind: 'float64', values: Float64Array.from(accuracy, (a) => a.patternCorrelation) },
      }),
      'arrow',
      [accuracy.length],
    );
    return { results: { accuracy } };
  });
}
