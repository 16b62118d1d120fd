import type { StimuliSchema } from '../configs/schema';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { encodeStimulusTable } from '../lib/formats/stimulus-table';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { runStage } from './stage-runner';
import type { z } from 'zod';

export type StimuliConfig = z.infer<typeof StimuliSchema>;

/** Stage `stimuli`: the image sets every subject sees, as one Arrow table of PNGs. */
export function stimuliActivity(request: StageRequest<StimuliConfig>): Promise<StageResult<{ count: number }>> {
  return runStage('stimuli', request, async (ctx) => {
    ctx.progress(0.1, 'drawing images');
    const stimuli = proceduralStimuli(ctx.config);
    await ctx.write('stimuli', encodeStimulusTable(stimuli), 'arrow', [stimuli.ids.length]);
    return { results: { count: stimuli.ids.length } };
  });
}
