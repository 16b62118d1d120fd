import * as tf from '@tensorflow/tfjs';
import { choleskyInPlace, choleskySolveColumnsInPlace, choleskySolveInPlace } from '../linalg/cholesky';
import { createMatrix, type Matrix } from '../linalg/matrix';

export interface VoxelSelectionL2Options {
  /** L2 penalty (> 0) on every weight, the bias included (as FastL2LiR does). */
  alpha: number;
  /** Voxels per unit, chosen by largest |corr(voxel, unit)|; ≥ voxels means plain ridge on all voxels. */
  nFeatures: number;
  /** Units whose correlations are computed per matrix product (default 1024); bounds memory. */
  chunkUnits?: number;
  onProgress?: (fraction: number, message: string) => void;
}

/** A fitted FastL2LiR-style decoder: sparse (k weights per unit) with selection, dense without. */
export interface VoxelSelectionModel {
  readonly voxels: number;
  readonly units: number;
  /** Voxels used per unit: nFeatures, or all voxels when no selection applies. */
  readonly featuresPerUnit: number;
  predict(Xtest: Matrix): Matrix;
}

const DEFAULT_CHUNK_UNITS = 1024;
/** FastL2LiR zeroes the correlations of voxels whose (population) variance is below this. */
const CONSTANT_VOXEL_VARIANCE = 1e-8;

/**
 * Equivalent of FastL2LiR 0.11 `fit(X, Y, alpha, n_feat)`: per unit, the nFeatures voxels with the
 * largest |Pearson r| over training samples, X augmented with a column of ones, and
 * w = (X_Iᵀ X_I + αI)⁻¹ X_Iᵀ y over those voxels plus the bias (α penalises the bias too). No
 * centring or scaling of the model itself: the caller normalises X and Y.
 */
export async function fitVoxelSelectionL2(X: Matrix, Y: Matrix, o: VoxelSelectionL2Options): Promise<VoxelSelectionModel> {
  validate(X, Y, [], o);
  const p = X.cols;
  const q = Y.cols;
  if (o.nFeatures >= p) return fitAllVoxels(X, Y, o);
  const k = o.nFeatures;
  const selected = new Int32Array(q * k);
  const weights = new Float64Array(q * k);
  const bias = new Float64Array(q);
  await forEachUnitSolution(X, Y, o, (u, voxels, w) => {
    selected.set(voxels, u * k);
    weights.set(w.subarray(0, k), u * k);
    bias[u] = w[k]!;
  });
  return {
    voxels: p,
    units: q,
    featuresPerUnit: k,
    predict: (Xtest) => {
      checkTest(Xtest, p, 0);
      const out = createMatrix(Xtest.rows, q);
      for (let t = 0; t < Xtest.rows; t++) {
        for (let u = 0; u < q; u++) {
          out.data[t * q + u] = sparseDot(Xtest.data, t * p, selected, weights, u * k, k) + bias[u]!;
        }
      }
      return out;
    },
  };
}

/**
 * The same decoder, but predicting the test rows unit by unit as each unit is solved, so only one
 * unit's k weights exist at a time (FastL2LiR's dense W for one conv1_1 channel alone is ~2.35 GB).
 * Returns one prediction matrix per test matrix, in order.
 */
export async function decodeVoxelSelectionL2(Xtrain: Matrix, Ytrain: Matrix, Xtests: Matrix[], o: VoxelSelectionL2Options): Promise<Matrix[]> {
  validate(Xtrain, Ytrain, Xtests, o);
  const p = Xtrain.cols;
  const q = Ytrain.cols;
  if (o.nFeatures >= p) return decodeAllVoxels(Xtrain, Ytrain, Xtests, o);
  const k = o.nFeatures;
  const outputs = Xtests.map((t) => createMatrix(t.rows, q));
  await forEachUnitSolution(Xtrain, Ytrain, o, (u, voxels, w) => {
    Xtests.forEach((T, ti) => {
      const out = outputs[ti]!;
      for (let t = 0; t < T.rows; t++) out.data[t * q + u] = sparseDot(T.data, t * p, voxels, w, 0, k) + w[k]!;
    });
  });
  return outputs;
}

/** Σ_j x[rowBase + idx[at + j]] · w[at + j] for j < k, in float64. */
function sparseDot(x: Float32Array, rowBase: number, idx: Int32Array, w: Float64Array, at: number, k: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += x[rowBase + idx[at + j]!]! * w[at + j]!;
  return s;
}

function validate(X: Matrix, Y: Matrix, Xtests: Matrix[], o: VoxelSelectionL2Options): void {
  if (X.rows !== Y.rows) throw new Error(`voxel-selection L2: X has ${X.rows} rows but Y has ${Y.rows}`);
  if (X.rows < 2 || X.cols === 0) throw new Error(`voxel-selection L2: training data too small (${X.rows}x${X.cols})`);
  if (!(o.alpha > 0) || !Number.isFinite(o.alpha)) throw new Error(`voxel-selection L2: alpha must be positive and finite, got ${o.alpha}`);
  if (!Number.isInteger(o.nFeatures) || o.nFeatures < 1) throw new Error(`voxel-selection L2: nFeatures must be a positive integer, got ${o.nFeatures}`);
  const chunk = o.chunkUnits ?? DEFAULT_CHUNK_UNITS;
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`voxel-selection L2: chunkUnits must be a positive integer, got ${chunk}`);
  Xtests.forEach((t, i) => checkTest(t, X.cols, i));
}

function checkTest(t: Matrix, p: number, i: number): void {
  if (t.cols !== p) throw new Error(`voxel-selection L2: test matrix ${i} has ${t.cols} columns but training X has ${p}`);
}

// ---------------------------------------------------------------------------------------------
// With selection: one small float64 solve per unit.

type UnitVisitor = (unit: number, voxels: Int32Array, weights: Float64Array) => void;

/**
 * Solves every unit and hands (unit, its k voxel indices ascending, k+1 weights with the bias
 * last) to `visit`; the arrays are reused, so visitors copy what they keep.
 *
 * One float32 product per unit chunk, Zc = Ycᵀ Xc on training-mean-centred data, gives both the
 * correlations (Zc / ((n−1) sx sy)) and YᵀX (Zc + n·ȳ x̄ᵀ); XᵀX likewise comes from XcᵀXc + n x̄x̄ᵀ.
 * Centring before the float32 products and adding the means back in float64 keeps their error
 * at the scale of the data's spread rather than its offset.
 */
async function forEachUnitSolution(X: Matrix, Y: Matrix, o: VoxelSelectionL2Options, visit: UnitVisitor): Promise<void> {
  const n = X.rows;
  const p = X.cols;
  const q = Y.cols;
  const k = o.nFeatures;
  const chunk = o.chunkUnits ?? DEFAULT_CHUNK_UNITS;
  const progress = o.onProgress ?? (() => {});
  const xs = columnStats(X.data, n, p, 0, p);
  progress(0, `computing XᵀX (${n} trials, ${p} voxels)`);
  const xc = tf.tensor2d(centredRows(X.data, n, p, xs.mean), [n, p]);
  try {
    const gram = await download(tf.tidy(() => tf.matMul(tf.tensor2d(centredTransposed(X.data, n, p, 0, p, xs.mean), [p, n]), xc)));
    await new Promise(setImmediate);
    const band = selectionBand(n);
    const order = new Int32Array(p);
    const keys = new Float64Array(p);
    const system = new Float64Array((k + 1) * (k + 1));
    const rhs = new Float64Array(k + 1);
    const voxels = new Int32Array(k);
    const chunks = Math.ceil(q / chunk);
    for (let c = 0; c < chunks; c++) {
      const c0 = c * chunk;
      const c1 = Math.min(q, c0 + chunk);
      const width = c1 - c0;
      const ys = columnStats(Y.data, n, q, c0, c1);
      const ycT = tf.tensor2d(centredTransposed(Y.data, n, q, c0, c1, ys.mean), [width, n]);
      const zc = await download(tf.tidy(() => tf.matMul(ycT, xc)));
      ycT.dispose();
      for (let j = 0; j < width; j++) {
        const u = c0 + j;
        const my = ys.mean[j]!;
        const scale = 1 / ((n - 1) * ys.sd[j]!);
        const zBase = j * p;
        for (let v = 0; v < p; v++) {
          order[v] = v;
          // Zero-variance voxels get r = 0 like FastL2LiR; a constant unit gets r = 0 everywhere.
          const r = xs.constant[v] ? 0 : (zc[zBase + v]! * scale) / xs.sd[v]!;
          keys[v] = Number.isFinite(r) ? Math.abs(r) : 0;
        }
        selectLargest(keys, order, k);
        refineBoundary(keys, order, k, band, (v) => exactAbsCorrelation(X, Y, u, v, xs, my, ys.sd[j]!));
        voxels.set(order.subarray(0, k));
        voxels.sort();
        fillSystem(system, rhs, gram, p, voxels, xs.mean, n, o.alpha, zc, zBase, my);
        if (!choleskyInPlace(system, k + 1)) {
          throw new Error(`voxel-selection L2: system of unit ${u} is not positive definite; increase alpha`);
        }
        choleskySolveInPlace(system, k + 1, rhs);
        visit(u, voxels, rhs);
      }
      progress(c1 / q, `solved units ${c1}/${q}`);
      // Let activity heartbeats and other callbacks run between chunks.
      await new Promise(setImmediate);
    }
  } finally {
    xc.dispose();
  }
}

/**
 * Half-width of the |r| band around the k-th largest within which float32 correlations may rank
 * voxels differently from float64 ones (accumulation error grows ~√n; generous by design, since
 * re-checking a voxel in float64 costs only 2n flops).
 */
function selectionBand(n: number): number {
  return 4 * 2 ** -23 * n ** 0.75;
}

/** Writes the lower triangle of W0[I,I] (voxels I then the bias) and W1[u, I] into system/rhs. */
function fillSystem(
  system: Float64Array,
  rhs: Float64Array,
  gram: Float32Array,
  p: number,
  voxels: Int32Array,
  mx: Float64Array,
  n: number,
  alpha: number,
  zc: Float32Array,
  zBase: number,
  my: number,
): void {
  const k = voxels.length;
  const s = k + 1;
  for (let a = 0; a < k; a++) {
    const va = voxels[a]!;
    const ga = va * p;
    const row = a * s;
    const ma = n * mx[va]!;
    // voxels are ascending, so gram[va, vb] with vb ≤ va is always read from one triangle.
    for (let b = 0; b <= a; b++) {
      const vb = voxels[b]!;
      system[row + b] = gram[ga + vb]! + ma * mx[vb]!;
    }
    system[row + a]! += alpha;
    system[k * s + a] = ma; // bias row: Σ_i x_i,va
    rhs[a] = zc[zBase + va]! + ma * my;
  }
  system[k * s + k] = n + alpha;
  rhs[k] = n * my;
}

/** Per-column mean, sample SD (ddof 1, as corrmat) and FastL2LiR's constant flag, in float64. */
function columnStats(data: Float32Array, rows: number, cols: number, c0: number, c1: number) {
  const width = c1 - c0;
  const mean = new Float64Array(width);
  const ss = new Float64Array(width);
  for (let i = 0; i < rows; i++) {
    const base = i * cols + c0;
    for (let j = 0; j < width; j++) mean[j]! += data[base + j]!;
  }
  for (let j = 0; j < width; j++) mean[j]! /= rows;
  for (let i = 0; i < rows; i++) {
    const base = i * cols + c0;
    for (let j = 0; j < width; j++) {
      const d = data[base + j]! - mean[j]!;
      ss[j]! += d * d;
    }
  }
  const sd = ss.map((v) => Math.sqrt(v / (rows - 1)));
  const constant = Uint8Array.from(ss, (v) => (v / rows < CONSTANT_VOXEL_VARIANCE ? 1 : 0));
  return { mean, sd, constant };
}

function centredRows(data: Float32Array, rows: number, cols: number, mean: Float64Array): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) out[base + j] = data[base + j]! - mean[j]!;
  }
  return out;
}

/** Columns [c0, c1) centred and transposed (width × rows); materialised because wasm's transposed matMul is slow. */
function centredTransposed(data: Float32Array, rows: number, cols: number, c0: number, c1: number, mean: Float64Array): Float32Array {
  const width = c1 - c0;
  const out = new Float32Array(width * rows);
  for (let i = 0; i < rows; i++) {
    const base = i * cols + c0;
    for (let j = 0; j < width; j++) out[j * rows + i] = data[base + j]! - mean[j]!;
  }
  return out;
}

async function download(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** |r| between voxel v and unit u straight from the float32 inputs, accumulated in float64. */
function exactAbsCorrelation(
  X: Matrix,
  Y: Matrix,
  u: number,
  v: number,
  xs: { mean: Float64Array; sd: Float64Array; constant: Uint8Array },
  my: number,
  sy: number,
): number {
  if (xs.constant[v]) return 0;
  const mx = xs.mean[v]!;
  let s = 0;
  for (let i = 0; i < X.rows; i++) s += (X.data[i * X.cols + v]! - mx) * (Y.data[i * Y.cols + u]! - my);
  const r = Math.abs(s / ((X.rows - 1) * xs.sd[v]! * sy));
  return Number.isFinite(r) ? r : 0;
}

/** Reorders `order` so that its first k entries index the k largest keys (quickselect, O(p)). */
export function selectLargest(keys: Float64Array, order: Int32Array, k: number): void {
  let lo = 0;
  let hi = order.length - 1;
  while (lo < hi) {
    const pivot = keys[order[(lo + hi) >>> 1]!]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[order[i]!]! > pivot) i++;
      while (keys[order[j]!]! < pivot) j--;
      if (i <= j) {
        const t = order[i]!;
        order[i++] = order[j]!;
        order[j--] = t;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}

/**
 * Re-ranks, by float64 |r|, the voxels whose float32 |r| lies within `band` of the selection
 * boundary, so near-ties are resolved as FastL2LiR (float64 throughout) resolves them.
 */
function refineBoundary(keys: Float64Array, order: Int32Array, k: number, band: number, exact: (v: number) => number): void {
  const p = order.length;
  if (k >= p) return;
  let kth = Infinity;
  for (let i = 0; i < k; i++) kth = Math.min(kth, keys[order[i]!]!);
  let runnerUp = -Infinity;
  for (let i = k; i < p; i++) runnerUp = Math.max(runnerUp, keys[order[i]!]!);
  if (kth - runnerUp > band) return;
  // Positions in `order` whose voxel might belong on the other side: selected ones first.
  const positions: number[] = [];
  let selectedInBand = 0;
  for (let i = 0; i < p; i++) {
    const key = keys[order[i]!]!;
    if (i < k ? key <= runnerUp + band : key >= kth - band) {
      positions.push(i);
      if (i < k) selectedInBand++;
    }
  }
  if (selectedInBand === 0 || selectedInBand === positions.length) return;
  const candidates = positions.map((i) => ({ voxel: order[i]!, key: exact(order[i]!) }));
  candidates.sort((a, b) => b.key - a.key || a.voxel - b.voxel);
  positions.forEach((i, rank) => (order[i] = candidates[rank]!.voxel));
}


// ---------------------------------------------------------------------------------------------
// Without selection (nFeatures ≥ voxels): FastL2LiR's plain ridge on [X, 1], primal or dual.

/**
 * The r × n float32 tensor M = Raug (XaugᵀXaug + αI)⁻¹ Xaugᵀ for row vectors Raug (r × (p+1)), so
 * that M·Y predicts Y at those rows. Built from the smaller Gram matrix, as FastL2LiR chooses:
 *   dual   (n ≤ p+1): M = (Raug Xaugᵀ)(Xaug Xaugᵀ + αI)⁻¹, with Xaug Xaugᵀ = XXᵀ + 1
 *   primal (n > p+1): M = (Raug (XaugᵀXaug + αI)⁻¹) Xaugᵀ
 */
function augmentedRidgeRows(X: Matrix, Raug: Float32Array, r: number, alpha: number): tf.Tensor2D {
  const n = X.rows;
  const pa = X.cols + 1;
  const xa = augment(X.data, n, X.cols);
  const dual = n <= pa;
  const [gram, cross] = tf.tidy(() => {
    const Xa = tf.tensor2d(xa, [n, pa]);
    const XaT = tf.tensor2d(transposeF32(xa, n, pa), [pa, n]);
    const R = tf.tensor2d(Raug, [r, pa]);
    return dual ? [tf.matMul(Xa, XaT), tf.matMul(R, XaT)] : [tf.matMul(XaT, Xa), R];
  });
  const size = dual ? n : pa;
  const g = gram.dataSync() as Float32Array;
  const c = cross.dataSync() as Float32Array;
  gram.dispose();
  cross.dispose();
  const a = new Float64Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j <= i; j++) a[i * size + j] = 0.5 * (g[i * size + j]! + g[j * size + i]!);
  for (let i = 0; i < size; i++) a[i * size + i]! += alpha;
  if (!choleskyInPlace(a, size)) throw new Error('voxel-selection L2: ridge system is not positive definite; increase alpha');
  // Z = A⁻¹ crossᵀ (size × r); M = Zᵀ (dual) or Zᵀ Xaugᵀ (primal).
  const z = Float64Array.from(transposeF32(c, r, size));
  choleskySolveColumnsInPlace(a, size, z, r);
  const zt = Float32Array.from(transposeF32(z, size, r));
  if (dual) return tf.tensor2d(zt, [r, n]);
  return tf.tidy(() => tf.matMul(tf.tensor2d(zt, [r, pa]), tf.tensor2d(transposeF32(xa, n, pa), [pa, n])));
}

async function decodeAllVoxels(X: Matrix, Y: Matrix, Xtests: Matrix[], o: VoxelSelectionL2Options): Promise<Matrix[]> {
  const q = Y.cols;
  const rows = Xtests.reduce((s, t) => s + t.rows, 0);
  const outputs = Xtests.map((t) => createMatrix(t.rows, q));
  if (rows === 0 || q === 0) return outputs;
  o.onProgress?.(0, `plain ridge on all ${X.cols} voxels (nFeatures ${o.nFeatures})`);
  const stacked = new Float32Array(rows * X.cols);
  let at = 0;
  for (const t of Xtests) {
    stacked.set(t.data, at);
    at += t.data.length;
  }
  const M = augmentedRidgeRows(X, augment(stacked, rows, X.cols), rows, o.alpha);
  try {
    const chunk = o.chunkUnits ?? DEFAULT_CHUNK_UNITS;
    for (let c0 = 0; c0 < q; c0 += chunk) {
      const c1 = Math.min(q, c0 + chunk);
      const predicted = await download(tf.tidy(() => tf.matMul(M, tf.tensor2d(columnBlock(Y, c0, c1), [Y.rows, c1 - c0]))));
      let row = 0;
      for (const out of outputs) {
        for (let i = 0; i < out.rows; i++, row++) out.data.set(predicted.subarray(row * (c1 - c0), (row + 1) * (c1 - c0)), i * q + c0);
      }
      o.onProgress?.(c1 / q, `predicted units ${c1}/${q}`);
      await new Promise(setImmediate);
    }
  } finally {
    M.dispose();
  }
  return outputs;
}

async function fitAllVoxels(X: Matrix, Y: Matrix, o: VoxelSelectionL2Options): Promise<VoxelSelectionModel> {
  const p = X.cols;
  const q = Y.cols;
  const pa = p + 1;
  o.onProgress?.(0, `plain ridge on all ${p} voxels (nFeatures ${o.nFeatures})`);
  // Rows of the identity give M = (XaugᵀXaug + αI)⁻¹ Xaugᵀ, so the weights are W = M·Y ((p+1) × q).
  const identity = new Float32Array(pa * pa);
  for (let i = 0; i < pa; i++) identity[i * pa + i] = 1;
  const M = augmentedRidgeRows(X, identity, pa, o.alpha);
  const weights = await download(tf.tidy(() => tf.matMul(M, tf.tensor2d(Y.data, [Y.rows, q]))));
  M.dispose();
  o.onProgress?.(1, 'fitted');
  return {
    voxels: p,
    units: q,
    featuresPerUnit: p,
    predict: (Xtest) => {
      checkTest(Xtest, p, 0);
      const product = tf.tidy(() => tf.matMul(tf.tensor2d(augment(Xtest.data, Xtest.rows, p), [Xtest.rows, pa]), tf.tensor2d(weights, [pa, q])));
      const data = product.dataSync() as Float32Array;
      product.dispose();
      return createMatrix(Xtest.rows, q, data);
    },
  };
}

/** [X, 1]: a column of ones appended to a row-major rows × cols matrix. */
function augment(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * (cols + 1));
  for (let i = 0; i < rows; i++) {
    out.set(data.subarray(i * cols, (i + 1) * cols), i * (cols + 1));
    out[i * (cols + 1) + cols] = 1;
  }
  return out;
}

function transposeF32(m: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
  return out;
}

function columnBlock(Y: Matrix, c0: number, c1: number): Float32Array {
  const width = c1 - c0;
  const out = new Float32Array(Y.rows * width);
  for (let i = 0; i < Y.rows; i++) out.set(Y.data.subarray(i * Y.cols + c0, i * Y.cols + c1), i * width);
  return out;
}
