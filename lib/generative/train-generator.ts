import * as tf from '@tensorflow/tfjs';
import { extractFeatures } from '../features/cnn';
import type { FeatureNetwork } from '../features/feature-network';
import { CHANNELS, type ImageBatch } from '../images/image-batch';
import type { Matrix } from '../linalg/matrix';
import { Random } from '../random';
import { createGenerator, Generator, type GeneratorConfig } from './generator';

/**
 * Training of the generator prior (Dosovitskiy & Brox 2016, "generating images with perceptual
 * similarity metrics", without the adversarial term): G learns to invert the comparator network's
 * latent layer, minimising pixel MSE(G(z), x) + λ · feature loss, where z = relu(F_latent(x)) and
 * the feature loss is ‖F_mid(G(z)) − F_mid(x)‖² / ‖F_mid(x)‖² (mean over the batch).
 */
export interface TrainGeneratorOptions {
  /** The comparator layer the generator inverts (after ReLU), e.g. vgg-mini 'fc1'. */
  readonly latentLayer: string;
  readonly seed: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** λ of the feature loss; 0 trains on pixels only. */
  readonly featureLossWeight?: number;
  /** Layer of the feature loss; 'conv2_2' when the network has it, else its middle layer. */
  readonly featureLayer?: string;
  /** Quantile of the training latents that becomes each unit's upper bound for reconstruction. */
  readonly upperBoundQuantile?: number;
  readonly architecture?: Partial<Pick<GeneratorConfig, 'denseUnits' | 'channels'>>;
  readonly onProgress?: (fraction: number, message: string) => void;
}

/** Chosen so the default 1,200 images at 32×32 train in a few minutes on wasm (see bench/generator.ts). */
export const TRAIN_GENERATOR_DEFAULTS = {
  epochs: 8,
  batchSize: 32,
  learningRate: 1e-3,
  featureLossWeight: 0.05,
  upperBoundQuantile: 0.99,
} as const;

export interface GeneratorEpoch {
  /** 0: the untrained generator over the training set; then the mean over each epoch's batches. */
  readonly epoch: number;
  readonly pixelLoss: number;
  readonly featureLoss: number;
}

export interface TrainedGenerator {
  /** Carries the per-unit latent upper bound (quantile of the training latents). */
  readonly generator: Generator;
  readonly history: GeneratorEpoch[];
}

/** relu in place: the latent is the non-negative post-ReLU activity, as the DGN's fc7 input. */
function reluInPlace(m: Matrix): Matrix {
  for (let i = 0; i < m.data.length; i++) if (m.data[i]! < 0) m.data[i] = 0;
  return m;
}

/** Per-column quantile (linear interpolation between order statistics). */
export function columnQuantile(m: Matrix, q: number): Float32Array {
  const out = new Float32Array(m.cols);
  const column = new Float32Array(m.rows);
  for (let j = 0; j < m.cols; j++) {
    for (let i = 0; i < m.rows; i++) column[i] = m.data[i * m.cols + j]!;
    column.sort();
    const pos = q * (m.rows - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, m.rows - 1);
    out[j] = column[lo]! + (column[hi]! - column[lo]!) * (pos - lo);
  }
  return out;
}

function rms(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return Math.sqrt(s / Math.max(1, values.length));
}

function defaultFeatureLayer(net: FeatureNetwork): string {
  if (net.layerNames.includes('conv2_2')) return 'conv2_2';
  const spatial = net.layerNames.filter((l) => (net.layerShapes[l]?.length ?? 0) === 3);
  const pool = spatial.length > 0 ? spatial : net.layerNames;
  return pool[Math.floor(pool.length / 2)]!;
}

/** Trains a generator on `images` (which must be at the network's input size). */
export async function trainGenerator(images: ImageBatch, net: FeatureNetwork, options: TrainGeneratorOptions): Promise<TrainedGenerator> {
  const o = { ...TRAIN_GENERATOR_DEFAULTS, ...options };
  const size = net.inputSize;
  if (images.height !== size || images.width !== size) throw new Error(`trainGenerator: images are ${images.height}x${images.width}, the network takes ${size}x${size}`);
  if (!net.layerNames.includes(o.latentLayer)) throw new Error(`trainGenerator: ${net.name} has no layer "${o.latentLayer}"`);
  if (images.count < 1) throw new Error('trainGenerator: no images');
  const featureLayer = o.featureLayer ?? defaultFeatureLayer(net);
  const progress = o.onProgress ?? ((): void => undefined);

  const latents = reluInPlace(
    (await extractFeatures(net, images, { batchSize: 100, layers: [o.latentLayer], onProgress: (f) => progress(0.05 * f, 'latents of the training images') }))[o.latentLayer]!,
  );
  const latentScale = 1 / Math.max(rms(latents.data), 1e-6);
  const initial = createGenerator(
    { latentSize: latents.cols, imageSize: size, latentScale, source: { network: net.name, layer: o.latentLayer }, ...o.architecture },
    o.seed,
  );
  const generator = new Generator(initial.config, initial.params, columnQuantile(latents, o.upperBoundQuantile));

  const pixels = size * size * CHANNELS;
  const batchTensors = (indices: readonly number[]): [tf.Tensor4D, tf.Tensor2D] => {
    const x = new Float32Array(indices.length * pixels);
    const z = new Float32Array(indices.length * latents.cols);
    indices.forEach((idx, k) => {
      x.set(images.data.subarray(idx * pixels, (idx + 1) * pixels), k * pixels);
      z.set(latents.data.subarray(idx * latents.cols, (idx + 1) * latents.cols), k * latents.cols);
    });
    return [tf.tensor4d(x, [indices.length, size, size, CHANNELS]), tf.tensor2d(z, [indices.length, latents.cols])];
  };
  /** [pixel loss, feature loss] of one batch, as scalars owned by the caller. */
  const losses = (x: tf.Tensor4D, z: tf.Tensor2D): [tf.Scalar, tf.Scalar] =>
    tf.tidy(() => {
      const out = generator.generate(z);
      const pixel = tf.mean(tf.squaredDifference(out, x));
      const f = net.forward(tf.concat([out, x]), [featureLayer]);
      const [fOut, fTrue] = tf.split(f[featureLayer]!, 2);
      const feature = tf.div(tf.mean(tf.squaredDifference(fOut!, fTrue!)), tf.maximum(tf.mean(tf.square(fTrue!)), 1e-12));
      return [pixel as tf.Scalar, feature as tf.Scalar];
    });

  const history: GeneratorEpoch[] = [];
  const optimizer = tf.train.adam(o.learningRate);
  const rng = new Random(o.seed).fork(1);
  const order = Array.from({ length: images.count }, (_, i) => i);
  const batchesPerEpoch = Math.ceil(images.count / o.batchSize);
  try {
    // Epoch 0: the untrained generator, as the baseline the training must beat.
    let sums = [0, 0];
    for (let start = 0; start < images.count; start += o.batchSize) {
      const [x, z] = batchTensors(order.slice(start, start + o.batchSize));
      const l = losses(x, z);
      const values = await Promise.all(l.map(async (t) => (await t.data())[0]!));
      tf.dispose([x, z, ...l]);
      sums = sums.map((s, i) => s + values[i]! * x.shape[0]);
    }
    history.push({ epoch: 0, pixelLoss: sums[0]! / images.count, featureLoss: sums[1]! / images.count });

    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      rng.shuffle(order);
      sums = [0, 0];
      for (let b = 0; b < batchesPerEpoch; b++) {
        const [x, z] = batchTensors(order.slice(b * o.batchSize, (b + 1) * o.batchSize));
        let parts: tf.Scalar[] = [];
        const cost = optimizer.minimize(
          () => {
            const [pixel, feature] = losses(x, z);
            parts = [tf.keep(pixel), tf.keep(feature)];
            return tf.add(pixel, tf.mul(feature, o.featureLossWeight)) as tf.Scalar;
          },
          true,
          generator.variables(),
        );
        const values = await Promise.all(parts.map(async (t) => (await t.data())[0]!));
        tf.dispose([x, z, ...parts]);
        if (cost) cost.dispose();
        sums = sums.map((s, i) => s + values[i]! * x.shape[0]);
        const done = (epoch - 1 + (b + 1) / batchesPerEpoch) / o.epochs;
        progress(0.05 + 0.95 * done, `epoch ${epoch}/${o.epochs}, batch ${b + 1}/${batchesPerEpoch}`);
        // Yield every batch so heartbeats, cancellation and other tasks are served.
        await new Promise((resolve) => setImmediate(resolve));
      }
      history.push({ epoch, pixelLoss: sums[0]! / images.count, featureLoss: sums[1]! / images.count });
    }
  } catch (e) {
    generator.dispose();
    throw e;
  } finally {
    optimizer.dispose();
  }
  return { generator, history };
}
