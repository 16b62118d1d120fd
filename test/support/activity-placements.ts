import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/** Where one activity ran, as the durable history records it. */
export interface ActivityPlacement {
  readonly workflowId: string;
  readonly activityId: string;
  readonly type: string;
  /** The task queue it was scheduled on. */
  readonly queue: string;
  /** request.subject of a stage activity; undefined for a shared stage. */
  readonly subject?: string;
  /** The worker that started its last attempt (the history keeps only the last attempt's start). */
  readonly identity: string;
  readonly attempt: number;
}

export interface WorkflowPlacements {
  readonly activities: ActivityPlacement[];
  /** The identity of every worker that ran a workflow task, this workflow's or a child's. */
  readonly workflowTaskIdentities: string[];
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The `subject` of an activity's first argument, decoded from its JSON payload. */
function subjectOf(input: temporal.api.common.v1.IPayloads | null | undefined): string | undefined {
  const data = input?.payloads?.[0]?.data;
  if (!data) return undefined;
  const request: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
  if (typeof request !== 'object' || request === null || !('subject' in request)) return undefined;
  return typeof request.subject === 'string' ? request.subject : undefined;
}

/**
 * Every started activity of a workflow and of its child workflows (a sharded stage runs its
 * batches of shards in children), with its queue and the worker identity the server recorded.
 */
export async function activityPlacements(client: Client, workflowId: string, runId?: string): Promise<WorkflowPlacements> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events: HistoryEvent[] = history.events ?? [];
  const scheduled = new Map<string, temporal.api.history.v1.IActivityTaskScheduledEventAttributes>();
  const activities: ActivityPlacement[] = [];
  const workflowTaskIdentities: string[] = [];
  for (const event of events) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes) scheduled.set(id, event.activityTaskScheduledEventAttributes);
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const schedule = scheduled.get(String(started.scheduledEventId));
      if (!schedule) throw new Error(`${workflowId}: activity started (event ${id}) without its scheduled event`);
      const subject = subjectOf(schedule.input);
      activities.push({
        workflowId,
        activityId: schedule.activityId ?? '',
        type: schedule.activityType?.name ?? '',
        queue: schedule.taskQueue?.name ?? '',
        ...(subject !== undefined ? { subject } : {}),
        identity: started.identity ?? '',
        attempt: started.attempt ?? 1,
      });
    }
    if (event.workflowTaskStartedEventAttributes) workflowTaskIdentities.push(event.workflowTaskStartedEventAttributes.identity ?? '');
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (child?.workflowId) {
      const nested = await activityPlacements(client, child.workflowId, child.runId ?? undefined);
      activities.push(...nested.activities);
      workflowTaskIdentities.push(...nested.workflowTaskIdentities);
    }
  }
  return { activities, workflowTaskIdentities };
}
