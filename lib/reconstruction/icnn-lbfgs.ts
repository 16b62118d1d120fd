import * as tf from '@tensorflow/tfjs';
import type { FeatureNetwork } from '../features/feature-network';
import { CHANNELS, createImageBatch, type ImageBatch } from '../images/image-batch';
import type { Matrix } from '../linalg/matrix';
import { featureMatchLoss } from './feature-match-loss';
import { pixelCentre } from './mean-image';
import { type StartImage, startImages } from './start-image';

/** icnn_lbfgs's setting: bounded L-BFGS on the pixels, each image on its own. */
export interface IcnnLbfgsOptions {
  readonly iterations: number;
  /** Curvature pairs kept per image (scipy's L-BFGS-B: maxcor 10). */
  readonly memory?: number;
  /** `mean` (default): the paper's no-generator scripts start from the mean; `noise` is icnn's own default. */
  readonly start?: StartImage;
  /** For the `noise` start. */
  readonly seed?: number;
  /** The training images' mean image (HWC, [0, 1]): the `mean` start, and its mean colour is the pixel centre. */
  readonly meanImage?: Float32Array;
  /** Index in its set of the first target row, so a batch of a set starts as in the whole set (noise start). */
  readonly firstImage?: number;
  readonly onProgress?: (fraction: number, message: string) => void;
}

/** Sufficient decrease, as scipy's L-BFGS-B line search (ftol 1e-3). */
const ARMIJO = 1e-3;
/** Trial steps per line search before it counts as failed (2⁻¹⁹ of the first). */
const MAX_TRIALS = 20;
/** float32 machine epsilon: L-BFGS-B's tests, at the precision of our losses and gradients. */
const EPS = 2 ** -23;
/**
 * An image whose step lowered its loss by less than this relative amount has converged: scipy's
 * test (f − f₊) ≤ ftol·max(|f|, |f₊|, 1), with ftol at float32 resolution (ten ulps) because the
 * losses are float32 — below it, steps only chase rounding.
 */
const FTOL = 10 * EPS;

/** Row-wise dot products of two [batch, n] tensors, as [batch, 1]. */
function rowDot(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(a, b), 1, true) as tf.Tensor2D;
}

/** A [batch, 1] boolean mask that is true on the listed rows. */
function rowMask(count: number, rows: readonly number[]): tf.Tensor2D {
  const mask = new Uint8Array(count);
  for (const r of rows) mask[r] = 1;
  return tf.tensor2d(mask, [count, 1], 'bool');
}

/** `full` with the listed rows replaced by `values` (one row of `values` per listed row). */
function replaceRows(full: tf.Tensor2D, rows: readonly number[], values: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const scattered = tf.scatterND(tf.tensor2d(Int32Array.from(rows), [rows.length, 1], 'int32'), values, full.shape);
    return tf.where(rowMask(full.shape[0], rows), scattered, full) as tf.Tensor2D;
  });
}

/**
 * Curvature pairs of every image, as `memory` slots of [batch, n]; slot memory − 1 is the newest.
 * An image's pairs move down only when that image gains a pair, so its valid pairs are always the
 * newest block of slots and empty slots (ρ = 0) are exact no-ops in the two-loop recursion: each
 * image sees exactly the history it would have alone.
 */
class CurvatureHistory {
  private s: tf.Tensor2D[];
  private y: tf.Tensor2D[];
  private rho: tf.Tensor2D[];
  /** Initial inverse-Hessian scale sᵀy / yᵀy of each image's newest pair; 0 when it has none. */
  private gamma: tf.Tensor2D;
  readonly pairs: Int32Array;

  constructor(
    count: number,
    n: number,
    private readonly memory: number,
  ) {
    this.s = Array.from({ length: memory }, () => tf.zeros([count, n]));
    this.y = Array.from({ length: memory }, () => tf.zeros([count, n]));
    this.rho = Array.from({ length: memory }, () => tf.zeros([count, 1]));
    this.gamma = tf.zeros([count, 1]);
    this.pairs = new Int32Array(count);
  }

  /**
   * −H·q by the two-loop recursion, row by row. Without curvature (a fresh or reset image) H = I,
   * as L-BFGS-B's first iteration (θ = 1).
   */
  direction(q0: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let q = q0;
      const alphas: tf.Tensor2D[] = [];
      for (let j = this.memory - 1; j >= 0; j--) {
        alphas[j] = tf.mul(this.rho[j]!, rowDot(this.s[j]!, q)) as tf.Tensor2D;
        q = tf.sub(q, tf.mul(alphas[j]!, this.y[j]!)) as tf.Tensor2D;
      }
      let r = tf.mul(tf.where(tf.greater(this.gamma, 0), this.gamma, tf.onesLike(this.gamma)), q) as tf.Tensor2D;
      for (let j = 0; j < this.memory; j++) {
        const beta = tf.mul(this.rho[j]!, rowDot(this.y[j]!, r));
        r = tf.add(r, tf.mul(this.s[j]!, tf.sub(alphas[j]!, beta))) as tf.Tensor2D;
      }
      return tf.neg(r) as tf.Tensor2D;
    });
  }

  /** Adds (s, y) as the newest pair of the listed rows, dropping their oldest. */
  push(rows: readonly number[], s: tf.Tensor2D, y: tf.Tensor2D): void {
    if (rows.length === 0) return;
    const count = s.shape[0];
    const [mask, rhoNew, gammaNew] = tf.tidy(() => {
      const sy = rowDot(s, y);
      return [rowMask(count, rows), tf.div(1, sy), tf.div(sy, rowDot(y, y))];
    });
    const shift = (slots: tf.Tensor2D[], newest: tf.Tensor2D): tf.Tensor2D[] => {
      const next = slots.map((slot, j) => tf.where(mask, j + 1 < slots.length ? slots[j + 1]! : newest, slot) as tf.Tensor2D);
      tf.dispose(slots);
      return next;
    };
    this.s = shift(this.s, s);
    this.y = shift(this.y, y);
    this.rho = shift(this.rho, rhoNew);
    const gamma = tf.where(mask, gammaNew, this.gamma) as tf.Tensor2D;
    tf.dispose([this.gamma, mask, rhoNew, gammaNew]);
    this.gamma = gamma;
    for (const r of rows) this.pairs[r] = Math.min(this.pairs[r]! + 1, this.memory);
  }

  /** Forgets the listed rows' pairs (L-BFGS-B's refresh after a failed line search). */
  reset(rows: readonly number[]): void {
    if (rows.length === 0) return;
    const mask = rowMask(this.gamma.shape[0], rows);
    const cleared = (t: tf.Tensor2D) => tf.where(mask, tf.zerosLike(t), t) as tf.Tensor2D;
    const rho = this.rho.map(cleared);
    const gamma = cleared(this.gamma);
    tf.dispose([...this.rho, this.gamma, mask]);
    [this.rho, this.gamma] = [rho, gamma];
    for (const r of rows) this.pairs[r] = 0;
  }

  dispose(): void {
    tf.dispose([...this.s, ...this.y, ...this.rho, this.gamma]);
  }
}

/**
 * Reconstructs one image per target row by bounded L-BFGS, as icnn_lbfgs (scipy's L-BFGS-B) does
 * for the paper's figures without a generator: the same loss as icnn-gd, pixels kept within
 * [0, 255], from the training mean image by default. Every image is its own optimisation problem
 * — own curvature pairs, own line search and step — computed side by side in one batch, so a
 * batch gives the same images as one-at-a-time runs.
 *
 * The bounds are handled in L-BFGS-B's spirit without its Cauchy point and subspace solve
 * (a projected quasi-Newton method): pixels at a bound whose gradient pushes them outwards are
 * held fixed; the direction is −H·g on the free pixels (two-loop recursion on the gradient with the
 * fixed pixels zeroed, then those pixels zeroed again), which is a descent direction; the trial
 * points are projected onto the box, x(α) = P(x + α·d), and accepted by the Armijo test on the
 * projected step, f(x(α)) ≤ f(x) + c·gᵀ(x(α) − x), halving α from 1. Curvature pairs are the
 * projected steps actually taken, s = x₊ − x, with y = g₊ − g, kept only if sᵀy > ε·(−gᵀs) (as
 * L-BFGS-B). An image stops (stays where it is) when a quasi-Newton step lowers its loss by less
 * than float32 resolution, or when its line search fails without memory; a failure with memory
 * refreshes it.
 */
export async function reconstructIcnnLbfgs(net: FeatureNetwork, targets: Record<string, Matrix>, options: IcnnLbfgsOptions): Promise<ImageBatch> {
  const memory = options.memory ?? 10;
  const size = net.inputSize;
  const n = size * size * CHANNELS;
  const lossOf = featureMatchLoss(net, targets, 'reconstructIcnnLbfgs');
  const count = lossOf.count;
  const centre = pixelCentre(options.meanImage);
  const centreRow = tf.tensor2d(Float32Array.from({ length: n }, (_, k) => centre[k % CHANNELS]!), [1, n]);
  const lower = tf.neg(centreRow);
  const upper = tf.sub(255, centreRow);
  const project = (x: tf.Tensor2D) => tf.minimum(tf.maximum(x, lower), upper) as tf.Tensor2D;
  /** Each listed image's loss and gradient at x (those images' rows only). */
  const evaluate = async (x: tf.Tensor2D, rows: readonly number[]): Promise<{ f: Float32Array; g: tf.Tensor2D }> => {
    const index = tf.tensor1d(rows as number[], 'int32');
    const { value, grad } = tf.tidy(() =>
      tf.valueAndGrad((v: tf.Tensor) => lossOf.perImage(tf.reshape(tf.div(tf.add(v, centreRow), 255), [rows.length, size, size, CHANNELS]) as tf.Tensor4D, index))(x),
    );
    index.dispose();
    const f = (await value.data()) as Float32Array;
    value.dispose();
    return { f, g: grad as tf.Tensor2D };
  };

  const start = options.start ?? 'mean';
  let x: tf.Tensor2D = tf.tensor2d(startImages(start, count, size, centre, options.seed ?? 0, options.meanImage, options.firstImage), [count, n]);
  const all = Array.from({ length: count }, (_, i) => i);
  let { f, g } = await evaluate(x, all);
  const history = new CurvatureHistory(count, n, memory);
  const converged = new Uint8Array(count);
  try {
    for (let it = 0; it < options.iterations; it++) {
      const active = all.filter((i) => !converged[i]);
      if (active.length === 0) {
        options.onProgress?.(1, `converged after ${it} iterations`);
        break;
      }
      // Pixels at a bound with the gradient pushing outwards stay fixed this iteration.
      const [direction, slope] = tf.tidy(() => {
        const fixed = tf.logicalOr(tf.logicalAnd(tf.lessEqual(x, lower), tf.greater(g, 0)), tf.logicalAnd(tf.greaterEqual(x, upper), tf.less(g, 0)));
        const free = tf.logicalNot(fixed);
        const d = tf.where(free, history.direction(tf.where(free, g, tf.zerosLike(g)) as tf.Tensor2D), tf.zerosLike(g)) as tf.Tensor2D;
        return [d, rowDot(g, d)];
      });
      const slopes = (await slope.data()) as Float32Array;
      slope.dispose();
      // Per-image backtracking along the projected path; each trial evaluates only the images
      // still searching.
      const step = new Float64Array(count).fill(1);
      const accepted: { rows: number[]; x: tf.Tensor2D; g: tf.Tensor2D; f: Float32Array }[] = [];
      let searching = active.filter((i) => slopes[i]! < 0);
      const failed = active.filter((i) => !(slopes[i]! < 0));
      for (let trial = 0; trial < MAX_TRIALS && searching.length > 0; trial++) {
        const rows = searching;
        const [candidate, decrease] = tf.tidy(() => {
          const index = tf.tensor1d(rows, 'int32');
          const xs = tf.gather(x, index) as tf.Tensor2D;
          const alpha = tf.tensor2d(rows.map((r) => step[r]!), [rows.length, 1]);
          const c = project(tf.add(xs, tf.mul(alpha, tf.gather(direction, index))) as tf.Tensor2D);
          return [c, rowDot(tf.gather(g, index) as tf.Tensor2D, tf.sub(c, xs) as tf.Tensor2D)];
        });
        const predicted = (await decrease.data()) as Float32Array;
        decrease.dispose();
        const trialResult = await evaluate(candidate, rows);
        const ok = rows.map((r, k) => trialResult.f[k]! <= f[r]! + ARMIJO * Math.min(predicted[k]!, 0));
        const keep = rows.filter((_, k) => ok[k]);
        if (keep.length > 0) {
          const [kx, kg] = tf.tidy(() => {
            const local = tf.tensor1d(rows.flatMap((_, k) => (ok[k] ? [k] : [])), 'int32');
            return [tf.gather(candidate, local) as tf.Tensor2D, tf.gather(trialResult.g, local) as tf.Tensor2D];
          });
          accepted.push({ rows: keep, x: kx, g: kg, f: Float32Array.from(rows.flatMap((_, k) => (ok[k] ? [trialResult.f[k]!] : []))) });
        }
        tf.dispose([candidate, trialResult.g]);
        searching = rows.filter((_, k) => !ok[k]);
        for (const r of searching) step[r] = step[r]! / 2;
      }
      failed.push(...searching);
      direction.dispose();

      let xNext = x;
      let gNext = g;
      const fNext = Float32Array.from(f);
      for (const a of accepted) {
        const [xr, gr] = [replaceRows(xNext, a.rows, a.x), replaceRows(gNext, a.rows, a.g)];
        if (xNext !== x) tf.dispose([xNext, gNext]);
        [xNext, gNext] = [xr, gr];
        a.rows.forEach((r, k) => (fNext[r] = a.f[k]!));
        tf.dispose([a.x, a.g]);
      }
      // Curvature pairs from the steps taken, where they satisfy L-BFGS-B's curvature test.
      const moved = accepted.flatMap((a) => a.rows);
      // Only a quasi-Newton step's decrease says the image has converged: the length of a step
      // without curvature (H = I) depends on the loss's scale.
      const quasiNewton = moved.filter((r) => history.pairs[r]! > 0);
      const [s, y, sy, gs] = tf.tidy(() => {
        const sT = tf.sub(xNext, x) as tf.Tensor2D;
        const yT = tf.sub(gNext, g) as tf.Tensor2D;
        return [sT, yT, rowDot(sT, yT), rowDot(g, sT)];
      });
      const [syData, gsData] = [(await sy.data()) as Float32Array, (await gs.data()) as Float32Array];
      tf.dispose([sy, gs]);
      history.push(moved.filter((r) => syData[r]! > 0 && syData[r]! > EPS * -gsData[r]!), s, y);
      tf.dispose([s, y]);
      for (const r of quasiNewton) if (f[r]! - fNext[r]! <= FTOL * Math.max(Math.abs(f[r]!), Math.abs(fNext[r]!), 1)) converged[r] = 1;
      // A failed search refreshes the image's memory; with none to refresh, it has converged.
      for (const r of failed) if (history.pairs[r] === 0) converged[r] = 1;
      history.reset(failed.filter((r) => history.pairs[r]! > 0));
      if (xNext !== x) tf.dispose([x, g]);
      [x, g, f] = [xNext, gNext, fNext];
      if ((it + 1) % 10 === 0 || it + 1 === options.iterations) options.onProgress?.((it + 1) / options.iterations, `iteration ${it + 1}/${options.iterations}`);
      // Yield every step so heartbeats, cancellation and the worker's other tasks are served.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const pixels = tf.tidy(() => tf.clipByValue(tf.div(tf.add(x, centreRow), 255), 0, 1));
    const data = (await pixels.data()) as Float32Array;
    pixels.dispose();
    return createImageBatch(count, size, size, data);
  } finally {
    tf.dispose([x, g, centreRow, lower, upper]);
    history.dispose();
    lossOf.dispose();
  }
}
