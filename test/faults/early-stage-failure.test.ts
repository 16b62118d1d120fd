import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperimentConfig } from '../../configs/load';
import { initBackend } from '../../lib/compute/backend';
import { saveModelFolder } from '../../lib/features/model-folder';

import type { ExperimentInput } from '../../workflows/contracts';
import { writeTinyConfig } from '../support/tiny-config';
import { startTemporalHarness, type TemporalHarness } from '../support/temporal-harness';

let harness: TemporalHarness;
let dir: string;
let client: Client;
let taskQueue: string;

beforeAll(async () => {
  harness = await startTemporalHarness('early');
  ({ dir, client, taskQueue } = harness);
});

afterAll(() => harness?.stop());

/** The stage's own error under the workflow's and the activity's wrappers. */
function innermost(error: Error): Error {
  return error.cause instanceof Error ? innermost(error.cause) : error;
}

/** Long enough for a loaded machine; a run that hangs (the bug) never ends at all. */
const DEADLINE_MS = 60_000;

/**
 * Starts the experiment and waits for its end, at most DEADLINE_MS. Returns `completed`, the
 * run's failure message, or says the run is still open (a hang: the early stage's rejection went unobserved).
 */
async function outcomeOf(name: string, overrides: Record<string, unknown>): Promise<string> {
  const file = await writeTinyConfig(dir, name, { store: { type: 'local', path: path.join(dir, `artifacts-${name}`) }, ...overrides });
  const input: ExperimentInput = { config: await loadExperimentConfig(file), force: [], taskQueue };
  const handle = await client.workflow.start('experimentWorkflow', { workflowId: `early-${name}-${process.pid}`, taskQueue, args: [input] });
  const outcome = await Promise.race([
    handle.result().then(
      () => 'completed',
      (error: unknown) => (error instanceof WorkflowFailedError ? `failed: ${innermost(error).message}` : `error: ${String(error)}`),
    ),
    new Promise<string>((r) => setTimeout(() => r('still running'), DEADLINE_MS)),
  ]);
  if (outcome === 'still running') await handle.terminate('test deadline').catch(() => undefined);
  return outcome;
}

// The subject's stages wait on a queue that no worker serves yet (as on a cluster whose subject
// machine is still starting), so nothing awaits the shared stage when it fails: with the rejection
// unobserved the run would stay open for ever, however slow or fast the machine.
const waitingSubject = { subjects: [{ name: 'sim01', taskQueue: `idle-${process.pid}`, source: { type: 'simulated', seed: 5, voxels: 120, trainRepeats: 1, testRepeats: 2, imageryRepeats: 0 } }] };

describe('a stage started early that fails before anything awaits it', () => {
  it('features (a model folder whose weight shard is truncated): the run fails at once with the stage error', { timeout: 180_000 }, async () => {
    await initBackend('auto');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ name: 'c1', inputShape: [32, 32, 3], filters: 4, kernelSize: 3, padding: 'same' }),
        tf.layers.flatten(),
        tf.layers.dense({ name: 'd1', units: 5 }),
      ],
    });
    const folder = path.join(dir, 'truncated-model');
    await saveModelFolder(model, folder);
    model.dispose();
    const shard = path.join(folder, 'weights.bin');
    await fs.writeFile(shard, (await fs.readFile(shard)).subarray(0, 100));
    const outcome = await outcomeOf('features', { ...waitingSubject, features: { network: 'tfjs-model', modelPath: folder, inputMode: 'zero-one' } });
    expect(outcome).toMatch(/^failed: features: .*truncated-model/);
  });

  it('generator (a latent layer the network does not have): the run fails at once with the stage error, and a fixed rerun finishes', { timeout: 240_000 }, async () => {
    const reconstruct = { methods: ['icnn-dgn'], controls: [], ceiling: [], iterations: 4, generator: { epochs: 1, latentLayer: 'nope' } };
    const outcome = await outcomeOf('generator', { ...waitingSubject, reconstruct });
    expect(outcome).toMatch(/^failed: generator: .*latentLayer: no layer "nope"/);
    // The same workflow id again, with the config fixed and the subject on a served queue: a new run that proceeds to the end.
    expect(await outcomeOf('generator', { reconstruct: { ...reconstruct, generator: { epochs: 1, latentLayer: 'fc1' } } })).toBe('completed');
  });
});
