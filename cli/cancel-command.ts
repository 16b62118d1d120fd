import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { createWorker } from '../worker';
import type { ConnectionOptions } from './connection-options';
import { lookUpRun, notFoundMessage } from './find-run';
import { checkRunName } from './run-record';
import { openSession, quietRuntime } from './session';

/** What `cancel` found and did; only `cancelled`, `terminated` and `already-finished` leave nothing running. */
export type CancelOutcome = 'cancelled' | 'terminated' | 'already-finished' | 'finished-meanwhile' | 'not-found' | 'not-cancelled';

export interface CancelReport {
  readonly outcome: CancelOutcome;
  /** One line that says what is true now. */
  readonly message: string;
}

export interface CancelOptions {
  readonly connection: ConnectionOptions;
  readonly runsDir: string;
  /** End the run at once, without letting it clean up: for a run that cannot act on a cancellation. */
  readonly terminate?: boolean;
  /** How long to wait for the run to act on the cancellation (default 30 s). */
  readonly waitSeconds?: number;
}

const STATUS_WORDS: Record<string, string> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'was cancelled',
  TERMINATED: 'was terminated',
  CONTINUED_AS_NEW: 'continued as a new run',
  TIMED_OUT: 'timed out',
};

async function workflowPollers(client: Client, taskQueue: string): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return response.pollers?.length ?? 0;
}

/** The message of the latest failed workflow task, if the run's own code keeps failing. */
async function workflowTaskFailure(handle: WorkflowHandle): Promise<string | undefined> {
  const events = (await handle.fetchHistory()).events ?? [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.workflowTaskCompletedEventAttributes) return undefined;
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed) return failed.failure?.message ?? 'unknown failure';
  }
  return undefined;
}

/**
 * `deeprecon cancel <run>`: asks the run to stop and waits until it has, so the answer is what
 * happened — cancelled, already finished, or not cancelled and why — not merely that a request
 * was sent. On the local engine with no process serving the run, it serves the run's workflow
 * task itself for the wait, so the cancellation takes effect now rather than at the next `run`.
 */
export async function cancelCommand(run: string, options: CancelOptions): Promise<CancelReport> {
  checkRunName(run);
  const session = await openSession({ connection: options.connection, withWorker: false });
  let worker: Worker | undefined;
  let workerDone: Promise<void> | undefined;
  try {
    const found = await lookUpRun(session.client, options.runsDir, run);
    if (!found) return { outcome: 'not-found', message: notFoundMessage(session.client, run) };
    const { workflowId } = found;
    const handle = session.client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { outcome: 'not-found', message: `no run named "${run}": workflow ${workflowId} does not exist` };
      throw error;
    }
    if (description.status.name !== 'RUNNING') {
      const when = description.closeTime ? ` at ${description.closeTime.toISOString()}` : '';
      return { outcome: 'already-finished', message: `${workflowId} already ${STATUS_WORDS[description.status.name] ?? description.status.name.toLowerCase()}${when}; nothing to cancel` };
    }
    if (options.terminate) {
      await handle.terminate('deeprecon cancel --terminate');
      return { outcome: 'terminated', message: `${workflowId} terminated (its stages were not asked to clean up)` };
    }
    const taskQueue = description.taskQueue;
    if (session.local && (await workflowPollers(session.client, taskQueue)) === 0) {
      quietRuntime();
      ({ worker } = await createWorker({ address: session.address, namespace: options.connection.namespace, taskQueue, concurrency: 1, role: 'workflows' }));
      workerDone = worker.run();
    }
    await handle.cancel();
    const deadline = Date.now() + (options.waitSeconds ?? 30) * 1000;
    for (;;) {
      const status = (await handle.describe()).status.name;
      if (status === 'CANCELLED') return { outcome: 'cancelled', message: `${workflowId} cancelled` };
      if (status !== 'RUNNING') return { outcome: 'finished-meanwhile', message: `${workflowId} ${STATUS_WORDS[status] ?? status.toLowerCase()} before the cancellation took effect` };
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = options.waitSeconds ?? 30;
    const failure = await workflowTaskFailure(handle);
    if (failure !== undefined) {
      return {
        outcome: 'not-cancelled',
        message: `could not cancel ${workflowId}: its workflow code fails on every attempt (${failure.split('\n')[0]}), so it cannot act on the cancellation; \`deeprecon cancel ${run} --terminate\` ends it without cleanup`,
      };
    }
    if ((await workflowPollers(session.client, taskQueue)) === 0) {
      return {
        outcome: 'not-cancelled',
        message: `could not cancel ${workflowId} yet: no worker serves its task queue "${taskQueue}"; the cancellation is recorded and takes effect when one starts (\`deeprecon cancel ${run} --terminate\` ends it now)`,
      };
    }
    return { outcome: 'not-cancelled', message: `${workflowId} was asked to cancel but is still running after ${seconds} s; \`deeprecon status ${run}\` shows when it has stopped` };
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await workerDone?.catch(() => undefined);
    await session.close();
  }
}
