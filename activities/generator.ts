import type { z } from 'zod';
import type { ReconstructSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import { loadNetwork } from '../lib/features/networks';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { encodeGenerator } from '../lib/generative/generator';
import { trainGenerator } from '../lib/generative/train-generator';
import { selectImages } from '../lib/images/image-batch';
import type { StageRequest, StageResult } from '../workflows/contracts';
import type { FeaturesConfig } from './features';
import { runStage } from './stage-runner';

export type GeneratorStageConfig = z.infer<typeof ReconstructSchema>['generator'] & { network: FeaturesConfig };

/**
 * Stage `generator`: the deep-generator-network prior, trained on the training stimuli to invert
 * the feature network's `latentLayer` (a pretrained DGN cannot be downloaded). Depends only on
 * the stimuli and the network, so every subject shares it.
 */
export function generatorActivity(request: StageRequest<GeneratorStageConfig>): Promise<StageResult<{ history: { epoch: number; pixelLoss: number; featureLoss: number }[] }>> {
  return runStage('generator', request, async (ctx) => {
    const ref = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(ref), ref.uri);
    const train = stimuli.sets.flatMap((s, i) => (s === 'train' ? [i] : []));
    if (train.length === 0) throw new DataError(ref.uri, 'no training images to train the generator on');
    const images = selectImages(stimuli.images, train);
    const net = await loadNetwork(ctx.config.network, images.height);
    try {
      // A layer name only the loaded network can check: bad input, so the run fails at once.
      if (!net.layerNames.includes(ctx.config.latentLayer)) {
        throw new DataError(net.name, `reconstruct.generator.latentLayer: no layer "${ctx.config.latentLayer}" (layers: ${net.layerNames.join(', ')})`);
      }
      const { generator, history } = await trainGenerator(images, net, {
        latentLayer: ctx.config.latentLayer,
        seed: ctx.config.seed,
        epochs: ctx.config.epochs,
        batchSize: ctx.config.batchSize,
        learningRate: ctx.config.learningRate,
        onProgress: (f, message) => ctx.progress(f, message),
      });
      try {
        await ctx.write('generator', encodeGenerator(generator), 'bin');
      } finally {
        generator.dispose();
      }
      return { results: { history: history.map((h) => ({ epoch: h.epoch, pixelLoss: h.pixelLoss, featureLoss: h.featureLoss })) } };
    } finally {
      net.dispose();
    }
  });
}
