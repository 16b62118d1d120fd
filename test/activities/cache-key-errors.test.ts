import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresActivity, type FeaturesConfig } from '../../activities/features';
import { ingestActivity, type IngestConfig } from '../../activities/ingest';
import { reconstructActivity, type ReconstructConfig } from '../../activities/reconstruct';
import { stimuliActivity, type StimuliConfig } from '../../activities/stimuli';
import { FeaturesSchema, StimuliSchema } from '../../configs/schema';
import type { StageRequest } from '../../workflows/contracts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-keyerr-'));
  await fs.mkdir(path.join(dir, 'bad-json'));
  await fs.writeFile(path.join(dir, 'bad-json', 'model.json'), '{"modelTopology": ');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function request<C>(config: C): StageRequest<C> {
  return { store: { type: 'local', path: path.join(dir, 'store') }, backend: 'cpu', config, inputs: {}, force: false };
}

/** Fails at once (non-retryable, as bad input), naming the stage and the path; nothing was stored. */
async function expectBadInput(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect((error as ApplicationFailure).nonRetryable).toBe(true);
  expect((error as ApplicationFailure).message).toMatch(pattern);
  expect(await fs.readdir(path.join(dir, 'store')).catch(() => [])).toEqual([]);
}

describe('errors while a stage computes its cache key are bad input, not retried', () => {
  it('features: a model folder that does not exist', async () => {
    const config: FeaturesConfig = FeaturesSchema.parse({ network: 'tfjs-model', modelPath: path.join(dir, 'missing') });
    await expectBadInput(featuresActivity(request(config)), /^features: .*missing[/\\]model\.json: cannot read the model \(ENOENT\)$/);
  });

  it('features: a model.json that is not JSON', async () => {
    const config: FeaturesConfig = FeaturesSchema.parse({ network: 'tfjs-model', modelPath: path.join(dir, 'bad-json') });
    await expectBadInput(featuresActivity(request(config)), /^features: .*bad-json[/\\]model\.json: not JSON/);
  });

  it('stimuli: an image folder that does not exist', async () => {
    const config: StimuliConfig = StimuliSchema.parse({ source: 'folder', path: path.join(dir, 'no-images') });
    await expectBadInput(stimuliActivity(request(config)), /^stimuli: .*no-images: cannot read the stimulus folder \(ENOENT\)$/);
  });

  it('reconstruct: a user generator folder with bad JSON', async () => {
    const config = { method: 'icnn-dgn', seed: 1, network: FeaturesSchema.parse({}), imageSize: 32, layers: [], iterations: 1, generatorModel: { path: path.join(dir, 'bad-json'), outputRange: 'zero-one' } } as ReconstructConfig;
    await expectBadInput(reconstructActivity(request(config)), /^reconstruct: .*bad-json[/\\]model\.json: not JSON/);
  });

  it('ingest: a BData file that does not exist', async () => {
    const config = { type: 'bdata', files: [path.join(dir, 'none.h5')], labelKey: 'Label' } as IngestConfig;
    await expectBadInput(ingestActivity(request(config)), /^ingest: .*none\.h5: cannot read the BData file \(ENOENT\)$/);
  });
});
