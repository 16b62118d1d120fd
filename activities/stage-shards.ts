import { DataError } from '../lib/data/data-error';
import { MAX_SHARDS_PER_STAGE } from '../lib/sharding/shard-batches';
import { type ShardGroup, planShards, shardCount } from '../lib/sharding/shard-plan';
import type { PlanRequest, ShardedStage, ShardRequest, ShardResult, StagePlan, StageRequest } from '../workflows/contracts';
import { beforeKey } from './bad-input';
import { cachedStageResult, runStage, type StageContext } from './stage-runner';

/** The stage's own request inside a shard's, merge's or plan's (the extra fields are in no key). */
export function stageRequestOf<C>(request: StageRequest<C> & { shard?: unknown; shards?: unknown; plan?: unknown; shardSize?: unknown }): StageRequest<C> {
  const { shard: _shard, shards: _shards, plan: _plan, shardSize: _shardSize, ...stage } = request;
  return stage;
}

/**
 * A sharded stage's first step: its whole result when the store already holds it (no shard
 * runs), and in any case the plan over `groups` at the requested shard size. Runs before any key
 * exists, so a bad layer name or a plan too large for the workflows fails at once.
 */
export async function planStage<C, R>(
  stage: ShardedStage,
  request: PlanRequest<C>,
  sizeKey: string,
  groups: () => Promise<ShardGroup[]>,
  /** One shard per group whatever the size (a group that cannot be split). */
  wholeGroups = false,
): Promise<StagePlan<R>> {
  const own = stageRequestOf(request);
  return beforeKey(stage, async () => {
    const cached = await cachedStageResult<C, R>(stage, own);
    const sized = await groups();
    const shardSize = wholeGroups ? Math.max(1, ...sized.map((g) => g.size)) : request.shardSize;
    const plan = planShards(sized, shardSize);
    const total = shardCount(plan);
    if (total > MAX_SHARDS_PER_STAGE) throw new DataError(stage, `${total} shards of ${shardSize} exceed the ${MAX_SHARDS_PER_STAGE} one stage may run; raise ${sizeKey}`);
    return cached ? { plan, cached } : { plan };
  });
}

/**
 * Runs one shard: cached under the shard's own key (the stage's config and inputs plus its range),
 * else computed and committed with its own manifest, so a killed worker costs only the shards it
 * had not finished.
 */
export async function runShard<C>(stage: ShardedStage, request: ShardRequest<C>, body: (ctx: StageContext<C>) => Promise<void>): Promise<ShardResult> {
  const result = await runStage(
    stage,
    stageRequestOf(request),
    async (ctx) => {
      await body(ctx);
      return { results: {} };
    },
    request.shard,
  );
  return { index: request.shard.index, key: result.key, reason: result.reason, seconds: result.seconds };
}
