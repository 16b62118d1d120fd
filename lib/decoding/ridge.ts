import * as tf from '@tensorflow/tfjs';
import { choleskyInPlace, choleskySolveColumnsInPlace } from '../linalg/cholesky';
import { columnMeans, concatenated, createMatrix, type Matrix } from '../linalg/matrix';
import { nativeRidgeSolve } from '../linalg/native-ridge-solve';
import { nativeOpsAvailable } from '../linalg/native-tensorflow';

export interface RidgeOptions {
  /** Ridge penalty (> 0), on the scale of the centred training Gram matrix. */
  alpha: number;
  onProgress?: (fraction: number, message: string) => void;
  /** Feature units predicted per matrix product; bounds the memory held for Y (default 8192). */
  chunkColumns?: number;
}

const DEFAULT_CHUNK_COLUMNS = 8192;

/**
 * Ridge regression with intercept from voxels to every unit of one CNN layer, returning the
 * predicted features for each test matrix (same order as `Xtests`).
 *
 * X and Y are centred with the training means (no scaling: X is already z-scored, Y stays in
 * feature units). Every unit shares the same penalty, so predictions are Ptest = M · Yc with one
 * n_test × n_train matrix M, built from the smaller of the two Gram matrices:
 *   dual   (n ≤ p): M = Xtest_c Xcᵀ (Xc Xcᵀ + αI)⁻¹
 *   primal (p < n): M = Xtest_c (XcᵀXc + αI)⁻¹ Xcᵀ
 * M · Yc is then taken a column chunk at a time, so neither the p × units weight matrix nor a
 * second full copy of Y ever exists. Gram matrices and products run in float32 on the tfjs
 * backend the caller initialised; the Cholesky solve runs in float64 (in TensorFlow's own kernels
 * on the native backend, see lib/linalg/native-ridge-solve.ts; in JavaScript elsewhere).
 */
export async function decodeLayerRidge(Xtrain: Matrix, Ytrain: Matrix, Xtests: Matrix[], o: RidgeOptions): Promise<Matrix[]> {
  if (Xtrain.rows !== Ytrain.rows) {
    throw new Error(`decodeLayerRidge: Xtrain has ${Xtrain.rows} rows but Ytrain has ${Ytrain.rows}`);
  }
  o.onProgress?.(0, `solving ${Xtrain.rows <= Xtrain.cols ? 'dual' : 'primal'} ridge system (${Xtrain.rows} trials, ${Xtrain.cols} voxels)`);
  const projection = fitRidgeProjection(Xtrain, Xtests, o.alpha);
  try {
    return await projection.predict(Ytrain, o);
  } finally {
    projection.dispose();
  }
}

/**
 * The part of a ridge fit that depends only on the voxels: M, with test predictions = M · Yc for
 * any target Y. Decoders of every layer share one penalty and one training matrix, so a subject's
 * M is computed once and applied to each layer's features.
 */
export interface RidgeProjection {
  readonly trainRows: number;
  predict(Ytrain: Matrix, o?: Omit<RidgeOptions, 'alpha'>): Promise<Matrix[]>;
  /** M itself (all test rows stacked × training rows): predictions = M · Y + mean(Y). */
  matrix(): Promise<Matrix>;
  /**
   * The projection for some rows of each test set (row indices per set): M's rows, copied. Each
   * row of M depends only on its own test row, so this is the fit on those rows alone, without
   * solving again: decoders that share a training matrix share one fit.
   */
  selectTestRows(rowsPerSet: readonly (readonly number[])[]): RidgeProjection;
  dispose(): void;
}

export function fitRidgeProjection(Xtrain: Matrix, Xtests: Matrix[], alpha: number): RidgeProjection {
  validate(Xtrain, Xtests, alpha);
  const testRows = Xtests.map((t) => t.rows);
  const nTest = testRows.reduce((s, r) => s + r, 0);
  const M = nTest === 0 ? undefined : projectionMatrix(Xtrain, Xtests, nTest, alpha);
  return projectionOf(M, testRows, Xtrain.rows);
}

function projectionOf(M: tf.Tensor2D | undefined, testRows: number[], n: number): RidgeProjection {
  const nTest = testRows.reduce((s, r) => s + r, 0);
  return {
    trainRows: n,
    predict: (Ytrain, o = {}) => predictChunked(M, testRows, Ytrain, n, o),
    matrix: async () => createMatrix(nTest, n, M ? ((await M.data()) as Float32Array) : new Float32Array(0)),
    selectTestRows: (rowsPerSet) => {
      if (rowsPerSet.length !== testRows.length) throw new Error(`ridge projection: ${rowsPerSet.length} row lists for ${testRows.length} test sets`);
      const indices: number[] = [];
      let offset = 0;
      rowsPerSet.forEach((rows, s) => {
        for (const r of rows) {
          if (!Number.isInteger(r) || r < 0 || r >= testRows[s]!) throw new Error(`ridge projection: row ${r} is not in test set ${s} (${testRows[s]} rows)`);
          indices.push(offset + r);
        }
        offset += testRows[s]!;
      });
      const selected = M && indices.length > 0 ? tf.tidy(() => tf.gather(M, tf.tensor1d(indices, 'int32'))) : undefined;
      return projectionOf(selected, rowsPerSet.map((rows) => rows.length), n);
    },
    dispose: () => M?.dispose(),
  };
}

async function predictChunked(
  M: tf.Tensor2D | undefined,
  testRows: number[],
  Ytrain: Matrix,
  n: number,
  o: Omit<RidgeOptions, 'alpha'>,
): Promise<Matrix[]> {
  if (Ytrain.rows !== n) throw new Error(`decodeLayerRidge: Xtrain has ${n} rows but Ytrain has ${Ytrain.rows}`);
  const units = Ytrain.cols;
  const chunk = o.chunkColumns ?? DEFAULT_CHUNK_COLUMNS;
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new Error(`decodeLayerRidge: chunkColumns must be a positive integer, got ${chunk}`);
  }
  const progress = o.onProgress ?? (() => {});
  const outputs = testRows.map((rows) => createMatrix(rows, units));
  if (!M || units === 0) {
    progress(1, 'nothing to predict');
    return outputs;
  }
  const chunks = Math.ceil(units / chunk);
  for (let c = 0; c < chunks; c++) {
    const c0 = c * chunk;
    const c1 = Math.min(units, c0 + chunk);
    const { centred, means } = centredColumnChunk(Ytrain, c0, c1);
    const product = tf.tidy(() => tf.matMul(M, tf.tensor2d(centred, [n, c1 - c0])));
    let predicted: Float32Array;
    try {
      // Awaiting the download lets the event loop run (activity heartbeats) between chunks.
      predicted = (await product.data()) as Float32Array;
    } finally {
      product.dispose();
    }
    scatterChunk(predicted, means, outputs, c0, c1);
    progress((c + 1) / chunks, `predicted units ${c1}/${units}`);
  }
  return outputs;
}

function validate(Xtrain: Matrix, Xtests: Matrix[], alpha: number): void {
  if (Xtrain.rows === 0 || Xtrain.cols === 0) {
    throw new Error(`decodeLayerRidge: training data is empty (${Xtrain.rows}x${Xtrain.cols})`);
  }
  Xtests.forEach((t, i) => {
    if (t.cols !== Xtrain.cols) {
      throw new Error(`decodeLayerRidge: test matrix ${i} has ${t.cols} columns but Xtrain has ${Xtrain.cols}`);
    }
  });
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new Error(`decodeLayerRidge: alpha must be a positive finite number, got ${alpha}`);
  }
}

/** The n_test × n_train matrix M (float32 tensor) with test predictions = M · Yc. */
function projectionMatrix(Xtrain: Matrix, Xtests: Matrix[], nTest: number, alpha: number): tf.Tensor2D {
  const n = Xtrain.rows;
  const p = Xtrain.cols;
  const dual = n <= p;
  if (nativeOpsAvailable() && dual) {
    // Centred inside TensorFlow, on its threads; the dual M = Zᵀ needs no centred X here.
    const z = nativeRidgeSolve(Xtrain.data, n, p, concatenated(Xtests.map((t) => t.data)), nTest, alpha, dual, true);
    if (!z) throw new Error('decodeLayerRidge: regularised Gram matrix is not positive definite; increase alpha');
    return projectionFromSolution(z, new Float32Array(0), n, p, nTest, dual);
  }
  const xMean = columnMeans(Xtrain);
  const xc = centre(Xtrain.data, n, p, xMean);
  const xTestC = centre(concatenated(Xtests.map((t) => t.data)), nTest, p, xMean);
  if (nativeOpsAvailable()) {
    const z = nativeRidgeSolve(xc, n, p, xTestC, nTest, alpha, dual);
    if (!z) throw new Error('decodeLayerRidge: regularised Gram matrix is not positive definite; increase alpha');
    return projectionFromSolution(z, xc, n, p, nTest, dual);
  }
  // Transposes are materialised and every product is a plain A·B: the wasm backend's
  // transposeA/transposeB matMul paths measured 15–30x slower than an explicit transpose.
  const [gram, cross] = tf.tidy(() => {
    const X = tf.tensor2d(xc, [n, p]);
    const Xt = tf.transpose(X);
    const T = tf.tensor2d(xTestC, [nTest, p]);
    // Dual needs K = Xc Xcᵀ and B = Xtest_c Xcᵀ; primal needs G = XcᵀXc and Xtest_c itself.
    return dual ? [tf.matMul(X, Xt), tf.matMul(T, Xt)] : [tf.matMul(Xt, X), T];
  });
  const size = dual ? n : p;
  let gramData: Float32Array;
  let crossData: Float32Array;
  try {
    gramData = gram.dataSync() as Float32Array;
    crossData = cross.dataSync() as Float32Array;
  } finally {
    gram.dispose();
    cross.dispose();
  }
  // Solve A Z = crossᵀ: Z = A⁻¹ Bᵀ (dual, n × nTest) or Z = A⁻¹ Xtest_cᵀ (primal, p × nTest).
  const z = solveSpd(regularisedGram(gramData, size, alpha), transpose(crossData, nTest, size), size, nTest);
  return projectionFromSolution(z, xc, n, p, nTest, dual);
}

/** M from Z (size × nTest): Zᵀ (dual) or Zᵀ Xcᵀ (primal). */
function projectionFromSolution(z: Float64Array, xc: Float32Array, n: number, p: number, nTest: number, dual: boolean): tf.Tensor2D {
  const size = dual ? n : p;
  const zt = Float32Array.from(transpose(z, size, nTest));
  if (dual) return tf.tensor2d(zt, [nTest, n]);
  return tf.tidy(() => tf.matMul(tf.tensor2d(zt, [nTest, p]), tf.transpose(tf.tensor2d(xc, [n, p]))));
}

/** A = (G + Gᵀ)/2 + αI in float64; symmetrising removes float32 matmul asymmetry before Cholesky. */
function regularisedGram(g: Float32Array, size: number, alpha: number): Float64Array {
  const a = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (g[i * size + j]! + g[j * size + i]!);
      a[i * size + j] = v;
      a[j * size + i] = v;
    }
    a[i * size + i]! += alpha;
  }
  return a;
}

/**
 * Solves A Z = B for symmetric positive-definite A; returns Z row-major (size × cols).
 * The Float64Array Cholesky (lib/linalg/cholesky.ts) measured 5–8× faster than ml-matrix's.
 */
function solveSpd(a: Float64Array, b: Float64Array, size: number, cols: number): Float64Array {
  if (!choleskyInPlace(a, size)) {
    throw new Error('decodeLayerRidge: regularised Gram matrix is not positive definite; increase alpha');
  }
  choleskySolveColumnsInPlace(a, size, b, cols);
  return b;
}

/** Transpose of a row-major rows × cols array, as float64. */
function transpose(m: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
  }
  return out;
}


/** Rows of a row-major rows × cols array minus `means`, subtracted in float64. */
function centre(data: Float32Array, rows: number, cols: number, means: Float64Array): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) out[base + j] = data[base + j]! - means[j]!;
  }
  return out;
}

/** Columns [c0, c1) of Y, centred with their training means: the only copy of Y ever made. */
function centredColumnChunk(Y: Matrix, c0: number, c1: number): { centred: Float32Array; means: Float64Array } {
  const width = c1 - c0;
  const means = new Float64Array(width);
  for (let i = 0; i < Y.rows; i++) {
    const base = i * Y.cols + c0;
    for (let j = 0; j < width; j++) means[j]! += Y.data[base + j]!;
  }
  for (let j = 0; j < width; j++) means[j]! /= Y.rows;
  const centred = new Float32Array(Y.rows * width);
  for (let i = 0; i < Y.rows; i++) {
    const base = i * Y.cols + c0;
    for (let j = 0; j < width; j++) centred[i * width + j] = Y.data[base + j]! - means[j]!;
  }
  return { centred, means };
}

/** Writes a (stacked tests) × width block of predictions into each test's output, adding the means back. */
function scatterChunk(predicted: Float32Array, means: Float64Array, outputs: Matrix[], c0: number, c1: number): void {
  const width = c1 - c0;
  let row = 0;
  for (const out of outputs) {
    for (let i = 0; i < out.rows; i++, row++) {
      const src = row * width;
      const dst = i * out.cols + c0;
      for (let j = 0; j < width; j++) out.data[dst + j] = predicted[src + j]! + means[j]!;
    }
  }
}
