import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, workflowIdOf } from '../../cli/run-command';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { writeTinyConfig } from '../support/tiny-config';

// The worker runs as its own process from the compiled tree (`npm test` builds first).
const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');

let dir: string;
let temporal: TemporalDevServer;
const workers: ChildProcess[] = [];
const taskQueue = `restart-${process.pid}`;

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [WORKER, '--address', temporal.address, '--task-queue', taskQueue, '--concurrency', '2'], {
    stdio: 'ignore',
  });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-restart-'));
  temporal = await startTemporalDevServer({ uiPort: false });
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a worker killed mid-stage', () => {
  // Killed at a random moment of the longest stage (drawn from the process id, shown in the title).
  const victim = 'reconstruct';
  const delayMs = (process.pid * 7919) % 1500;

  it(`leaves a run that finishes once a worker is started again, equal to an uninterrupted run (killed ${delayMs} ms into ${victim})`, async () => {
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const first = startWorker();
    const overrides = { reconstruct: { iterations: 150, generator: { epochs: 1 }, cgan: { epochs: 1, batchSize: 16 } } };
    const run = async (name: string) =>
      runCommand({
        configFile: await writeTinyConfig(path.join(dir, name), name, overrides),
        connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') },
        taskQueue,
        force: [],
        runsDir: path.join(dir, 'runs'),
        quiet: true,
        heartbeatTimeoutSeconds: 3,
      });
    await fs.mkdir(path.join(dir, 'restart'), { recursive: true });
    await fs.mkdir(path.join(dir, 'reference'), { recursive: true });
    const running = run('restart');
    const handle = client.workflow.getHandle(workflowIdOf('restart'));
    // Wait until the chosen stage is being worked on, then kill its worker outright.
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(1200);
      const pending = await handle.describe().then((d) => d.raw.pendingActivities ?? []).catch(() => []);
      if (pending.some((a) => a.activityType?.name === victim && a.lastStartedTime)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, delayMs));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    startWorker();
    const result = await running;
    expect(result.stages.map((s) => s.stage)).toContain('report');
    // The history shows the killed attempt timing out and a stage running again.
    const history = await handle.fetchHistory();
    const retried = history.events?.filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1) ?? [];
    expect(retried.length).toBeGreaterThan(0);
    // The same experiment run without interruption (its own store) gives the same results.
    const reference = await run('reference');
    expect(result.scores).toEqual(reference.scores.map((s) => ({ ...s })));
    expect(result.decoding).toEqual(reference.decoding);
    await connection.close();
  }, 400_000);
});
