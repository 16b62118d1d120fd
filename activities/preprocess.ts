import type { z } from 'zod';
import type { PreprocessSchema } from '../configs/schema';
import { encodeLabelledMatrix } from '../lib/formats/labelled-matrix';
import { decodeTrialTable } from '../lib/formats/trial-table';
import { preprocessTrials } from '../lib/preprocess/preprocess-trials';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { runStage } from './stage-runner';

export type PreprocessConfig = z.infer<typeof PreprocessSchema>;

/** Stage `preprocess`: run-wise linear detrending and z-scoring, ROI selection, test-trial averaging. */
export function preprocessActivity(
  request: StageRequest<PreprocessConfig>,
): Promise<StageResult<{ voxels: number; train: number; test: Record<string, number> }>> {
  return runStage('preprocess', request, async (ctx) => {
    const trialsRef = ctx.input('trials');
    const voxelsRef = ctx.input('voxels');
    const trials = decodeTrialTable(await ctx.readBytes(trialsRef), trialsRef.uri, await ctx.readBytes(voxelsRef), voxelsRef.uri);
    const testSets = [...new Set(trials.sets)].filter((s) => s !== 'train');
    const out = preprocessTrials(trials, { roi: ctx.config.roi, averageTestTrials: ctx.config.averageTestTrials, detrend: ctx.config.detrend, trainSet: 'train', testSets }, trialsRef.uri);
    await ctx.write('train', encodeLabelledMatrix({ stimulusIds: out.train.stimulusIds, values: out.train.X }), 'arrow', [out.train.X.rows, out.train.X.cols]);
    const test: Record<string, number> = {};
    for (const [set, data] of Object.entries(out.test)) {
      await ctx.write(`test.${set}`, encodeLabelledMatrix({ stimulusIds: data.stimulusIds, values: data.X }), 'arrow', [data.X.rows, data.X.cols]);
      test[set] = data.X.rows;
    }
    return { results: { voxels: out.train.X.cols, train: out.train.X.rows, test } };
  });
}
