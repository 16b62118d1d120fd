import { createMatrix, type Matrix } from '../linalg/matrix';
import { principalAxes } from '../linalg/principal-axes';

/**
 * The cGAN's fixed input transform, fitted once on the training inputs and stored in the model:
 * standardise each voxel with the training mean and SD, then project on the top principal axes
 * (the voxel pattern's counterpart of StackGAN's sentence encoder, a low-dimensional embedding
 * before conditioning augmentation). Generation applies exactly the same transform, so averaged
 * test patterns land on the scale the networks were trained on.
 */
export interface ConditionEncoder {
  /** Input length: the number of voxels. */
  readonly voxels: number;
  /** Output length: the embedding (number of principal axes kept). */
  readonly dim: number;
  /** Per-voxel training mean. */
  readonly mean: Float32Array;
  /** Per-voxel training SD (population, divides by the row count); 1 where a voxel is constant. */
  readonly sd: Float32Array;
  /**
   * voxels × dim, row-major: the principal axes as columns, divided by one common factor so the
   * training embedding has mean variance 1 per dimension (relative variances kept, not whitened:
   * weak, noisy components stay small).
   */
  readonly projection: Float32Array;
}

/** Fits the encoder on training inputs (rows = samples); dim is capped at rows − 1 and voxels. */
export function fitConditionEncoder(x: Matrix, dim: number): ConditionEncoder {
  const { rows: n, cols: v } = x;
  if (n < 2) throw new Error(`fitConditionEncoder: needs at least 2 rows, got ${n}`);
  const k = Math.min(dim, n - 1, v);
  const { mean, sd } = voxelStatistics(x);
  const standardised = standardise({ voxels: v, mean, sd }, x);
  const pca = principalAxes(standardised, k);
  let total = 0;
  for (const s of pca.variances) total += s;
  const scale = total > 0 ? Math.sqrt(total / k) : 1;
  const projection = new Float32Array(v * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < v; j++) projection[j * k + c] = pca.axes[c * v + j]! / scale;
  return { voxels: v, dim: k, mean, sd, projection };
}

/** Per-voxel training mean and population SD (1 where a voxel is constant). */
export function voxelStatistics(x: Matrix): Pick<ConditionEncoder, 'mean' | 'sd'> {
  const { rows: n, cols: v } = x;
  if (n < 2) throw new Error(`condition encoder: needs at least 2 rows, got ${n}`);
  const mean = new Float64Array(v);
  const sq = new Float64Array(v);
  for (let i = 0; i < n; i++) for (let j = 0; j < v; j++) mean[j]! += x.data[i * v + j]!;
  for (let j = 0; j < v; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < v; j++) {
      const c = x.data[i * v + j]! - mean[j]!;
      sq[j]! += c * c;
    }
  }
  return { mean: Float32Array.from(mean), sd: Float32Array.from(sq, (s) => (s > 0 ? Math.sqrt(s / n) : 1)) };
}

/** (x − mean) / sd per voxel. */
export function standardise(e: Pick<ConditionEncoder, 'voxels' | 'mean' | 'sd'>, x: Matrix): Matrix {
  if (x.cols !== e.voxels) throw new Error(`condition encoder: fitted on ${e.voxels} voxels, got ${x.cols}`);
  const out = createMatrix(x.rows, x.cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) out.data[i * x.cols + j] = (x.data[i * x.cols + j]! - e.mean[j]!) / e.sd[j]!;
  return out;
}

/** The embedding of each row: standardise, then project (accumulated in float64). */
export function encodeConditions(e: ConditionEncoder, x: Matrix): Matrix {
  const z = standardise(e, x);
  const out = createMatrix(x.rows, e.dim);
  const acc = new Float64Array(e.dim);
  for (let i = 0; i < x.rows; i++) {
    acc.fill(0);
    for (let j = 0; j < e.voxels; j++) {
      const value = z.data[i * e.voxels + j]!;
      if (value === 0) continue;
      const base = j * e.dim;
      for (let c = 0; c < e.dim; c++) acc[c]! += value * e.projection[base + c]!;
    }
    out.data.set(acc, i * e.dim);
  }
  return out;
}
