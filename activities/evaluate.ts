import type { EvaluateSchema } from '../configs/schema';
import { pairwiseIdentification } from '../lib/evaluation/pairwise-identification';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { createMatrix } from '../lib/linalg/matrix';
import { encodeTable } from '../lib/store/arrow-table';
import { DataError } from '../lib/data/data-error';
import type { Score, StageRequest, StageResult } from '../workflows/contracts';
import { runStage } from './stage-runner';
import type { z } from 'zod';

export type EvaluateConfig = z.infer<typeof EvaluateSchema>;

const RECON_PREFIX = 'recon.';

/**
 * Stage `evaluate`: pixel pairwise identification of every reconstruction set against the true
 * images of that set (Kamitani's definition; chance 0.5).
 */
export function evaluateActivity(request: StageRequest<EvaluateConfig>): Promise<StageResult<{ scores: Score[] }>> {
  return runStage('evaluate', request, async (ctx) => {
    const stimuliRef = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(stimuliRef), stimuliRef.uri);
    const pixels = stimuli.images.height * stimuli.images.width * 3;
    const rowOf = new Map(stimuli.ids.map((id, i) => [id, i]));
    const scores: Score[] = [];
    for (const [name, ref] of Object.entries(ctx.inputs).filter(([n]) => n.startsWith(RECON_PREFIX))) {
      const [method, stimulusSet] = name.slice(RECON_PREFIX.length).split('.') as [string, string];
      const recon = decodeStimulusTable(await ctx.readBytes(ref), ref.uri);
      const truth = createMatrix(recon.ids.length, pixels);
      recon.ids.forEach((id, i) => {
        const row = rowOf.get(id);
        if (row === undefined) throw new DataError(ref.uri, `reconstruction of unknown stimulus "${id}"`);
        truth.data.set(stimuli.images.data.subarray(row * pixels, (row + 1) * pixels), i * pixels);
      });
      const predicted = createMatrix(recon.ids.length, pixels, recon.images.data);
      const accuracy = pairwiseIdentification(predicted, truth);
      const mean = accuracy.reduce((a, b) => a + b, 0) / accuracy.length;
      scores.push({ subject: ctx.subject ?? '-', method, stimulusSet, metric: 'pixel-identification', value: mean });
      ctx.progress(scores.length / 4, `${method} ${stimulusSet}: ${mean.toFixed(3)}`);
    }
    if (scores.length === 0) throw new DataError('evaluate', 'no reconstructions among the inputs');
    await ctx.write(
      'scores',
      encodeTable({
        subject: { kind: 'utf8', values: scores.map((s) => s.subject) },
        method: { kind: 'utf8', values: scores.map((s) => s.method) },
        stimulus_set: { kind: 'utf8', values: scores.map((s) => s.stimulusSet) },
        metric: { kind: 'utf8', values: scores.map((s) => s.metric) },
        value: { kind: 'float64', values: Float64Array.from(scores, (s) => s.value) },
      }),
      'arrow',
      [scores.length],
    );
    return { results: { scores } };
  });
}
