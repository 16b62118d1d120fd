import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { decodeCgan, encodeCgan } from '../../lib/gan/cgan-model-bytes';
import { cganVariables, disposeCgan, type CganModel } from '../../lib/gan/cgan-model';
import { generateFromVoxels } from '../../lib/gan/generate';
import { trainCgan } from '../../lib/gan/train-cgan';
import { Random } from '../../lib/random';
import { classImages, classVoxels, roundRobin } from './tiny-conditional-data';

let trained: CganModel;
const rng = new Random(8);

beforeAll(async () => {
  await suiteBackend();
  // Briefly trained, so weights and moving batch-norm statistics are not their initial values.
  const classes = roundRobin(16);
  trained = (
    await trainCgan(classVoxels(classes, 0.3, rng), classImages(classes, 16), {
      seed: 2,
      outputSize: 16,
      epochs: 2,
      batchSize: 8,
      architecture: { embeddingDim: 8, noiseDim: 8, generatorChannels: 4, discriminatorChannels: 4 },
    })
  ).model;
});

describe('encodeCgan / decodeCgan', () => {
  it('round-trips to a model that generates identical images', () => {
    const before = tf.memory().numTensors;
    const movingMean = cganVariables(trained).find(([name]) => name === 'generator.fcNorm.movingMean')![1];
    expect(Array.from(movingMean.dataSync()).some((v) => v !== 0)).toBe(true);

    const bytes = encodeCgan(trained);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('CGAN');
    const decoded = decodeCgan(bytes);
    expect(decoded.config).toEqual(trained.config);
    // The encoder (training statistics and principal axes) travels with the weights.
    expect(decoded.encoder).toEqual(trained.encoder);
    expect(Array.from(trained.encoder.mean).some((v) => v !== 0)).toBe(true);
    const voxels = classVoxels(roundRobin(6), 0.3, rng);
    const a = generateFromVoxels(trained, voxels, { seed: 4, samples: 2 });
    const b = generateFromVoxels(decoded, voxels, { seed: 4, samples: 2 });
    expect(b.data).toEqual(a.data);
    expect(encodeCgan(decoded)).toEqual(bytes);
    disposeCgan(decoded);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects foreign, truncated and padded bytes without leaking', () => {
    const before = tf.memory().numTensors;
    const bytes = encodeCgan(trained);
    const foreign = bytes.slice();
    foreign[0] = 'X'.charCodeAt(0);
    expect(() => decodeCgan(foreign)).toThrow(/magic/);
    expect(() => decodeCgan(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes);
    expect(() => decodeCgan(padded)).toThrow(/trailing/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a version-1 artifact (raw voxel input) with a clear message', () => {
    const header = JSON.stringify({ format: 'deeprecon-cgan', version: 1, config: trained.config, tensors: [] }) + '  ';
    const json = new TextEncoder().encode(header.padEnd(Math.ceil(header.length / 4) * 4, ' '));
    const bytes = new Uint8Array(8 + json.length);
    bytes.set(new TextEncoder().encode('CGAN'), 0);
    new DataView(bytes.buffer).setUint32(4, json.length, true);
    bytes.set(json, 8);
    expect(() => decodeCgan(bytes)).toThrow(/version-1.*retrain/);
  });
});
