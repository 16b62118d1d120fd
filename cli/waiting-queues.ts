import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

const { PendingActivityState, PendingWorkflowTaskState, TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;

/** How long a task may wait for a worker before a run says so (default of `--no-worker-seconds`). */
export const NO_WORKER_SECONDS = 30;

/** A task queue a run needs now and that no worker has polled for the threshold. */
export interface WaitingQueue {
  readonly queue: string;
  readonly namespace: string;
}

export function waitingLine(w: WaitingQueue): string {
  return `waiting: no worker on queue ${w.queue} (namespace ${w.namespace})`;
}

type QueueType = temporal.api.enums.v1.TaskQueueType;

/** Whether any worker polled `queue` for `type` in the last `seconds` (DescribeTaskQueue keeps the recent pollers). */
async function polledRecently(client: Client, queue: string, type: QueueType, seconds: number, now: number): Promise<boolean> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: queue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: type,
  });
  return (response.pollers ?? []).some((p) => now - (optionalTsToMs(p.lastAccessTime) ?? 0) < seconds * 1000);
}

/** Task queue of each scheduled activity, by activity id, from the workflow's history. */
async function activityQueues(client: Client, workflowId: string): Promise<Map<string, string>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const queues = new Map<string, string>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityId && scheduled.taskQueue?.name) queues.set(scheduled.activityId, scheduled.taskQueue.name);
  }
  return queues;
}

/**
 * The queues a running workflow waits on with nobody to serve them: a workflow or stage task that
 * has been scheduled for `seconds` without starting, on a queue where no worker has polled for as
 * long and no worker is busy with another of the run's stages (a full worker does not poll, but
 * is alive). A wrong namespace, a misspelt queue or a dead subject worker all look like this.
 */
export async function queuesWithoutWorker(client: Client, workflowId: string, seconds: number, now = Date.now()): Promise<WaitingQueue[]> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  if (raw.workflowExecutionInfo?.status !== temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) return [];
  const waitedLong = (ts: Parameters<typeof optionalTsToMs>[0]) => now - (optionalTsToMs(ts) ?? now) >= seconds * 1000;
  const candidates = new Map<string, QueueType>();
  const task = raw.pendingWorkflowTask;
  const workflowQueue = raw.executionConfig?.taskQueue?.name;
  if (task?.state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED && workflowQueue && waitedLong(task.scheduledTime)) {
    candidates.set(workflowQueue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
  }
  const pending = raw.pendingActivities ?? [];
  const waiting = pending.filter((a) => a.state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED && waitedLong(a.scheduledTime));
  if (waiting.length > 0) {
    const queues = await activityQueues(client, workflowId);
    const busy = new Set(pending.filter((a) => a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED).map((a) => queues.get(a.activityId ?? '')));
    for (const a of waiting) {
      const queue = queues.get(a.activityId ?? '');
      if (queue && !busy.has(queue) && !candidates.has(queue)) candidates.set(queue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
    }
  }
  const result: WaitingQueue[] = [];
  for (const [queue, type] of candidates) {
    if (!(await polledRecently(client, queue, type, seconds, now))) result.push({ queue, namespace: client.options.namespace });
  }
  return result;
}

/**
 * Says, while a run waits, which queues have no worker: once when a queue is found idle and again
 * every `repeatSeconds` while it stays so, so a stalled run is never silent.
 */
export class NoWorkerNotice {
  private readonly said = new Map<string, number>();
  private lastCheck = 0;

  constructor(
    private readonly client: Client,
    private readonly seconds: number,
    private readonly log: (line: string) => void,
    private readonly repeatSeconds = seconds,
  ) {}

  /** Checks the given workflows (at most every few seconds); errors are left to the next tick. */
  async check(workflowIds: readonly string[], now = Date.now()): Promise<void> {
    if (now - this.lastCheck < Math.min(5000, this.seconds * 500)) return;
    this.lastCheck = now;
    const waiting = new Map<string, WaitingQueue>();
    for (const id of workflowIds) {
      for (const w of await queuesWithoutWorker(this.client, id, this.seconds, now).catch((): WaitingQueue[] => [])) waiting.set(w.queue, w);
    }
    for (const queue of this.said.keys()) if (!waiting.has(queue)) this.said.delete(queue);
    for (const [queue, w] of waiting) {
      const last = this.said.get(queue);
      if (last === undefined || now - last >= this.repeatSeconds * 1000) {
        this.log(waitingLine(w));
        this.said.set(queue, now);
      }
    }
  }
}
