import type { z } from 'zod';
import type { ReconstructSchema } from '../configs/schema';
import { stimulusRows } from '../lib/data/trials';
import { decodeLabelledMatrix } from '../lib/formats/labelled-matrix';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { encodeCgan } from '../lib/gan/cgan-model-bytes';
import { disposeCgan } from '../lib/gan/cgan-model';
import { trainCgan } from '../lib/gan/train-cgan';
import { selectImages } from '../lib/images/image-batch';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { runStage } from './stage-runner';

export type CganStageConfig = z.infer<typeof ReconstructSchema>['cgan'] & { imageSize: number };

/**
 * Stage `cgan`: the end-to-end conditional GAN (Yu et al.), trained on one subject's training
 * trials — the preprocessed voxel pattern of each trial as the condition, the image shown as the
 * target.
 */
export function cganActivity(request: StageRequest<CganStageConfig>): Promise<StageResult<{ history: { epoch: number; dLoss: number; gLoss: number; kl: number }[] }>> {
  return runStage('cgan', request, async (ctx) => {
    const trainRef = ctx.input('train');
    const train = decodeLabelledMatrix(await ctx.readBytes(trainRef), trainRef.uri);
    const stimuliRef = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(stimuliRef), stimuliRef.uri);
    const images = selectImages(stimuli.images, stimulusRows(stimuli, train.stimulusIds, trainRef.uri, 'training trial'));
    const { model, history } = await trainCgan(train.values, images, {
      seed: ctx.config.seed,
      outputSize: ctx.config.imageSize,
      epochs: ctx.config.epochs,
      batchSize: ctx.config.batchSize,
      learningRate: ctx.config.learningRate,
      onProgress: (f, message) => ctx.progress(f, message),
    });
    try {
      await ctx.write('cgan', encodeCgan(model), 'bin');
    } finally {
      disposeCgan(model);
    }
    return { results: { history: history.map((h) => ({ epoch: h.epoch, dLoss: h.dLoss, gLoss: h.gLoss, kl: h.kl })) } };
  });
}
