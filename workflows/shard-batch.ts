import { shardAt } from '../lib/sharding/shard-plan';
import type { ShardBatchInput, ShardBatchResult, ShardRequest, ShardResult } from './contracts';
import { stageActivities } from './shard-activities';

/**
 * A child workflow that runs one contiguous batch of a stage's shards, so the experiment's history
 * holds one child per batch instead of one activity per shard. Each shard is its own activity, for
 * any worker on the queue; it returns counts only, since the merge finds shard outputs by key.
 */
export async function shardBatchWorkflow(input: ShardBatchInput): Promise<ShardBatchResult> {
  const acts = stageActivities(input.taskQueue, input.heartbeatTimeoutSeconds);
  const call = (input.stage === 'decode' ? acts.decode : acts.reconstruct) as (request: ShardRequest<unknown>) => Promise<ShardResult>;
  const indices = Array.from({ length: input.batch.end - input.batch.start }, (_, i) => input.batch.start + i);
  const results = await Promise.all(indices.map((index) => call({ ...input.request, shard: shardAt(input.plan, index), shards: input.shards })));
  return { done: results.length, cached: results.filter((r) => r.reason === 'cached').length };
}
