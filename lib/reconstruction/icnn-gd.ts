import * as tf from '@tensorflow/tfjs';
import type { FeatureNetwork } from '../features/feature-network';
import { CHANNELS, createImageBatch, type ImageBatch } from '../images/image-batch';
import type { Matrix } from '../linalg/matrix';
import { Random } from '../random';
import { featureMatchLoss } from './feature-match-loss';
import { gaussianBlur } from './gaussian-blur';
import { atImageSize } from './icnn-image-scale';
import { pixelCentre } from './mean-image';
import { type StartImage, startImages } from './start-image';

/** icnn_gd's settings; lengths (blur, jitter) are in pixels of the reconstructed image. */
export interface IcnnGdOptions {
  readonly iterations: number;
  readonly seed: number;
  readonly lrStart?: number;
  readonly lrEnd?: number;
  readonly momentum?: number;
  readonly decayStart?: number;
  readonly decayEnd?: number;
  /** Blur σ at the first and last iteration; by default icnn's 2 → 0.5 at 224 px, scaled to the image. */
  readonly blurStart?: number;
  readonly blurEnd?: number;
  /** Random circular shift of up to this many pixels before each gradient (icnn's jitter; 0 = off). */
  readonly jitter?: number;
  readonly start?: StartImage;
  /** The training images' mean image (HWC, [0, 1]): the `mean` start, and its mean colour is the pixel centre. */
  readonly meanImage?: Float32Array;
  /** Index in its set of the first target row, so a batch of a set starts as in the whole set (noise start). */
  readonly firstImage?: number;
  readonly onProgress?: (fraction: number, message: string) => void;
}

/** icnn_gd's defaults (its reconstruct_image signature and the paper's scripts). */
export const ICNN_GD_DEFAULTS = {
  lrStart: 2,
  lrEnd: 1e-10,
  momentum: 0.9,
  decayStart: 0.2,
  decayEnd: 1e-10,
  /** σ in pixels of a 224-px image. */
  blurStartAt224: 2,
  blurEndAt224: 0.5,
  jitter: 0,
  start: 'noise',
} as const;

/** Circular shift of an NHWC batch by (dy, dx) pixels. */
function roll(x: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  if (dy === 0 && dx === 0) return x;
  const [, h, w] = x.shape;
  const shift = (t: tf.Tensor4D, by: number, axis: 1 | 2, length: number): tf.Tensor4D => {
    const k = ((by % length) + length) % length;
    if (k === 0) return t;
    const [head, tail] = tf.split(t, [length - k, k], axis);
    return tf.concat([tail!, head!], axis) as tf.Tensor4D;
  };
  return shift(shift(x, dy, 1, h), dx, 2, w);
}

/**
 * Reconstructs one image per target row as icnn_gd does (Shen et al. 2019), in icnn's pixel units
 * (0–255 minus the centre colour). Per iteration t of T, with every schedule linear in t / T:
 * g ← ∇loss / mean|∇loss| (when non-zero); δ ← momentum·δ + g; x ← x − lr·δ; x ← (1 − decay)·x;
 * x ← Gaussian blur of x. Pixels are not clipped during the optimisation (icnn does not); the
 * result is clipped once to the valid range, since images are stored in [0, 1].
 * All images are optimised together; each image's update depends only on itself.
 */
export async function reconstructIcnnGd(cnn: FeatureNetwork, targets: Record<string, Matrix>, options: IcnnGdOptions): Promise<ImageBatch> {
  const size = cnn.inputSize;
  const d = ICNN_GD_DEFAULTS;
  // `??` rather than a spread: an option given as undefined means its default.
  const o = {
    iterations: options.iterations,
    seed: options.seed,
    lrStart: options.lrStart ?? d.lrStart,
    lrEnd: options.lrEnd ?? d.lrEnd,
    momentum: options.momentum ?? d.momentum,
    decayStart: options.decayStart ?? d.decayStart,
    decayEnd: options.decayEnd ?? d.decayEnd,
    blurStart: options.blurStart ?? atImageSize(d.blurStartAt224, size),
    blurEnd: options.blurEnd ?? atImageSize(d.blurEndAt224, size),
    jitter: options.jitter ?? d.jitter,
    start: options.start ?? d.start,
    onProgress: options.onProgress,
  };
  const lossOf = featureMatchLoss(cnn, targets, 'reconstructIcnnGd');
  const count = lossOf.count;
  const centre = pixelCentre(options.meanImage);
  const centreTensor = tf.tensor1d(centre);
  const gradient = tf.grad((u: tf.Tensor) => tf.sum(lossOf.perImage(tf.div(tf.add(u, centreTensor), 255) as tf.Tensor4D)));
  const jitterRng = new Random(o.seed).fork(-1);
  let u = tf.tensor4d(startImages(o.start, count, size, centre, o.seed, options.meanImage, options.firstImage), [count, size, size, CHANNELS]);
  let delta: tf.Tensor4D = tf.zerosLike(u);
  const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
  try {
    for (let it = 0; it < o.iterations; it++) {
      // icnn: value = start + t·(end − start)/iter_n, so the last step is one step short of `end`.
      const t = it / o.iterations;
      const lr = lerp(o.lrStart, o.lrEnd, t);
      const decay = lerp(o.decayStart, o.decayEnd, t);
      const sigma = lerp(o.blurStart, o.blurEnd, t);
      const [nextU, nextDelta] = tf.tidy((): [tf.Tensor4D, tf.Tensor4D] => {
        // Jitter: the gradient at a randomly shifted image, shifted back, so the image cannot fit
        // the features through pixel-exact patterns. (icnn also keeps the newest gradient in
        // momentum unshifted — a misregistration we do not copy.)
        const [dy, dx] = o.jitter > 0 ? [jitterRng.int(2 * o.jitter + 1) - o.jitter, jitterRng.int(2 * o.jitter + 1) - o.jitter] : [0, 0];
        const g = roll(gradient(roll(u, dy, dx)) as tf.Tensor4D, -dy, -dx);
        const meanAbs = tf.mean(tf.abs(g), [1, 2, 3], true);
        const normalised = tf.where(tf.greater(meanAbs, 0), tf.div(g, tf.maximum(meanAbs, 1e-30)), g);
        const step = tf.add(tf.mul(delta, o.momentum), normalised) as tf.Tensor4D;
        const decayed = tf.mul(tf.sub(u, tf.mul(step, lr)), 1 - decay) as tf.Tensor4D;
        return [gaussianBlur(decayed, sigma), step];
      });
      tf.dispose([u, delta]);
      [u, delta] = [nextU, nextDelta];
      if ((it + 1) % 10 === 0 || it + 1 === o.iterations) o.onProgress?.((it + 1) / o.iterations, `iteration ${it + 1}/${o.iterations}`);
      // Yield every step so heartbeats, cancellation and the worker's other tasks are served.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const pixels = tf.tidy(() => tf.clipByValue(tf.div(tf.add(u, centreTensor), 255), 0, 1));
    const data = (await pixels.data()) as Float32Array;
    pixels.dispose();
    return createImageBatch(count, size, size, data);
  } finally {
    tf.dispose([u, delta, centreTensor]);
    lossOf.dispose();
  }
}
