import * as tf from '@tensorflow/tfjs';
import { assignFolds } from '../decoding/ridge-cv';
import { choleskyInPlace, choleskySolveColumnsInPlace } from '../linalg/cholesky';
import { nativeSpdSolve } from '../linalg/native-spd-solve';
import { nativeOpsAvailable } from '../linalg/native-tensorflow';
import { columnMeans, createMatrix, type Matrix } from '../linalg/matrix';
import { principalAxes } from '../linalg/principal-axes';
import { tensorValues } from '../linalg/tensor-values';
import { standardise, voxelStatistics, type ConditionEncoder } from './condition-encoder';

/**
 * The cGAN's condition encoder learned from the training pairs: the voxel pattern's counterpart
 * of StackGAN's sentence encoder, which (Reed et al. 2016) is itself trained to embed a sentence
 * where its image's features lie. Standardised voxels are mapped by ridge regression onto the
 * training images' top principal components (pixel space, centred), so the embedding's axes
 * are image content and its noise is what the voxels cannot predict. The ridge penalty is chosen
 * by grouped k-fold error over a fixed grid.
 *
 * Training conditions are the out-of-fold predictions, not the in-sample fits: test patterns are
 * always out-of-sample, and a generator trained on in-sample fits (cleaner by the overfit)
 * would meet noisier inputs at generation than it learned from.
 */
export interface ImageAlignedFit {
  /** Applied unchanged at generation (standardise, then the ridge map onto image components). */
  readonly encoder: ConditionEncoder;
  /** One row per training pair: its out-of-fold embedding, on the encoder's scale. */
  readonly trainingConditions: Matrix;
  /** The chosen ridge penalty, as a multiple of the voxel count (the Gram's mean diagonal). */
  readonly alphaPerVoxel: number;
  /** Out-of-fold R² of the image components at that penalty (pooled over components). */
  readonly heldOutR2: number;
}

export interface ImageAlignedOptions {
  /** Grouped folds for the penalty and the out-of-fold conditions (default 5; at most one per distinct image). */
  readonly folds?: number;
  /** Penalties tried, as multiples of the voxel count (default 0.1–10, about ×3 apart). */
  readonly alphasPerVoxel?: readonly number[];
}

export const IMAGE_ALIGNED_DEFAULTS = { folds: 5, alphasPerVoxel: [0.1, 0.3, 1, 3, 10] } as const;

/**
 * Fits the encoder on training pairs: `voxels` (rows = pairs), `pixels` (the same rows' images,
 * flattened), `groups` (equal ids for rows that show the same image; they stay in one fold).
 * `dim` is capped at rows − 1 and the pixel count.
 */
export function fitImageAlignedEncoder(voxels: Matrix, pixels: Matrix, groups: Int32Array, dim: number, options: ImageAlignedOptions = {}): ImageAlignedFit {
  const { rows: n, cols: v } = voxels;
  const folds = options.folds ?? IMAGE_ALIGNED_DEFAULTS.folds;
  const alphas = options.alphasPerVoxel ?? IMAGE_ALIGNED_DEFAULTS.alphasPerVoxel;
  if (pixels.rows !== n) throw new Error(`fitImageAlignedEncoder: ${n} voxel rows but ${pixels.rows} images`);
  if (groups.length !== n) throw new Error(`fitImageAlignedEncoder: ${groups.length} group labels for ${n} rows`);
  if (alphas.length === 0 || alphas.some((a) => !(a > 0) || !Number.isFinite(a))) throw new Error(`fitImageAlignedEncoder: penalties must be positive, got [${alphas.join(', ')}]`);
  const distinct = new Set(groups).size;
  if (distinct < 2) throw new Error('fitImageAlignedEncoder: needs two or more distinct images');
  // Fewer distinct images than folds (tiny data sets): one image per fold.
  const foldCount = Math.min(folds, distinct);
  const fold = assignFolds(n, foldCount, groups);
  const k = Math.min(dim, n - 1, pixels.cols);
  const { mean, sd } = voxelStatistics(voxels);
  const z = standardise({ voxels: v, mean, sd }, voxels);
  const targets = imageComponents(pixels, k);
  const gram = gramOfRows(z);

  const sse = new Float64Array(alphas.length);
  const heldOut = alphas.map(() => new Float64Array(n * k));
  for (let f = 0; f < foldCount; f++) {
    const train: number[] = [];
    const held: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? held : train).push(i);
    ridgeDuals(gram, n, train, targets, k, alphas.map((a) => a * v)).forEach((dual, a) => predictRows(gram, n, k, train, held, dual, heldOut[a]!));
  }
  heldOut.forEach((pred, a) => {
    for (let i = 0; i < pred.length; i++) sse[a]! += (pred[i]! - targets[i]!) ** 2;
  });
  const bestIndex = sse.indexOf(Math.min(...sse));
  const best = { alpha: alphas[bestIndex]!, sse: sse[bestIndex]!, heldOut: heldOut[bestIndex]! };
  let total = 0;
  for (const t of targets) total += t * t;

  // The map itself, dual form: W = Zᵀ (Z Zᵀ + αI)⁻¹ T, voxels × k.
  const [dual] = ridgeDuals(gram, n, Array.from({ length: n }, (_, i) => i), targets, k, [best.alpha * v]);
  const w = tensorValues(tf.tidy(() => tf.matMul(tf.tensor2d(z.data, [n, v]), tf.tensor2d(Float32Array.from(dual!), [n, k]), true, false)));

  // One common factor puts the training conditions at mean variance 1 per dimension, as the
  // voxel-PCA encoder's are; relative variances are kept (weakly predicted components stay small).
  let variance = 0;
  for (const value of best.heldOut) variance += value * value;
  const scale = variance > 0 ? Math.sqrt(variance / (n * k)) : 1;
  const projection = Float32Array.from(w, (x) => x / scale);
  const trainingConditions = createMatrix(n, k, Float32Array.from(best.heldOut, (x) => x / scale));
  return { encoder: { voxels: v, dim: k, mean, sd, projection }, trainingConditions, alphaPerVoxel: best.alpha, heldOutR2: 1 - best.sse / total };
}

/** Centred pixels projected on their top k principal axes: n × k, float64. */
function imageComponents(pixels: Matrix, k: number): Float64Array {
  const { rows: n, cols: d } = pixels;
  const centred = createMatrix(n, d);
  const means = columnMeans(pixels);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred.data[i * d + j] = pixels.data[i * d + j]! - means[j]!;
  const pca = principalAxes(centred, k);
  return tensorValues(tf.tidy(() => tf.matMul(tf.tensor2d(centred.data, [n, d]), tf.tensor2d(Float32Array.from(pca.axes), [k, d]), false, true)));
}

function gramOfRows(x: Matrix): Float64Array {
  return tensorValues(
    tf.tidy(() => {
      const t = tf.tensor2d(x.data, [x.rows, x.cols]);
      return tf.matMul(t, t, false, true);
    }),
  );
}

/**
 * (G[rows, rows] + αI)⁻¹ T[rows] for each α, |rows| × k each: one batched float64 Cholesky solve
 * on TensorFlow's native kernels when that backend is active (a 960² system per α took ~1 s in
 * JavaScript, which made the penalty search cost more than the cGAN's training), else in JavaScript.
 */
function ridgeDuals(gram: Float64Array, n: number, rows: readonly number[], targets: Float64Array, k: number, alphas: readonly number[]): Float64Array[] {
  const s = rows.length;
  const systems = new Float64Array(alphas.length * s * s);
  const rhs = new Float64Array(alphas.length * s * k);
  alphas.forEach((alpha, a) => {
    const base = a * s * s;
    for (let i = 0; i < s; i++) {
      const gi = rows[i]! * n;
      for (let j = 0; j <= i; j++) systems[base + i * s + j] = gram[gi + rows[j]!]!;
      systems[base + i * s + i]! += alpha;
    }
    rows.forEach((r, i) => rhs.set(targets.subarray(r * k, (r + 1) * k), (a * s + i) * k));
  });
  const solved = nativeOpsAvailable() ? nativeSpdSolve(systems, rhs, alphas.length, s, k) : undefined;
  return alphas.map((alpha, a) => {
    if (solved) return solved.subarray(a * s * k, (a + 1) * s * k);
    const l = systems.subarray(a * s * s, (a + 1) * s * s);
    const b = rhs.subarray(a * s * k, (a + 1) * s * k);
    if (!choleskyInPlace(l, s)) throw new Error(`fitImageAlignedEncoder: the regularised Gram matrix is not positive definite (alpha ${alpha})`);
    choleskySolveColumnsInPlace(l, s, b, k);
    return b;
  });
}

/** out[h] = G[h, train] · dual for each held-out row h. */
function predictRows(gram: Float64Array, n: number, k: number, train: readonly number[], held: readonly number[], dual: Float64Array, out: Float64Array): void {
  for (const h of held) {
    const row = out.subarray(h * k, (h + 1) * k);
    train.forEach((t, i) => {
      const g = gram[h * n + t]!;
      for (let c = 0; c < k; c++) row[c]! += g * dual[i * k + c]!;
    });
  }
}
