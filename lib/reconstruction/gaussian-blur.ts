import * as tf from '@tensorflow/tfjs';
import { CHANNELS } from '../images/image-batch';

/**
 * The 1-D kernel of scipy.ndimage.gaussian_filter, which icnn blurs with: taps out to
 * int(4σ + 0.5) pixels, normalised to sum 1. A radius of 0 is the identity.
 */
export function gaussianKernel(sigma: number): number[] {
  if (!(sigma > 0)) return [1];
  const radius = Math.floor(4 * sigma + 0.5);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-0.5 * ((i - radius) / sigma) ** 2));
  const sum = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / sum);
}

/**
 * Separable Gaussian blur of an NHWC batch per channel, borders as scipy's default mode
 * `reflect` (the edge pixel repeated: d c b a | a b c d), which tf calls `symmetric`.
 */
export function gaussianBlur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) / 2;
  if (radius === 0) return x.clone();
  const [, h, w] = x.shape;
  if (radius > Math.min(h, w)) throw new Error(`gaussianBlur: σ ${sigma} needs ${radius} px of border, more than the ${h}x${w} image has`);
  return tf.tidy(() => {
    const k = tf.tensor1d(kernel);
    const horizontal = tf.tile(tf.reshape(k, [1, kernel.length, 1, 1]), [1, 1, CHANNELS, 1]) as tf.Tensor4D;
    const vertical = tf.tile(tf.reshape(k, [kernel.length, 1, 1, 1]), [1, 1, CHANNELS, 1]) as tf.Tensor4D;
    const padded = tf.mirrorPad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'symmetric');
    return tf.depthwiseConv2d(tf.depthwiseConv2d(padded, horizontal, 1, 'valid'), vertical, 1, 'valid');
  });
}
