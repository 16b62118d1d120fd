import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { StageRequest, StageResult } from '../workflows/contracts';
import type { ConnectionOptions } from './connection-options';
import { readRunRecord } from './run-record';
import { openSession } from './session';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface StageStatusRow {
  readonly stage: string;
  readonly subject?: string;
  readonly state: 'scheduled' | 'running' | 'cached' | 'ran' | 'failed';
  readonly why: string;
  readonly seconds?: number;
  readonly attempts: number;
}

function decode<T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T | undefined {
  const first = payloads?.payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload<T>(first) : undefined;
}

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
        why: result?.reason === 'cached' ? 'same config, inputs and code' : result?.reason === 'forced' ? 'forced' : 'no cached result for this config, inputs and code',
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

/** `deeprecon status <run>`: workflow state plus one line per stage. */
export async function statusCommand(run: string, connection: ConnectionOptions, runsDir: string): Promise<StageStatusRow[]> {
  const record = await readRunRecord(runsDir, run);
  const session = await openSession({ connection, withWorker: false });
  try {
    const handle = session.client.workflow.getHandle(record.workflowId);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    const rows = stageRowsFromHistory(history.events ?? []);
    process.stdout.write(`${record.workflowId}: ${description.status.name} (started ${description.startTime.toISOString()})\n`);
    for (const r of rows) {
      const label = r.subject ? `${r.stage} [${r.subject}]` : r.stage;
      const seconds = r.seconds === undefined ? '' : ` ${r.seconds.toFixed(1)} s`;
      process.stdout.write(`  ${label.padEnd(26)} ${r.state.padEnd(9)}${seconds}${r.why ? `  (${r.why})` : ''}\n`);
    }
    return rows;
  } finally {
    await session.close();
  }
}
