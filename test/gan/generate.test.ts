import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/compute/backend';
import { createCganModel, disposeCgan, type CganModel } from '../../lib/gan/cgan-model';
import { generateFromVoxels } from '../../lib/gan/generate';
import { imageView } from '../../lib/images/image-batch';
import { selectRows } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { classVoxels, roundRobin } from './tiny-conditional-data';

let model: CganModel;

beforeAll(async () => {
  await initBackend('wasm');
  model = createCganModel({ conditionDim: 32, embeddingDim: 8, noiseDim: 8, outputSize: 16, generatorChannels: 4, discriminatorChannels: 4 }, 3);
});
afterAll(() => disposeCgan(model));

describe('generateFromVoxels', () => {
  const voxels = classVoxels(roundRobin(70), 0.3, new Random(1));

  it('returns [0, 1] images, deterministic per seed, with each row independent of the others (chunks of 64)', () => {
    const before = tf.memory().numTensors;
    const all = generateFromVoxels(model, voxels, { seed: 5 });
    expect([all.count, all.height, all.width]).toEqual([70, 16, 16]);
    expect(all.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(generateFromVoxels(model, voxels, { seed: 5 }).data).toEqual(all.data);
    expect(generateFromVoxels(model, voxels, { seed: 6 }).data).not.toEqual(all.data);
    // The first 66 rows alone (a different second chunk) give what they gave in the full batch:
    // moving batch-norm statistics, so no dependence on batch-mates.
    const some = generateFromVoxels(model, selectRows(voxels, Array.from({ length: 66 }, (_, i) => i)), { seed: 5 });
    for (const i of [0, 63, 64, 65]) expect(Array.from(imageView(some, i))).toEqual(Array.from(imageView(all, i)));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('averages z draws and resizes on request', () => {
    const one = generateFromVoxels(model, voxels, { seed: 5, samples: 1 });
    const four = generateFromVoxels(model, voxels, { seed: 5, samples: 4 });
    expect(four.data).not.toEqual(one.data);
    const big = generateFromVoxels(model, voxels, { seed: 5, samples: 4, outputSize: 32 });
    expect([big.count, big.height, big.width]).toEqual([70, 32, 32]);
    expect(() => generateFromVoxels(model, selectRows(voxels, [0]), { seed: 1, samples: 0 })).toThrow(/samples/);
  });
});
