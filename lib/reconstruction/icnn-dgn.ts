import * as tf from '@tensorflow/tfjs';
import type { FeatureNetwork } from '../features/feature-network';
import type { ImageGenerator } from '../generative/image-generator';
import { createImageBatch, type ImageBatch } from '../images/image-batch';
import { createMatrix, type Matrix } from '../linalg/matrix';

/** The paper's settings for reconstruction through the deep generator network (icnn_dgn). */
export interface IcnnDgnOptions {
  readonly iterations?: number;
  /** Unused by the (deterministic, zeros-start) optimisation; kept so all reconstructors take one. */
  readonly seed?: number;
  readonly lrStart?: number;
  readonly lrEnd?: number;
  readonly momentum?: number;
  /** Latent decay per iteration: z ← (1 − decay) z. */
  readonly decay?: number;
  /** Per-unit latent upper bound; defaults to the generator's own (from its training latents). */
  readonly upperBound?: Float32Array;
  readonly onProgress?: (fraction: number, message: string) => void;
}

export const ICNN_DGN_DEFAULTS = {
  iterations: 200,
  lrStart: 2,
  lrEnd: 1e-10,
  momentum: 0.9,
  decay: 0.01,
} as const;

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

export interface DgnReconstruction {
  readonly images: ImageBatch;
  /** The optimised latents, images × latent units. */
  readonly latents: Matrix;
}

/** Reads the final latents and their images back (z stays owned by the caller). */
async function readBack(generator: ImageGenerator, z: tf.Tensor2D, count: number): Promise<DgnReconstruction> {
  const images = generator.generate(z);
  const data = (await images.data()) as Float32Array;
  images.dispose();
  const size = generator.imageSize;
  return { images: createImageBatch(count, size, size, data), latents: createMatrix(count, generator.latentSize, (await z.data()) as Float32Array) };
}

/**
 * Reconstructs one image per target row through the generator prior (Shen et al. 2019, icnn_dgn):
 * the latent z (zeros at the start) is optimised so that the comparator features of G(z) match the
 * targets, loss Σ_layers ‖F_l(G(z)) − t_l‖² / ‖t_l‖². Each image's gradient is normalised by its
 * mean absolute value, accumulated with momentum (δ ← m·δ + g/mean|g|; z ← z − lr·δ), then the
 * latent decays (z ← (1 − d) z) and is clipped to [0, upper bound]. lr falls linearly from lrStart
 * to lrEnd as icnn_dgn_gd's schedule. All images are optimised together; each image's loss depends
 * only on itself.
 */
export async function optimiseDgnLatents(
  net: FeatureNetwork,
  generator: ImageGenerator,
  targets: Record<string, Matrix>,
  options: IcnnDgnOptions = {},
): Promise<DgnReconstruction> {
  const o = { ...ICNN_DGN_DEFAULTS, ...options };
  const layers = Object.keys(targets);
  if (layers.length === 0) throw new Error('icnn-dgn: no target layers');
  if (generator.imageSize !== net.inputSize) throw new Error(`icnn-dgn: generator makes ${generator.imageSize}px images, ${net.name} takes ${net.inputSize}px`);
  const count = targets[layers[0]!]!.rows;
  for (const layer of layers) {
    const units = (net.layerShapes[layer] ?? [NaN]).reduce((a, b) => a * b, 1);
    const t = targets[layer]!;
    if (t.rows !== count || t.cols !== units) throw new Error(`icnn-dgn: target "${layer}" is ${t.rows}x${t.cols}, expected ${count}x${units}`);
  }
  const latentSize = generator.latentSize;
  const bound = o.upperBound ?? generator.latentUpperBound;
  if (bound && bound.length !== latentSize) throw new Error(`icnn-dgn: upper bound has ${bound.length} values, expected ${latentSize}`);

  const targetTensors = layers.map((l) => tf.tensor2d(targets[l]!.data, [count, targets[l]!.cols]));
  const weights = targetTensors.map((t) => tf.tidy(() => tf.div(1, tf.maximum(tf.sum(tf.square(t), 1), 1e-12))));
  const upper = bound ? tf.tensor2d(bound, [1, latentSize]) : undefined;
  const loss = (z: tf.Tensor2D): tf.Scalar =>
    tf.tidy(() => {
      const features = net.forward(generator.generate(z), layers);
      const terms = layers.map((l, i) => tf.sum(tf.mul(tf.sum(tf.square(tf.sub(features[l]!, targetTensors[i]!)), 1), weights[i]!)));
      return tf.addN(terms) as tf.Scalar;
    });
  const gradient = tf.grad((z: tf.Tensor) => loss(z as tf.Tensor2D));
  let z: tf.Tensor2D = tf.zeros([count, latentSize]);
  let velocity: tf.Tensor2D = tf.zeros([count, latentSize]);
  try {
    for (let it = 0; it < o.iterations; it++) {
      // icnn: value = start + t·(end − start)/iter_n, so the last step is one step short of `end`.
      const t = it / o.iterations;
      const lr = lerp(o.lrStart, o.lrEnd, t);
      const [nextZ, nextVelocity] = tf.tidy(() => {
        const g = gradient(z) as tf.Tensor2D;
        const meanAbs = tf.maximum(tf.mean(tf.abs(g), 1, true), 1e-12);
        const v = tf.add(tf.mul(velocity, o.momentum), tf.div(g, meanAbs)) as tf.Tensor2D;
        const decayed = tf.mul(tf.sub(z, tf.mul(v, lr)), 1 - o.decay);
        const clipped = upper ? tf.minimum(tf.relu(decayed), upper) : tf.relu(decayed);
        return [clipped as tf.Tensor2D, v];
      });
      tf.dispose([z, velocity]);
      [z, velocity] = [nextZ, nextVelocity];
      if ((it + 1) % 10 === 0 || it + 1 === o.iterations) o.onProgress?.((it + 1) / o.iterations, `iteration ${it + 1}/${o.iterations}`);
      // Yield every step so heartbeats, cancellation and the worker's other tasks are served.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return await readBack(generator, z, count);
  } finally {
    tf.dispose([z, velocity, ...targetTensors, ...weights]);
    upper?.dispose();
  }
}

/** Reconstructions as images (see `optimiseDgnLatents`). */
export async function reconstructIcnnDgn(
  net: FeatureNetwork,
  generator: ImageGenerator,
  targets: Record<string, Matrix>,
  options: IcnnDgnOptions = {},
): Promise<ImageBatch> {
  return (await optimiseDgnLatents(net, generator, targets, options)).images;
}
