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

/** What a stage call's request says about itself, for its one-line summary. */
interface SummaryFields {
  readonly subject?: string;
  readonly variant?: string;
  readonly shard?: { readonly index: number; readonly group: string; readonly start: number; readonly end: number };
  readonly shards?: number;
}

/**
 * The line Temporal's UI shows for an activity: stage, subject, method (variant) and shard, e.g.
 * `reconstruct sim01 icnn-gd · shard 3/12 (shapes 20–30)`.
 */
export function activitySummary(activity: string, request: unknown): string {
  const r = (typeof request === 'object' && request !== null ? request : {}) as SummaryFields;
  const parts = [activity, r.subject, r.variant].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const shard = r.shard && r.shards ? ` · shard ${r.shard.index + 1}/${r.shards} (${r.shard.group} ${r.shard.start}–${r.shard.end})` : '';
  return `${parts.join(' ')}${shard}`;
}

/** Stage activities on one task queue; each call carries its summary for the UI. */
export function stageActivities(taskQueue: string, heartbeatTimeoutSeconds = 60) {
  const options = stageActivityOptions(taskQueue, heartbeatTimeoutSeconds);
  const calls = proxyActivities<StageActivities>(options);
  return new Proxy(calls, {
    get(target, name, receiver) {
      const call: unknown = Reflect.get(target, name, receiver);
      if (typeof name !== 'string' || typeof call !== 'function') return call;
      const activity = call as unknown as { executeWithOptions(o: ActivityOptions, args: unknown[]): Promise<unknown> };
      return (...args: unknown[]) => activity.executeWithOptions({ ...options, summary: activitySummary(name, args[0]) }, args);
    },
  });
}

export type StageActivityCalls = ReturnType<typeof stageActivities>;
