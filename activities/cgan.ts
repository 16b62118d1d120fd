import type { z } from 'zod';
import type { ReconstructSchema } from '../configs/schema';
import { stimulusRows } from '../lib/data/trials';
import { decodeLabelledMatrix } from '../lib/formats/labelled-matrix';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { encodeCgan } from '../lib/gan/cgan-model-bytes';
import { disposeCgan } from '../lib/gan/cgan-model';
import { trainCgan } from '../lib/gan/train-cgan';
import { selectImages } from '../lib/images/image-batch';
import { averageByStimulus } from '../lib/preprocess/average-trials';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { runStage } from './stage-runner';

export type CganStageConfig = z.infer<typeof ReconstructSchema>['cgan'] & { imageSize: number };

/**
 * Stage `cgan`: the end-to-end conditional GAN (Yu et al.), trained on one subject's training
 * data — by default one (voxel pattern, image) pair per training image, its trials averaged, as
 * Yu et al.'s 1,200 pairs (and like the averaged test patterns it generates from); `trainOn:
 * trials` keeps single trials instead.
 */
export function cganActivity(request: StageRequest<CganStageConfig>): Promise<StageResult<{ history: { epoch: number; dLoss: number; gLoss: number; kl: number }[] }>> {
  return runStage('cgan', request, async (ctx) => {
    const trainRef = ctx.input('train');
    const train = decodeLabelledMatrix(await ctx.readBytes(trainRef), trainRef.uri);
    const stimuliRef = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(stimuliRef), stimuliRef.uri);
    const pairs = ctx.config.trainOn === 'trials' ? { X: train.values, stimulusIds: train.stimulusIds } : averageByStimulus(train.values, train.stimulusIds);
    const images = selectImages(stimuli.images, stimulusRows(stimuli, pairs.stimulusIds, trainRef.uri, 'training trial'));
    const { model, history } = await trainCgan(pairs.X, images, {
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
