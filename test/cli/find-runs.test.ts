import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { writeTinyConfig } from '../support/tiny-config';
import { startTemporalHarness, type TemporalHarness } from '../support/temporal-harness';

const exec = promisify(execFile);
const CLIENT = path.resolve(__dirname, '../../dist/client.js');

let harness: TemporalHarness;
let dir: string;
let temporal: TemporalDevServer;
let queue: string;

beforeAll(async () => {
  harness = await startTemporalHarness('find');
  ({ dir, temporal, taskQueue: queue } = harness);
  await fs.mkdir(path.join(dir, 'host-a'));
  await fs.mkdir(path.join(dir, 'host-b'));
});

afterAll(() => harness?.stop());

/** The CLI in remote mode, run in one "host" folder (each has its own runs/). */
async function cli(host: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [CLIENT, ...args, '--address', temporal.address, '--task-queue', queue], { cwd: path.join(dir, host) }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const tiny = { reconstruct: { methods: ['icnn-gd'], iterations: 4 } };

describe('runs are found through the server, from any machine', () => {
  it('status, rerun and cancel by name or workflow id on a host that did not start the run', async () => {
    const file = await writeTinyConfig(dir, 'found-remote', tiny);
    expect((await cli('host-a', ['run', file, '--quiet'])).code).toBe(0);
    await expect(fs.access(path.join(dir, 'host-b', 'runs', 'found-remote', 'run.json'))).rejects.toThrow();
    for (const name of ['found-remote', 'deeprecon-found-remote']) {
      const status = await cli('host-b', ['status', name]);
      expect(status.stderr).toBe('');
      expect(status.stdout).toMatch(/^deeprecon-found-remote: COMPLETED \(started .*\)\n/);
      expect(status.stdout).toMatch(/reconstruct icnn-gd \[sim01\]\s+ran/);
    }
    const rerun = await cli('host-b', ['rerun', 'found-remote', '--quiet']);
    expect(rerun).toMatchObject({ code: 0, stderr: '' });
    expect((await cli('host-b', ['status', 'found-remote'])).stdout).toMatch(/reconstruct icnn-gd \[sim01\]\s+cached/);
    const cancel = await cli('host-b', ['cancel', 'found-remote']);
    expect(cancel.stdout).toMatch(/^deeprecon-found-remote already completed at .*; nothing to cancel\n$/);
    const missing = await cli('host-b', ['status', 'never-ran']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: no run named "never-ran": no workflow deeprecon-never-ran or deeprecon-sweep-never-ran in namespace default\n');
  });

  it('a sweep point has a status, as the sweep output suggests, and a sweep is found by its name', async () => {
    await writeTinyConfig(path.join(dir, 'host-a'), 'base', tiny);
    const sweepFile = path.join(dir, 'host-a', 'points.yaml');
    await fs.writeFile(sweepFile, 'name: found-sweep\nbase: base.yaml\nmax_parallel: 2\ngrid:\n  decode.alpha: [10]\n');
    expect((await cli('host-a', ['sweep', sweepFile, '--quiet'])).code).toBe(0);
    const summary = JSON.parse(await fs.readFile(path.join(dir, 'host-a', 'runs', 'found-sweep', 'summary.json'), 'utf8')) as { points: { name: string }[] };
    const point = summary.points[0]!.name;
    for (const host of ['host-a', 'host-b']) {
      const status = await cli(host, ['status', point]);
      expect(status.stdout).toMatch(new RegExp(`^deeprecon-${point}: COMPLETED`));
      expect(status.stdout).toMatch(/decode \[sim01\]\s+ran/);
    }
    const sweepStatus = await cli('host-b', ['status', 'found-sweep']);
    expect(sweepStatus.stdout).toMatch(/^deeprecon-sweep-found-sweep: COMPLETED/);
    expect(sweepStatus.stdout).toContain(`deeprecon-${point}`);
  });
});
