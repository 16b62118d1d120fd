import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelCommand } from '../../cli/cancel-command';
import { startLocalEngine } from '../../cli/local-engine';
import { writeRunRecord } from '../../cli/run-record';
import { loadExperimentConfig } from '../../configs/load';
import type { TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import type { ExperimentInput } from '../../workflows/contracts';
import { writeTinyConfig } from '../support/tiny-config';
import { startTemporalHarness, type TemporalHarness } from '../support/temporal-harness';

let harness: TemporalHarness;
let dir: string;
let temporal: TemporalDevServer;
let client: Client;
let taskQueue: string;

beforeAll(async () => {
  harness = await startTemporalHarness('cancel');
  ({ dir, temporal, client, taskQueue } = harness);
});

afterAll(() => harness?.stop());

const runsDir = () => path.join(dir, 'runs');
const cancel = (run: string, extra: { terminate?: boolean } = {}) =>
  cancelCommand(run, { connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') }, runsDir: runsDir(), waitSeconds: 8, ...extra });

/** Starts an experiment whose subject waits on a queue nobody serves: it runs until cancelled. */
async function startWaitingRun(name: string, queue = taskQueue): Promise<string> {
  const file = await writeTinyConfig(dir, name, {
    subjects: [{ name: 'sim01', taskQueue: `idle-${process.pid}`, source: { type: 'simulated', seed: 5, voxels: 120 } }],
  });
  const input: ExperimentInput = { config: await loadExperimentConfig(file), force: [], taskQueue: queue };
  const workflowId = `deeprecon-${name}`;
  const handle = await client.workflow.start('experimentWorkflow', { workflowId, taskQueue: queue, args: [input] });
  await writeRunRecord(runsDir(), name, { configFile: file, workflowId, runId: handle.firstExecutionRunId });
  return workflowId;
}

describe('deeprecon cancel says what is true', () => {
  it('a running experiment: cancelled, and then already finished', async () => {
    const workflowId = await startWaitingRun('cancel-running');
    expect(await cancel('cancel-running')).toEqual({ outcome: 'cancelled', message: `${workflowId} cancelled` });
    expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('CANCELLED');
    const again = await cancel('cancel-running');
    expect(again.outcome).toBe('already-finished');
    expect(again.message).toMatch(new RegExp(`^${workflowId} already was cancelled at .*; nothing to cancel$`));
  });

  it('a run whose workflow code fails on every attempt: not cancelled, says why; --terminate ends it', async () => {
    // A malformed input makes the workflow code throw on every workflow task: the run stays open.
    const workflowId = 'deeprecon-cancel-stuck';
    await client.workflow.start('experimentWorkflow', { workflowId, taskQueue, args: [{} as ExperimentInput] });
    const report = await cancel('cancel-stuck');
    expect(report.outcome).toBe('not-cancelled');
    expect(report.message).toMatch(/^could not cancel deeprecon-cancel-stuck: its workflow code fails on every attempt \(.+\), so it cannot act on the cancellation; `deeprecon cancel cancel-stuck --terminate` ends it without cleanup$/);
    expect(await cancel('cancel-stuck', { terminate: true })).toMatchObject({ outcome: 'terminated' });
    expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
    expect((await cancel('cancel-stuck')).message).toMatch(/already was terminated/);
  });

  it('a run no worker serves: not cancelled yet, names the queue', async () => {
    await startWaitingRun('cancel-unserved', `nobody-${process.pid}`);
    const report = await cancel('cancel-unserved');
    expect(report.outcome).toBe('not-cancelled');
    expect(report.message).toMatch(new RegExp(`no worker serves its task queue "nobody-${process.pid}"; the cancellation is recorded`));
  });

  it('on the local engine with no process serving the run: serves its workflow task for the wait, and it is cancelled', async () => {
    const stateDir = path.join(dir, 'local-state');
    const engine = await startLocalEngine(stateDir, 'default');
    try {
      const local = new Client({ connection: await Connection.connect({ address: engine.address }) });
      const file = await writeTinyConfig(dir, 'cancel-local');
      const input: ExperimentInput = { config: await loadExperimentConfig(file), force: [], taskQueue: 'deeprecon' };
      await local.workflow.start('experimentWorkflow', { workflowId: 'deeprecon-cancel-local', taskQueue: 'deeprecon', args: [input] });
      await local.connection.close();
      const report = await cancelCommand('cancel-local', { connection: { namespace: 'default', stateDir }, runsDir: runsDir(), waitSeconds: 60 });
      expect(report).toEqual({ outcome: 'cancelled', message: 'deeprecon-cancel-local cancelled' });
    } finally {
      await engine.stop();
    }
  });

  it('a run that does not exist: not found', async () => {
    expect(await cancel('cancel-never-started')).toEqual({ outcome: 'not-found', message: 'no run named "cancel-never-started": no workflow deeprecon-cancel-never-started or deeprecon-sweep-cancel-never-started in namespace default' });
  });
});
