import type { z } from 'zod';
import type { SimulatedSourceSchema } from '../configs/schema';
import { simulateResponses } from '../lib/data/simulated-subject';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { encodeTrialTable } from '../lib/formats/trial-table';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { runStage } from './stage-runner';

export type SimulateConfig = z.infer<typeof SimulatedSourceSchema>;

/**
 * Stage `simulate`: a simulated subject's trials for the shared stimuli, stored exactly as
 * ingestion of real data stores them (trials table + voxel/ROI table).
 */
export function simulateActivity(request: StageRequest<SimulateConfig>): Promise<StageResult<{ trials: number; voxels: number }>> {
  return runStage('simulate', request, async (ctx) => {
    const ref = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(ref), ref.uri);
    ctx.progress(0.2, 'simulating voxel responses');
    const trials = simulateResponses(stimuli, ctx.config);
    const bytes = encodeTrialTable(trials);
    await ctx.write('trials', bytes.trials, 'arrow', [trials.voxels.rows, trials.voxels.cols]);
    await ctx.write('voxels', bytes.voxels, 'arrow', [trials.voxels.cols]);
    return { results: { trials: trials.voxels.rows, voxels: trials.voxels.cols } };
  });
}
