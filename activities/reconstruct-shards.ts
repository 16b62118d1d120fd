import { DataError } from '../lib/data/data-error';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { createImageBatch } from '../lib/images/image-batch';
import { shardsOfGroup } from '../lib/sharding/shard-plan';
import type { MergeRequest, PlanRequest, ShardRequest, ShardResult, StagePlan, StageResult } from '../workflows/contracts';
import { keyedReconstructRequest, openReconstructor, type ReconstructConfig, reconstructionSets, reconstructionTable } from './reconstruct';
import { planStage, runShard, stageRequestOf } from './stage-shards';
import { completedShardOutputs, runStage } from './stage-runner';

type ReconstructResults = { sets: string[] };

/**
 * The reconstruct stage's plan: one group per set, its images cut into batches of `shardSize`.
 * Image counts come from the inputs' recorded shapes. cgan's sets are not split: its noise and
 * its control's permutation each run across a whole set.
 */
export async function reconstructPlan(request: PlanRequest<ReconstructConfig>): Promise<StagePlan<ReconstructResults>> {
  const keyed = await keyedReconstructRequest(request);
  const { sets, ceiling } = reconstructionSets(keyed.config, Object.keys(keyed.inputs));
  const imagesIn = (set: string): number => {
    const names = keyed.config.method === 'cgan' || ceiling ? [`test.${set}`] : Object.keys(keyed.inputs).filter((n) => n.startsWith(`decoded.${set}.`));
    const rows = names.map((n) => keyed.inputs[n]?.shape?.[0])[0];
    if (rows === undefined) throw new DataError('reconstruct', `${names[0] ?? `set ${set}`} has no recorded shape; recompute the stage before it`);
    return rows;
  };
  return planStage('reconstruct', keyed, 'reconstruct.shardImages', async () => sets.map((set) => ({ name: set, size: imagesIn(set) })), keyed.config.method === 'cgan');
}

/** One reconstruct shard: images [start, end) of one set, reconstructed as in the whole set. */
export async function reconstructShard(request: ShardRequest<ReconstructConfig>): Promise<ShardResult> {
  const { shard } = request;
  return runShard('reconstruct', await keyedReconstructRequest(request), async (ctx) => {
    const { ceiling } = reconstructionSets(ctx.config, Object.keys(ctx.inputs));
    const reconstructor = await openReconstructor(ctx, ceiling);
    try {
      const what = `${shard.group} images ${shard.start}-${shard.end}`;
      const { ids, images } = await reconstructor.run(shard.group, shard, (f, message) => ctx.progress(f, `${what}: ${message}`));
      await ctx.write('part', reconstructionTable(shard.group, ids, images), 'arrow', [images.count]);
    } finally {
      reconstructor.dispose();
    }
  });
}

/**
 * The reconstruct stage's merge: each set's images from its shards' outputs, found by their keys,
 * written as `recon.<label>.<set>` under the stage's own key, the same bytes as the unsharded stage.
 */
export async function reconstructMerge(request: MergeRequest<ReconstructConfig>): Promise<StageResult<ReconstructResults>> {
  const keyed = await keyedReconstructRequest(request);
  const own = stageRequestOf(keyed);
  return runStage('reconstruct', own, async (ctx) => {
    const { sets, label, ceiling } = reconstructionSets(ctx.config, Object.keys(ctx.inputs));
    for (const [si, set] of sets.entries()) {
      const parts = [];
      for (const shard of shardsOfGroup(keyed.plan, set)) {
        const ref = (await completedShardOutputs(ctx.store, 'reconstruct', own, shard))?.part;
        if (ref) {
          parts.push(decodeStimulusTable(await ctx.readBytes(ref), ref.uri));
          continue;
        }
        // A shard whose outputs are gone (a store cleaned meanwhile) is recomputed here.
        const reconstructor = await openReconstructor(ctx, ceiling);
        try {
          const { ids, images } = await reconstructor.run(set, shard, () => undefined);
          parts.push({ ids, sets: ids.map(() => set), images });
        } finally {
          reconstructor.dispose();
        }
      }
      const first = parts[0]!.images;
      const images = createImageBatch(parts.reduce((n, p) => n + p.images.count, 0), first.height, first.width);
      let at = 0;
      for (const p of parts) {
        images.data.set(p.images.data, at);
        at += p.images.data.length;
      }
      const ids = parts.flatMap((p) => p.ids);
      await ctx.write(`recon.${label}.${set}`, reconstructionTable(set, ids, images), 'arrow', [images.count]);
      ctx.progress((si + 1) / sets.length, `merged ${set}`);
    }
    return { results: { sets } };
  });
}
