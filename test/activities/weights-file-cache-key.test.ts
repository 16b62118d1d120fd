import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresActivity } from '../../activities/features';
import { stimuliActivity } from '../../activities/stimuli';
import { FeaturesSchema, StimuliSchema } from '../../configs/schema';
import type { ArtifactRef } from '../../lib/store/artifact-ref';
import type { StageRequest } from '../../workflows/contracts';

// Written once by PyTorch (test/fixtures/make-torch-vgg.py): the same narrow VGG19, stored plainly and deflated.
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'torch-vgg');

let dir: string;
let stimuli: Record<string, ArtifactRef>;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-weights-key-'));
  const config = StimuliSchema.parse({ source: 'procedural', seed: 1, imageSize: 32, trainImages: 4, testImages: 3, shapes: false, letters: false });
  stimuli = (await stimuliActivity(request(config, {}))).outputs;
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function request<C>(config: C, inputs: Record<string, ArtifactRef>): StageRequest<C> {
  return { store: { type: 'local', path: path.join(dir, 'store') }, backend: 'cpu', config, inputs, force: false };
}

describe('a PyTorch weights file is part of the features stage’s cache key', () => {
  it('replacing the file at the same path recomputes the features; the same bytes are served from the cache', async () => {
    const file = path.join(dir, 'vgg19.pth');
    await fs.copyFile(path.join(FIXTURES, 'vgg19-narrow.pth'), file);
    const config = FeaturesSchema.parse({ network: 'torch-vgg19', modelPath: file, layers: ['conv1_1', 'fc8'] });
    const first = await featuresActivity(request(config, stimuli));
    expect((await featuresActivity(request(config, stimuli))).reason).toBe('cached');
    // Same tensors, other bytes (deflated members): a different file as far as the cache can know.
    await fs.copyFile(path.join(FIXTURES, 'vgg19-narrow-deflated.pth'), file);
    const replaced = await featuresActivity(request(config, stimuli));
    expect(replaced.key).not.toBe(first.key);
    expect(replaced.reason).not.toBe('cached');
  });
});
