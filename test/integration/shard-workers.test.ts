import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, workflowIdOf } from '../../cli/run-command';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import type { ShardRequest } from '../../workflows/contracts';
import { writeTinyConfig } from '../support/tiny-config';

// The CLI as a user starts it on each machine (`npm test` builds first).
const CLIENT = path.resolve(__dirname, '..', '..', 'dist', 'client.js');

let dir: string;
let temporal: TemporalDevServer;
const workers: ChildProcess[] = [];
const taskQueue = `shard-workers-${process.pid}`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-shard-workers-'));
  temporal = await startTemporalDevServer({ uiPort: false });
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('two workers on one queue', () => {
  it('share the shards of one subject\'s stage: the history shows both identities inside one stage', async () => {
    for (let i = 0; i < 2; i++) {
      workers.push(spawn(process.execPath, [CLIENT, 'worker', '--address', temporal.address, '--task-queue', taskQueue, '--concurrency', '1'], { stdio: 'ignore' }));
    }
    await fs.mkdir(path.join(dir, 'two'), { recursive: true });
    const overrides = { decode: { alpha: 10 }, reconstruct: { methods: ['icnn-gd'], iterations: 40, shardImages: 1, ceiling: [], controls: [] } };
    const result = await runCommand({
      configFile: await writeTinyConfig(path.join(dir, 'two'), 'two', overrides),
      connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') },
      taskQueue,
      force: [],
      runsDir: path.join(dir, 'runs'),
      quiet: true,
    });
    expect(result.stages.map((s) => s.stage)).toContain('report');
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const events = (await client.workflow.getHandle(workflowIdOf('two')).fetchHistory()).events ?? [];
    // Which worker ran each shard of each stage (stage and variant from the shard's own request).
    const stageOf = new Map<string, string>();
    const identities = new Map<string, Set<string>>();
    for (const e of events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      const name = scheduled?.activityType?.name;
      if (scheduled && (name === 'decode' || name === 'reconstruct')) {
        const request = defaultPayloadConverter.fromPayload<ShardRequest<unknown>>(scheduled.input!.payloads![0]!);
        stageOf.set(String(e.eventId), `${name}:${request.variant ?? ''}`);
      }
      const started = e.activityTaskStartedEventAttributes;
      const stage = started ? stageOf.get(String(started.scheduledEventId)) : undefined;
      if (started && stage) identities.set(stage, (identities.get(stage) ?? new Set()).add(started.identity ?? ''));
    }
    // Temporal's UI shows each activity's summary: stage, subject, method and shard.
    const summaries = events.flatMap((e) => {
      const summary = e.userMetadata?.summary;
      return e.activityTaskScheduledEventAttributes && summary ? [{ name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '', text: defaultPayloadConverter.fromPayload<string>(summary) }] : [];
    });
    expect(summaries.length).toBe(events.filter((e) => e.activityTaskScheduledEventAttributes).length);
    for (const { name, text } of summaries) expect(text.startsWith(name)).toBe(true);
    expect(summaries.map((s) => s.text)).toContainEqual(expect.stringMatching(/^reconstruct \S+ icnn-gd · shard 1\/\d+ \(\S+ 0–1\)$/));
    // The reconstruction's six one-image shards ran on both workers.
    expect(identities.get('reconstruct:icnn-gd')?.size).toBe(2);
    expect([...identities.values()].some((ids) => ids.size >= 2)).toBe(true);
    await client.connection.close();
  }, 600_000);
});
