import { describe, it, expect } from 'vitest';
import { createImageBatch } from '../../lib/images/image-batch';
import { pixelCorrelation } from '../../lib/evaluation/pixel-correlation';
import { Random } from '../../lib/random';

/** Reference r via the one-pass sums formula (different from the library's two-pass). */
function onePassR(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
  }
  return (n * sab - sa * sb) / Math.sqrt((n * saa - sa * sa) * (n * sbb - sb * sb));
}

describe('pixelCorrelation', () => {
  it('matches a hand-computed value on a 1x1 image pair per batch item', () => {
    // Image 0: recon (0,.5,1) vs truth (0,1,.5), both mean .5; deviations a=(-.5,0,.5),
    // b=(-.5,.5,0) → sab=.25, saa=sbb=.5 → r = .25/.5 = .5.
    // Image 1: truth reversed recon → r = -1.
    const recon = createImageBatch(2, 1, 1, new Float32Array([0, 0.5, 1, 0, 0.5, 1]));
    const truth = createImageBatch(2, 1, 1, new Float32Array([0, 1, 0.5, 1, 0.5, 0]));
    const r = pixelCorrelation(recon, truth);
    expect(r[0]).toBeCloseTo(0.5, 12);
    expect(r[1]).toBeCloseTo(-1, 12);
  });

  it('correlates each pair over all RGB values, not across images', () => {
    const rnd = new Random(11);
    const [n, h, w] = [4, 8, 8];
    const size = h * w * 3;
    const truthData = new Float32Array(n * size).map(() => rnd.next());
    // Image i gets noise of amplitude 0.2·4^i, so per-pair r must decrease with i.
    const reconData = truthData.map((v, k) => v + 0.2 * 4 ** Math.floor(k / size) * (rnd.next() - 0.5));
    const r = pixelCorrelation(createImageBatch(n, h, w, reconData), createImageBatch(n, h, w, truthData));
    for (let i = 0; i < n; i++) {
      const ref = onePassR(reconData.subarray(i * size, (i + 1) * size), truthData.subarray(i * size, (i + 1) * size));
      expect(r[i]).toBeCloseTo(ref, 9);
    }
    for (let i = 1; i < n; i++) expect(r[i]!).toBeLessThan(r[i - 1]!);
  });

  it('is invariant to brightness and contrast changes of the reconstruction', () => {
    const rnd = new Random(5);
    const truth = createImageBatch(1, 4, 4, new Float32Array(48).map(() => rnd.next()));
    const recon = createImageBatch(1, 4, 4, truth.data.map((v) => 0.5 * v + 0.25));
    expect(pixelCorrelation(recon, truth)[0]).toBeCloseTo(1, 6);
  });

  it('is NaN for a constant image', () => {
    const truth = createImageBatch(1, 2, 2, new Float32Array(12).map((_, k) => k / 12));
    const recon = createImageBatch(1, 2, 2, new Float32Array(12).fill(0.3));
    expect(pixelCorrelation(recon, truth)[0]).toBeNaN();
  });

  it('throws on mismatched shapes', () => {
    expect(() => pixelCorrelation(createImageBatch(1, 2, 3), createImageBatch(1, 3, 2))).toThrow(/shapes differ/);
    expect(() => pixelCorrelation(createImageBatch(2, 2, 2), createImageBatch(1, 2, 2))).toThrow(/shapes differ/);
  });
});
