import * as tf from '@tensorflow/tfjs';

/** Orientations of the filter bank (radians): 0°, 45°, 90°, 135°. */
export const ORIENTATIONS = [0, Math.PI / 4, Math.PI / 2, (3 * Math.PI) / 4] as const;
/** Pyramid levels: the filter is applied to the image halved `level` times (2^level px per cell). */
export const GABOR_LEVELS = 3;
/** Filter wavelength in cells of its level, so 4, 8 and 16 image px; envelope SD 0.4 λ (~1.4 octaves). */
export const GABOR_WAVELENGTH = 4;
const ENVELOPE_SD = 0.4 * GABOR_WAVELENGTH;
const RADIUS = 4;

/**
 * The quadrature pairs as one [9, 9, 1, 8] filter: channels 0–3 even (cosine) and 4–7 odd (sine)
 * at ORIENTATIONS; each even filter is made DC-free, and every filter has unit L2 norm so all
 * channels respond equally to a matched grating.
 */
export function gaborKernels(): Float32Array {
  const size = 2 * RADIUS + 1;
  const channels = 2 * ORIENTATIONS.length;
  const out = new Float32Array(size * size * channels);
  ORIENTATIONS.forEach((theta, o) => {
    const envelope: number[] = [];
    const even: number[] = [];
    const odd: number[] = [];
    for (let y = -RADIUS; y <= RADIUS; y++) {
      for (let x = -RADIUS; x <= RADIUS; x++) {
        const along = x * Math.cos(theta) + y * Math.sin(theta);
        const g = Math.exp(-(x * x + y * y) / (2 * ENVELOPE_SD ** 2));
        envelope.push(g);
        even.push(g * Math.cos((2 * Math.PI * along) / GABOR_WAVELENGTH));
        odd.push(g * Math.sin((2 * Math.PI * along) / GABOR_WAVELENGTH));
      }
    }
    // Removing a multiple of the envelope makes the cosine filter blind to uniform luminance.
    const dc = even.reduce((s, v) => s + v, 0) / envelope.reduce((s, v) => s + v, 0);
    const evenDc = even.map((v, k) => v - dc * envelope[k]!);
    for (const [filter, channel] of [[evenDc, o], [odd, o + ORIENTATIONS.length]] as const) {
      const norm = Math.sqrt(filter.reduce((s, v) => s + v * v, 0));
      filter.forEach((v, k) => (out[k * channels + channel] = v / norm));
    }
  });
  return out;
}

/**
 * Gabor energy sqrt(even² + odd²) of a luminance batch [N, H, W, 1] at each pyramid level:
 * [N, ⌈H/2^l⌉, ⌈W/2^l⌉, 4 orientations]. Halving the image instead of growing the filter keeps
 * every level one cheap 9×9 convolution.
 */
export function gaborEnergyPyramid(luminance: tf.Tensor4D): tf.Tensor4D[] {
  return tf.tidy(() => {
    const size = 2 * RADIUS + 1;
    const n = ORIENTATIONS.length;
    const filter = tf.tensor4d(gaborKernels(), [size, size, 1, 2 * n]);
    const levels: tf.Tensor4D[] = [];
    let image = luminance;
    for (let l = 0; l < GABOR_LEVELS; l++) {
      if (l > 0) image = tf.avgPool(image, 2, 2, 'same');
      const response = tf.conv2d(image, filter, 1, 'same');
      const [even, odd] = tf.split(response, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      levels.push(tf.sqrt(even.square().add(odd.square()).add(1e-8)) as tf.Tensor4D);
    }
    return levels;
  });
}
