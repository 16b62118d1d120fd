import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { writeTinyConfig } from '../support/tiny-config';

const CLIENT = path.resolve(__dirname, '..', '..', 'dist', 'client.js');
const exec = promisify(execFile);

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-workers-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Running, not a zombie (orphans are reparented, and the reaper may be slow). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose parent is `pid` (Linux /proc). */
async function childrenOf(pid: number): Promise<{ pid: number; command: string }[]> {
  const found: { pid: number; command: string }[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const command = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      found.push({ pid: Number(entry), command });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Worker identities (pid@host) that started each activity of a finished local run, read back from its SQLite history. */
async function activityIdentities(stateDir: string, workflowId: string): Promise<string[]> {
  const server = await startTemporalDevServer({ dbFile: path.join(stateDir, 'temporal', 'temporal.sqlite'), uiPort: false });
  const connection = await Connection.connect({ address: server.address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes?.identity ? [e.activityTaskStartedEventAttributes.identity] : []));
  } finally {
    await connection.close();
    await server.stop();
  }
}

describe('a local run on several worker processes', () => {
  it('spreads overlapping stages over the processes, gives the same results as one process, and leaves none behind', async () => {
    const results: Record<string, unknown> = {};
    for (const workers of [1, 2]) {
      const work = path.join(dir, `w${workers}`);
      await fs.mkdir(work);
      const config = await writeTinyConfig(work, 'spread');
      const { stdout } = await exec(process.execPath, [CLIENT, 'run', config, '--workers', String(workers), '--state-dir', path.join(work, 'state'), '--runs-dir', path.join(work, 'runs')], {
        cwd: work,
      });
      expect(stdout).toContain(`${workers} worker process`);
      const summary = JSON.parse(await fs.readFile(path.join(work, 'runs', 'spread', 'summary.json'), 'utf8')) as { scores: unknown; decoding: unknown };
      results[workers] = { scores: summary.scores, decoding: summary.decoding };

      const identities = await activityIdentities(path.join(work, 'state'), 'deeprecon-spread');
      expect(identities.length).toBeGreaterThan(10);
      const pids = [...new Set(identities)].map((identity) => Number(identity.split('@')[0]));
      // One process alone, or `workers` child processes (the run then only orchestrates); features ∥ simulate alone guarantees overlap.
      expect(pids.length).toBe(workers);
      for (const pid of pids) expect(await alive(pid)).toBe(false);
    }
    expect(results[2]).toEqual(results[1]);
  }, 300_000);

  it('takes its helper processes down with it when it is killed', async () => {
    const work = path.join(dir, 'killed');
    await fs.mkdir(work);
    const config = await writeTinyConfig(work, 'killed');
    const stateDir = path.join(work, 'state');
    const run = spawn(process.execPath, [CLIENT, 'run', config, '--workers', '2', '--state-dir', stateDir, '--runs-dir', path.join(work, 'runs')], { cwd: work, stdio: 'ignore' });
    const helpers = await until(
      'two worker processes',
      async () => {
        const workers = (await childrenOf(run.pid!)).filter((c) => c.command.includes('worker.js'));
        const logs = await Promise.all([1, 2].map((i) => fs.readFile(path.join(stateDir, 'workers', `worker-${i}.log`), 'utf8').catch(() => '')));
        return workers.length === 2 && logs.every((l) => l.includes('worker on task queue')) ? workers : undefined;
      },
      120_000,
    );
    run.kill('SIGKILL');
    await until('the helpers to leave', async () => ((await Promise.all(helpers.map((h) => alive(h.pid)))).some(Boolean) ? undefined : true), 60_000);
    // The embedded Temporal server outlives a killed run on purpose (the next run reuses it); stop it here.
    const engine = JSON.parse(await fs.readFile(path.join(stateDir, 'temporal', 'server.json'), 'utf8')) as { pid: number };
    process.kill(engine.pid, 'SIGTERM');
    await until('the Temporal server to stop', async () => ((await alive(engine.pid)) ? undefined : true), 30_000);
  }, 300_000);
});
