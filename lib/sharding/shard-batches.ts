/**
 * How a stage's shards are spread over workflow histories. One workflow runs at most
 * SHARDS_PER_WORKFLOW shard activities itself (three history events each, plus their inputs);
 * a stage with more hands contiguous batches of that size to child workflows, and at most
 * BATCHES_PER_STAGE of them, so neither the experiment's history nor any child's grows with
 * the data. Temporal's hard limits are 51,200 events and 50 MB per history.
 */

/** Shard activities one workflow history holds: ~600 activity events, about 2 MB of inputs. */
export const SHARDS_PER_WORKFLOW = 200;
/** Child workflows one stage may start: 1,000 shards' worth of them is ~6 events each in the parent. */
export const BATCHES_PER_STAGE = 500;
/** The most shards one stage may have; a plan past it asks for a larger shard size. */
export const MAX_SHARDS_PER_STAGE = SHARDS_PER_WORKFLOW * BATCHES_PER_STAGE;

/** Shard indices [start, end) run by one workflow. */
export interface ShardBatch {
  readonly start: number;
  readonly end: number;
}

/**
 * The batches for `total` shards: none when they fit in the calling workflow itself (its own
 * activities), else contiguous batches of at most `perWorkflow`, each for one child workflow.
 */
export function shardBatches(total: number, perWorkflow = SHARDS_PER_WORKFLOW): ShardBatch[] {
  if (!Number.isInteger(total) || total < 0) throw new Error(`shardBatches: total must be a non-negative integer, got ${total}`);
  if (!Number.isInteger(perWorkflow) || perWorkflow < 1) throw new Error(`shardBatches: perWorkflow must be a positive integer, got ${perWorkflow}`);
  if (total > perWorkflow * BATCHES_PER_STAGE) {
    throw new Error(`a stage of ${total} shards needs more than ${BATCHES_PER_STAGE} child workflows of ${perWorkflow}; choose a larger shard size`);
  }
  if (total <= perWorkflow) return [];
  return Array.from({ length: Math.ceil(total / perWorkflow) }, (_, b) => ({ start: b * perWorkflow, end: Math.min(total, (b + 1) * perWorkflow) }));
}
