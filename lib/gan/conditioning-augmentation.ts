import * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';
import { matMulFastGradient } from './mat-mul-fast-gradient';
import type { NamedVariables } from './seeded-variables';
import { constantVariable, normalVariable } from './seeded-variables';

export interface ConditionDistribution {
  /** [batch, embeddingDim] */
  readonly mu: tf.Tensor2D;
  /** log σ², [batch, embeddingDim] */
  readonly logVariance: tf.Tensor2D;
}

/**
 * Conditioning augmentation (StackGAN): one fully connected layer maps the condition (here the
 * z-scored voxel vector) to μ and log σ² of a Gaussian over c. Training samples c = μ + σ·ε,
 * which smooths the condition manifold from few pairs; generation uses μ.
 * Departure: the output is linear (StackGAN's PyTorch code applies ReLU to it, which forces μ ≥ 0).
 */
export class ConditioningAugmentation {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(rng: Random, readonly conditionDim: number, readonly embeddingDim: number) {
    // σ_w = 1/√d keeps μ and log σ² of order 1 for z-scored inputs of any length.
    this.weight = normalVariable(rng, [conditionDim, 2 * embeddingDim], 0, 1 / Math.sqrt(conditionDim));
    this.bias = constantVariable([2 * embeddingDim], 0);
  }

  distribution(conditions: tf.Tensor2D): ConditionDistribution {
    return tf.tidy(() => {
      const out = tf.add(matMulFastGradient(conditions, this.weight as tf.Tensor2D), this.bias) as tf.Tensor2D;
      const [mu, logVariance] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mu, logVariance };
    });
  }

  namedVariables(): NamedVariables {
    return [
      ['weight', this.weight],
      ['bias', this.bias],
    ];
  }
}

/** c = μ + σ·ε with ε ~ N(0, 1) given ([batch, embeddingDim]). */
export function sampleCondition(d: ConditionDistribution, epsilon: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(d.mu, tf.mul(tf.exp(tf.mul(d.logVariance, 0.5)), epsilon)) as tf.Tensor2D);
}

/**
 * KL(N(μ, σ²) ‖ N(0, I)) = 0.5 · Σ_dims (μ² + σ² − 1 − log σ²), averaged over the batch (nats per
 * sample). StackGAN's loss term is this divided by the number of dimensions (its code takes the
 * mean over batch and dimensions), which is how trainCgan weighs it.
 */
export function klDivergence(d: ConditionDistribution): tf.Scalar {
  return tf.tidy(() => {
    const perElement = tf.sub(tf.add(tf.square(d.mu), tf.exp(d.logVariance)), tf.add(d.logVariance, 1));
    return tf.mul(tf.mean(tf.sum(perElement, 1)), 0.5) as tf.Scalar;
  });
}
