import type { z } from 'zod';
import type { FeaturesSchema } from '../configs/schema';
import { extractFeatures } from '../lib/features/cnn';
import { modelFolderFingerprint } from '../lib/features/model-folder';
import { weightsFileFingerprint } from '../lib/features/weights-file';
import { loadNetwork } from '../lib/features/networks';
import { encodeLabelledMatrix, layerTensorShape } from '../lib/formats/labelled-matrix';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { selectRows } from '../lib/linalg/matrix';
import { featureStd } from '../lib/reconstruction/feature-scaling';
import { encodeTable } from '../lib/store/arrow-table';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { beforeKey } from './bad-input';
import { runStage } from './stage-runner';

export type FeaturesConfig = z.infer<typeof FeaturesSchema>;

/**
 * Stage `features`: the CNN's features of every stimulus, one Arrow file per layer, plus each
 * layer's typical feature SD over training images (the paper's std0, used to rescale decoded
 * features before reconstruction). Depends only on the stimuli, so all subjects share it.
 */
export async function featuresActivity(request: StageRequest<FeaturesConfig>): Promise<StageResult<{ layers: { name: string; units: number }[] }>> {
  // A user model's weights join the cache key, so replacing them recomputes the features.
  const { modelPath } = request.config;
  const fingerprint = (path: string) =>
    request.config.network === 'tfjs-model'
      ? modelFolderFingerprint(path, { allowSymlinksOutside: request.config.allowSymlinksOutside, allowKey: 'features.allowSymlinksOutside' })
      : weightsFileFingerprint(path);
  const keyed = request.config.network !== 'vgg-mini' && modelPath ? { ...request, config: { ...request.config, fingerprint: await beforeKey('features', () => fingerprint(modelPath)) } } : request;
  return runStage('features', keyed, async (ctx) => {
    const ref = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(ref), ref.uri);
    const cnn = await loadNetwork(ctx.config, stimuli.images.height);
    try {
      const features = await extractFeatures(cnn, stimuli.images, {
        batchSize: ctx.config.batchSize,
        onProgress: (fraction, message) => ctx.progress(0.9 * fraction, message),
      });
      const trainRows = stimuli.sets.flatMap((set, i) => (set === 'train' ? [i] : []));
      const layers: { name: string; units: number }[] = [];
      const std0 = new Float64Array(cnn.layerNames.length);
      for (const [i, name] of cnn.layerNames.entries()) {
        const values = features[name]!;
        await ctx.write(`features.${name}`, encodeLabelledMatrix({ stimulusIds: stimuli.ids, values, shape: layerTensorShape(cnn.layerShapes[name]!) }, { layer: name }), 'arrow', [values.rows, values.cols]);
        std0[i] = featureStd(selectRows(values, trainRows), cnn.layerShapes[name]!);
        layers.push({ name, units: values.cols });
        ctx.progress(0.9 + (0.1 * (i + 1)) / cnn.layerNames.length, `wrote ${name}`);
      }
      await ctx.write('stats', encodeTable({ layer: { kind: 'utf8', values: cnn.layerNames }, std0: { kind: 'float64', values: std0 } }), 'arrow');
      return { results: { layers } };
    } finally {
      cnn.dispose();
    }
  });
}
