import { describe, it, expect } from 'vitest';
import { createImageBatch, type ImageBatch } from '../../lib/images/image-batch';
import { ssim } from '../../lib/evaluation/ssim';

/**
 * Deterministic test image shared with the Python reference script: Numerical Recipes LCG
 * s ← (1664525 s + 1013904223) mod 2^32, value = (s >> 24) / 256 (exact in float32 and float64),
 * filled in HWC order.
 */
function lcgImage(seed: number, h: number, w: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(h * w * 3);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    out[i] = (s >>> 24) / 256;
  }
  return out;
}

function single(data: Float32Array, h: number, w: number): ImageBatch {
  return createImageBatch(1, h, w, data);
}

/**
 * Reference values from scikit-image 0.26.0 (numpy float64 inputs built by the same LCG):
 *   from skimage.color import rgb2gray
 *   from skimage.metrics import structural_similarity
 *   structural_similarity(rgb2gray(recon), rgb2gray(truth), gaussian_weights=True, sigma=1.5,
 *                         use_sample_covariance=False, data_range=1.0)
 * where, with t = lcg(seedT, h, w) and n = lcg(seedN, h, w):
 *   case 1: 16x16, recon = (t + n) / 2,     t = lcg(1), n = lcg(2) → 0.6847176173013894
 *   case 2: 24x20, recon = (3t + n) / 4,    t = lcg(3), n = lcg(4) → 0.931818363134371
 *   case 3: 20x24, recon = lcg(5), truth = lcg(6) (independent)   → -0.030371183922841567
 * (All mixes are dyadic, so the float32 inputs here hold exactly the values Python used; the
 * implementation agrees to ~1e-16, so 10 digits are asserted, well inside the 1e-4 requirement.)
 */
describe('ssim', () => {
  it('lcgImage reproduces the Python generator', () => {
    expect(Array.from(lcgImage(1, 16, 16).subarray(0, 4))).toEqual([0.234375, 0.3671875, 0.50390625, 0.703125]);
  });

  it('matches skimage on a 16x16 half-noise mix', () => {
    const t = lcgImage(1, 16, 16);
    const n = lcgImage(2, 16, 16);
    const recon = t.map((v, k) => (v + n[k]!) / 2);
    expect(ssim(single(recon, 16, 16), single(t, 16, 16))[0]).toBeCloseTo(0.6847176173013894, 10);
  });

  it('matches skimage on a 24x20 quarter-noise mix (non-square, height 24)', () => {
    const t = lcgImage(3, 24, 20);
    const n = lcgImage(4, 24, 20);
    const recon = t.map((v, k) => (3 * v + n[k]!) / 4);
    expect(ssim(single(recon, 24, 20), single(t, 24, 20))[0]).toBeCloseTo(0.931818363134371, 10);
  });

  it('matches skimage on independent 20x24 images, batched with the other orientation', () => {
    const a = lcgImage(5, 20, 24);
    const b = lcgImage(6, 20, 24);
    // Batch of two: item 0 independent, item 1 identical, so per-item results must not mix.
    const recon = new Float32Array([...a, ...b]);
    const truth = new Float32Array([...b, ...b]);
    const s = ssim(createImageBatch(2, 20, 24, recon), createImageBatch(2, 20, 24, truth));
    expect(s[0]).toBeCloseTo(-0.030371183922841567, 10);
    expect(s[1]).toBeCloseTo(1, 12);
  });

  it('is 1 for identical images, including constant ones', () => {
    const t = lcgImage(7, 12, 13);
    expect(ssim(single(t, 12, 13), single(t, 12, 13))[0]).toBeCloseTo(1, 12);
    const flat = new Float32Array(12 * 13 * 3).fill(0.4);
    expect(ssim(single(flat, 12, 13), single(flat, 12, 13))[0]).toBeCloseTo(1, 12);
  });

  it('drops below 1 under a constant brightness shift, more for a larger shift', () => {
    const t = lcgImage(8, 16, 16).map((v) => 0.25 + v / 2); // room to shift up without clipping
    const shifted = (d: number): ImageBatch => single(t.map((v) => v + d), 16, 16);
    const small = ssim(shifted(0.05), single(t, 16, 16))[0]!;
    const large = ssim(shifted(0.2), single(t, 16, 16))[0]!;
    expect(small).toBeLessThan(1);
    expect(large).toBeLessThan(small);
    // A pure shift leaves structure and contrast intact: only the luminance term drops.
    expect(small).toBeGreaterThan(0.9);
  });

  it('is symmetric in its arguments', () => {
    const a = lcgImage(9, 14, 15);
    const b = lcgImage(10, 14, 15).map((v, k) => (v + a[k]!) / 2);
    expect(ssim(single(a, 14, 15), single(b, 14, 15))[0]).toBeCloseTo(ssim(single(b, 14, 15), single(a, 14, 15))[0]!, 12);
  });

  it('throws on mismatched shapes and on images smaller than the 11x11 window', () => {
    expect(() => ssim(createImageBatch(1, 16, 16), createImageBatch(1, 16, 17))).toThrow(/shapes differ/);
    expect(() => ssim(createImageBatch(2, 16, 16), createImageBatch(1, 16, 16))).toThrow(/shapes differ/);
    expect(() => ssim(createImageBatch(1, 10, 16), createImageBatch(1, 10, 16))).toThrow(/at least 11x11/);
  });
});
