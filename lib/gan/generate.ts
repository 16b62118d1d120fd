import * as tf from '@tensorflow/tfjs';
import { CHANNELS, createImageBatch, type ImageBatch } from '../images/image-batch';
import type { Matrix } from '../linalg/matrix';
import { Random } from '../random';
import type { CganModel } from './cgan-model';
import { encodeConditions } from './condition-encoder';

export interface GenerateOptions {
  readonly seed: number;
  /** z draws averaged per trial (default 1). */
  readonly samples?: number;
  /** Side of the returned images; the model's own size when absent, else bilinear resizing. */
  readonly outputSize?: number;
}

/** Rows per forward pass: bounds memory; the result does not depend on it (moving BN statistics). */
const CHUNK = 64;

/**
 * Images in [0, 1] generated from voxel patterns, one per row. Each pattern first goes through the
 * model's encoder: standardised with the training inputs' per-voxel mean and SD and projected on
 * their principal axes, exactly as in training — so test patterns averaged over repeats (a smaller
 * spread than the training inputs' when those were single trials) meet the same transform.
 */
export function generateFromVoxels(model: CganModel, voxels: Matrix, o: GenerateOptions): ImageBatch {
  if (voxels.cols !== model.encoder.voxels) throw new Error(`generateFromVoxels: the model takes ${model.encoder.voxels} voxels, got ${voxels.cols}`);
  return generateFromConditions(model, encodeConditions(model.encoder, voxels), o);
}

/**
 * Images in [0, 1] from encoded conditions (the encoder's output), one per row.
 * c = μ (no augmentation noise at test time, as StackGAN) and z ~ N(0, I) from `seed`, averaged
 * over `samples` draws. z = 0 is not used: in 100 dimensions z's norm concentrates near 10, so the
 * origin is a point the generator never saw in training; averaging draws gives the condition's
 * mean image instead. Row i's z does not depend on how many rows are generated.
 */
export function generateFromConditions(model: CganModel, voxels: Matrix, o: GenerateOptions): ImageBatch {
  const { conditionDim, noiseDim, outputSize: modelSize } = model.config;
  if (voxels.cols !== conditionDim) throw new Error(`generateFromConditions: the model takes ${conditionDim} condition dimensions, got ${voxels.cols}`);
  const samples = o.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`generateFromVoxels: samples must be a positive integer, got ${samples}`);
  const size = o.outputSize ?? modelSize;
  const noise = seededNoise(voxels.rows, samples, noiseDim, o.seed);
  const pixels = size * size * CHANNELS;
  const out = createImageBatch(voxels.rows, size, size);
  for (let start = 0; start < voxels.rows; start += CHUNK) {
    const rows = Math.min(CHUNK, voxels.rows - start);
    const images = tf.tidy(() => {
      const mu = model.conditioning.distribution(tf.tensor2d(voxels.data.subarray(start * conditionDim, (start + rows) * conditionDim), [rows, conditionDim])).mu;
      // [samples × rows] draws: sample s of row r is at s * rows + r.
      const z = tf.tensor3d(noise.subarray(start * samples * noiseDim, (start + rows) * samples * noiseDim), [rows, samples, noiseDim]);
      const zFlat = tf.reshape(tf.transpose(z, [1, 0, 2]), [samples * rows, noiseDim]) as tf.Tensor2D;
      const c = tf.tile(mu, [samples, 1]) as tf.Tensor2D;
      const generated = model.generator.forward(zFlat, c, 'moving');
      let mean = tf.mean(tf.reshape(generated, [samples, rows, modelSize, modelSize, CHANNELS]), 0) as tf.Tensor4D;
      if (size !== modelSize) mean = tf.image.resizeBilinear(mean, [size, size]);
      return tf.clipByValue(tf.div(tf.add(mean, 1), 2), 0, 1);
    });
    out.data.set(images.dataSync(), start * pixels);
    images.dispose();
  }
  return out;
}

/** [rows, samples, noiseDim] standard normal values, row-major, from the project PRNG. */
function seededNoise(rows: number, samples: number, noiseDim: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const values = new Float32Array(rows * samples * noiseDim);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return values;
}
