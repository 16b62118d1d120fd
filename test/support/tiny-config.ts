import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';

/** A tiny experiment (seconds, not minutes) for integration tests; `overrides` merge at top level. */
export async function writeTinyConfig(dir: string, name: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const config = {
    name,
    store: { type: 'local', path: path.join(dir, 'artifacts') },
    stimuli: { seed: 2, imageSize: 32, trainImages: 48, testImages: 6, shapes: false, letters: false },
    subjects: [{ name: 'sim01', source: { type: 'simulated', seed: 5, voxels: 120, trainRepeats: 1, testRepeats: 2, imageryRepeats: 0 } }],
    decode: { alpha: 10 },
    // All three kinds of method (pixels, generator latent, end-to-end GAN), not only the default's.
    reconstruct: { methods: ['icnn-gd', 'icnn-dgn', 'cgan'], iterations: 8, generator: { epochs: 1 }, cgan: { epochs: 1, batchSize: 16 } },
    ...overrides,
  };
  const file = path.join(dir, `${name}.yaml`);
  await fs.writeFile(file, stringify(config));
  return file;
}
