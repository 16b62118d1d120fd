import * as tf from '@tensorflow/tfjs';
import { GABOR_LEVELS, gaborEnergyPyramid, ORIENTATIONS } from './gabor-energy';
import { gaussianFields, poolChannels } from './receptive-fields';
import { rectifiedColourTerm } from './rectified-colour-term';
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
 * How a voxel's luminance and colour preference enters its drive. `rectified` (default): the
 * voxel pools half-wave rectified, colour-tuned subunits of both polarities (see
 * `rectified-colour-term.ts`), as populations of colour- and polarity-selective cells do, so at
 * most a small part of any voxel's response is linear in the pixels.
 * `linear`: the signed term RF_v * Σ_c b_c C_c / SD_c, which makes pixel identification close to
 * linear pixel decoding (kept only for comparison).
 */
export type PixelTerms = 'rectified' | 'linear';

/**
 * A rectified subunit has a smaller SD than the signed one it replaces, and pooling shrinks it
 * further; this gain keeps the term's share of the drive of the order of the linear one's, so
 * switching `PixelTerms` changes the kind of response more than its strength.
 */
const RECTIFIED_GAIN = 2;

/**
 * Early-area voxels (compressive spatial summation of Gabor energy, Kay et al. 2013, plus a
 * luminance and colour-opponent term, see `PixelTerms`): for voxel v and image s,
 *   drive = sqrt(Σ_{l,o} w_lo · RF_v * E_lo(s)) / ENERGY_SD + RF_v * ([p]₊ + w_v·[−p]₊), p = Σ_c b_c · C_c(s) / OPPONENT_SD_c
 * where E_lo is the Gabor energy at level l and orientation o, C_c the opponent channels.
 * Returns [N, voxels.length].
 */
export function gaborVoxelDrive(opponent: tf.Tensor4D, population: VoxelPopulation, voxels: readonly number[], pixelTerms: PixelTerms = 'rectified'): tf.Tensor2D {
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
    const fieldValues = gaussianFields({ height, width, cell: 1 }, cx, cy, sd);
    // voxels × 3 tuning weights, each channel in units of its typical SD.
    const tuning = pick(population.opponentWeights, voxels, 3).map((w, i) => w / OPPONENT_SD[i % 3]!);
    const pixelTerm =
      pixelTerms === 'linear'
        ? poolChannels(opponent, tf.tensor2d(fieldValues, [height * width, voxels.length])).mul(weightsTensor(tuning, voxels.length, 3)).sum(1)
        : tf.tensor2d(rectifiedColourTerm(opponent.dataSync() as Float32Array, opponent.shape[0], height * width, fieldValues, tuning, pick(population.oppositePolarity, voxels)), [opponent.shape[0], voxels.length]).mul(RECTIFIED_GAIN);
    return energy!.sqrt().div(ENERGY_SD).add(pixelTerm) as tf.Tensor2D;
  });
}
