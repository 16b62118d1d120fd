import * as tf from '@tensorflow/tfjs';
import { concatenated, createMatrix, selectRows, type Matrix } from '../linalg/matrix';
import { choleskyInPlace, choleskySolveColumnsInPlace } from '../linalg/cholesky';

export interface RidgeCvOptions {
  /** Candidate penalties (> 0), on the scale of the centred training Gram matrix. */
  alphas: number[];
  /** Number of cross-validation folds (≥ 2). */
  folds: number;
  /** Group label per training row (e.g. run); a fold never splits a group. Default: contiguous blocks of rows. */
  groups?: Int32Array;
  /** Units per matrix product (default 8192). */
  chunkColumns?: number;
  onProgress?: (fraction: number, message: string) => void;
}

export interface RidgeCvResult {
  /** One prediction matrix per test matrix, in order. */
  predictions: Matrix[];
  /** The penalty chosen for each unit. */
  alphaPerUnit: Float64Array;
}

const DEFAULT_CHUNK_COLUMNS = 8192;

/**
 * Ridge with intercept (X and Y centred with training means, as decodeLayerRidge) and a penalty
 * per unit chosen by K-fold cross-validation: the α with the best validation R² (1 − SSres/SStot,
 * SStot about the fold's validation mean), averaged over folds; ties go to the earlier α in the
 * grid. The model is then refitted on all training rows with each unit's α.
 *
 * Per fold and α, the predictions of every unit are M_α · Yc with one n_val × n_train matrix
 * M_α, so a fold's validation predictions for all α come from one stacked product per unit chunk.
 * The refit predicts the test rows as Σ over chosen α of M_α · Yc[:, units with that α].
 *
 * M_α comes from one float64 Cholesky per α of the smaller regularised Gram matrix, not from one
 * eigendecomposition per fold: ml-matrix's symmetric EigenvalueDecomposition took 16 s at
 * n = 1,500 and 98 s at n = 2,400 on a 2-core machine, while the Float64Array Cholesky took
 * 0.25 s and 1.5 s (plus 1.1 s and 3.5 s to solve for 300 validation rows), so the Cholesky
 * route stays ahead for grids of up to ~10-20 α.
 */
export async function decodeRidgeCv(Xtrain: Matrix, Ytrain: Matrix, Xtests: Matrix[], o: RidgeCvOptions): Promise<RidgeCvResult> {
  validate(Xtrain, Ytrain, Xtests, o);
  const n = Xtrain.rows;
  const q = Ytrain.cols;
  const progress = o.onProgress ?? (() => {});
  const foldOf = assignFolds(n, o.folds, o.groups);
  const scores = new Float64Array(o.alphas.length * q);
  for (let f = 0; f < o.folds; f++) {
    const train: number[] = [];
    const valid: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? valid : train).push(i);
    await scoreFold(selectRows(Xtrain, train), selectRows(Ytrain, train), selectRows(Xtrain, valid), selectRows(Ytrain, valid), o, scores);
    progress((f + 1) / (o.folds + 1), `cross-validated fold ${f + 1}/${o.folds}`);
  }
  const alphaPerUnit = bestAlphas(scores, o.alphas, q);
  const predictions = await refit(Xtrain, Ytrain, Xtests, alphaPerUnit, o);
  progress(1, 'refitted on all training rows');
  return { predictions, alphaPerUnit };
}

/**
 * Fold index per row. Groups (or, without groups, single rows) are taken in order of first
 * appearance and split into `folds` contiguous blocks of equal group count.
 */
export function assignFolds(n: number, folds: number, groups?: Int32Array): Int32Array {
  const label = groups ?? Int32Array.from({ length: n }, (_, i) => i);
  const order = new Map<number, number>();
  for (const g of label) if (!order.has(g)) order.set(g, order.size);
  if (order.size < folds) throw new Error(`decodeRidgeCv: ${order.size} groups cannot fill ${folds} folds`);
  return Int32Array.from(label, (g) => Math.floor((order.get(g)! * folds) / order.size));
}

function validate(X: Matrix, Y: Matrix, Xtests: Matrix[], o: RidgeCvOptions): void {
  if (X.rows !== Y.rows) throw new Error(`decodeRidgeCv: Xtrain has ${X.rows} rows but Ytrain has ${Y.rows}`);
  if (X.cols === 0) throw new Error('decodeRidgeCv: Xtrain has no columns');
  if (!Number.isInteger(o.folds) || o.folds < 2) throw new Error(`decodeRidgeCv: folds must be an integer ≥ 2, got ${o.folds}`);
  if (o.alphas.length === 0 || o.alphas.some((a) => !(a > 0) || !Number.isFinite(a))) {
    throw new Error(`decodeRidgeCv: alphas must be positive finite numbers, got [${o.alphas.join(', ')}]`);
  }
  if (o.groups && o.groups.length !== X.rows) throw new Error(`decodeRidgeCv: ${o.groups.length} group labels for ${X.rows} rows`);
  const chunk = o.chunkColumns ?? DEFAULT_CHUNK_COLUMNS;
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`decodeRidgeCv: chunkColumns must be a positive integer, got ${chunk}`);
  Xtests.forEach((t, i) => {
    if (t.cols !== X.cols) throw new Error(`decodeRidgeCv: test matrix ${i} has ${t.cols} columns but Xtrain has ${X.cols}`);
  });
}

/** Adds each (α, unit)'s validation R² for one fold to `scores` (α-major). */
async function scoreFold(Xtr: Matrix, Ytr: Matrix, Xva: Matrix, Yva: Matrix, o: RidgeCvOptions, scores: Float64Array): Promise<void> {
  const nTr = Xtr.rows;
  const nVa = Xva.rows;
  const q = Ytr.cols;
  const xMean = columnMeans(Xtr, 0, Xtr.cols);
  const maps = ridgeMaps(centre(Xtr, xMean), centre(Xva, xMean), nTr, nVa, Xtr.cols, o.alphas);
  // All α stacked: rows [a·nVa, (a+1)·nVa) of the product are α_a's validation predictions.
  const stacked = tf.tensor2d(concatenated(maps), [o.alphas.length * nVa, nTr]);
  try {
    const chunk = o.chunkColumns ?? DEFAULT_CHUNK_COLUMNS;
    for (let c0 = 0; c0 < q; c0 += chunk) {
      const c1 = Math.min(q, c0 + chunk);
      const width = c1 - c0;
      const yMean = columnMeans(Ytr, c0, c1);
      const pred = await download(tf.tidy(() => tf.matMul(stacked, tf.tensor2d(centredColumns(Ytr, c0, c1, yMean), [nTr, width]))));
      const vaMean = columnMeans(Yva, c0, c1);
      for (let j = 0; j < width; j++) {
        let ssTot = 0;
        for (let i = 0; i < nVa; i++) ssTot += (Yva.data[i * q + c0 + j]! - vaMean[j]!) ** 2;
        for (let a = 0; a < o.alphas.length; a++) {
          let ssRes = 0;
          for (let i = 0; i < nVa; i++) {
            ssRes += (Yva.data[i * q + c0 + j]! - yMean[j]! - pred[(a * nVa + i) * width + j]!) ** 2;
          }
          // A constant validation unit has no variance to explain; it scores 0 for every α.
          scores[a * q + c0 + j]! += ssTot > 0 ? 1 - ssRes / ssTot : 0;
        }
      }
      await new Promise(setImmediate);
    }
  } finally {
    stacked.dispose();
  }
}

/** Per unit the α with the highest summed score (first in grid order on ties). */
function bestAlphas(scores: Float64Array, alphas: number[], q: number): Float64Array {
  const best = new Float64Array(q);
  for (let u = 0; u < q; u++) {
    let bestA = 0;
    for (let a = 1; a < alphas.length; a++) if (scores[a * q + u]! > scores[bestA * q + u]!) bestA = a;
    best[u] = alphas[bestA]!;
  }
  return best;
}

/** Test predictions with each unit's own α: Σ over distinct α of M_α · Yc[:, units with α]. */
async function refit(X: Matrix, Y: Matrix, Xtests: Matrix[], alphaPerUnit: Float64Array, o: RidgeCvOptions): Promise<Matrix[]> {
  const n = X.rows;
  const q = Y.cols;
  const outputs = Xtests.map((t) => createMatrix(t.rows, q));
  const nTest = Xtests.reduce((s, t) => s + t.rows, 0);
  if (nTest === 0 || q === 0) return outputs;
  const used = [...new Set(alphaPerUnit)];
  const xMean = columnMeans(X, 0, X.cols);
  const stackedTests = createMatrix(nTest, X.cols, concatenated(Xtests.map((t) => t.data)));
  const maps = ridgeMaps(centre(X, xMean), centre(stackedTests, xMean), n, nTest, X.cols, used);
  const chunk = o.chunkColumns ?? DEFAULT_CHUNK_COLUMNS;
  for (let c0 = 0; c0 < q; c0 += chunk) {
    const c1 = Math.min(q, c0 + chunk);
    const yMean = columnMeans(Y, c0, c1);
    for (let a = 0; a < used.length; a++) {
      const units: number[] = [];
      for (let u = c0; u < c1; u++) if (alphaPerUnit[u] === used[a]) units.push(u);
      if (units.length === 0) continue;
      const yc = new Float32Array(n * units.length);
      for (let i = 0; i < n; i++) units.forEach((u, j) => (yc[i * units.length + j] = Y.data[i * q + u]! - yMean[u - c0]!));
      const pred = await download(tf.tidy(() => tf.matMul(tf.tensor2d(maps[a]!, [nTest, n]), tf.tensor2d(yc, [n, units.length]))));
      let row = 0;
      for (const out of outputs) {
        for (let i = 0; i < out.rows; i++, row++) {
          units.forEach((u, j) => (out.data[i * q + u] = pred[row * units.length + j]! + yMean[u - c0]!));
        }
      }
    }
    o.onProgress?.(o.folds / (o.folds + 1) + c1 / q / (o.folds + 1), `refitted units ${c1}/${q}`);
    await new Promise(setImmediate);
  }
  return outputs;
}

/**
 * For each α, the r × n matrix M_α with predictions M_α · Yc at the centred rows R:
 *   dual   (n ≤ p): M_α = R Xcᵀ (Xc Xcᵀ + αI)⁻¹
 *   primal (p < n): M_α = R (XcᵀXc + αI)⁻¹ Xcᵀ
 * Gram and cross products run in float32 on tfjs; the Cholesky and solves in float64.
 */
function ridgeMaps(xc: Float32Array, rc: Float32Array, n: number, r: number, p: number, alphas: number[]): Float32Array[] {
  const dual = n <= p;
  const size = dual ? n : p;
  // Transposes are materialised: wasm's transposed matMul paths are 15–30x slower.
  const xcT = transpose(xc, n, p);
  const [gram, cross] = tf.tidy(() => {
    const Xc = tf.tensor2d(xc, [n, p]);
    const XcT = tf.tensor2d(xcT, [p, n]);
    const R = tf.tensor2d(rc, [r, p]);
    return dual ? [tf.matMul(Xc, XcT), tf.matMul(R, XcT)] : [tf.matMul(XcT, Xc), R];
  });
  const g = gram.dataSync() as Float32Array;
  const crossT = Float64Array.from(transpose(cross.dataSync() as Float32Array, r, size));
  gram.dispose();
  cross.dispose();
  return alphas.map((alpha) => {
    const a = new Float64Array(size * size);
    // Symmetrised lower triangle: removes float32 matmul asymmetry before Cholesky.
    for (let i = 0; i < size; i++) for (let j = 0; j <= i; j++) a[i * size + j] = 0.5 * (g[i * size + j]! + g[j * size + i]!);
    for (let i = 0; i < size; i++) a[i * size + i]! += alpha;
    if (!choleskyInPlace(a, size)) throw new Error(`decodeRidgeCv: Gram matrix + ${alpha}·I is not positive definite; use larger alphas`);
    const z = crossT.slice();
    choleskySolveColumnsInPlace(a, size, z, r);
    const zt = transpose(z, size, r);
    if (dual) return zt;
    const m = tf.tidy(() => tf.matMul(tf.tensor2d(zt, [r, p]), tf.tensor2d(xcT, [p, n])));
    const data = m.dataSync() as Float32Array;
    m.dispose();
    return data;
  });
}

async function download(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

function columnMeans(m: Matrix, c0: number, c1: number): Float64Array {
  const means = new Float64Array(c1 - c0);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols + c0;
    for (let j = 0; j < c1 - c0; j++) means[j]! += m.data[base + j]!;
  }
  return means.map((s) => s / m.rows);
}

/** Rows of m minus `means` (subtracted in float64). */
function centre(m: Matrix, means: Float64Array): Float32Array {
  return centredColumns(m, 0, m.cols, means);
}

function centredColumns(m: Matrix, c0: number, c1: number, means: Float64Array): Float32Array {
  const width = c1 - c0;
  const out = new Float32Array(m.rows * width);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols + c0;
    for (let j = 0; j < width; j++) out[i * width + j] = m.data[base + j]! - means[j]!;
  }
  return out;
}

function transpose(m: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
  return out;
}
