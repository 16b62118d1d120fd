import * as tf from '@tensorflow/tfjs';
import { CHANNELS, type ImageBatch } from '../images/image-batch';
import { createMatrix, type Matrix } from '../linalg/matrix';
import { Random } from '../random';
import { CGAN_CONFIG_DEFAULTS, type CganConfig } from './cgan-config';
import { CganDiscriminator } from './cgan-discriminator';
import { createCganModel, disposeCgan, type CganModel } from './cgan-model';
import { encodeConditions, fitConditionEncoder, type ConditionEncoder } from './condition-encoder';
import { fitImageAlignedEncoder } from './image-aligned-encoder';
import { klDivergence, sampleCondition } from './conditioning-augmentation';
import { distinctImageGroups } from './distinct-images';
import { disposeVariables, trainable } from './seeded-variables';

export interface TrainCganOptions {
  readonly seed: number;
  /** Side of the generated images (multiple of 8, 16–64); training images are resized to it (bilinear, squashed if not square). */
  readonly outputSize?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Adam learning rate of both networks (β1 = 0.5, β2 = 0.999, as StackGAN). */
  readonly learningRate?: number;
  /** Weight of the KL term, applied to the KL per embedding dimension (as StackGAN's code). */
  readonly klWeight?: number;
  /**
   * Weight of an auxiliary pixel loss on the generator: mean |G(z, c) − x| over pixels in [-1, 1],
   * x the condition's own image (pix2pix's L1 term). Not in Yu et al. or StackGAN (0 = faithful);
   * it makes the few steps a CPU affords learn the voxel → layout mapping (docs/science.md).
   */
  readonly reconstructionWeight?: number;
  /**
   * GAN-CLS / StackGAN's matching-aware discriminator: (real image, another image's condition) is
   * also labelled fake (default true). false leaves a plain conditional discriminator (ablation).
   */
  readonly matchingAware?: boolean;
  /** The condition embedding's length (capped at rows − 1): image components predicted, or voxel principal axes kept. */
  readonly conditionComponents?: number;
  /**
   * How voxel patterns become the condition embedding: `image-aligned` (default) learns a ridge map
   * onto the training images' principal components, as StackGAN's sentence encoder is trained to
   * embed next to its image (lib/gan/image-aligned-encoder.ts); `voxel-pca` projects on the voxels'
   * own principal axes, unsupervised.
   */
  readonly conditionEncoder?: ConditionEncoderKind;
  readonly architecture?: Partial<Pick<CganConfig, 'embeddingDim' | 'noiseDim' | 'generatorChannels' | 'discriminatorChannels'>>;
  readonly onProgress?: (fraction: number, message: string) => void;
  /** Called after each epoch with its losses and the model as it stands (e.g. to draw samples). */
  readonly onEpoch?: (losses: CganEpoch, model: CganModel, trainingConditions: Matrix) => void;
}

/**
 * epochs: the default data (1,200 averaged pairs → 18 steps of 64 per epoch, 32×32) cost about
 * 1 s per step on 2 shared wasm cores (bench/cgan.ts), so 6 epochs (108 steps) train in about
 * 2 minutes. That is few steps for a GAN; raise epochs where time allows.
 * Adam 2e-4, β1 0.5 as StackGAN. conditionComponents 128: the length of StackGAN's text embedding.
 */
export const TRAIN_CGAN_DEFAULTS = {
  outputSize: CGAN_CONFIG_DEFAULTS.outputSize,
  epochs: 6,
  batchSize: 64,
  learningRate: 2e-4,
  beta1: 0.5,
  klWeight: 2,
  reconstructionWeight: 0,
  matchingAware: true,
  conditionComponents: 128,
  conditionEncoder: 'image-aligned',
} as const;

export type ConditionEncoderKind = 'image-aligned' | 'voxel-pca';

/** One epoch's losses, each the mean over the epoch's steps (binary cross-entropies in nats). */
export interface CganEpoch {
  readonly epoch: number;
  /** Discriminator on (real image, its condition), labelled real: −log D. */
  readonly dRealRight: number;
  /** Discriminator on (real image, another image's condition), labelled fake: −log(1 − D). */
  readonly dRealWrong: number;
  /** Discriminator on (generated image, its condition), labelled fake: −log(1 − D). */
  readonly dFakeRight: number;
  /** The discriminator's loss: dRealRight + (dFakeRight + dRealWrong) / 2 (StackGAN), as trained when matching-aware. */
  readonly dLoss: number;
  /** Generator's adversarial loss (non-saturating, −log D(fake)); KL excluded. */
  readonly gLoss: number;
  /** KL(N(μ, σ²) ‖ N(0, I)) of the conditioning augmentation, nats per trial. */
  readonly kl: number;
  /** Mean |G(z, c) − x| over pixels in [-1, 1]; recorded also when it is not trained on. */
  readonly pixelL1: number;
}

export interface TrainedCgan {
  readonly model: CganModel;
  readonly history: CganEpoch[];
}

/** The encoder and the training rows' conditions (out-of-fold for the learned encoder). */
function fitEncoder(voxels: Matrix, images: ImageBatch, groups: Int32Array, dim: number, kind: ConditionEncoderKind): { encoder: ConditionEncoder; conditions: Matrix } {
  if (kind === 'voxel-pca') {
    const encoder = fitConditionEncoder(voxels, dim);
    return { encoder, conditions: encodeConditions(encoder, voxels) };
  }
  const pixels = createMatrix(images.count, images.data.length / images.count, images.data);
  const fit = fitImageAlignedEncoder(voxels, pixels, groups, dim);
  return { encoder: fit.encoder, conditions: fit.trainingConditions };
}

/** −log σ(l) and −log(1 − σ(l)), written with softplus so large logits stay finite. */
const bceReal = (logits: tf.Tensor): tf.Scalar => tf.mean(tf.softplus(tf.neg(logits)));
const bceFake = (logits: tf.Tensor): tf.Scalar => tf.mean(tf.softplus(logits));

const namedGradients = (grads: tf.NamedTensorMap): { name: string; tensor: tf.Tensor }[] => Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));

/** NHWC [0, 1] → [-1, 1] at size × size (bilinear), as one tensor owned by the caller. */
function imageTensor(images: ImageBatch, size: number): tf.Tensor4D {
  return tf.tidy(() => {
    let x = tf.tensor4d(images.data, [images.count, images.height, images.width, CHANNELS]);
    if (images.height !== size || images.width !== size) x = tf.image.resizeBilinear(x, [size, size]);
    return tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D;
  });
}

/** For each row, a random trial that showed a different image: the mismatched condition. */
function mismatchedRows(rows: readonly number[], groups: Int32Array, rng: Random): number[] {
  return rows.map((r) => {
    for (;;) {
      const j = rng.int(groups.length);
      if (groups[j] !== groups[r]) return j;
    }
  });
}

/**
 * Trains the StackGAN stage-I conditional GAN with the voxel vector (one row per pair: an image's
 * averaged trials, or single trials) as the condition of that image. The voxels are first encoded
 * (standardised with these rows' statistics, projected on their top principal axes); the encoder
 * is part of the returned model so generation repeats it. Matching-aware discriminator: (real image,
 * its condition) is real; (generated image, condition) and (real image, another image's condition)
 * are fake. Generator: non-saturating loss + klWeight · KL per embedding dimension, plus
 * reconstructionWeight · mean |G(z, c) − x| when that departure is switched on.
 */
export async function trainCgan(voxels: Matrix, images: ImageBatch, options: TrainCganOptions): Promise<TrainedCgan> {
  // Explicit undefined options fall back to the defaults too.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TrainCganOptions;
  const o = { ...TRAIN_CGAN_DEFAULTS, ...given };
  const n = voxels.rows;
  if (images.count !== n) throw new Error(`trainCgan: ${n} voxel rows but ${images.count} images`);
  if (n < 2) throw new Error(`trainCgan: needs at least 2 trials, got ${n}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error(`trainCgan: epochs must be a positive integer, got ${o.epochs}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 2) throw new Error(`trainCgan: batchSize must be an integer ≥ 2, got ${o.batchSize}`);
  for (const key of ['klWeight', 'reconstructionWeight'] as const) {
    if (!(o[key] >= 0)) throw new Error(`trainCgan: ${key} must be ≥ 0, got ${o[key]}`);
  }
  const groups = distinctImageGroups(images);
  if (groups.every((g) => g === 0)) throw new Error('trainCgan: all trials show the same image; the matching-aware loss needs two or more');
  const progress = o.onProgress ?? ((): void => undefined);

  const { encoder, conditions } = fitEncoder(voxels, images, groups, o.conditionComponents, o.conditionEncoder);
  const config: CganConfig = { ...CGAN_CONFIG_DEFAULTS, ...o.architecture, conditionDim: encoder.dim, outputSize: o.outputSize };
  const model = createCganModel(config, encoder, o.seed);
  const rng = new Random(o.seed).fork(3);
  const discriminator = new CganDiscriminator(rng.fork(4), config);
  const generatorVars = [...trainable(model.conditioning.namedVariables()), ...trainable(model.generator.namedVariables())];
  const discriminatorVars = trainable(discriminator.namedVariables());
  const gOptimizer = tf.train.adam(o.learningRate, o.beta1, 0.999);
  const dOptimizer = tf.train.adam(o.learningRate, o.beta1, 0.999);
  const allImages = imageTensor(images, config.outputSize);
  const allVoxels = tf.tensor2d(conditions.data, [n, conditions.cols]);

  // Full batches only (batch norm needs several rows); reshuffling each epoch covers every trial.
  const batch = Math.min(o.batchSize, n);
  const steps = Math.floor(n / batch);
  const order = Array.from({ length: n }, (_, i) => i);
  const history: CganEpoch[] = [];
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      rng.shuffle(order);
      // Sums over the epoch's steps of [real/right, real/wrong, fake/right, G adversarial, KL, pixel L1].
      const sums = [0, 0, 0, 0, 0, 0];
      for (let s = 0; s < steps; s++) {
        const rows = order.slice(s * batch, (s + 1) * batch);
        const rowsT = tf.tensor1d(rows, 'int32');
        const wrongT = tf.tensor1d(mismatchedRows(rows, groups, rng), 'int32');
        const real = tf.gather(allImages, rowsT);
        const cond = tf.gather(allVoxels, rowsT);
        const wrong = tf.gather(allVoxels, wrongT);
        const z = tf.randomNormal([batch, config.noiseDim], 0, 1, 'float32', rng.int(2 ** 31)) as tf.Tensor2D;
        const eps = tf.randomNormal([batch, config.embeddingDim], 0, 1, 'float32', rng.int(2 ** 31)) as tf.Tensor2D;
        // The generator's batch statistics are folded into its moving averages here, outside any tape;
        // the generator step below recomputes the same batch (same z, ε, weights) with gradients.
        const fake = tf.tidy(() => model.generator.forward(z, sampleCondition(model.conditioning.distribution(cond), eps), 'batch-and-track'));

        // [real/right, real/wrong, fake/right], kept out of the tape's tidy for the history.
        const dParts: tf.Scalar[] = [];
        const d = tf.variableGrads(() => {
          const realFeatures = discriminator.features(real);
          const errReal = tf.keep(bceReal(discriminator.logits(realFeatures, cond)));
          const errWrong = tf.keep(bceFake(discriminator.logits(realFeatures, wrong)));
          const errFake = tf.keep(bceFake(discriminator.logits(discriminator.features(fake), cond)));
          dParts.push(errReal, errWrong, errFake);
          // Without the matching-aware term (ablation) the wrong pairs are still scored, not trained on.
          return (o.matchingAware ? tf.add(errReal, tf.mul(tf.add(errFake, errWrong), 0.5)) : tf.add(errReal, errFake)) as tf.Scalar;
        }, discriminatorVars);
        dOptimizer.applyGradients(namedGradients(d.grads));

        // [adversarial loss, KL], kept out of the tape's tidy for the history.
        const gParts: tf.Scalar[] = [];
        const g = tf.variableGrads(() => {
          const dist = model.conditioning.distribution(cond);
          const generated = model.generator.forward(z, sampleCondition(dist, eps), 'batch');
          const adversarial = tf.keep(bceReal(discriminator.logits(discriminator.features(generated), cond)));
          const kl = tf.keep(klDivergence(dist));
          const pixel = tf.keep(tf.mean(tf.abs(tf.sub(generated, real))) as tf.Scalar);
          gParts.push(adversarial, kl, pixel);
          const loss = tf.add(adversarial, tf.mul(kl, o.klWeight / config.embeddingDim));
          return (o.reconstructionWeight > 0 ? tf.add(loss, tf.mul(pixel, o.reconstructionWeight)) : loss) as tf.Scalar;
        }, generatorVars);
        gOptimizer.applyGradients(namedGradients(g.grads));

        const values = await Promise.all([...dParts, ...gParts].map(async (t) => (await t.data())[0]!));
        tf.dispose([rowsT, wrongT, real, cond, wrong, z, eps, fake, d.value, g.value, ...dParts, ...gParts, ...Object.values(d.grads), ...Object.values(g.grads)]);
        values.forEach((v, i) => (sums[i] = sums[i]! + v));
        progress((epoch - 1 + (s + 1) / steps) / o.epochs, `epoch ${epoch}/${o.epochs}, step ${s + 1}/${steps}`);
        // Yield every step so heartbeats, cancellation and other tasks are served.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const [dRealRight, dRealWrong, dFakeRight, gLoss, kl, pixelL1] = sums.map((v) => v / steps) as [number, number, number, number, number, number];
      const row: CganEpoch = { epoch, dRealRight, dRealWrong, dFakeRight, dLoss: dRealRight + (dFakeRight + dRealWrong) / 2, gLoss, kl, pixelL1 };
      history.push(row);
      o.onEpoch?.(row, model, conditions);
    }
  } catch (e) {
    disposeCgan(model);
    throw e;
  } finally {
    tf.dispose([allImages, allVoxels]);
    disposeVariables(discriminator.namedVariables());
    gOptimizer.dispose();
    dOptimizer.dispose();
  }
  return { model, history };
}
