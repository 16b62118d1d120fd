import { describe, expect, it } from 'vitest';
import { deadLeavesImage } from '../../lib/data/dead-leaves';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { Random } from '../../lib/random';

/** Radially averaged power spectrum of an image's luminance by a brute-force 2-D DFT. */
function radialPower(image: Float32Array, size: number): Float64Array {
  const lum = Float64Array.from({ length: size * size }, (_, p) => (image[3 * p]! + image[3 * p + 1]! + image[3 * p + 2]!) / 3);
  const mean = lum.reduce((a, b) => a + b, 0) / lum.length;
  const power = new Float64Array(size / 2);
  const counts = new Float64Array(size / 2);
  for (let u = 0; u < size; u++) {
    for (let v = 0; v < size; v++) {
      let re = 0;
      let im = 0;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const phase = (-2 * Math.PI * (u * y + v * x)) / size;
          re += (lum[y * size + x]! - mean) * Math.cos(phase);
          im += (lum[y * size + x]! - mean) * Math.sin(phase);
        }
      }
      const fu = u <= size / 2 ? u : u - size;
      const fv = v <= size / 2 ? v : v - size;
      const f = Math.round(Math.hypot(fu, fv));
      if (f >= 1 && f < size / 2) {
        power[f]! += re * re + im * im;
        counts[f]! += 1;
      }
    }
  }
  return power.map((p, f) => (counts[f]! > 0 ? p / counts[f]! : 0));
}

describe('dead-leaves images', () => {
  it('are deterministic in the generator and lie in [0, 1]', () => {
    const a = deadLeavesImage(new Random(5), 32);
    const b = deadLeavesImage(new Random(5), 32);
    const c = deadLeavesImage(new Random(6), 32);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
  });

  it('have a natural-image power spectrum falling roughly as 1/f^2', () => {
    const size = 32;
    const total = new Float64Array(size / 2);
    for (let i = 0; i < 12; i++) radialPower(deadLeavesImage(new Random(100 + i), size), size).forEach((p, f) => (total[f]! += p));
    // Least-squares slope of log power against log frequency over 2..12 cycles per image.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let f = 2; f <= 12; f++) [xs.push(Math.log(f)), ys.push(Math.log(total[f]!))];
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    const slope = xs.reduce((s, x, k) => s + (x - mx) * (ys[k]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    expect(slope).toBeGreaterThan(-3.2);
    expect(slope).toBeLessThan(-1.6);
  });

  it('keep image i of a set unchanged when the set grows', () => {
    const small = proceduralStimuli({ seed: 3, imageSize: 16, trainImages: 4, testImages: 3 });
    const large = proceduralStimuli({ seed: 3, imageSize: 16, trainImages: 6, testImages: 5 });
    const px = 16 * 16 * 3;
    expect(large.ids.slice(0, 4)).toEqual(small.ids.slice(0, 4));
    expect(large.images.data.subarray(0, 4 * px)).toEqual(small.images.data.subarray(0, 4 * px));
    const testAt = (s: typeof small, n: number) => s.images.data.subarray(n * px, (n + 3) * px);
    expect(testAt(large, 6)).toEqual(testAt(small, 4));
    expect(small.sets).toEqual(['train', 'train', 'train', 'train', 'natural', 'natural', 'natural']);
  });
});
