import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { writeTinyConfig } from '../support/tiny-config';
import { startTemporalHarness, type TemporalHarness } from '../support/temporal-harness';

const exec = promisify(execFile);
const CLIENT = path.resolve(__dirname, '../../dist/client.js');

let harness: TemporalHarness;
let dir: string;
let temporal: TemporalDevServer;
let client: Client;
let served: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // No search attributes registered: a cluster nobody has prepared yet.
  harness = await startTemporalHarness('silent');
  ({ dir, temporal, client, taskQueue: served } = harness);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await harness?.stop();
});

/** Starts `deeprecon run` and resolves with its stderr once `count` lines match `pattern`. */
function runUntil(args: string[], pattern: RegExp, count: number, command = 'run'): Promise<string> {
  const child = spawn(process.execPath, [CLIENT, command, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.split('\n').filter((l) => pattern.test(l)).length >= count) {
        child.kill('SIGKILL');
        resolve(stderr);
      }
    });
    child.on('exit', () => reject(new Error(`run exited before saying ${pattern}:\n${stderr}`)));
  });
}

describe('a run that cannot progress says why', () => {
  it('refuses to start with unregistered search attributes, with the fix in one line', async () => {
    const file = await writeTinyConfig(dir, 'silent-attrs');
    const failed = await exec(process.execPath, [CLIENT, 'run', file, '--address', temporal.address, '--task-queue', served, '--search-attributes'], { cwd: dir }).catch((e: { stderr: string; code: number }) => e);
    expect('code' in failed && failed.code).toBe(1);
    const lines = (failed as { stderr: string }).stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `error: search attributes DeepreconExperiment, DeepreconSubjects, DeepreconSweep, DeepreconStage are not registered in namespace default; register them once with \`TEMPORAL_ADDRESS=${temporal.address} TEMPORAL_NAMESPACE=default scripts/cluster/register-search-attributes.sh\` (or run without --search-attributes)`,
    );
    await expect(client.workflow.getHandle('deeprecon-silent-attrs').describe()).rejects.toThrow(/not found/i);
  });

  it('no worker on the run queue (a wrong namespace, a misspelt queue): says so, again and again; status says the same', async () => {
    const queue = `nobody-${process.pid}`;
    const file = await writeTinyConfig(dir, 'silent-queue');
    const stderr = await runUntil([file, '--address', temporal.address, '--task-queue', queue, '--no-worker-seconds', '2', '--quiet'], /^waiting:/, 2);
    const waiting = stderr.split('\n').filter((l) => l.startsWith('waiting:'));
    expect(new Set(waiting)).toEqual(new Set([`waiting: no worker on queue ${queue} (namespace default)`]));
    const status = await exec(process.execPath, [CLIENT, 'status', 'silent-queue', '--address', temporal.address, '--no-worker-seconds', '2'], { cwd: dir });
    expect(status.stdout).toContain(`  waiting: no worker on queue ${queue} (namespace default)\n`);
    await client.workflow.getHandle('deeprecon-silent-queue').terminate('test done');
  });

  it('a subject queue without a worker (its only worker died): names that queue, not the served one', async () => {
    const idle = `subject-${process.pid}`;
    const file = await writeTinyConfig(dir, 'silent-subject', {
      subjects: [{ name: 'sim01', taskQueue: idle, source: { type: 'simulated', seed: 5, voxels: 120, trainRepeats: 1, testRepeats: 2, imageryRepeats: 0 } }],
    });
    const stderr = await runUntil([file, '--address', temporal.address, '--task-queue', served, '--no-worker-seconds', '2', '--quiet'], /^waiting:/, 2);
    const waiting = stderr.split('\n').filter((l) => l.startsWith('waiting:'));
    expect(new Set(waiting)).toEqual(new Set([`waiting: no worker on queue ${idle} (namespace default)`]));
    await client.workflow.getHandle('deeprecon-silent-subject').terminate('test done');
  });

  it('a sweep whose point waits on a subject queue without a worker: the sweep says so, and status of the sweep too', async () => {
    const idle = `point-${process.pid}`;
    await writeTinyConfig(dir, 'silent-base', {
      reconstruct: { methods: ['icnn-gd'], iterations: 4 },
      subjects: [{ name: 'sim01', taskQueue: idle, source: { type: 'simulated', seed: 5, voxels: 120, trainRepeats: 1, testRepeats: 2, imageryRepeats: 0 } }],
    });
    const sweepFile = path.join(dir, 'silent-sweep.yaml');
    await fs.writeFile(sweepFile, 'name: silent-sweep\nbase: silent-base.yaml\nmax_parallel: 1\ngrid:\n  decode.alpha: [10]\n');
    const stderr = await runUntil([sweepFile, '--address', temporal.address, '--task-queue', served, '--no-worker-seconds', '2', '--quiet'], /^waiting:/, 1, 'sweep');
    expect(stderr).toContain(`waiting: no worker on queue ${idle} (namespace default)\n`);
    const status = await exec(process.execPath, [CLIENT, 'status', 'silent-sweep', '--address', temporal.address, '--no-worker-seconds', '2'], { cwd: dir });
    expect(status.stdout).toContain(`  waiting: no worker on queue ${idle} (namespace default)\n`);
    await client.workflow.getHandle('deeprecon-sweep-silent-sweep').terminate('test done');
  });
});
