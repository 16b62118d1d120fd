import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { writeTinyConfig } from '../support/tiny-config';

const ROOT = path.resolve(__dirname, '..', '..');
const CLIENT = path.join(ROOT, 'dist', 'client.js');
const WORKER = path.join(ROOT, 'dist', 'worker.js');

let dir: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-server-kill-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await fs.rm(dir, { recursive: true, force: true });
});

interface Cli {
  readonly child: ChildProcess;
  stderr(): string;
  exit: Promise<number | null>;
}

function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, [CLIENT, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr, exit: new Promise((r) => child.on('exit', r)) };
}

/** Waits until the experiment's reconstruct stage has started on a worker: the fault then hits mid-run. */
async function untilReconstructRuns(address: () => Promise<string>, workflowId: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      const client = new Client({ connection: await Connection.connect({ address: await address(), connectTimeout: '2s' }) });
      try {
        const pending = (await client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
        if (pending.some((a) => a.activityType?.name === 'reconstruct' && a.lastStartedTime)) return;
      } finally {
        await client.connection.close();
      }
    } catch {
      // Not started yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('reconstruct never started');
}

async function expectFinished(name: string): Promise<void> {
  const summary = JSON.parse(await fs.readFile(path.join(dir, 'runs', name, 'summary.json'), 'utf8')) as { stages: { stage: string }[]; scores: unknown[] };
  expect(summary.stages.map((s) => s.stage)).toEqual(['stimuli', 'features', 'simulate', 'preprocess', 'decode', 'reconstruct', 'evaluate', 'report']);
  expect(summary.scores.length).toBeGreaterThan(0);
}

const small = { reconstruct: { methods: ['icnn-gd'], iterations: 120, controls: [], ceiling: [] } };

describe('the Temporal server killed mid-run', () => {
  it('local engine: the CLI restarts it and the run finishes', { timeout: 300_000 }, async () => {
    const file = await writeTinyConfig(dir, 'kill-local', { ...small, store: { type: 'local', path: path.join(dir, 'artifacts-local') } });
    const cli = startCli(['run', file, '--workers', '1', '--quiet']);
    const state = path.join(dir, '.deeprecon', 'temporal', 'server.json');
    const server = async () => JSON.parse(await fs.readFile(state, 'utf8')) as { pid: number; address: string };
    await untilReconstructRuns(async () => (await server()).address, 'deeprecon-kill-local');
    const { pid, address } = await server();
    process.kill(pid, 'SIGKILL');
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).toContain(`lost the Temporal server at ${address}; waiting for it to come back`);
    expect(cli.stderr()).toContain(`restarted the local Temporal server at ${address}`);
    // No stack and no warning block (the native TensorFlow library's own WARNING notice at load is not ours).
    expect(cli.stderr()).not.toMatch(/^\s+at |\bWARN\b/m);
    await expectFinished('kill-local');
  });

  it('remote server: the CLI waits, says so, and finishes once the server is back', { timeout: 300_000 }, async () => {
    const dbFile = path.join(dir, 'remote.sqlite');
    // The first start picks the port (retrying on fresh ones); the restart must come back on it.
    let port: number | undefined;
    const start = () => startTemporalDevServer({ dbFile, port, uiPort: false, logFile: path.join(dir, 'remote.log') });
    let temporal: TemporalDevServer | undefined = await start();
    port = Number(temporal.address.split(':').pop());
    const taskQueue = `kill-remote-${process.pid}`;
    const log = openSync(path.join(dir, 'worker.log'), 'a');
    const worker = spawn(process.execPath, [WORKER, '--address', temporal.address, '--task-queue', taskQueue, '--concurrency', '2'], { stdio: ['ignore', log, log] });
    closeSync(log);
    children.push(worker);
    try {
      const file = await writeTinyConfig(dir, 'kill-remote', { ...small, store: { type: 'local', path: path.join(dir, 'artifacts-remote') } });
      const cli = startCli(['run', file, '--address', temporal.address, '--task-queue', taskQueue, '--quiet']);
      await untilReconstructRuns(async () => temporal!.address, 'deeprecon-kill-remote');
      await temporal.stop();
      temporal = undefined;
      for (let i = 0; i < 120 && !cli.stderr().includes('waiting for it to come back'); i++) await new Promise((r) => setTimeout(r, 500));
      expect(cli.stderr()).toContain(`lost the Temporal server at 127.0.0.1:${port}; waiting for it to come back`);
      expect(cli.child.exitCode).toBeNull();
      temporal = await start();
      expect(await cli.exit).toBe(0);
      expect(cli.stderr()).toMatch(/the Temporal server at 127\.0\.0\.1:\d+ is back after \d+ s/);
      await expectFinished('kill-remote');
    } finally {
      worker.kill('SIGKILL');
      await temporal?.stop();
    }
  });
});
