import * as tf from '@tensorflow/tfjs';

/**
 * a · b for 2-D tensors whose gradients use explicit transposes and plain products: tf.matMul's
 * own gradient uses the transpose flags, which on the wasm backend measured 15–30× slower
 * (docs/benchmarks.md, ridge decoding) and took ~15% of a cGAN training step.
 */
export function matMulFastGradient(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [left, right, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([left, right]);
    return {
      value: tf.matMul(left, right),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [l, r] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy as tf.Tensor2D, tf.transpose(r)), tf.matMul(tf.transpose(l), dy as tf.Tensor2D)];
      },
    };
  });
  return op(a, b) as tf.Tensor2D;
}
