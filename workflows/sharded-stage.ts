import { executeChild, workflowInfo } from '@temporalio/workflow';
import { shardBatches } from '../lib/sharding/shard-batches';
import { shardAt, shardCount } from '../lib/sharding/shard-plan';
import type { MergeRequest, PlanRequest, ShardCount, ShardedStage, ShardRequest, ShardResult, StagePlan, StageRequest, StageResult } from './contracts';
import { shardBatchWorkflow } from './shard-batch';

/** The three activities of a sharded stage. */
export interface ShardedCalls<C, R> {
  readonly stage: ShardedStage;
  plan(request: PlanRequest<C>): Promise<StagePlan<R>>;
  shard(request: ShardRequest<C>): Promise<ShardResult>;
  merge(request: MergeRequest<C>): Promise<StageResult<R>>;
}

/** Where and how a sharded stage runs: its queue, items per shard, and who hears of progress. */
export interface ShardedRun {
  readonly shardSize: number;
  readonly taskQueue: string;
  readonly heartbeatTimeoutSeconds?: number;
  readonly shardsPerWorkflow?: number;
  readonly onShards: (count: ShardCount) => void;
}

/**
 * One stage as map → merge. A planning activity returns the stage's cached result, or the plan
 * (layers or sets and their sizes: a few hundred bytes whatever the shard count). Each shard is
 * then its own activity, cached under its own key; up to SHARDS_PER_WORKFLOW run from this
 * workflow, more in child workflows of that many each, so no history grows with the data. The
 * merge activity reads the shards' outputs by key and writes the stage's usual artifacts.
 */
export async function runShardedStage<C, R>(calls: ShardedCalls<C, R>, request: StageRequest<C>, run: ShardedRun): Promise<StageResult<R>> {
  const { plan, cached } = await calls.plan({ ...request, shardSize: run.shardSize });
  if (cached) return cached;
  const total = shardCount(plan);
  let done = 0;
  run.onShards({ done, total });
  const finished = (n: number) => {
    done += n;
    run.onShards({ done, total });
  };
  const batches = shardBatches(total, run.shardsPerWorkflow);
  if (batches.length === 0) {
    await Promise.all(
      Array.from({ length: total }, async (_, index) => {
        await calls.shard({ ...request, shard: shardAt(plan, index), shards: total });
        finished(1);
      }),
    );
  } else {
    const parent = workflowInfo();
    const id = [parent.workflowId, calls.stage, request.subject ?? '-', request.variant ?? '-'].join('/');
    await Promise.all(
      batches.map(async (batch) => {
        const result = await executeChild(shardBatchWorkflow, {
          workflowId: `${id}/${batch.start}-${parent.runId}`,
          args: [{ stage: calls.stage, request, plan, batch, shards: total, taskQueue: run.taskQueue, ...(run.heartbeatTimeoutSeconds ? { heartbeatTimeoutSeconds: run.heartbeatTimeoutSeconds } : {}) }],
        });
        finished(result.done);
      }),
    );
  }
  return calls.merge({ ...request, plan });
}
