import type { z } from 'zod';
import type { ReconstructSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import { openNetwork } from '../lib/features/networks';
import { decodeLabelledMatrix } from '../lib/formats/labelled-matrix';
import { encodeStimulusTable } from '../lib/formats/stimulus-table';
import type { Matrix } from '../lib/linalg/matrix';
import { rescaleFeatures } from '../lib/reconstruction/feature-scaling';
import { reconstructIcnnGd } from '../lib/reconstruction/icnn-gd';
import type { StageRequest, StageResult } from '../workflows/contracts';
import type { FeaturesConfig } from './features';
import { runStage } from './stage-runner';

export type ReconstructConfig = z.infer<typeof ReconstructSchema> & { network: FeaturesConfig; imageSize: number };

/**
 * Stage `reconstruct`: for each test set, images optimised (iCNN, gradient descent on pixels) so
 * that their CNN features match the decoded features across the chosen layers.
 */
export function reconstructActivity(request: StageRequest<ReconstructConfig>): Promise<StageResult<{ sets: string[] }>> {
  return runStage('reconstruct', request, async (ctx) => {
    const statsRef = ctx.input('stats');
    const stats = await ctx.readTable(statsRef);
    const std0 = new Map(stats.strings('layer').map((layer, i) => [layer, stats.float64('std0')[i]!]));
    const decoded = Object.keys(ctx.inputs).filter((n) => n.startsWith('decoded.'));
    const sets = [...new Set(decoded.map((n) => n.split('.')[1]!))];
    const cnn = openNetwork(ctx.config.network.network, ctx.config.network.seed, ctx.config.imageSize);
    try {
      for (const [si, set] of sets.entries()) {
        const available = decoded.filter((n) => n.split('.')[1] === set).map((n) => n.split('.').slice(2).join('.'));
        const layers = ctx.config.layers.length > 0 ? ctx.config.layers : available;
        const targets: Record<string, Matrix> = {};
        let ids: string[] | undefined;
        for (const layer of layers) {
          if (!available.includes(layer)) throw new DataError('reconstruct', `no decoded features for layer "${layer}" in set "${set}"`);
          const ref = ctx.input(`decoded.${set}.${layer}`);
          const m = decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri);
          ids ??= m.stimulusIds;
          targets[layer] = rescaleFeatures(m.values, cnn.layerShapes[layer]!, std0.get(layer)!);
        }
        const images = await reconstructIcnnGd(cnn, targets, {
          iterations: ctx.config.iterations,
          seed: ctx.config.seed,
          onProgress: (f, message) => ctx.progress((si + f) / sets.length, `${set}: ${message}`),
        });
        await ctx.write(`recon.${ctx.config.method}.${set}`, encodeStimulusTable({ ids: ids!, sets: ids!.map(() => set), images }), 'arrow', [images.count]);
      }
      return { results: { sets } };
    } finally {
      cnn.dispose();
    }
  });
}
