import type * as tf from '@tensorflow/tfjs';

/**
 * A network whose layer outputs are the features decoded from the brain and matched during
 * reconstruction: the built-in seeded VGG-style CNN, or a user-supplied TensorFlow.js model.
 */
export interface FeatureNetwork {
  readonly name: string;
  /** Square input size in pixels. */
  readonly inputSize: number;
  readonly layerNames: string[];
  /** [height, width, channels] for spatial layers, [units] for dense ones. */
  readonly layerShapes: Record<string, number[]>;
  /**
   * Features of the requested layers for NHWC images in [0, 1]; with `flatten` (the default)
   * each layer is [batch, units] in NHWC order, the layout of the stored feature matrices.
   */
  forward(images: tf.Tensor4D, layers: readonly string[], flatten?: boolean): Record<string, tf.Tensor>;
  dispose(): void;
}
