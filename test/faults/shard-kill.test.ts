import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal as proto } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, workflowIdOf } from '../../cli/run-command';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import type { ShardRequest } from '../../workflows/contracts';
import { writeTinyConfig } from '../support/tiny-config';

type HistoryEvent = proto.api.history.v1.IHistoryEvent;

// The worker runs as its own process from the compiled tree (`npm test` builds first).
const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');
// Each reconstruct shard is an activity of the stage's own name.
const SHARD = 'reconstruct';

let dir: string;
let temporal: TemporalDevServer;
const workers: ChildProcess[] = [];
const taskQueue = `shard-kill-${process.pid}`;

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [WORKER, '--address', temporal.address, '--task-queue', taskQueue, '--concurrency', '2'], { stdio: 'ignore' });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-shard-kill-'));
  temporal = await startTemporalDevServer({ uiPort: false });
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Each shard activity of one type in a history: its shard index, attempt, and when it completed. */
interface ShardRow {
  index: number;
  attempt: number;
  completedAt?: number;
}

function shardRows(events: readonly HistoryEvent[]): Map<string, ShardRow> {
  const rows = new Map<string, ShardRow>();
  const millis = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === SHARD) {
      const request = defaultPayloadConverter.fromPayload<ShardRequest<unknown>>(scheduled.input!.payloads![0]!);
      rows.set(String(e.eventId), { index: request.shard.index, attempt: 0 });
    }
    const started = e.activityTaskStartedEventAttributes;
    const row = (id: unknown) => rows.get(String(id));
    if (started && row(started.scheduledEventId)) row(started.scheduledEventId)!.attempt = started.attempt ?? 1;
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed && row(completed.scheduledEventId)) row(completed.scheduledEventId)!.completedAt = millis(e);
  }
  return rows;
}

describe('a worker killed in the middle of a sharded stage', () => {
  it('costs only the shards it had not finished: the history shows every other shard run once', async () => {
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const first = startWorker();
    // One image per shard and enough iterations that a shard takes a few seconds.
    const overrides = {
      decode: { alpha: 10 },
      reconstruct: { methods: ['icnn-gd'], iterations: 150, shardImages: 1, ceiling: [], controls: [] },
    };
    await fs.mkdir(path.join(dir, 'kill'), { recursive: true });
    const running = runCommand({
      configFile: await writeTinyConfig(path.join(dir, 'kill'), 'kill', overrides),
      connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') },
      taskQueue,
      force: [],
      runsDir: path.join(dir, 'runs'),
      quiet: true,
      heartbeatTimeoutSeconds: 3,
    });
    let settled = false;
    void running.finally(() => (settled = true)).catch(() => undefined);
    const handle = client.workflow.getHandle(workflowIdOf('kill'));
    // Wait until some shards have finished and others are being worked on, then kill the worker.
    let before = new Map<string, ShardRow>();
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(3000);
      // A run that ends before two shards were seen had no shards to lose.
      expect(settled).toBe(false);
      const events = (await handle.fetchHistory().catch(() => ({ events: [] }))).events ?? [];
      before = shardRows(events);
      const finished = [...before.values()].filter((r) => r.completedAt !== undefined).length;
      const pending = await handle.describe().then((d) => d.raw.pendingActivities ?? []).catch(() => []);
      if (finished >= 2 && pending.some((a) => a.activityType?.name === SHARD && a.lastStartedTime)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const killedAt = Date.now();
    startWorker();
    const result = await running;
    expect(result.stages.map((s) => s.stage)).toContain('report');

    const after = shardRows((await handle.fetchHistory()).events ?? []);
    const rows = [...after.values()];
    const total = rows.length;
    // Every shard was scheduled once and completed once: nothing was planned or run twice.
    expect(new Set(rows.map((r) => r.index)).size).toBe(total);
    expect(rows.every((r) => r.completedAt !== undefined)).toBe(true);
    const doneBefore = [...before.entries()].filter(([, r]) => r.completedAt !== undefined);
    expect(doneBefore.length).toBeGreaterThanOrEqual(2);
    // The shards finished before the kill kept their single first attempt.
    for (const [id] of doneBefore) expect(after.get(id)).toMatchObject({ attempt: 1, completedAt: before.get(id)!.completedAt });
    // Only the shards the killed worker held (two at most: its concurrency) ran again, after the kill.
    const retried = rows.filter((r) => r.attempt > 1);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried.length).toBeLessThanOrEqual(2);
    for (const r of retried) expect(r.completedAt!).toBeGreaterThan(killedAt);
    await connection.close();
  }, 600_000);
});
