import { CHANNELS, imageView, type ImageBatch } from '../images/image-batch';

// Parameters of MindEye's call: skimage.metrics.structural_similarity(rgb2gray(rec), rgb2gray(im),
// gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0).
const SIGMA = 1.5;
const TRUNCATE = 3.5; // skimage's fixed truncation for gaussian_weights=True
const RADIUS = Math.trunc(TRUNCATE * SIGMA + 0.5); // 5, as scipy.ndimage computes it
const WIN_SIZE = 2 * RADIUS + 1; // 11
const C1 = (0.01 * 1) ** 2; // (K1 * data_range)^2
const C2 = (0.03 * 1) ** 2; // (K2 * data_range)^2
// skimage.color.rgb2gray weights (Rec. 709 luma), not BT.601's 0.299/0.587/0.114.
const LUMA = [0.2125, 0.7154, 0.0721] as const;

/**
 * Mean SSIM per image pair on grayscale versions, matching skimage: Gaussian-weighted local
 * statistics (population covariance), averaged over the interior RADIUS pixels away from every
 * border, as skimage crops it. Images must be at least 11×11.
 */
export function ssim(recon: ImageBatch, truth: ImageBatch): Float64Array {
  if (recon.count !== truth.count || recon.height !== truth.height || recon.width !== truth.width) {
    throw new Error(
      `ssim: shapes differ (${recon.count}x${recon.height}x${recon.width} vs ${truth.count}x${truth.height}x${truth.width})`,
    );
  }
  const { height, width } = recon;
  if (height < WIN_SIZE || width < WIN_SIZE) {
    throw new Error(`ssim: images must be at least ${WIN_SIZE}x${WIN_SIZE}, got ${height}x${width}`);
  }
  const kernel = gaussianKernel();
  const out = new Float64Array(recon.count);
  for (let i = 0; i < recon.count; i++) {
    out[i] = meanSsim(toGray(imageView(recon, i)), toGray(imageView(truth, i)), height, width, kernel);
  }
  return out;
}

function meanSsim(x: Float64Array, y: Float64Array, h: number, w: number, kernel: Float64Array): number {
  const n = h * w;
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    xx[k] = x[k]! * x[k]!;
    yy[k] = y[k]! * y[k]!;
    xy[k] = x[k]! * y[k]!;
  }
  const ux = blurValid(x, h, w, kernel);
  const uy = blurValid(y, h, w, kernel);
  const uxx = blurValid(xx, h, w, kernel);
  const uyy = blurValid(yy, h, w, kernel);
  const uxy = blurValid(xy, h, w, kernel);
  let sum = 0;
  for (let k = 0; k < ux.length; k++) {
    const mx = ux[k]!;
    const my = uy[k]!;
    const vx = uxx[k]! - mx * mx;
    const vy = uyy[k]! - my * my;
    const vxy = uxy[k]! - mx * my;
    sum += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
  }
  return sum / ux.length;
}

function toGray(hwc: Float32Array): Float64Array {
  const out = new Float64Array(hwc.length / CHANNELS);
  for (let p = 0; p < out.length; p++) {
    const b = p * CHANNELS;
    out[p] = LUMA[0] * hwc[b]! + LUMA[1] * hwc[b + 1]! + LUMA[2] * hwc[b + 2]!;
  }
  return out;
}

/** scipy.ndimage's Gaussian taps: exp(-x²/2σ²) for |x| ≤ RADIUS, normalised to sum 1. */
function gaussianKernel(): Float64Array {
  const k = new Float64Array(WIN_SIZE);
  let total = 0;
  for (let t = -RADIUS; t <= RADIUS; t++) {
    const v = Math.exp((-0.5 * t * t) / (SIGMA * SIGMA));
    k[t + RADIUS] = v;
    total += v;
  }
  for (let t = 0; t < WIN_SIZE; t++) k[t]! /= total;
  return k;
}

/**
 * Separable Gaussian blur evaluated only where the whole window fits inside the image.
 * skimage filters with mode='reflect' and then crops RADIUS pixels per side, and the cropped
 * interior never reads the padding, so this equals its result without any border handling.
 * Output is (h - 2R) x (w - 2R), row-major.
 */
function blurValid(src: Float64Array, h: number, w: number, kernel: Float64Array): Float64Array {
  const vh = h - 2 * RADIUS;
  const vw = w - 2 * RADIUS;
  const tmp = new Float64Array(vh * w); // blurred along y, all columns kept for the x pass
  for (let r = 0; r < vh; r++) {
    for (let c = 0; c < w; c++) {
      let acc = 0;
      for (let t = 0; t < WIN_SIZE; t++) acc += kernel[t]! * src[(r + t) * w + c]!;
      tmp[r * w + c] = acc;
    }
  }
  const out = new Float64Array(vh * vw);
  for (let r = 0; r < vh; r++) {
    for (let c = 0; c < vw; c++) {
      let acc = 0;
      for (let t = 0; t < WIN_SIZE; t++) acc += kernel[t]! * tmp[r * w + c + t]!;
      out[r * vw + c] = acc;
    }
  }
  return out;
}
