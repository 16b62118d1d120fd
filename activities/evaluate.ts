import type { z } from 'zod';
import type { EvaluateSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import { stimulusRows } from '../lib/data/trials';
import { pairwiseIdentification } from '../lib/evaluation/pairwise-identification';
import { pixelCorrelation } from '../lib/evaluation/pixel-correlation';
import { ssim } from '../lib/evaluation/ssim';
import { twoWayIdentification } from '../lib/evaluation/two-way-identification';
import { extractFeatures } from '../lib/features/cnn';
import { loadNetwork } from '../lib/features/networks';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { selectImages } from '../lib/images/image-batch';
import { createMatrix } from '../lib/linalg/matrix';
import { encodeTable } from '../lib/store/arrow-table';
import type { Score, StageRequest, StageResult } from '../workflows/contracts';
import type { FeaturesConfig } from './features';
import { runStage } from './stage-runner';
import { finiteMean } from '../lib/evaluation/finite-mean';

export type EvaluateConfig = z.infer<typeof EvaluateSchema> & { network: FeaturesConfig };

const RECON_PREFIX = 'recon.';

/**
 * Stage `evaluate`: every reconstruction set against the true images of that set — pixel pairwise
 * identification (Kamitani's definition), PixCorr, SSIM and 2-way identification in the feature
 * network's layers (MindEye's definitions). Per-image values go to `per-image`, means to `scores`.
 */
export function evaluateActivity(request: StageRequest<EvaluateConfig>): Promise<StageResult<{ scores: Score[] }>> {
  return runStage('evaluate', request, async (ctx) => {
    const stimuliRef = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(stimuliRef), stimuliRef.uri);
    const metrics = new Set(ctx.config.metrics);
    const cnn = metrics.has('feature-identification') ? await loadNetwork(ctx.config.network, stimuli.images.height) : undefined;
    const scores: Score[] = [];
    const perImage: { method: string; set: string; id: string; metric: string; value: number }[] = [];
    const reconNames = Object.keys(ctx.inputs).filter((n) => n.startsWith(RECON_PREFIX));
    if (reconNames.length === 0) throw new DataError('evaluate', 'no reconstructions among the inputs');
    try {
      for (const [k, name] of reconNames.entries()) {
        const ref = ctx.input(name);
        const [method, stimulusSet] = name.slice(RECON_PREFIX.length).split('.') as [string, string];
        const recon = decodeStimulusTable(await ctx.readBytes(ref), ref.uri);
        const truth = selectImages(stimuli.images, stimulusRows(stimuli, recon.ids, ref.uri, 'reconstruction'));
        const values: [string, Float64Array][] = [];
        const pixels = truth.height * truth.width * 3;
        if (metrics.has('pixel-identification')) {
          values.push(['pixel-identification', pairwiseIdentification(createMatrix(recon.ids.length, pixels, recon.images.data), createMatrix(recon.ids.length, pixels, truth.data))]);
        }
        if (metrics.has('pixcorr')) values.push(['pixcorr', pixelCorrelation(recon.images, truth)]);
        if (metrics.has('ssim')) values.push(['ssim', ssim(recon.images, truth)]);
        if (cnn) {
          for (const layer of ctx.config.featureLayers) {
            if (!cnn.layerNames.includes(layer)) throw new DataError('evaluate', `feature layer "${layer}" is not in ${cnn.name} (${cnn.layerNames.join(', ')})`);
          }
          const options = { batchSize: ctx.config.network.batchSize, layers: ctx.config.featureLayers };
          const [reconFeatures, trueFeatures] = [await extractFeatures(cnn, recon.images, options), await extractFeatures(cnn, truth, options)];
          for (const layer of ctx.config.featureLayers) {
            values.push([`feature-identification:${layer}`, twoWayIdentification(reconFeatures[layer]!, trueFeatures[layer]!)]);
          }
        }
        for (const [metric, perItem] of values) {
          scores.push({ subject: ctx.subject ?? '-', method, stimulusSet, metric, value: finiteMean(perItem) });
          perItem.forEach((value, i) => perImage.push({ method, set: stimulusSet, id: recon.ids[i]!, metric, value }));
        }
        ctx.progress((k + 1) / reconNames.length, `${method} ${stimulusSet} evaluated`);
      }
    } finally {
      cnn?.dispose();
    }
    const subject = ctx.subject ?? '-';
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
    await ctx.write(
      'per-image',
      encodeTable({
        subject: { kind: 'utf8', values: perImage.map(() => subject) },
        method: { kind: 'utf8', values: perImage.map((r) => r.method) },
        stimulus_set: { kind: 'utf8', values: perImage.map((r) => r.set) },
        stimulus_id: { kind: 'utf8', values: perImage.map((r) => r.id) },
        metric: { kind: 'utf8', values: perImage.map((r) => r.metric) },
        value: { kind: 'float64', values: Float64Array.from(perImage, (r) => r.value) },
      }),
      'arrow',
      [perImage.length],
    );
    return { results: { scores } };
  });
}
