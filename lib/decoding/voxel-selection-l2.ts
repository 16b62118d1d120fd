import * as tf from '@tensorflow/tfjs';
import { choleskyInPlace, choleskySolveColumnsInPlace, choleskySolveInPlace } from '../linalg/cholesky';
import { concatenated, createMatrix, type Matrix } from '../linalg/matrix';
import { nativeOpsAvailable } from '../linalg/native-tensorflow';
import { nativeRidgeSolve } from '../linalg/native-ridge-solve';
import { nativeSpdSolve } from '../linalg/native-spd-solve';
import { batchedCholeskyF32 } from './batched-cholesky';
import { BackgroundSystems, shared } from './background-systems';
import { SystemGatherer } from './gather-systems';
import { fillExactSystem, refineSolution, type SelectionSystem } from './mixed-precision-solve';
import { type UnitChunk, UnitSelector, type VoxelStats } from './unit-selection';

export interface VoxelSelectionL2Options {
  /** L2 penalty (> 0) on every weight, the bias included (as FastL2LiR does). */
  alpha: number;
  /** Voxels per unit, chosen by largest |corr(voxel, unit)|; ≥ voxels means plain ridge on all voxels. */
  nFeatures: number;
  /** Units whose correlations are computed per matrix product (default 1024); bounds memory. */
  chunkUnits?: number;
  /** Units whose systems are factored together on the backend (default 64 native, 32 mixed). */
  batchUnits?: number;
  /**
   * 'native': each batch of systems factored in float64 by TensorFlow's own Cholesky kernel (the
   * native backend only; the batch is spread over its threads); 'mixed': batched float32
   * factorisation from tfjs products, refined in float64 to the float64 solution; 'float64': one
   * float64 Cholesky per unit in JavaScript. 'auto' (default): native on the native backend,
   * float64 elsewhere (wasm's and cpu's batched products are slower than the JavaScript
   * factorisation: 99 against 27 ms per 501² system measured on wasm).
   */
  solver?: VoxelSelectionSolver;
  /**
   * Native solver only: worker threads that select the next batch's voxels and gather its systems
   * while TensorFlow factors this batch's (default 2; 0 does both on the main thread, between
   * factorisations).
   * Results are bit-identical whatever the number.
   */
  gatherThreads?: number;
  onProgress?: (fraction: number, message: string) => void;
}

export type VoxelSelectionSolver = 'auto' | 'native' | 'mixed' | 'float64';

/** A fitted FastL2LiR-style decoder: sparse (k weights per unit) with selection, dense without. */
export interface VoxelSelectionModel {
  readonly voxels: number;
  readonly units: number;
  /** Voxels used per unit: nFeatures, or all voxels when no selection applies. */
  readonly featuresPerUnit: number;
  predict(Xtest: Matrix): Matrix;
}

const DEFAULT_CHUNK_UNITS = 1024;
const DEFAULT_BATCH_UNITS = 32;
/**
 * The native solver's batch: more units per pass over the Gram matrix share each row read (see
 * gather-systems.ts); 64 systems of 501² float64 are 129 MB, held about three times over.
 */
const DEFAULT_NATIVE_BATCH_UNITS = 64;
/**
 * Two background threads: on a quiet 2-core machine one thread gathering (~1.3 ms a unit at
 * 3,000 × 6,000) is slower than TensorFlow factoring on both cores (~0.9 ms), so it would set the
 * pace; the selection (~0.5 ms a unit at 11,700 voxels) runs there too.
 */
const DEFAULT_GATHER_THREADS = 2;
/** Diagonal block of the batched factorisation: larger blocks put more flops in the products. */
const FACTOR_BLOCK = 64;
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
  const batch = o.batchUnits ?? DEFAULT_BATCH_UNITS;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`voxel-selection L2: batchUnits must be a positive integer, got ${batch}`);
  if (o.solver !== undefined && !['auto', 'native', 'mixed', 'float64'].includes(o.solver)) {
    throw new Error(`voxel-selection L2: unknown solver '${String(o.solver)}' (auto, native, mixed, float64)`);
  }
  const threads = o.gatherThreads ?? DEFAULT_GATHER_THREADS;
  if (!Number.isInteger(threads) || threads < 0) throw new Error(`voxel-selection L2: gatherThreads must be a non-negative integer, got ${threads}`);
  if (o.solver === 'native' && !nativeOpsAvailable()) throw new Error(`voxel-selection L2: solver 'native' needs the tensorflow backend`);
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
 *
 * Each unit's voxels are chosen by UnitSelector. With the native solver (the default on the
 * tensorflow backend), background threads select and gather one batch (BackgroundSystems) while
 * TensorFlow factors the previous one in float64. Otherwise the (k+1)² systems are solved
 * `batchUnits` at a time on the main thread: with `mixed`, factored together in float32 on the
 * backend (batchedCholeskyF32, the bulk of the flops as batched matrix products) and each
 * solution refined in float64 against the exact system (refineSolution). A unit whose refinement
 * does not converge is factored again in float64, so every unit ends with the solution of the same
 * float64 system that FastL2LiR solves; `solver: 'float64'` does that for every unit.
 */
async function forEachUnitSolution(X: Matrix, Y: Matrix, o: VoxelSelectionL2Options, visit: UnitVisitor): Promise<void> {
  const n = X.rows;
  const p = X.cols;
  const q = Y.cols;
  const k = o.nFeatures;
  const s = k + 1;
  const chunk = o.chunkUnits ?? DEFAULT_CHUNK_UNITS;
  const solver = o.solver ?? 'auto';
  const native = solver === 'native' || (solver === 'auto' && nativeOpsAvailable());
  const batch = Math.min(o.batchUnits ?? (native ? DEFAULT_NATIVE_BATCH_UNITS : DEFAULT_BATCH_UNITS), chunk);
  const mixed = solver === 'mixed';
  const progress = o.onProgress ?? (() => {});
  const xs = columnStats(X.data, n, p, 0, p);
  progress(0, `computing XᵀX (${n} trials, ${p} voxels)`);
  const xc = tf.tensor2d(centredRows(X.data, n, p, xs.mean), [n, p]);
  let background: BackgroundSystems | undefined;
  try {
    const xcT = new Float32Array(p * n);
    centredTransposed(X.data, n, p, 0, p, xs.mean, xcT);
    const gram = await lowerGram(xcT, xc, n, p);
    await new Promise(setImmediate);
    // Shared, as everything the selection reads: the background threads select too.
    const voxelStats: VoxelStats = {
      xt: transposeF32(X.data, n, p, shared(Float32Array, p * n)),
      mean: copyShared(Float64Array, xs.mean),
      sd: copyShared(Float64Array, xs.sd),
      constant: copyShared(Uint8Array, xs.constant),
    };
    const unitChunk: UnitChunk = {
      zc: shared(Float32Array, chunk * p),
      mean: shared(Float64Array, chunk),
      sd: shared(Float64Array, chunk),
      centred: shared(Float64Array, chunk * n),
    };
    const selector = new UnitSelector(n, p, k);
    // Per batch: selected voxels, Gc_II, voxel means, right-hand sides, float32 systems, factors.
    // The native solver alternates between two slots of voxels, right-hand sides and float64
    // systems (lower triangles): one batch is gathered while the previous one is factored.
    const slots = native ? 2 : 1;
    const voxelSlots = Array.from({ length: slots }, () => shared(Int32Array, batch * k));
    const rhsSlots = Array.from({ length: slots }, () => shared(Float64Array, batch * s));
    const exactSlots = native ? Array.from({ length: slots }, () => shared(Float64Array, batch * s * s)) : [];
    let slot = 0;
    const subGram = new Float32Array(batch * k * k);
    const means = new Float64Array(batch * k);
    const single = mixed ? new Float32Array(batch * s * s) : new Float32Array(0);
    const factors = mixed ? new Float32Array(batch * s * s) : new Float32Array(0);
    const gatherer = native ? new SystemGatherer(p, k, batch) : undefined;
    const threads = o.gatherThreads ?? DEFAULT_GATHER_THREADS;
    background =
      native && threads > 0
        ? new BackgroundSystems({ gram, voxelStats, chunk: unitChunk, voxelSlots, rhsSlots, systemSlots: exactSlots }, p, k, batch, n, o.alpha, threads)
        : undefined;
    // The native batch gathered but not yet solved: solved once the next one is being gathered.
    let pending: { slot: number; count: number; first: number } | undefined;
    // The caller has waited for the pending batch's gather: mid-chunk, before starting the next
    // gather, so that this factorisation overlaps it; at the chunk's end, just before.
    const solvePending = (): void => {
      if (!pending) return;
      const { slot: at, count, first } = pending;
      pending = undefined;
      const systems = exactSlots[at]!;
      const b = rhsSlots[at]!;
      const solved = nativeSpdSolve(systems, b, count, s, 1);
      for (let bi = 0; bi < count; bi++) {
        if (solved) x.set(solved.subarray(bi * s, (bi + 1) * s));
        // No solution for the batch means some system is not positive definite: find which.
        else solveExactInPlace(systems.subarray(bi * s * s, (bi + 1) * s * s), exact, b.subarray(bi * s, (bi + 1) * s), x, s, first + bi);
        visit(first + bi, voxelSlots[at]!.subarray(bi * k, (bi + 1) * k), x);
      }
    };
    const exact = new Float64Array(s * s);
    const x = new Float64Array(s);
    const work = new Float64Array(s);
    const chunks = Math.ceil(q / chunk);
    for (let c = 0; c < chunks; c++) {
      const c0 = c * chunk;
      const c1 = Math.min(q, c0 + chunk);
      const width = c1 - c0;
      const ys = columnStats(Y.data, n, q, c0, c1);
      // No batch is running (the previous chunk ended with a wait): the chunk's buffers are free.
      // The units' centred values in float64 serve the exact re-ranking; rounded, the product.
      centredTransposed(Y.data, n, q, c0, c1, ys.mean, unitChunk.centred);
      const ycT = Float32Array.from(unitChunk.centred.subarray(0, width * n));
      const zc = await download(tf.tidy(() => tf.matMul(tf.tensor2d(ycT, [width, n]), xc)));
      unitChunk.zc.set(zc);
      unitChunk.mean.set(ys.mean);
      unitChunk.sd.set(ys.sd);
      for (let b0 = 0; b0 < width; b0 += batch) {
        const count = Math.min(batch, width - b0);
        if (background) {
          // At most one batch runs in the background: wait for the previous one, start this
          // one's selection and gather, and factor the previous batch meanwhile.
          background.wait();
          background.start(b0, count, slot);
          solvePending();
          pending = { slot, count, first: c0 + b0 };
          slot = (slot + 1) % slots;
          continue;
        }
        const voxels = voxelSlots[slot]!;
        const rhs = rhsSlots[slot]!;
        for (let bi = 0; bi < count; bi++) {
          selector.select(voxelStats, unitChunk, b0 + bi, voxels, bi * k, rhs, bi * s);
          if (!native) gatherSystem(gram, p, voxels.subarray(bi * k, (bi + 1) * k), voxelStats.mean, systemOf(bi), mixed ? single : undefined, bi * s * s);
        }
        if (native) {
          gatherer!.gather(gram, voxels, count, voxelStats.mean, n, o.alpha, exactSlots[slot]!);
          pending = { slot, count, first: c0 + b0 };
          solvePending();
          slot = (slot + 1) % slots;
          continue;
        }
        const factored = mixed
          ? batchedCholeskyF32(single.subarray(0, count * s * s), count, s, FACTOR_BLOCK, factors.subarray(0, count * s * s))
          : new Uint8Array(count);
        for (let bi = 0; bi < count; bi++) {
          const u = c0 + b0 + bi;
          const sys = systemOf(bi);
          const b = rhs.subarray(bi * s, (bi + 1) * s);
          if (!(factored[bi] && refineSolution(sys, factors, bi * s * s, b, x, work))) {
            fillExactSystem(sys, exact);
            if (!choleskyInPlace(exact, s)) {
              throw new Error(`voxel-selection L2: system of unit ${u} is not positive definite; increase alpha`);
            }
            x.set(b);
            choleskySolveInPlace(exact, s, x);
          }
          visit(u, voxels.subarray(bi * k, (bi + 1) * k), x);
        }
      }
      background?.wait();
      solvePending();
      progress(c1 / q, `solved units ${c1}/${q}`);
      // Let activity heartbeats and other callbacks run between chunks.
      await new Promise(setImmediate);
    }

    function systemOf(bi: number): SelectionSystem {
      return { gram: subGram, gramAt: bi * k * k, mean: means.subarray(bi * k, (bi + 1) * k), k, n, alpha: o.alpha };
    }
  } finally {
    xc.dispose();
    await background?.close();
  }
}

/** Voxels per block of the Gram matrix (see lowerGram). */
const GRAM_BLOCK = 1536;

/**
 * Gc = XcᵀXc (p × p float32, row-major), but only the blocks on and below the diagonal: the
 * systems read Gc[va, vb] with vb ≤ va only, so the upper blocks (about 40 % of the flops at
 * 4+ blocks) are never computed and stay zero.
 */
async function lowerGram(xcT: Float32Array, xc: tf.Tensor2D, n: number, p: number): Promise<Float32Array> {
  // Shared, so that a worker thread can gather systems from it without a copy.
  const gram = shared(Float32Array, p * p);
  const blocks = Math.ceil(p / GRAM_BLOCK);
  const edge = (b: number) => Math.round((b * p) / blocks);
  const rowsT = tf.tensor2d(xcT, [p, n]);
  try {
    for (let bi = 0; bi < blocks; bi++) {
      const r0 = edge(bi);
      const r1 = edge(bi + 1);
      const product = await download(tf.tidy(() => tf.matMul(rowsT.slice([r0, 0], [r1 - r0, n]), xc.slice([0, 0], [n, r1]))));
      for (let i = r0; i < r1; i++) gram.set(product.subarray((i - r0) * r1, (i - r0 + 1) * r1), i * p);
      await new Promise(setImmediate);
    }
  } finally {
    rowsT.dispose();
  }
  return gram;
}

/** x = A⁻¹b by a float64 Cholesky of `system` (lower triangle, s × s) copied into `work`; throws if A is not SPD. */
function solveExactInPlace(system: Float64Array, work: Float64Array, b: Float64Array, x: Float64Array, s: number, unit: number): void {
  work.set(system.subarray(0, s * s));
  if (!choleskyInPlace(work, s)) throw new Error(`voxel-selection L2: system of unit ${unit} is not positive definite; increase alpha`);
  x.set(b.subarray(0, s));
  choleskySolveInPlace(work, s, x);
}

/**
 * For one unit: the lower triangle of Gc_II (k × k, row-major) and the selected voxels' means; with
 * `single`, also the lower triangle of the whole float32 system (see mixed-precision-solve.ts) for
 * the batched factorisation. (Its right-hand side comes with the selection, UnitSelector.select.)
 */
function gatherSystem(
  gram: Float32Array,
  p: number,
  voxels: Int32Array,
  mx: Float64Array,
  sys: SelectionSystem,
  single: Float32Array | undefined,
  singleAt: number,
): void {
  const { k, n, alpha, gramAt } = sys;
  const sub = sys.gram;
  const means = sys.mean;
  const s = k + 1;
  for (let a = 0; a < k; a++) means[a] = mx[voxels[a]!]!;
  for (let a = 0; a < k; a++) {
    const va = voxels[a]!;
    const ga = va * p;
    const row = gramAt + a * k;
    // voxels are ascending, so gram[va, vb] with vb ≤ va is always read from one triangle.
    for (let b = 0; b <= a; b++) sub[row + b] = gram[ga + voxels[b]!]!;
    if (single) {
      const ma = n * means[a]!;
      const out = singleAt + a * s;
      for (let b = 0; b <= a; b++) single[out + b] = sub[row + b]! + ma * means[b]!;
      single[out + a]! += alpha;
      single[singleAt + k * s + a] = ma;
    }
  }
  if (single) single[singleAt + k * s + k] = n + alpha;
}

interface ColumnStats {
  mean: Float64Array;
  sd: Float64Array;
  constant: Uint8Array;
}

/** Per-column mean, sample SD (ddof 1, as corrmat) and FastL2LiR's constant flag, in float64. */
function columnStats(data: Float32Array, rows: number, cols: number, c0: number, c1: number): ColumnStats {
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

/** A copy of `values` on a SharedArrayBuffer. */
function copyShared<T extends Float64Array | Uint8Array>(kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, values: T): T {
  const out = shared(kind, values.length);
  out.set(values);
  return out;
}

/**
 * Columns [c0, c1) centred (subtracted in float64) and transposed into the first width × rows
 * entries of `out`; materialised because wasm's transposed matMul is slow.
 */
function centredTransposed(data: Float32Array, rows: number, cols: number, c0: number, c1: number, mean: Float64Array, out: Float32Array | Float64Array): void {
  const width = c1 - c0;
  for (let i = 0; i < rows; i++) {
    const base = i * cols + c0;
    for (let j = 0; j < width; j++) out[j * rows + i] = data[base + j]! - mean[j]!;
  }
}

async function download(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
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
  if (nativeOpsAvailable()) {
    const z = nativeRidgeSolve(xa, n, pa, Raug, r, alpha, dual);
    if (!z) throw new Error('voxel-selection L2: ridge system is not positive definite; increase alpha');
    const zt = Float32Array.from(transposeF32(z, dual ? n : pa, r));
    if (dual) return tf.tensor2d(zt, [r, n]);
    return tf.tidy(() => tf.matMul(tf.tensor2d(zt, [r, pa]), tf.tensor2d(transposeF32(xa, n, pa), [pa, n])));
  }
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
  const M = augmentedRidgeRows(X, augment(concatenated(Xtests.map((t) => t.data)), rows, X.cols), rows, o.alpha);
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

function transposeF32(m: ArrayLike<number>, rows: number, cols: number, out = new Float32Array(rows * cols)): Float32Array {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
  return out;
}

function columnBlock(Y: Matrix, c0: number, c1: number): Float32Array {
  const width = c1 - c0;
  const out = new Float32Array(Y.rows * width);
  for (let i = 0; i < Y.rows; i++) out.set(Y.data.subarray(i * Y.cols + c0, i * Y.cols + c1), i * width);
  return out;
}
