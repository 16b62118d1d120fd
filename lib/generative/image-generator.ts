import type * as tf from '@tensorflow/tfjs';

/**
 * What latent-space reconstruction needs from a generator: latents → images in [0, 1]. The
 * project's own trained generator and a user-supplied TensorFlow.js model both provide it.
 */
export interface ImageGenerator {
  readonly imageSize: number;
  readonly latentSize: number;
  /** Per-unit upper bound of the (non-negative) latent, when known. */
  readonly latentUpperBound?: Float32Array;
  generate(latents: tf.Tensor2D): tf.Tensor4D;
  dispose(): void;
}
