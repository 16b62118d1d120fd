import * as tf from '@tensorflow/tfjs';
import type { FeatureNetwork } from '../features/feature-network';
import type { Matrix } from '../linalg/matrix';

/** The iCNN objective for a batch of targets; owns its tensors until `dispose`. */
export interface FeatureMatchLoss {
  /** Target rows (images to reconstruct). */
  readonly count: number;
  /**
   * Each image's loss Σ_l w_l ‖F_l(x) − t_l‖² for images in [0, 1], NHWC. `rows` says which target
   * rows the images are (all of them, in order, when absent), so a subset can be evaluated alone.
   */
  perImage(images: tf.Tensor4D, rows?: tf.Tensor1D): tf.Tensor1D;
  dispose(): void;
}

/**
 * The loss of icnn with the paper's layer weights: w_l = ‖t_l‖⁻² / Σ_m ‖t_m‖⁻², per image, so every
 * layer contributes its relative error and the weights sum to 1. Each image's loss depends only on
 * its own pixels and targets.
 */
export function featureMatchLoss(net: FeatureNetwork, targets: Record<string, Matrix>, caller: string): FeatureMatchLoss {
  const layers = Object.keys(targets);
  if (layers.length === 0) throw new Error(`${caller}: no target layers`);
  const count = targets[layers[0]!]!.rows;
  for (const layer of layers) {
    const units = (net.layerShapes[layer] ?? [NaN]).reduce((a, b) => a * b, 1);
    const t = targets[layer]!;
    if (t.rows !== count || t.cols !== units) throw new Error(`${caller}: target "${layer}" is ${t.rows}x${t.cols}, expected ${count}x${units}`);
  }
  const targetTensors = layers.map((l) => tf.tensor2d(targets[l]!.data, [count, targets[l]!.cols]));
  const weights = tf.tidy(() => {
    const inverseNorms = targetTensors.map((t) => tf.div(1, tf.maximum(tf.sum(tf.square(t), 1), 1e-12)));
    const total = tf.addN(inverseNorms);
    return inverseNorms.map((w) => tf.div(w, total) as tf.Tensor1D);
  });
  return {
    count,
    perImage(images, rows) {
      return tf.tidy(() => {
        const features = net.forward(images, layers);
        const pick = <T extends tf.Tensor>(t: T): T => (rows ? (tf.gather(t, rows) as T) : t);
        const terms = layers.map((l, i) => tf.mul(tf.sum(tf.square(tf.sub(features[l]!, pick(targetTensors[i]!))), 1), pick(weights[i]!)));
        return tf.addN(terms) as tf.Tensor1D;
      });
    },
    dispose() {
      tf.dispose([...targetTensors, ...weights]);
    },
  };
}
