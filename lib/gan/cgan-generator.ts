import * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';
import { matMulFastGradient } from './mat-mul-fast-gradient';
import { BatchNorm, type BatchNormMode } from './batch-norm';
import { spatialPlan, type CganConfig } from './cgan-config';
import { conv2dFastGradient } from './conv2d-fast-gradient';
import { normalVariable, prefixed, type NamedVariables } from './seeded-variables';

/** DCGAN / StackGAN weight initialisation: N(0, 0.02). */
const INIT_SD = 0.02;

/**
 * StackGAN stage-I generator: concat(z, c) → fc → BN → ReLU → baseSize² map, then per block
 * nearest ×2 upsampling → 3×3 conv → BN → ReLU (channels halving), then 3×3 conv → 3 → tanh.
 * Convs before a batch norm have no bias, as in StackGAN.
 */
export class CganGenerator {
  private readonly baseSize: number;
  private readonly baseChannels: number;
  private readonly fc: tf.Variable;
  private readonly fcNorm: BatchNorm;
  private readonly blocks: { readonly filter: tf.Variable; readonly norm: BatchNorm }[] = [];
  private readonly toImage: tf.Variable;

  constructor(rng: Random, readonly config: CganConfig) {
    const plan = spatialPlan(config.outputSize);
    this.baseSize = plan.baseSize;
    this.baseChannels = config.generatorChannels * 2 ** plan.blocks;
    const units = this.baseSize * this.baseSize * this.baseChannels;
    this.fc = normalVariable(rng, [config.noiseDim + config.embeddingDim, units], 0, INIT_SD);
    this.fcNorm = new BatchNorm(rng, units);
    let channels = this.baseChannels;
    for (let b = 0; b < plan.blocks; b++) {
      this.blocks.push({ filter: normalVariable(rng, [3, 3, channels, channels / 2], 0, INIT_SD), norm: new BatchNorm(rng, channels / 2) });
      channels /= 2;
    }
    this.toImage = normalVariable(rng, [3, 3, channels, 3], 0, INIT_SD);
  }

  /** Images in [-1, 1], [batch, size, size, 3], from noise [batch, noiseDim] and c [batch, embeddingDim]. */
  forward(z: tf.Tensor2D, c: tf.Tensor2D, mode: BatchNormMode): tf.Tensor4D {
    return tf.tidy(() => {
      const batch = z.shape[0];
      const hidden = tf.relu(this.fcNorm.apply(matMulFastGradient(tf.concat([z, c], 1), this.fc as tf.Tensor2D), mode));
      let x = tf.reshape(hidden, [batch, this.baseSize, this.baseSize, this.baseChannels]) as tf.Tensor4D;
      for (const block of this.blocks) {
        const up = tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);
        x = tf.relu(block.norm.apply(conv2dFastGradient(up, block.filter as tf.Tensor4D, 1, 'same'), mode)) as tf.Tensor4D;
      }
      return tf.tanh(conv2dFastGradient(x, this.toImage as tf.Tensor4D, 1, 'same'));
    });
  }

  namedVariables(): NamedVariables {
    return [
      ['fc', this.fc],
      ...prefixed('fcNorm', this.fcNorm.namedVariables()),
      ...this.blocks.flatMap((b, i) => [[`block${i}.filter`, b.filter] as const, ...prefixed(`block${i}.norm`, b.norm.namedVariables())]),
      ['toImage', this.toImage],
    ];
  }
}
