import * as tf from '@tensorflow/tfjs';
import { Random } from '../../random';

/** Channels of the two layers; 5×5 filters throughout. */
const LAYER_CHANNELS = [12, 24] as const;
const FILTER = 5;
/** Semi-saturation constant of the divisive normalisation (in units of the rectified response). */
const SEMI_SATURATION = 0.05;
/** Feature-map cell of the output, in image pixels (two 2× poolings). */
export const SHAPE_NETWORK_CELL = 4;
export const SHAPE_NETWORK_CHANNELS = LAYER_CHANNELS[1];

/** Zero-mean random filters (each output's weights sum to 0, so flat regions give no drive). */
function randomFilter(rng: Random, inChannels: number, outChannels: number): tf.Tensor4D {
  const fan = FILTER * FILTER * inChannels;
  const w = new Float32Array(fan * outChannels);
  for (let o = 0; o < outChannels; o++) {
    let mean = 0;
    for (let k = 0; k < fan; k++) mean += w[k * outChannels + o] = rng.normal() / Math.sqrt(fan);
    mean /= fan;
    for (let k = 0; k < fan; k++) w[k * outChannels + o]! -= mean;
  }
  return tf.tensor4d(w, [FILTER, FILTER, inChannels, outChannels]);
}

/** Rectification then division by the local (3×3) RMS over channels: contrast gain control. */
function rectifyAndNormalise(x: tf.Tensor4D): tf.Tensor4D {
  const r = tf.relu(x);
  const local = tf.avgPool(r.square().mean(3, true) as tf.Tensor4D, 3, 1, 'same');
  return r.div(local.sqrt().add(SEMI_SATURATION));
}

/**
 * The higher areas' feature space: a seeded random two-layer network on the opponent channels,
 * 5×5 convolutions, rectification with divisive normalisation, then 2× max pooling (layer 1) and
 * 2× average pooling (layer 2). Deliberately unlike the decoder's vgg-mini (3×3 filters, plain
 * ReLU, other weights), so decoding the simulated data is not circular. Output [N, H/4, W/4, 24].
 */
export function shapeNetworkFeatures(opponent: tf.Tensor4D, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const rng = new Random(seed);
    const layer1 = rectifyAndNormalise(tf.conv2d(opponent, randomFilter(rng, 3, LAYER_CHANNELS[0]), 1, 'same'));
    const pooled1 = tf.maxPool(layer1, 2, 2, 'same');
    const layer2 = rectifyAndNormalise(tf.conv2d(pooled1, randomFilter(rng, LAYER_CHANNELS[0], LAYER_CHANNELS[1]), 1, 'same'));
    return tf.avgPool(layer2, 2, 2, 'same');
  });
}
