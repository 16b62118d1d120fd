import * as tf from '@tensorflow/tfjs';
import { gaussianFields, poolChannels } from './receptive-fields';
import { SHAPE_NETWORK_CELL, SHAPE_NETWORK_CHANNELS, shapeNetworkFeatures } from './shape-network';
import { PREFERENCES, type VoxelPopulation } from './voxel-population';

/** Tuning nonlinearity: softplus(SLOPE · (similarity − THRESHOLD)) of the standardised similarity. */
const SLOPE = 2;
const THRESHOLD = 0.5;

/**
 * Higher-area voxels: the shape network's channels (standardised over the stimulus set) pooled
 * by the voxel's large receptive field, projected on each of its preferred directions u_k, then
 *   drive = Σ_k softplus(2 · (z_k − 0.5)),  z_k = standardised (u_k · pooled features)
 * — a rectified, category-like tuning: the voxel responds when an image is near one of its
 * preferred feature combinations. Returns an images × voxels.length Float32Array.
 */
export function shapeVoxelDrive(opponent: tf.Tensor4D, population: VoxelPopulation, voxels: readonly number[]): Float32Array {
  const n = opponent.shape[0];
  const V = voxels.length;
  const C = SHAPE_NETWORK_CHANNELS;
  const similarity = tf.tidy(() => {
    const features = shapeNetworkFeatures(opponent, population.networkSeed);
    const { mean, variance } = tf.moments(features, [0, 1, 2]);
    const standardised = features.sub(mean).div(variance.sqrt().add(1e-6)) as tf.Tensor4D;
    const [, h, w] = standardised.shape;
    const cx = Float32Array.from(voxels, (v) => population.cx[v]!);
    const cy = Float32Array.from(voxels, (v) => population.cy[v]!);
    const sd = Float32Array.from(voxels, (v) => population.rfSd[v]!);
    const fields = tf.tensor2d(gaussianFields({ height: h, width: w, cell: SHAPE_NETWORK_CELL }, cx, cy, sd), [h * w, V]);
    const pooled = poolChannels(standardised, fields);
    const directions = new Float32Array(PREFERENCES * C * V);
    voxels.forEach((v, i) => {
      for (let k = 0; k < PREFERENCES; k++) for (let c = 0; c < C; c++) directions[(k * C + c) * V + i] = population.preferred[(v * PREFERENCES + k) * C + c]!;
    });
    const u = tf.tensor3d(directions, [PREFERENCES, C, V]);
    return tf.stack(Array.from({ length: PREFERENCES }, (_, k) => pooled.mul(u.slice([k, 0, 0], [1, -1, -1])).sum(1)));
  });
  // [PREFERENCES, N, V], read outside tidy.
  const s = similarity.dataSync() as Float32Array;
  similarity.dispose();
  const drive = new Float32Array(n * V);
  for (let k = 0; k < PREFERENCES; k++) {
    for (let i = 0; i < V; i++) {
      let sum = 0;
      let sq = 0;
      for (let m = 0; m < n; m++) sum += s[(k * n + m) * V + i]!;
      const mean = sum / n;
      for (let m = 0; m < n; m++) sq += (s[(k * n + m) * V + i]! - mean) ** 2;
      const inv = 1 / (Math.sqrt(sq / n) || 1);
      for (let m = 0; m < n; m++) {
        const x = SLOPE * ((s[(k * n + m) * V + i]! - mean) * inv - THRESHOLD);
        drive[m * V + i]! += x > 20 ? x : Math.log1p(Math.exp(x));
      }
    }
  }
  return drive;
}
