import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal as proto } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeActivity } from '../../activities/decode';
import { reconstructActivity } from '../../activities/reconstruct';
import { runCommand, workflowIdOf } from '../../cli/run-command';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import type { StageManifest } from '../../lib/store/stage-manifest';
import { createWorker } from '../../worker';
import type { ExperimentInput, ExperimentResult, ShardRequest, ShardResult, StageProgress } from '../../workflows/contracts';
import { loadExperimentConfig } from '../../configs/load';
import { writeTinyConfig } from '../support/tiny-config';

type HistoryEvent = proto.api.history.v1.IHistoryEvent;

let dir: string;
let temporal: TemporalDevServer;
let worker: Worker;
let workerDone: Promise<void>;
const taskQueue = `shards-${process.pid}`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-shards-'));
  temporal = await startTemporalDevServer({ uiPort: false });
  ({ worker } = await createWorker({ address: temporal.address, namespace: 'default', taskQueue, concurrency: 2 }));
  workerDone = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerDone?.catch(() => undefined);
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

// Small shards: several per layer (vgg-mini's conv1 has 16,384 units) and three per 6-image set.
// On wasm, whose kernels give each image the same arithmetic at any batch size. TensorFlow's native
// CPU kernels choose their blocking by batch size on some CPUs (AVX2: an image's convolutions and
// products change in their last bits between batches of 2 and 6), so there a 2-image shard and
// the 6-image set can differ (docs/architecture.md, *Sharded stages*).
const SMALL = { compute: { backend: 'wasm' }, decode: { alpha: 10, shardUnits: 4096 }, reconstruct: { methods: ['icnn-gd', 'icnn-dgn', 'cgan'], iterations: 8, shardImages: 2, generator: { epochs: 1 }, cgan: { epochs: 1, batchSize: 16 } } };
// One shard per layer and per set: the whole stage.
const WHOLE = { compute: { backend: 'wasm' }, decode: { alpha: 10, shardUnits: 16_777_216 }, reconstruct: { ...SMALL.reconstruct, shardImages: 100_000 } };

/**
 * Runs the experiment workflow directly, with at most `shardsPerWorkflow` shard activities in any
 * one workflow, so a stage with more hands batches to child workflows.
 */
async function runWorkflow(name: string, overrides: Record<string, unknown>, shardsPerWorkflow: number): Promise<{ result: ExperimentResult; workflowId: string }> {
  await fs.mkdir(path.join(dir, name), { recursive: true });
  const config = await loadExperimentConfig(await writeTinyConfig(path.join(dir, name), name, overrides));
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  const workflowId = `${name}-${process.pid}`;
  try {
    const input: ExperimentInput = { config, force: [], taskQueue, shardsPerWorkflow };
    return { result: await client.workflow.execute('experimentWorkflow', { taskQueue, workflowId, args: [input] }), workflowId };
  } finally {
    await client.connection.close();
  }
}

async function runTiny(name: string, overrides: Record<string, unknown>) {
  await fs.mkdir(path.join(dir, name), { recursive: true });
  const configFile = await writeTinyConfig(path.join(dir, name), name, overrides);
  return runCommand({ configFile, connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') }, taskQueue, force: [], runsDir: path.join(dir, 'runs'), quiet: true });
}

/** Every complete manifest of one stage (or of its shards) in a run's local store. */
async function manifests(name: string, stage: string, of: 'stages' | 'shards' = 'stages'): Promise<StageManifest[]> {
  const root = path.join(dir, name, 'artifacts', of, stage);
  const keys = await fs.readdir(root);
  const file = of === 'stages' ? 'manifest.json' : 'shard.json';
  const found = await Promise.all(keys.map((k) => fs.readFile(path.join(root, k, file), 'utf8').then((t) => JSON.parse(t) as StageManifest).catch(() => undefined)));
  return found.filter((m): m is StageManifest => m !== undefined);
}

const hashes = (m: StageManifest) => Object.fromEntries(Object.entries(m.outputs).map(([n, ref]) => [n, ref.sha256]));

function decoded<T>(payloads: proto.api.common.v1.IPayloads | null | undefined): T | undefined {
  const first = payloads?.payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload<T>(first) : undefined;
}

/** The shard activities a history completed: their type, variant and result. */
function completedShards(events: readonly HistoryEvent[]): { type: string; variant?: string; result: ShardResult }[] {
  const scheduledAs = new Map<string, { type: string; variant?: string }>();
  const out: { type: string; variant?: string; result: ShardResult }[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) scheduledAs.set(String(e.eventId), { type: scheduled.activityType?.name ?? '', variant: decoded<ShardRequest<unknown>>(scheduled.input)?.variant });
    const completed = e.activityTaskCompletedEventAttributes;
    const what = completed ? scheduledAs.get(String(completed.scheduledEventId)) : undefined;
    if (completed && what && (what.type === 'decode' || what.type === 'reconstruct')) out.push({ ...what, result: decoded<ShardResult>(completed.result)! });
  }
  return out;
}

describe('sharded decode and reconstruct', () => {
  it('write the same bytes as one shard per layer and set, and as the unsharded stage', async () => {
    // Eight shards at most per workflow: each decode's 16 shards go to two child workflows.
    const { result: small, workflowId } = await runWorkflow('small', SMALL, 8);
    const whole = await runTiny('whole', WHOLE);
    expect(small.scores).toEqual(whole.scores);
    expect(small.decoding).toEqual(whole.decoding);
    for (const stage of ['decode', 'reconstruct']) {
      const a = await manifests('small', stage);
      const b = await manifests('whole', stage);
      // The shard size is in no stage key: both stores hold the same keys, with the same bytes.
      expect(a.map((m) => m.key).sort()).toEqual(b.map((m) => m.key).sort());
      expect(a.length).toBeGreaterThanOrEqual(stage === 'decode' ? 2 : 7);
      for (const m of a) expect(hashes(m)).toEqual(hashes(b.find((x) => x.key === m.key)!));
    }
    // Small shards really were many (decode and its control: 16 each), one per layer when whole;
    // they sit beside the stages, which keep one manifest per stage the run reported.
    expect((await manifests('small', 'decode', 'shards')).length).toBe(2 * (4 + 4 + 2 + 2 + 1 + 1 + 1 + 1));
    expect((await manifests('whole', 'decode', 'shards')).length).toBe(2 * 8);
    const stageManifests = await Promise.all(['decode', 'reconstruct'].map((stage) => manifests('small', stage)));
    expect(stageManifests.flat().length).toBe(small.stages.filter((s) => s.stage === 'decode' || s.stage === 'reconstruct').length);

    // The children's histories each hold their batch of eight shards; the parent's holds none of them.
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const parent = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const children = parent.flatMap((e) => (e.startChildWorkflowExecutionInitiatedEventAttributes ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId!] : []));
    expect(children).toHaveLength(4);
    expect(completedShards(parent).filter((s) => s.type === 'decode')).toHaveLength(0);
    for (const child of children) {
      const events = (await client.workflow.getHandle(child).fetchHistory()).events ?? [];
      expect(completedShards(events).filter((s) => s.type === 'decode')).toHaveLength(8);
    }
    await client.connection.close();

    // The unsharded activities, run again on a copy of the store, write the same bytes too.
    await fs.cp(path.join(dir, 'small', 'artifacts'), path.join(dir, 'copy', 'artifacts'), { recursive: true });
    const store = { type: 'local' as const, path: path.join(dir, 'copy', 'artifacts') };
    for (const m of await manifests('small', 'decode')) {
      const again = await decodeActivity({ store, backend: 'wasm', config: m.config as Parameters<typeof decodeActivity>[0]['config'], inputs: m.inputs, force: true });
      expect(Object.fromEntries(Object.entries(again.outputs).map(([n, ref]) => [n, ref.sha256]))).toEqual(hashes(m));
    }
    const pixels = (await manifests('small', 'reconstruct')).filter((m) => (m.config as { method: string }).method !== 'icnn-dgn');
    for (const m of pixels) {
      const again = await reconstructActivity({ store, backend: 'wasm', config: m.config as Parameters<typeof reconstructActivity>[0]['config'], inputs: m.inputs, force: true });
      expect(Object.fromEntries(Object.entries(again.outputs).map(([n, ref]) => [n, ref.sha256]))).toEqual(hashes(m));
    }
  }, 900_000);

  it('reuses the shards a stopped run finished, and shows shards done out of total', async () => {
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const overrides = { ...SMALL, reconstruct: { ...SMALL.reconstruct, methods: ['icnn-gd'], iterations: 60, shardImages: 1 }, decode: { alpha: 10, shardUnits: 1024 } };
    const first = runTiny('resume', overrides).catch((error: unknown) => error);
    const handle = client.workflow.getHandle(workflowIdOf('resume'));
    // Stop the run once a few shards of the reconstruction from decoded features have finished
    // (so decode is done), while others are still running.
    let progress: StageProgress[] = [];
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(3000);
      const events = (await handle.fetchHistory().catch(() => ({ events: [] }))).events ?? [];
      if (completedShards(events).filter((s) => s.type === 'reconstruct' && s.variant === 'icnn-gd').length >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    progress = await handle.query<StageProgress[]>('progress');
    // The query shows each sharded reconstruct stage's shards done out of its six.
    const sharded = progress.filter((p) => p.stage === 'reconstruct' && p.shards);
    expect(sharded.length).toBeGreaterThan(0);
    expect(sharded.every((p) => p.shards!.total === 6)).toBe(true);
    expect(sharded.reduce((n, p) => n + p.shards!.done, 0)).toBeGreaterThanOrEqual(3);
    const decodeDone = progress.find((p) => p.stage === 'decode' && !p.variant);
    expect(decodeDone?.state).toBe('done');
    expect(decodeDone?.shards).toEqual({ done: 58, total: 58 });
    const finishedFirst = new Set(completedShards((await handle.fetchHistory()).events ?? []).filter((s) => s.type === 'reconstruct').map((s) => s.result.key));
    await handle.terminate('stopped by the test mid-stage');
    await first;

    const second = await runTiny('resume', overrides);
    expect(second.stages.some((s) => s.stage === 'report')).toBe(true);
    const shards = completedShards((await client.workflow.getHandle(workflowIdOf('resume')).fetchHistory()).events ?? []);
    const recon = shards.filter((s) => s.type === 'reconstruct');
    // A shard the first run finished comes back from the cache (its own key), and some did; the
    // shards it had not finished run now. (Stages the first run merged are one cached stage.)
    const reused = recon.filter((s) => finishedFirst.has(s.result.key));
    expect(reused.length).toBeGreaterThan(0);
    expect(reused.every((s) => s.result.reason === 'cached')).toBe(true);
    expect(recon.filter((s) => s.result.reason === 'new').length).toBeGreaterThan(0);
    expect(recon.filter((s) => s.result.reason === 'new').every((s) => !finishedFirst.has(s.result.key))).toBe(true);
    // Decode finished in the first run: the second run's decode is one cached stage, no shards.
    expect(shards.filter((s) => s.type === 'decode')).toHaveLength(0);
    await client.connection.close();
  }, 900_000);
});
