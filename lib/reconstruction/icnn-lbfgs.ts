import * as tf from '@tensorflow/tfjs';
import type { FeatureNetwork } from '../features/feature-network';
import { CHANNELS, createImageBatch, type ImageBatch } from '../images/image-batch';
import type { Matrix } from '../linalg/matrix';

/** The paper's alternative optimiser: limited-memory BFGS on pixels within their valid range. */
export interface IcnnLbfgsOptions {
  readonly iterations: number;
  /** Curvature pairs kept per image. */
  readonly memory?: number;
  readonly onProgress?: (fraction: number, message: string) => void;
}

/** Pixel units as in icnn-gd: 0–255 with the mean grey subtracted; bounds are the valid range. */
const MEAN_GREY = 0.45 * 255;
const ARMIJO = 1e-4;
const MAX_HALVINGS = 12;

/** Row-wise dot products of two [batch, n] tensors, as [batch, 1]. */
function rowDot(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(a, b), 1, true) as tf.Tensor2D;
}

/**
 * Reconstructs one image per target row by projected L-BFGS (the paper's figures without a
 * generator: 200 iterations from a mean-colour image, pixels kept in the valid range). Every image
 * keeps its own curvature history (two-loop recursion row-wise); the step length is found by
 * backtracking on the summed loss, which is separable across images.
 */
export async function reconstructIcnnLbfgs(net: FeatureNetwork, targets: Record<string, Matrix>, options: IcnnLbfgsOptions): Promise<ImageBatch> {
  const memory = options.memory ?? 10;
  const layers = Object.keys(targets);
  if (layers.length === 0) throw new Error('reconstructIcnnLbfgs: no target layers');
  const count = targets[layers[0]!]!.rows;
  const size = net.inputSize;
  const pixels = size * size * CHANNELS;
  for (const layer of layers) {
    const units = (net.layerShapes[layer] ?? [NaN]).reduce((a, b) => a * b, 1);
    const t = targets[layer]!;
    if (t.rows !== count || t.cols !== units) throw new Error(`reconstructIcnnLbfgs: target "${layer}" is ${t.rows}x${t.cols}, expected ${count}x${units}`);
  }
  const targetTensors = layers.map((l) => tf.tensor2d(targets[l]!.data, [count, targets[l]!.cols]));
  const weights = targetTensors.map((t) => tf.tidy(() => tf.div(1, tf.maximum(tf.sum(tf.square(t), 1), 1e-12))));
  const loss = (x: tf.Tensor2D): tf.Scalar =>
    tf.tidy(() => {
      const images = tf.reshape(tf.div(tf.add(x, MEAN_GREY), 255), [count, size, size, CHANNELS]) as tf.Tensor4D;
      const features = net.forward(images, layers);
      return tf.addN(layers.map((l, i) => tf.sum(tf.mul(tf.sum(tf.square(tf.sub(features[l]!, targetTensors[i]!)), 1), weights[i]!)))) as tf.Scalar;
    });
  const valueAndGrad = tf.valueAndGrad((x: tf.Tensor) => loss(x as tf.Tensor2D));
  const project = (x: tf.Tensor2D) => tf.clipByValue(x, -MEAN_GREY, 255 - MEAN_GREY) as tf.Tensor2D;

  let x: tf.Tensor2D = tf.zeros([count, pixels]);
  let { value: f, grad: g } = tf.tidy(() => {
    const r = valueAndGrad(x);
    return { value: r.value, grad: r.grad as tf.Tensor2D };
  });
  const history: { s: tf.Tensor2D; y: tf.Tensor2D; rho: tf.Tensor2D }[] = [];
  try {
    for (let it = 0; it < options.iterations; it++) {
      const direction = tf.tidy(() => {
        let q: tf.Tensor2D = g;
        const alphas: tf.Tensor2D[] = [];
        for (let i = history.length - 1; i >= 0; i--) {
          const h = history[i]!;
          const a = tf.mul(h.rho, rowDot(h.s, q)) as tf.Tensor2D;
          alphas[i] = a;
          q = tf.sub(q, tf.mul(a, h.y)) as tf.Tensor2D;
        }
        let r: tf.Tensor2D;
        const newest = history[history.length - 1];
        if (newest) {
          const gamma = tf.div(rowDot(newest.s, newest.y), tf.maximum(rowDot(newest.y, newest.y), 1e-20));
          r = tf.mul(gamma, q) as tf.Tensor2D;
        } else {
          // No curvature yet: a steepest-descent step moving the largest pixel change by ~8 units.
          r = tf.mul(q, tf.div(8, tf.maximum(tf.max(tf.abs(q), 1, true), 1e-12))) as tf.Tensor2D;
        }
        for (let i = 0; i < history.length; i++) {
          const h = history[i]!;
          const b = tf.mul(h.rho, rowDot(h.y, r));
          r = tf.add(r, tf.mul(h.s, tf.sub(alphas[i]!, b))) as tf.Tensor2D;
        }
        return tf.neg(r) as tf.Tensor2D;
      });
      const fNow = (await f.data())[0]!;
      const slopeTensor = tf.tidy(() => tf.sum(tf.mul(g, direction)));
      const slope = (await slopeTensor.data())[0]!;
      slopeTensor.dispose();
      let step = 1;
      let accepted: { x: tf.Tensor2D; f: tf.Scalar; g: tf.Tensor2D } | undefined;
      for (let h = 0; h <= MAX_HALVINGS; h++) {
        const candidate = tf.tidy(() => project(tf.add(x, tf.mul(direction, step)) as tf.Tensor2D));
        const r = tf.tidy(() => {
          const out = valueAndGrad(candidate);
          return { value: out.value, grad: out.grad as tf.Tensor2D };
        });
        const fNew = (await r.value.data())[0]!;
        if (fNew <= fNow + ARMIJO * step * Math.min(slope, 0) || h === MAX_HALVINGS) {
          accepted = { x: candidate, f: r.value, g: r.grad };
          break;
        }
        tf.dispose([candidate, r.value, r.grad]);
        step /= 2;
      }
      direction.dispose();
      const next = accepted!;
      // Curvature pair; rows with sᵀy ≤ 0 get ρ = 0 and so contribute nothing.
      const pair = tf.tidy(() => {
        const s = tf.sub(next.x, x) as tf.Tensor2D;
        const y = tf.sub(next.g, g) as tf.Tensor2D;
        const sy = rowDot(s, y);
        const rho = tf.where(tf.greater(sy, 1e-10), tf.div(1, tf.maximum(sy, 1e-10)), tf.zerosLike(sy)) as tf.Tensor2D;
        return { s, y, rho };
      });
      history.push(pair);
      if (history.length > memory) {
        const old = history.shift()!;
        tf.dispose([old.s, old.y, old.rho]);
      }
      tf.dispose([x, f, g]);
      [x, f, g] = [next.x, next.f, next.g];
      if ((it + 1) % 10 === 0 || it + 1 === options.iterations) options.onProgress?.((it + 1) / options.iterations, `iteration ${it + 1}/${options.iterations}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const pixelsOut = tf.tidy(() => tf.clipByValue(tf.div(tf.add(x, MEAN_GREY), 255), 0, 1));
    const data = (await pixelsOut.data()) as Float32Array;
    pixelsOut.dispose();
    return createImageBatch(count, size, size, data);
  } finally {
    tf.dispose([x, f, g, ...targetTensors, ...weights, ...history.flatMap((h) => [h.s, h.y, h.rho])]);
  }
}
