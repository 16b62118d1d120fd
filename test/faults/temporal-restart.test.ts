import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperimentConfig } from '../../configs/load';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import type { ExperimentInput, ExperimentResult } from '../../workflows/contracts';
import { writeTinyConfig } from '../support/tiny-config';

// The worker runs as its own process from the compiled tree (`npm test` builds first).
const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');

let dir: string;
/** Picked by the first start (which retries on fresh ports), then kept so that the restarted server is where the worker looks. */
let port: number | undefined;
let dbFile: string;
let temporal: TemporalDevServer | undefined;
let worker: ChildProcess | undefined;
const taskQueue = `fault-temporal-${process.pid}`;

const startServer = () => startTemporalDevServer({ dbFile, port, uiPort: false, logFile: path.join(dir, 'temporal.log') });

function startWorker(address: string): ChildProcess {
  const log = openSync(path.join(dir, 'worker.log'), 'a');
  const child = spawn(process.execPath, [WORKER, '--address', address, '--task-queue', taskQueue, '--concurrency', '2'], {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  return child;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-fault-temporal-'));
  dbFile = path.join(dir, 'temporal.db');
  temporal = await startServer();
  port = Number(temporal.address.split(':').pop());
  worker = startWorker(temporal.address);
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
  }
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

async function inputFor(name: string, storeFolder: string): Promise<ExperimentInput> {
  // Enough iterations that reconstruction is still running when the server goes away.
  const file = await writeTinyConfig(dir, name, { reconstruct: { iterations: 100 }, store: { type: 'local', path: path.join(dir, storeFolder) } });
  const config = await loadExperimentConfig(file);
  expect(config.store.type === 'local' && path.isAbsolute(config.store.path)).toBe(true);
  return { config, force: [], taskQueue, heartbeatTimeoutSeconds: 5 };
}

async function connect(): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }) });
}

/** What must not depend on whether the run was interrupted: stages, their cache keys, and every score. */
const outcome = (r: ExperimentResult) => ({
  stages: r.stages.map((s) => ({ stage: s.stage, subject: s.subject, key: s.key })),
  scores: r.scores,
  decoding: r.decoding,
});

async function manifestsOf(folder: string): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  const stages = path.join(dir, folder, 'stages');
  for (const stage of await fs.readdir(stages)) {
    for (const key of await fs.readdir(path.join(stages, stage))) {
      const manifest = JSON.parse(await fs.readFile(path.join(stages, stage, key, 'manifest.json'), 'utf8')) as {
        outputs: Record<string, { sha256: string }>;
      };
      // The report page stamps its creation time, so only its figures are expected to be identical.
      const deterministic = Object.entries(manifest.outputs).filter(([n]) => !(stage === 'report' && n === 'report'));
      out.set(`${stage}/${key}`, Object.fromEntries(deterministic.map(([n, ref]) => [n, ref.sha256])));
    }
  }
  return out;
}

describe('the Temporal server restarted mid-stage', () => {
  // The limit is a safety net for a loaded machine; the test normally takes 20-60 s.
  it('keeps the run, which finishes with the scores of an uninterrupted run', { timeout: 240_000 }, async () => {
    // Reference: the same config, uninterrupted, in its own store folder.
    let client = await connect();
    const reference = await client.workflow
      .start('experimentWorkflow', { workflowId: `reference-${process.pid}`, taskQueue, args: [await inputFor('restart', 'artifacts-reference')] })
      .then((h) => h.result() as Promise<ExperimentResult>);
    expect(reference.stages.every((s) => s.reason === 'new')).toBe(true);
    const reconstructKey = reference.stages.find((s) => s.stage === 'reconstruct')!.key;

    const workflowId = `interrupted-${process.pid}`;
    const handle = await client.workflow.start('experimentWorkflow', {
      workflowId,
      taskQueue,
      args: [await inputFor('restart', 'artifacts-interrupted')],
    });
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(1200);
      const pending = await handle
        .describe()
        .then((d) => d.raw.pendingActivities ?? [])
        .catch(() => []);
      if (pending.some((a) => a.activityType?.name === 'reconstruct' && a.lastStartedTime)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.connection.close();

    // The server goes away while the worker is mid-stage, and comes back on the same port and database.
    await temporal!.stop();
    temporal = undefined;
    // The fault hit mid-stage: reconstruction had not finished when the server went away.
    const reconstructManifest = path.join(dir, 'artifacts-interrupted', 'stages', 'reconstruct', reconstructKey, 'manifest.json');
    expect(await fs.stat(reconstructManifest).then(() => true, () => false)).toBe(false);
    await new Promise((r) => setTimeout(r, 2000));
    temporal = await startServer();

    client = await connect();
    const result = (await client.workflow.getHandle(workflowId).result()) as ExperimentResult;
    expect(result.stages.map((s) => s.stage)).toEqual(reference.stages.map((s) => s.stage));
    expect(outcome(result)).toEqual(outcome(reference));
    // Not just the summary: every stage's outputs are byte-identical to the uninterrupted run's.
    expect(await manifestsOf('artifacts-interrupted')).toEqual(await manifestsOf('artifacts-reference'));

    // The workflow's history survived the restart: it begins with the start we issued before it.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.[0]?.workflowExecutionStartedEventAttributes).toBeTruthy();
    expect(history.events?.some((e) => e.workflowExecutionCompletedEventAttributes)).toBe(true);
    await client.connection.close();
    // The same worker process rode out the outage: it was never restarted.
    expect(worker!.exitCode).toBeNull();
  });
});
