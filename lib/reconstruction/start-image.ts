import { CHANNELS } from '../images/image-batch';
import { Random } from '../random';

/**
 * Where pixel optimisation starts: `mean` — the training images' mean image (per pixel and
 * channel); `noise` — uniform random integer pixels 0–255 (icnn's default); `blank` — one flat
 * image of the centre colour (the training images' mean colour when known, which is the
 * mean-colour image of the paper's L-BFGS scripts).
 */
export const START_IMAGES = ['mean', 'noise', 'blank'] as const;
export type StartImage = (typeof START_IMAGES)[number];

/**
 * The start images in the optimiser's units: 0–255 minus the per-channel `centre`, NHWC. Image
 * i's noise comes from its own stream (seed, first + i), so it does not depend on the batch it is
 * in: a batch holding images first … first + count − 1 of a set starts as they would in the whole set.
 */
export function startImages(kind: StartImage, count: number, size: number, centre: readonly number[], seed: number, mean?: Float32Array, first = 0): Float32Array {
  const pixels = size * size * CHANNELS;
  const out = new Float32Array(count * pixels);
  if (kind === 'mean' && (!mean || mean.length !== pixels)) {
    throw new Error(`start image "mean" needs the training mean image (${size}x${size}x3), got ${mean ? mean.length : 'none'}`);
  }
  for (let i = 0; i < count; i++) {
    const rng = kind === 'noise' ? new Random(seed).fork(first + i) : undefined;
    for (let k = 0; k < pixels; k++) {
      const raw = kind === 'mean' ? 255 * mean![k]! : rng ? rng.int(256) : centre[k % CHANNELS]!;
      out[i * pixels + k] = raw - centre[k % CHANNELS]!;
    }
  }
  return out;
}
