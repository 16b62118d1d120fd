import type { z } from 'zod';
import { ConfigError } from '../configs/config-error';
import type { EvaluateSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import { stimulusRows } from '../lib/data/trials';
import { bootstrapInterval } from '../lib/evaluation/bootstrap-interval';
import { diversity } from '../lib/evaluation/diversity';
import { finiteMean } from '../lib/evaluation/finite-mean';
import { IMAGERY_SET, imageryCategoryRows } from '../lib/evaluation/imagery-categories';
import { networkProvenance, sameNetwork, sameNetworkMessage } from '../lib/evaluation/network-provenance';
import { nWayIdentification } from '../lib/evaluation/nway-identification';
import { pairwiseIdentification } from '../lib/evaluation/pairwise-identification';
import { pixelCorrelation } from '../lib/evaluation/pixel-correlation';
import { ssim } from '../lib/evaluation/ssim';
import { twoWayIdentification } from '../lib/evaluation/two-way-identification';
import { extractFeatures } from '../lib/features/cnn';
import type { FeatureNetwork } from '../lib/features/feature-network';
import { loadNetwork } from '../lib/features/networks';
import { scoreTable } from '../lib/formats/result-tables';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { type ImageBatch, selectImages } from '../lib/images/image-batch';
import { createMatrix, type Matrix, selectRows } from '../lib/linalg/matrix';
import { encodeTable } from '../lib/store/arrow-table';
import type { NetworkProvenance, Score, StageRequest, StageResult } from '../workflows/contracts';
import type { FeaturesConfig } from './features';
import { runStage } from './stage-runner';

/** The evaluate block of the config, plus the network that is decoded and optimised (to refuse it and name it). */
export type EvaluateConfig = z.infer<typeof EvaluateSchema> & { featureNetwork: FeaturesConfig };

const RECON_PREFIX = 'recon.';

/** One set's reconstructions and true images, as the metrics read them. */
interface SetInputs {
  readonly recon: ImageBatch;
  readonly truth: ImageBatch;
  readonly reconPixels: Matrix;
  readonly truthPixels: Matrix;
  /** Evaluation-network features per layer: [reconstruction, truth]. */
  readonly features: ReadonlyMap<string, readonly [Matrix, Matrix]>;
}

function subsetOf(all: SetInputs, rows: readonly number[]): SetInputs {
  const features = new Map([...all.features].map(([layer, [r, t]]) => [layer, [selectRows(r, rows), selectRows(t, rows)] as const]));
  return { recon: selectImages(all.recon, rows), truth: selectImages(all.truth, rows), reconPixels: selectRows(all.reconPixels, rows), truthPixels: selectRows(all.truthPixels, rows), features };
}

/** Per-image values of every configured metric; identification candidates are the images of `inputs` only. */
function scoreSet(inputs: SetInputs, metrics: ReadonlySet<string>): [string, Float64Array][] {
  const values: [string, Float64Array][] = [];
  if (metrics.has('pixel-identification')) values.push(['pixel-identification', pairwiseIdentification(inputs.reconPixels, inputs.truthPixels)]);
  // The n-way score accompanies every pairwise one: pairwise alone can be passed by coarse colour.
  if (metrics.has('pixel-identification') || metrics.has('nway-identification')) values.push(['nway-identification', nWayIdentification(inputs.reconPixels, inputs.truthPixels)]);
  // Diversity also accompanies the pairwise score: a collapsed generator can pass neither test alone.
  if (metrics.has('pixel-identification') || metrics.has('diversity')) values.push(['diversity', diversity(inputs.recon, inputs.truth)]);
  if (metrics.has('pixcorr')) values.push(['pixcorr', pixelCorrelation(inputs.recon, inputs.truth)]);
  if (metrics.has('ssim')) values.push(['ssim', ssim(inputs.recon, inputs.truth)]);
  for (const [layer, [r, t]] of inputs.features) values.push([`feature-identification:${layer}`, twoWayIdentification(r, t)]);
  return values;
}

/**
 * Stage `evaluate`: every reconstruction set against the true images of that set — pixel pairwise
 * identification (bdpy's definition), n-way identification, PixCorr, SSIM and 2-way
 * identification in the layers of an evaluation network that is neither the decoded nor the
 * optimised one (`evaluate.network`). The imagery set is also scored per category of imagined
 * image (`imagery-natural`, `imagery-shapes`) with candidates of that category only. Each mean
 * comes with a 95 % bootstrap interval over images. Per-image values go to `per-image`, means to
 * `scores`; the results name both networks.
 */
export function evaluateActivity(request: StageRequest<EvaluateConfig>): Promise<StageResult<{ scores: Score[]; networks: NetworkProvenance[] }>> {
  return runStage('evaluate', request, async (ctx) => {
    const { featureNetwork, network: evaluationNetwork } = ctx.config;
    if (sameNetwork(featureNetwork, evaluationNetwork)) throw new ConfigError('evaluate', [{ path: 'evaluate.network', message: sameNetworkMessage(featureNetwork) }]);
    const stimuliRef = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(stimuliRef), stimuliRef.uri);
    const metrics = new Set<string>(ctx.config.metrics);
    const cnn: FeatureNetwork | undefined = metrics.has('feature-identification') ? await loadNetwork(evaluationNetwork, stimuli.images.height) : undefined;
    const subject = ctx.subject ?? '-';
    const scores: Score[] = [];
    const perImage: { method: string; set: string; id: string; metric: string; value: number }[] = [];
    const reconNames = Object.keys(ctx.inputs).filter((n) => n.startsWith(RECON_PREFIX));
    if (reconNames.length === 0) throw new DataError('evaluate', 'no reconstructions among the inputs');
    try {
      if (cnn) {
        for (const layer of ctx.config.featureLayers) {
          if (!cnn.layerNames.includes(layer)) throw new DataError('evaluate', `feature layer "${layer}" is not in the evaluation network ${cnn.name} (${cnn.layerNames.join(', ')})`);
        }
      }
      for (const [k, name] of reconNames.entries()) {
        const ref = ctx.input(name);
        const [method, stimulusSet] = name.slice(RECON_PREFIX.length).split('.') as [string, string];
        const recon = decodeStimulusTable(await ctx.readBytes(ref), ref.uri);
        const truth = selectImages(stimuli.images, stimulusRows(stimuli, recon.ids, ref.uri, 'reconstruction'));
        const n = recon.ids.length;
        const pixels = truth.height * truth.width * 3;
        const features = new Map<string, readonly [Matrix, Matrix]>();
        if (cnn) {
          const options = { batchSize: evaluationNetwork.batchSize, layers: ctx.config.featureLayers };
          const [reconFeatures, trueFeatures] = [await extractFeatures(cnn, recon.images, options), await extractFeatures(cnn, truth, options)];
          for (const layer of ctx.config.featureLayers) features.set(layer, [reconFeatures[layer]!, trueFeatures[layer]!]);
        }
        const all: SetInputs = { recon: recon.images, truth, reconPixels: createMatrix(n, pixels, recon.images.data), truthPixels: createMatrix(n, pixels, truth.data), features };
        // Mixed imagery partly scores category recognition, so each category is scored on its own too.
        const groups = [{ set: stimulusSet, ids: recon.ids, inputs: all }];
        if (stimulusSet === IMAGERY_SET) {
          for (const g of imageryCategoryRows(recon.ids, stimuli)) {
            if (g.rows.length >= 2) groups.push({ set: g.set, ids: g.rows.map((r) => recon.ids[r]!), inputs: subsetOf(all, g.rows) });
          }
        }
        for (const group of groups) {
          for (const [metric, perItem] of scoreSet(group.inputs, metrics)) {
            const { low, high } = bootstrapInterval(perItem);
            const images = perItem.filter(Number.isFinite).length;
            scores.push({ subject, method, stimulusSet: group.set, metric, value: finiteMean(perItem), low, high, images });
            perItem.forEach((value, i) => perImage.push({ method, set: group.set, id: group.ids[i]!, metric, value }));
          }
        }
        ctx.progress((k + 1) / reconNames.length, `${method} ${stimulusSet} evaluated`);
      }
    } finally {
      cnn?.dispose();
    }
    await ctx.writeTable('scores', scoreTable(scores));
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
    const networks = [networkProvenance('features', featureNetwork), networkProvenance('evaluation', evaluationNetwork)];
    return { results: { scores, networks } };
  });
}
