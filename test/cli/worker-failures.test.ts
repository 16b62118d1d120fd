import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../cli/run-command';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { createWorker } from '../../worker';
import { writeTinyConfig } from '../support/tiny-config';

const QUEUE = `worker-failures-${process.pid}`;

let dir: string;
let temporal: TemporalDevServer;
let worker: Worker;
let identity: string;
let running: Promise<void>;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-worker-failures-'));
  // This test process is the worker: it gets no AWS credentials from anywhere.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) delete process.env[name];
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'no-credentials');
  process.env.AWS_CONFIG_FILE = path.join(dir, 'no-config');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  temporal = await startTemporalDevServer({ uiPort: false });
  ({ worker, identity } = await createWorker({ address: temporal.address, namespace: 'default', taskQueue: QUEUE, concurrency: 2 }));
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** What `deeprecon run` ends with: its error line, and how long it took to get there. */
async function failure(name: string, overrides: Record<string, unknown>): Promise<{ message: string; seconds: number }> {
  const configFile = await writeTinyConfig(dir, name, overrides);
  const started = Date.now();
  const error = await runCommand({ configFile, connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') }, taskQueue: QUEUE, force: [], runsDir: path.join(dir, 'runs'), quiet: true, searchAttributes: false }).then(
    () => new Error('the run succeeded'),
    (e: unknown) => e as Error,
  );
  return { message: error.message, seconds: (Date.now() - started) / 1000 };
}

describe('errors raised in a worker say which worker', () => {
  it('a worker without AWS credentials fails the stage at once, naming itself and what to set', { timeout: 60_000 }, async () => {
    // Nothing needs to listen at the endpoint: credentials are looked up before any request.
    const store = { type: 's3', bucket: 'deeprecon', prefix: 'runs', endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true };
    const { message, seconds } = await failure('no-credentials', { store });
    expect(message).toBe(
      `experiment no-credentials failed: worker ${identity} has no AWS credentials for the S3 store s3://deeprecon/runs at http://127.0.0.1:9: ` +
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION) in that worker's environment, or AWS_PROFILE with a shared credentials file, then restart the worker and rerun",
    );
    // Not retried for ~30 s: the worker's environment does not change between attempts.
    expect(seconds).toBeLessThan(10);
  });

  it("any other stage error reaches the client with the worker's identity", { timeout: 60_000 }, async () => {
    const { message } = await failure('missing-stimuli', { stimuli: { source: 'folder', path: path.join(dir, 'no-such-folder') } });
    expect(message).toMatch(/^experiment missing-stimuli failed: stimuli: .*no-such-folder/);
    expect(message.endsWith(` (on worker ${identity})`)).toBe(true);
    expect(identity).toBe(`${process.pid}@${os.hostname()}/${QUEUE}`);
  });
});

const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');

/** Starts `deeprecon worker` against the test server; stops it `lingerMs` after `until` matches its output (or after 30 s). */
async function workerOutput(env: NodeJS.ProcessEnv, until: RegExp, lingerMs = 0): Promise<{ pid: number; stdout: string; stderr: string }> {
  const queue = `credentials-${process.pid}`;
  const child = spawn(process.execPath, [WORKER, '--address', temporal.address, '--task-queue', queue], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      const check = () => until.test(stdout + stderr) && (clearTimeout(timer), resolve());
      child.stdout!.on('data', (d: Buffer) => ((stdout += d.toString()), check()));
      child.stderr!.on('data', (d: Buffer) => ((stderr += d.toString()), check()));
      child.on('exit', () => (clearTimeout(timer), resolve()));
    });
    await new Promise((r) => setTimeout(r, lingerMs));
  } finally {
    child.kill('SIGTERM');
  }
  return { pid: child.pid!, stdout, stderr };
}

describe('a cluster worker checks its AWS credentials at start', () => {
  it('without them it says so in its first lines, naming itself and what to set', { timeout: 90_000 }, async () => {
    const { pid, stdout, stderr } = await workerOutput({ ...process.env }, /no AWS credentials/);
    expect(stdout).toMatch(/^worker on task queue credentials-/);
    expect(stderr).toContain(
      `worker ${pid}@${os.hostname()}/credentials-${process.pid}: no AWS credentials in this environment; stages of runs whose store is S3 will fail on this worker. ` +
        'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION), or AWS_PROFILE with a shared credentials file, and restart it\n',
    );
  });

  it('with them it says nothing about credentials', { timeout: 90_000 }, async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test-key', AWS_SECRET_ACCESS_KEY: 'test-secret' };
    // The check runs right after the start line; two seconds are plenty for an answer from the environment.
    const { stdout, stderr } = await workerOutput(env, /Ctrl-C to stop/, 2000);
    expect(stdout).toMatch(/^worker on task queue credentials-/);
    expect(stderr).not.toContain('AWS credentials');
  });
});
