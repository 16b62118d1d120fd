import type { z } from 'zod';
import type { ReconstructSchema } from '../configs/schema';
import { stimulusRows } from '../lib/data/trials';
import { decodeLabelledMatrix } from '../lib/formats/labelled-matrix';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { encodeCgan } from '../lib/gan/cgan-model-bytes';
import { disposeCgan } from '../lib/gan/cgan-model';
import { generateFromConditions } from '../lib/gan/generate';
import { encodeTrainingTable } from '../lib/gan/training-table';
import { trainCgan, type CganEpoch } from '../lib/gan/train-cgan';
import { selectImages, type ImageBatch } from '../lib/images/image-batch';
import { selectRows, type Matrix } from '../lib/linalg/matrix';
import { averageByStimulus } from '../lib/preprocess/average-trials';
import { cganSampleGrid, evenlySpaced, shownEpochs } from '../lib/report/cgan-training';
import { labelledGridSvg } from '../lib/report/labelled-grid';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { runStage } from './stage-runner';

export type CganStageConfig = z.infer<typeof ReconstructSchema>['cgan'] & { imageSize: number };

/** Training pairs the sample grid follows, and the seed of their fixed z. */
const SAMPLE_COLUMNS = 8;
const SAMPLE_SEED = 1;
/** Sample-grid tiles are upscaled to about this many pixels. */
const TILE_PIXELS = 64;

/**
 * Stage `cgan`: the end-to-end conditional GAN (Yu et al.), trained on one subject's training
 * data — by default one (voxel pattern, image) pair per training image, its trials averaged, as
 * Yu et al.'s 1,200 pairs (and like the averaged test patterns it generates from); `trainOn:
 * trials` keeps single trials instead. Outputs: the model (`cgan`), the per-epoch losses
 * (`training`, Arrow) and the fixed-noise sample grid (`samples`, PNG, and `samples-labelled`,
 * SVG). Heartbeats carry the epoch and, after each epoch, its losses.
 */
export function cganActivity(request: StageRequest<CganStageConfig>): Promise<StageResult<{ history: CganEpoch[] }>> {
  return runStage('cgan', request, async (ctx) => {
    const trainRef = ctx.input('train');
    const train = decodeLabelledMatrix(await ctx.readBytes(trainRef), trainRef.uri);
    const stimuliRef = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(stimuliRef), stimuliRef.uri);
    const pairs = ctx.config.trainOn === 'trials' ? { X: train.values, stimulusIds: train.stimulusIds } : averageByStimulus(train.values, train.stimulusIds);
    const images = selectImages(stimuli.images, stimulusRows(stimuli, pairs.stimulusIds, trainRef.uri, 'training trial'));
    const { epochs } = ctx.config;
    const probe = evenlySpaced(pairs.X.rows, SAMPLE_COLUMNS);
    const shown = new Set(shownEpochs(epochs));
    const samples = new Map<number, ImageBatch>();
    let probeConditions: Matrix | undefined;
    const { model, history } = await trainCgan(pairs.X, images, {
      seed: ctx.config.seed,
      outputSize: ctx.config.imageSize,
      epochs,
      batchSize: ctx.config.batchSize,
      learningRate: ctx.config.learningRate,
      klWeight: ctx.config.klWeight,
      reconstructionWeight: ctx.config.reconstructionWeight,
      matchingAware: ctx.config.matchingAware,
      conditionComponents: ctx.config.conditionComponents,
      conditionEncoder: ctx.config.conditionEncoder,
      architecture: { generatorChannels: ctx.config.generatorChannels, discriminatorChannels: ctx.config.discriminatorChannels },
      onProgress: (f, message) => ctx.progress(f, message),
      onEpoch: (e, current, trainingConditions) => {
        if (shown.has(e.epoch)) {
          // The conditions the generator trained on (out-of-fold for the learned encoder), not a re-encoding.
          probeConditions ??= selectRows(trainingConditions, probe);
          samples.set(e.epoch, generateFromConditions(current, probeConditions, { seed: SAMPLE_SEED }));
        }
        ctx.progress(e.epoch / epochs, `epoch ${e.epoch}/${epochs} done: D real/right ${e.dRealRight.toFixed(3)}, real/wrong ${e.dRealWrong.toFixed(3)}, fake/right ${e.dFakeRight.toFixed(3)}; G ${e.gLoss.toFixed(3)}, KL ${e.kl.toFixed(1)}`);
      },
    });
    try {
      await ctx.write('cgan', encodeCgan(model), 'bin');
      await ctx.write('training', encodeTrainingTable(history, model.config.embeddingDim), 'arrow', [history.length]);
      const grid = cganSampleGrid(selectImages(images, probe), probe.map((i) => pairs.stimulusIds[i]!), samples, Math.max(1, Math.round(TILE_PIXELS / ctx.config.imageSize)));
      await ctx.write('samples', grid.png, 'png', [grid.height, grid.width]);
      await ctx.write('samples-labelled', new TextEncoder().encode(labelledGridSvg(grid)), 'svg');
    } finally {
      disposeCgan(model);
    }
    return { results: { history } };
  });
}
