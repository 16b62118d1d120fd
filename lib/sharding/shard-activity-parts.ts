import type { ShardedStage } from '../../workflows/contracts';

export type ShardPart = 'plan' | 'shard' | 'merge';

/**
 * The activities a sharded stage unfolds into in a workflow history (workflows/experiment.ts), by
 * activity type: which stage they make up and which part of it they are. A `decode` or
 * `reconstruct` activity without a shard in its request is an unsharded stage.
 */
export const SHARD_ACTIVITY_PARTS: Readonly<Record<string, { readonly stage: ShardedStage; readonly part: ShardPart }>> = {
  decodePlan: { stage: 'decode', part: 'plan' },
  decode: { stage: 'decode', part: 'shard' },
  decodeMerge: { stage: 'decode', part: 'merge' },
  reconstructPlan: { stage: 'reconstruct', part: 'plan' },
  reconstruct: { stage: 'reconstruct', part: 'shard' },
  reconstructMerge: { stage: 'reconstruct', part: 'merge' },
};
