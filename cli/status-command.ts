import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { StageRequest, StageResult } from '../workflows/contracts';
import type { ConnectionOptions } from './connection-options';
import { findRun } from './find-run';
import { checkRunName } from './run-record';
import { openSession } from './session';
import { NO_WORKER_SECONDS, queuesWithoutWorker, waitingLine } from './waiting-queues';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface StageStatusRow {
  readonly stage: string;
  readonly subject?: string;
  readonly variant?: string;
  readonly state: 'scheduled' | 'running' | 'cached' | 'ran' | 'failed';
  readonly why: string;
  readonly seconds?: number;
  readonly attempts: number;
}

function decode<T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T | undefined {
  const first = payloads?.payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload<T>(first) : undefined;
}

const REASON_TEXT: Record<StageResult['reason'], string> = {
  cached: 'same config, inputs and code',
  new: 'first run of this stage',
  forced: 'forced',
  'code-changed': 'code version changed',
  'config-changed': 'config changed',
  'inputs-changed': 'input changed',
};

/** Per-stage status from the workflow's durable history: no worker needs to be running. */
export function stageRowsFromHistory(events: readonly HistoryEvent[]): StageStatusRow[] {
  const rows = new Map<string, StageStatusRow>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const request = decode<StageRequest<unknown>>(scheduled.input);
      rows.set(String(event.eventId), {
        stage: scheduled.activityType?.name ?? '?',
        subject: request?.subject,
        ...(request?.variant ? { variant: request.variant } : {}),
        state: 'scheduled',
        why: request?.force ? 'forced' : '',
        attempts: 0,
      });
    }
    const started = event.activityTaskStartedEventAttributes;
    const row = (id: unknown) => rows.get(String(id));
    if (started && row(started.scheduledEventId)) {
      const r = row(started.scheduledEventId)!;
      rows.set(String(started.scheduledEventId), { ...r, state: 'running', attempts: started.attempt ?? r.attempts + 1 });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && row(completed.scheduledEventId)) {
      const result = decode<StageResult>(completed.result);
      const r = row(completed.scheduledEventId)!;
      rows.set(String(completed.scheduledEventId), {
        ...r,
        state: result?.reason === 'cached' ? 'cached' : 'ran',
        why: result ? REASON_TEXT[result.reason] : '',
        seconds: result?.seconds,
      });
    }
    const failed = event.activityTaskFailedEventAttributes;
    if (failed && row(failed.scheduledEventId)) {
      const r = row(failed.scheduledEventId)!;
      rows.set(String(failed.scheduledEventId), { ...r, state: 'failed', why: failed.failure?.message ?? 'failed' });
    }
  }
  return [...rows.values()];
}

export interface PointStatusRow {
  readonly workflowId: string;
  readonly state: 'started' | 'done' | 'failed' | 'cancelled' | 'timed out' | 'terminated';
}

/** Per-point status of a sweep from its history: each child experiment's fate. */
export function pointRowsFromHistory(events: readonly HistoryEvent[]): PointStatusRow[] {
  const rows = new Map<string, PointStatusRow>();
  const set = (id: string | null | undefined, state: PointStatusRow['state']) => id && rows.set(id, { workflowId: id, state });
  for (const e of events) {
    set(e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId, 'started');
    set(e.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId, 'done');
    set(e.childWorkflowExecutionFailedEventAttributes?.workflowExecution?.workflowId, 'failed');
    set(e.childWorkflowExecutionCanceledEventAttributes?.workflowExecution?.workflowId, 'cancelled');
    set(e.childWorkflowExecutionTimedOutEventAttributes?.workflowExecution?.workflowId, 'timed out');
    set(e.childWorkflowExecutionTerminatedEventAttributes?.workflowExecution?.workflowId, 'terminated');
  }
  return [...rows.values()];
}

/** Everything `status` knows about a run; `--json` prints it as is. */
export interface StatusReport {
  readonly workflowId: string;
  readonly kind: 'experiment' | 'sweep';
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, … */
  readonly status: string;
  readonly startTime: string;
  readonly closeTime?: string;
  /** "waiting: no worker on queue …" lines, one per queue a task of this run waits on. */
  readonly waiting: readonly string[];
  /** A sweep's points (empty for an experiment). */
  readonly points: readonly PointStatusRow[];
  readonly stages: readonly StageStatusRow[];
}

/** Reads a run's state from the server: its description and durable history. */
export async function statusReport(run: string, connection: ConnectionOptions, runsDir: string, noWorkerSeconds = NO_WORKER_SECONDS): Promise<StatusReport> {
  checkRunName(run);
  const session = await openSession({ connection, withWorker: false });
  try {
    const record = await findRun(session.client, runsDir, run);
    const handle = session.client.workflow.getHandle(record.workflowId);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    const points = record.kind === 'sweep' ? pointRowsFromHistory(history.events ?? []) : [];
    // A sweep waits through its running points: their queues count too.
    const watched = [record.workflowId, ...points.filter((p) => p.state === 'started').map((p) => p.workflowId)];
    const waiting = new Map<string, string>();
    for (const id of watched) for (const w of await queuesWithoutWorker(session.client, id, noWorkerSeconds)) waiting.set(w.queue, waitingLine(w));
    return {
      workflowId: record.workflowId,
      kind: record.kind,
      status: description.status.name,
      startTime: description.startTime.toISOString(),
      ...(description.closeTime ? { closeTime: description.closeTime.toISOString() } : {}),
      waiting: [...waiting.values()],
      points,
      stages: stageRowsFromHistory(history.events ?? []),
    };
  } finally {
    await session.close();
  }
}

/** The report as people read it: workflow state, then one line per point and per stage. */
export function formatStatus(report: StatusReport): string {
  const lines = [`${report.workflowId}: ${report.status} (started ${report.startTime})`];
  // The same words a waiting `run` prints: a stalled run looks stalled from any machine.
  for (const line of report.waiting) lines.push(`  ${line}`);
  if (report.kind === 'sweep') {
    for (const p of report.points) lines.push(`  ${p.workflowId.padEnd(48)} ${p.state}`);
    lines.push(`  ${report.points.filter((p) => p.state === 'done').length}/${report.points.length} points started so far are done; \`deeprecon status <point>\` shows a point's stages`);
  }
  for (const r of report.stages) {
    const stage = r.variant ? `${r.stage} ${r.variant}` : r.stage;
    const label = r.subject ? `${stage} [${r.subject}]` : stage;
    const seconds = r.seconds === undefined ? '' : ` ${r.seconds.toFixed(1)} s`;
    lines.push(`  ${label.padEnd(34)} ${r.state.padEnd(9)}${seconds}${r.why ? `  (${r.why})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `deeprecon status <run> [--json]`: workflow state plus one line per stage (or per point of a sweep). */
export async function statusCommand(run: string, connection: ConnectionOptions, runsDir: string, noWorkerSeconds = NO_WORKER_SECONDS, json = false): Promise<StatusReport> {
  const report = await statusReport(run, connection, runsDir, noWorkerSeconds);
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  return report;
}
