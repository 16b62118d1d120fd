import * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';
import { constantVariable, normalVariable, type NamedVariables } from './seeded-variables';

/**
 * 'batch': normalise with the batch's moments (training; gradients flow through them).
 * 'batch-and-track': the same, and fold those moments into the moving averages — this assigns
 *   variables, so it must not run under a gradient tape.
 * 'moving': normalise with the moving averages (generation: the output of one trial does not
 *   depend on which other trials share its batch).
 */
export type BatchNormMode = 'batch' | 'batch-and-track' | 'moving';

const EPSILON = 1e-5;
/** Weight of the old moving average per update (PyTorch's momentum 0.1). */
const MOVING_DECAY = 0.9;

/** Batch normalisation over every axis but the last (channels), DCGAN-initialised (γ ~ N(1, 0.02)). */
export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly movingMean: tf.Variable;
  readonly movingVariance: tf.Variable;

  constructor(rng: Random, channels: number) {
    this.gamma = normalVariable(rng, [channels], 1, 0.02);
    this.beta = constantVariable([channels], 0);
    this.movingMean = constantVariable([channels], 0, false);
    this.movingVariance = constantVariable([channels], 1, false);
  }

  apply(x: tf.Tensor, mode: BatchNormMode): tf.Tensor {
    return tf.tidy(() => {
      let mean: tf.Tensor = this.movingMean;
      let variance: tf.Tensor = this.movingVariance;
      if (mode !== 'moving') {
        const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
        ({ mean, variance } = tf.moments(x, axes));
        if (mode === 'batch-and-track') {
          this.movingMean.assign(tf.add(tf.mul(this.movingMean, MOVING_DECAY), tf.mul(mean, 1 - MOVING_DECAY)));
          this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, MOVING_DECAY), tf.mul(variance, 1 - MOVING_DECAY)));
        }
      }
      const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(variance, EPSILON)));
      return tf.add(tf.mul(tf.sub(x, mean), scale), this.beta);
    });
  }

  namedVariables(): NamedVariables {
    return [
      ['gamma', this.gamma],
      ['beta', this.beta],
      ['movingMean', this.movingMean],
      ['movingVariance', this.movingVariance],
    ];
  }
}
