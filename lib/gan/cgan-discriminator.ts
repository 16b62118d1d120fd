import * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';
import { matMulFastGradient } from './mat-mul-fast-gradient';
import { BatchNorm } from './batch-norm';
import { spatialPlan, type CganConfig } from './cgan-config';
import { conv2dFastGradient } from './conv2d-fast-gradient';
import { constantVariable, normalVariable, prefixed, type NamedVariables } from './seeded-variables';

const INIT_SD = 0.02;
const LEAK = 0.2;

/**
 * StackGAN stage-I discriminator. Image trunk: 4×4 stride-2 convs (channels doubling, batch norm
 * after all but the first, leaky ReLU 0.2) down to baseSize². Head: the condition is embedded by
 * its own fc + leaky ReLU (as StackGAN's TensorFlow code), replicated over the baseSize² grid and
 * concatenated with the image features → 3×3 conv → BN → leaky ReLU → baseSize² conv → one logit.
 * Used in training only, always with batch statistics; it is not part of the saved model.
 */
export class CganDiscriminator {
  private readonly baseSize: number;
  private readonly trunk: { readonly filter: tf.Variable; readonly norm: BatchNorm | null }[] = [];
  private readonly embedWeight: tf.Variable;
  private readonly embedBias: tf.Variable;
  private readonly joint: tf.Variable;
  private readonly jointNorm: BatchNorm;
  private readonly toLogit: tf.Variable;
  private readonly logitBias: tf.Variable;

  constructor(rng: Random, readonly config: CganConfig) {
    const plan = spatialPlan(config.outputSize);
    this.baseSize = plan.baseSize;
    let channels = 3;
    for (let b = 0; b < plan.blocks; b++) {
      const out = config.discriminatorChannels * 2 ** b;
      this.trunk.push({ filter: normalVariable(rng, [4, 4, channels, out], 0, INIT_SD), norm: b === 0 ? null : new BatchNorm(rng, out) });
      channels = out;
    }
    this.embedWeight = normalVariable(rng, [config.conditionDim, config.embeddingDim], 0, 1 / Math.sqrt(config.conditionDim));
    this.embedBias = constantVariable([config.embeddingDim], 0);
    this.joint = normalVariable(rng, [3, 3, channels + config.embeddingDim, channels], 0, INIT_SD);
    this.jointNorm = new BatchNorm(rng, channels);
    this.toLogit = normalVariable(rng, [this.baseSize, this.baseSize, channels, 1], 0, INIT_SD);
    this.logitBias = constantVariable([1], 0);
  }

  /** Image features [batch, baseSize, baseSize, channels] of images in [-1, 1]. */
  features(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let x = images;
      for (const layer of this.trunk) {
        const y = conv2dFastGradient(x, layer.filter as tf.Tensor4D, 2, 'same');
        x = tf.leakyRelu(layer.norm ? layer.norm.apply(y, 'batch') : y, LEAK) as tf.Tensor4D;
      }
      return x;
    });
  }

  /** One logit per row: do these image features and this condition [batch, conditionDim] form a real pair? */
  logits(features: tf.Tensor4D, conditions: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const [batch, h, w] = features.shape;
      const embedded = tf.leakyRelu(tf.add(matMulFastGradient(conditions, this.embedWeight as tf.Tensor2D), this.embedBias), LEAK);
      const grid = tf.tile(tf.reshape(embedded, [batch, 1, 1, this.config.embeddingDim]), [1, h, w, 1]);
      const joint = conv2dFastGradient(tf.concat([features, grid], 3) as tf.Tensor4D, this.joint as tf.Tensor4D, 1, 'same');
      const hidden = tf.leakyRelu(this.jointNorm.apply(joint, 'batch'), LEAK) as tf.Tensor4D;
      return tf.reshape(tf.add(conv2dFastGradient(hidden, this.toLogit as tf.Tensor4D, 1, 'valid'), this.logitBias), [batch]) as tf.Tensor1D;
    });
  }

  namedVariables(): NamedVariables {
    return [
      ...this.trunk.flatMap((l, i) => [[`trunk${i}.filter`, l.filter] as const, ...(l.norm ? prefixed(`trunk${i}.norm`, l.norm.namedVariables()) : [])]),
      ['embedWeight', this.embedWeight],
      ['embedBias', this.embedBias],
      ['joint', this.joint],
      ...prefixed('jointNorm', this.jointNorm.namedVariables()),
      ['toLogit', this.toLogit],
      ['logitBias', this.logitBias],
    ];
  }
}
