import { type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { StageActivities } from '../activities';

/**
 * How every stage activity (and each shard) is called: on the given queue, retried with backoff,
 * and lost to another worker after `heartbeatTimeoutSeconds` of silence. Shared by the experiment
 * workflow and the child workflows that run batches of shards.
 */
export function stageActivityOptions(taskQueue: string, heartbeatTimeoutSeconds = 60): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  };
}

/** Stage activities on one task queue. */
export function stageActivities(taskQueue: string, heartbeatTimeoutSeconds = 60) {
  return proxyActivities<StageActivities>(stageActivityOptions(taskQueue, heartbeatTimeoutSeconds));
}

export type StageActivityCalls = ReturnType<typeof stageActivities>;
