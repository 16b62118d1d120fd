import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { SHARD_ACTIVITY_PARTS } from '../lib/sharding/shard-activity-parts';
import type { ShardBatchInput, ShardBatchResult, ShardCount, ShardedStage, StagePlan, StageRequest, StageResult } from '../workflows/contracts';
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
  /** A sharded stage's shards finished (computed or cached) out of all, once it has planned them. */
  readonly shards?: ShardCount;
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

/** One sharded stage as it unfolds in the history: its shards' fate, and when it began. */
interface ShardedProgress {
  row: StageStatusRow;
  started?: number;
  done: number;
  total?: number;
}

const seconds = (t: temporal.api.history.v1.IHistoryEvent['eventTime']): number | undefined =>
  t ? Number(t.seconds ?? 0) + (t.nanos ?? 0) / 1e9 : undefined;

/**
 * Per-stage status from the workflow's durable history: no worker needs to be running. A sharded
 * stage (plan, its shards, merge — some shards in child workflows when there are many) is one
 * row with its shards done out of all; its seconds run from the plan to the merge.
 */
export function stageRowsFromHistory(events: readonly HistoryEvent[]): StageStatusRow[] {
  const rows = new Map<string, StageStatusRow>();
  const sharded = new Map<string, ShardedProgress>();
  /** Scheduled (or child-initiated) event id → the key of the row it updates, and the part it is. */
  const owner = new Map<string, { key: string; part?: 'plan' | 'shard' | 'merge' | 'batch' }>();
  const groupKey = (stage: ShardedStage, request: StageRequest<unknown> | undefined) => `${stage}|${request?.subject ?? ''}|${request?.variant ?? ''}`;
  const progress = (stage: ShardedStage, request: StageRequest<unknown> | undefined): ShardedProgress => {
    const key = groupKey(stage, request);
    let p = sharded.get(key);
    if (!p) {
      p = { row: { stage, subject: request?.subject, ...(request?.variant ? { variant: request.variant } : {}), state: 'scheduled', why: request?.force ? 'forced' : '', attempts: 0 }, done: 0 };
      sharded.set(key, p);
      rows.set(key, p.row);
    }
    return p;
  };
  const update = (key: string, row: StageStatusRow) => {
    rows.set(key, row);
    const p = sharded.get(key);
    if (p) p.row = row;
  };
  const withShards = (p: ShardedProgress): StageStatusRow => (p.total === undefined ? p.row : { ...p.row, shards: { done: p.done, total: p.total } });
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? '?';
      const request = decode<StageRequest<unknown> & { shards?: number; shard?: unknown }>(scheduled.input);
      const part = SHARD_ACTIVITY_PARTS[type];
      if (part && (part.part !== 'shard' || request?.shard !== undefined)) {
        const p = progress(part.stage, request);
        const key = groupKey(part.stage, request);
        if (part.part === 'plan') p.started ??= seconds(event.eventTime);
        if (part.part === 'shard' && request?.shards !== undefined) p.total = request.shards;
        owner.set(String(event.eventId), { key, part: part.part });
        update(key, withShards(p));
        continue;
      }
      const key = String(event.eventId);
      owner.set(key, { key });
      rows.set(key, {
        stage: type,
        subject: request?.subject,
        ...(request?.variant ? { variant: request.variant } : {}),
        state: 'scheduled',
        why: request?.force ? 'forced' : '',
        attempts: 0,
      });
    }
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child && child.workflowType?.name === 'shardBatchWorkflow') {
      const input = decode<ShardBatchInput>(child.input);
      if (input) {
        const p = progress(input.stage, input.request);
        p.total = input.shards;
        const key = groupKey(input.stage, input.request);
        owner.set(String(event.eventId), { key, part: 'batch' });
        update(key, withShards(p));
      }
    }
    const childDone = event.childWorkflowExecutionCompletedEventAttributes;
    const batchOwner = childDone ? owner.get(String(childDone.initiatedEventId)) : undefined;
    if (childDone && batchOwner?.part === 'batch') {
      const p = sharded.get(batchOwner.key)!;
      p.done += decode<ShardBatchResult>(childDone.result)?.done ?? 0;
      update(batchOwner.key, withShards(p));
    }
    const started = event.activityTaskStartedEventAttributes;
    const of = (id: unknown) => owner.get(String(id));
    if (started && of(started.scheduledEventId)) {
      const { key } = of(started.scheduledEventId)!;
      const r = rows.get(key)!;
      const attempts = Math.max(r.attempts, started.attempt ?? r.attempts + 1);
      update(key, r.state === 'scheduled' ? { ...r, state: 'running', attempts } : { ...r, attempts });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && of(completed.scheduledEventId)) {
      const { key, part } = of(completed.scheduledEventId)!;
      const r = rows.get(key)!;
      if (part === undefined || part === 'merge') {
        const result = decode<StageResult>(completed.result);
        const p = sharded.get(key);
        const began = p?.started;
        const ended = seconds(event.eventTime);
        const wall = part === 'merge' && began !== undefined && ended !== undefined ? ended - began : result?.seconds;
        update(key, { ...r, state: result?.reason === 'cached' ? 'cached' : 'ran', why: result ? REASON_TEXT[result.reason] : '', ...(wall === undefined ? {} : { seconds: wall }) });
      } else if (part === 'plan') {
        const cached = decode<StagePlan<unknown>>(completed.result)?.cached;
        if (cached) update(key, { ...r, state: 'cached', why: REASON_TEXT[cached.reason], seconds: cached.seconds });
      } else if (part === 'shard') {
        const p = sharded.get(key)!;
        p.done += 1;
        update(key, withShards(p));
      }
    }
    const failed = event.activityTaskFailedEventAttributes;
    if (failed && of(failed.scheduledEventId)) {
      const { key } = of(failed.scheduledEventId)!;
      update(key, { ...rows.get(key)!, state: 'failed', why: failed.failure?.message ?? 'failed' });
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
    const took = r.seconds === undefined ? '' : ` ${r.seconds.toFixed(1)} s`;
    const shards = r.shards ? `  shards ${r.shards.done}/${r.shards.total}` : '';
    lines.push(`  ${label.padEnd(34)} ${r.state.padEnd(9)}${took}${shards}${r.why ? `  (${r.why})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `deeprecon status <run> [--json]`: workflow state plus one line per stage (or per point of a sweep). */
export async function statusCommand(run: string, connection: ConnectionOptions, runsDir: string, noWorkerSeconds = NO_WORKER_SECONDS, json = false): Promise<StatusReport> {
  const report = await statusReport(run, connection, runsDir, noWorkerSeconds);
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  return report;
}
