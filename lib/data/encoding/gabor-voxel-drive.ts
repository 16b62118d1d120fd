import * as tf from '@tensorflow/tfjs';
import { GABOR_LEVELS, gaborEnergyPyramid, ORIENTATIONS } from './gabor-energy';
import { gaussianFields, poolChannels } from './receptive-fields';
import type { VoxelPopulation } from './voxel-population';

/**
 * Typical SDs over natural-like (dead-leaves) images of a voxel's compressed energy and of its
 * RF-pooled luminance, red–green and blue–yellow, measured once at 32 px; dividing by them makes
 * the per-area weights in VISUAL_AREAS relative shares of the response. Fixed constants rather
 * than statistics of the stimulus set, so a voxel's drive by one image does not depend on others.
 */
const ENERGY_SD = 0.17;
const OPPONENT_SD = [0.15, 0.14, 0.075] as const;

/** Values of `data` at the listed voxels. */
function pick(data: Float32Array, voxels: readonly number[], stride = 1): Float32Array {
  const out = new Float32Array(voxels.length * stride);
  voxels.forEach((v, i) => out.set(data.subarray(v * stride, (v + 1) * stride), i * stride));
  return out;
}

/** stride-major weights (voxels × k) transposed to [1, k, voxels] for broadcasting against [N, k, voxels]. */
function weightsTensor(weights: Float32Array, voxels: number, k: number): tf.Tensor3D {
  return tf.tensor2d(weights, [voxels, k]).transpose().reshape([1, k, voxels]);
}

/**
 * Early-area voxels (compressive spatial summation of Gabor energy, Kay et al. 2013, plus a
 * signed luminance and colour-opponent term): for voxel v and image s,
 *   drive = sqrt(Σ_{l,o} w_lo · RF_v * E_lo(s)) / ENERGY_SD + Σ_c b_c · (RF_v * C_c(s)) / OPPONENT_SD_c
 * where E_lo is the Gabor energy at level l and orientation o, C_c the opponent channels.
 * Returns [N, voxels.length].
 */
export function gaborVoxelDrive(opponent: tf.Tensor4D, population: VoxelPopulation, voxels: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => {
    const [, height, width] = opponent.shape;
    const cx = pick(population.cx, voxels);
    const cy = pick(population.cy, voxels);
    const sd = pick(population.rfSd, voxels);
    const perLevel = ORIENTATIONS.length;
    const weights = pick(population.energyWeights, voxels, GABOR_LEVELS * perLevel);
    const luminance = opponent.slice([0, 0, 0, 0], [-1, -1, -1, 1]);
    let energy: tf.Tensor2D | undefined;
    gaborEnergyPyramid(luminance).forEach((level, l) => {
      const [, h, w] = level.shape;
      const fields = tf.tensor2d(gaussianFields({ height: h, width: w, cell: 2 ** l }, cx, cy, sd), [h * w, voxels.length]);
      const levelWeights = tf.tensor3d(weights, [voxels.length, GABOR_LEVELS, perLevel]).slice([0, l, 0], [-1, 1, -1]).reshape([voxels.length, perLevel]) as tf.Tensor2D;
      const pooled = poolChannels(level, fields).mul(levelWeights.transpose().reshape([1, perLevel, voxels.length])).sum(1) as tf.Tensor2D;
      energy = energy ? (energy.add(pooled) as tf.Tensor2D) : pooled;
    });
    const fields = tf.tensor2d(gaussianFields({ height, width, cell: 1 }, cx, cy, sd), [height * width, voxels.length]);
    const opponentWeights = weightsTensor(pick(population.opponentWeights, voxels, 3), voxels.length, 3).div(tf.tensor3d([...OPPONENT_SD], [1, 3, 1]));
    const linear = poolChannels(opponent, fields).mul(opponentWeights).sum(1);
    return energy!.sqrt().div(ENERGY_SD).add(linear) as tf.Tensor2D;
  });
}
