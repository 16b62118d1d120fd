import * as tf from '@tensorflow/tfjs';
import { CHANNELS, type ImageBatch } from '../../images/image-batch';

/**
 * Luminance (mean RGB − 0.5), red–green (R − G) and blue–yellow (B − (R + G)/2) maps, NHWC with
 * 3 channels: the colour-opponent code of the retina and LGN that both encoding paths start from.
 */
export function opponentChannels(images: ImageBatch): tf.Tensor4D {
  return tf.tidy(() => {
    const rgb = tf.tensor4d(images.data, [images.count, images.height, images.width, CHANNELS]);
    const third = 1 / 3;
    const toOpponent = tf.tensor2d([third, 1, -0.5, third, -1, -0.5, third, 0, 1], [3, 3]);
    const flat = tf.matMul(rgb.reshape([-1, CHANNELS]), toOpponent).sub(tf.tensor1d([0.5, 0, 0]));
    return flat.reshape([images.count, images.height, images.width, 3]) as tf.Tensor4D;
  });
}
