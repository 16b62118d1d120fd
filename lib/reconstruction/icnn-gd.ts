import * as tf from '@tensorflow/tfjs';
import type { FeatureNetwork } from '../features/feature-network';
import { CHANNELS, createImageBatch, type ImageBatch } from '../images/image-batch';
import type { Matrix } from '../linalg/matrix';
import { Random } from '../random';

/** The paper's gradient-descent settings (icnn_gd); blur is in pixels of the reconstructed image. */
export interface IcnnGdOptions {
  readonly iterations: number;
  readonly seed: number;
  readonly lrStart?: number;
  readonly lrEnd?: number;
  readonly momentum?: number;
  readonly decayStart?: number;
  readonly decayEnd?: number;
  readonly blurStart?: number;
  readonly blurEnd?: number;
  /** Random circular shift of up to this many pixels before each gradient (the paper's jitter). */
  readonly jitter?: number;
  /** Start from random pixels (`noise`, the code's default) or a uniform mean-grey image (`blank`). */
  readonly start?: 'noise' | 'blank';
  readonly onProgress?: (fraction: number, message: string) => void;
}

export const ICNN_GD_DEFAULTS = {
  lrStart: 2,
  lrEnd: 1e-10,
  momentum: 0.9,
  decayStart: 0.2,
  decayEnd: 1e-10,
  blurStart: 1,
  blurEnd: 0.25,
  jitter: 0,
  start: 'noise',
} as const;

/** The optimiser works in the paper's pixel units: 0–255 with the mean grey subtracted. */
const MEAN_GREY = 0.45 * 255;

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/** Circular shift of an NHWC batch by (dy, dx) pixels. */
function roll(x: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  if (dy === 0 && dx === 0) return x;
  const [, h, w] = x.shape;
  const shift = (t: tf.Tensor4D, by: number, axis: 1 | 2, length: number): tf.Tensor4D => {
    const k = ((by % length) + length) % length;
    if (k === 0) return t;
    const [head, tail] = tf.split(t, [length - k, k], axis);
    return tf.concat([tail!, head!], axis) as tf.Tensor4D;
  };
  return shift(shift(x, dy, 1, h), dx, 2, w);
}

/** Separable Gaussian blur with mirrored borders, so edges are not darkened. */
function gaussianBlur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  if (sigma <= 0.05) return x;
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = taps.reduce((a, b) => a + b, 0);
  const kernel = taps.map((t) => t / sum);
  return tf.tidy(() => {
    const k = tf.tensor1d(kernel);
    const horizontal = tf.tile(tf.reshape(k, [1, kernel.length, 1, 1]), [1, 1, CHANNELS, 1]) as tf.Tensor4D;
    const vertical = tf.tile(tf.reshape(k, [kernel.length, 1, 1, 1]), [1, 1, CHANNELS, 1]) as tf.Tensor4D;
    const padded = tf.mirrorPad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'reflect');
    return tf.depthwiseConv2d(tf.depthwiseConv2d(padded, horizontal, 1, 'valid'), vertical, 1, 'valid');
  });
}

/**
 * Reconstructs one image per target row by gradient descent on the pixels (Shen et al. 2019,
 * icnn_gd): the loss is Σ_layers ‖F_l(x) − t_l‖² / ‖t_l‖², the gradient is normalised by its mean
 * absolute value, updated with momentum, followed by pixel decay and a shrinking Gaussian blur.
 * All images are optimised together in one batch; each image's loss depends only on itself.
 */
export async function reconstructIcnnGd(cnn: FeatureNetwork, targets: Record<string, Matrix>, options: IcnnGdOptions): Promise<ImageBatch> {
  const o = { ...ICNN_GD_DEFAULTS, ...options };
  const layers = Object.keys(targets);
  if (layers.length === 0) throw new Error('reconstructIcnnGd: no target layers');
  const count = targets[layers[0]!]!.rows;
  for (const layer of layers) {
    const units = (cnn.layerShapes[layer] ?? [NaN]).reduce((a, b) => a * b, 1);
    const t = targets[layer]!;
    if (t.rows !== count || t.cols !== units) throw new Error(`reconstructIcnnGd: target "${layer}" is ${t.rows}x${t.cols}, expected ${count}x${units}`);
  }
  const size = cnn.inputSize;
  const targetTensors = layers.map((l) => tf.tensor2d(targets[l]!.data, [count, targets[l]!.cols]));
  const weights = targetTensors.map((t) => tf.tidy(() => tf.div(1, tf.maximum(tf.sum(tf.square(t), 1), 1e-12))));
  const loss = (u: tf.Tensor4D): tf.Scalar =>
    tf.tidy(() => {
      const features = cnn.forward(tf.div(tf.add(u, MEAN_GREY), 255) as tf.Tensor4D, layers);
      const terms = layers.map((l, i) => tf.sum(tf.mul(tf.sum(tf.square(tf.sub(features[l]!, targetTensors[i]!)), 1), weights[i]!)));
      return tf.addN(terms) as tf.Scalar;
    });
  const gradient = tf.grad((u: tf.Tensor) => loss(u as tf.Tensor4D));
  const rng = new Random(o.seed);
  const start = o.start === 'blank' ? () => 0 : () => rng.uniform(0, 255) - MEAN_GREY;
  let u = tf.tensor4d(Float32Array.from({ length: count * size * size * CHANNELS }, start), [count, size, size, CHANNELS]);
  let velocity: tf.Tensor4D = tf.zerosLike(u);
  try {
    for (let it = 0; it < o.iterations; it++) {
      const t = o.iterations > 1 ? it / (o.iterations - 1) : 1;
      const lr = lerp(o.lrStart, o.lrEnd, t);
      const decay = lerp(o.decayStart, o.decayEnd, t);
      const sigma = lerp(o.blurStart, o.blurEnd, t);
      const [nextU, nextVelocity] = tf.tidy(() => {
        // Jitter: the gradient at a randomly shifted image, shifted back, so the image cannot fit
        // the features through pixel-exact patterns.
        const [dy, dx] = o.jitter > 0 ? [rng.int(2 * o.jitter + 1) - o.jitter, rng.int(2 * o.jitter + 1) - o.jitter] : [0, 0];
        const g = roll(gradient(roll(u, dy, dx)) as tf.Tensor4D, -dy, -dx);
        const meanAbs = tf.maximum(tf.mean(tf.abs(g), [1, 2, 3], true), 1e-12);
        const v = tf.add(tf.mul(velocity, o.momentum), tf.div(g, meanAbs));
        let x = tf.mul(tf.sub(u, tf.mul(v, lr)), 1 - decay) as tf.Tensor4D;
        x = gaussianBlur(x, sigma);
        return [tf.clipByValue(x, -MEAN_GREY, 255 - MEAN_GREY) as tf.Tensor4D, v as tf.Tensor4D];
      });
      tf.dispose([u, velocity]);
      [u, velocity] = [nextU, nextVelocity];
      if ((it + 1) % 10 === 0 || it + 1 === o.iterations) o.onProgress?.((it + 1) / o.iterations, `iteration ${it + 1}/${o.iterations}`);
      // Yield every step so heartbeats, cancellation and the worker's other tasks are served.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const pixels = tf.tidy(() => tf.clipByValue(tf.div(tf.add(u, MEAN_GREY), 255), 0, 1));
    const data = (await pixels.data()) as Float32Array;
    pixels.dispose();
    return createImageBatch(count, size, size, data);
  } finally {
    tf.dispose([u, velocity, ...targetTensors, ...weights]);
  }
}
