import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { createCganModel, disposeCgan, type CganModel } from '../../lib/gan/cgan-model';
import { fitConditionEncoder } from '../../lib/gan/condition-encoder';
import { generateFromConditions, generateFromVoxels } from '../../lib/gan/generate';
import { createMatrix } from '../../lib/linalg/matrix';
import { imageView } from '../../lib/images/image-batch';
import { selectRows } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { identityEncoder } from './identity-encoder';
import { classVoxels, roundRobin } from './tiny-conditional-data';

let model: CganModel;

beforeAll(async () => {
  await suiteBackend();
  model = createCganModel({ conditionDim: 32, embeddingDim: 8, noiseDim: 8, outputSize: 16, generatorChannels: 4, discriminatorChannels: 4 }, identityEncoder(32), 3);
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

describe('generateFromVoxels with a fitted encoder', () => {
  it('applies exactly the training transform: (x − training mean) / training SD, then the stored projection', () => {
    const rng = new Random(4);
    // Training inputs on one scale (offset 3, spread 2), test inputs on another (averaged: smaller spread).
    const train = classVoxels(roundRobin(40), 0.5, rng);
    for (let i = 0; i < train.data.length; i++) train.data[i] = 3 + 2 * train.data[i]!;
    const test = classVoxels(roundRobin(5), 0.1, rng);
    const encoder = fitConditionEncoder(train, 6);
    const fitted = createCganModel({ conditionDim: 6, embeddingDim: 8, noiseDim: 8, outputSize: 16, generatorChannels: 4, discriminatorChannels: 4 }, encoder, 3);
    try {
      // An untrained model barely depends on its condition; large conditioning weights make it.
      tf.tidy(() => fitted.conditioning.weight.assign(tf.mul(fitted.conditioning.weight, 30)));
      // Closed form, computed here independently: per-voxel mean and population SD of the training rows.
      const { rows, cols } = train;
      const manual = createMatrix(test.rows, 6);
      for (let j = 0; j < cols; j++) {
        let m = 0;
        for (let i = 0; i < rows; i++) m += train.data[i * cols + j]!;
        m /= rows;
        let v = 0;
        for (let i = 0; i < rows; i++) v += (train.data[i * cols + j]! - m) ** 2;
        const sd = Math.sqrt(v / rows);
        for (let i = 0; i < test.rows; i++) {
          const z = (test.data[i * cols + j]! - m) / sd;
          for (let c = 0; c < 6; c++) manual.data[i * 6 + c]! += z * encoder.projection[j * 6 + c]!;
        }
      }
      const viaVoxels = generateFromVoxels(fitted, test, { seed: 2, samples: 2 });
      const viaManual = generateFromConditions(fitted, manual, { seed: 2, samples: 2 });
      for (let k = 0; k < viaVoxels.data.length; k++) expect(viaVoxels.data[k]).toBeCloseTo(viaManual.data[k]!, 4);
      // The check has teeth: projecting the raw, unstandardised test voxels gives visibly different images.
      const raw = createMatrix(test.rows, 6);
      for (let i = 0; i < test.rows; i++) for (let j = 0; j < cols; j++) for (let c = 0; c < 6; c++) raw.data[i * 6 + c]! += test.data[i * cols + j]! * encoder.projection[j * 6 + c]!;
      const viaRaw = generateFromConditions(fitted, raw, { seed: 2, samples: 2 });
      // (20× the 5e-5 tolerance above.)
      expect(Math.max(...viaRaw.data.map((v, k) => Math.abs(v - viaVoxels.data[k]!)))).toBeGreaterThan(1e-3);
      expect(() => generateFromConditions(fitted, test, { seed: 2 })).toThrow(/condition dimensions/);
    } finally {
      disposeCgan(fitted);
    }
  });
});
