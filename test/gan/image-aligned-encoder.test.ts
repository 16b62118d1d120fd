import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendName } from '../../lib/compute/backend';
import { encodeConditions } from '../../lib/gan/condition-encoder';
import { fitImageAlignedEncoder } from '../../lib/gan/image-aligned-encoder';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { comparedBackends } from '../support/backend';
import { gaussJordan } from '../support/linear-reference';

const rows = (m: Matrix): number[][] => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
const times = (a: number[][], b: number[][]): number[][] => a.map((r) => b[0]!.map((_, j) => r.reduce((s, x, t) => s + x * b[t]![j]!, 0)));
const transpose = (a: number[][]): number[][] => a[0]!.map((_, j) => a.map((r) => r[j]!));
const gram = (a: number[][]): number[][] => times(a, transpose(a));

/**
 * 12 images of 6 pixels, each shown on 3 rows (the trials of one image share a group), and 20
 * voxels that mix the pixels linearly plus noise; 5 new test rows. With as many components as
 * pixels, the image components are a rotation of the centred pixels, so inner products between
 * embeddings equal those between pixel-space predictions: the reference below needs no PCA.
 */
function data(): { voxels: Matrix; pixels: Matrix; groups: Int32Array; test: Matrix } {
  const rng = new Random(11);
  const images = Array.from({ length: 12 }, () => Array.from({ length: 6 }, () => rng.uniform(0, 1)));
  const mixing = Array.from({ length: 6 }, () => Array.from({ length: 20 }, () => rng.normal()));
  const response = (image: number[]): number[] => mixing[0]!.map((_, v) => 3 + image.reduce((s, p, j) => s + p * mixing[j]![v]!, 0) + 0.8 * rng.normal());
  const order = Array.from({ length: 36 }, (_, i) => i % 12);
  const voxels = createMatrix(36, 20, Float32Array.from(order.flatMap((g) => response(images[g]!))));
  const pixels = createMatrix(36, 6, Float32Array.from(order.flatMap((g) => images[g]!)));
  const test = createMatrix(5, 20, Float32Array.from(Array.from({ length: 5 }, () => response(Array.from({ length: 6 }, () => rng.uniform(0, 1)))).flat()));
  return { voxels, pixels, groups: Int32Array.from(order), test };
}

/** Primal ridge (ZᵀZ + αI)⁻¹ Zᵀ P on the given rows, by Gauss–Jordan: voxels × pixels. */
function primalRidge(z: number[][], p: number[][], alpha: number): number[][] {
  const zt = transpose(z);
  const a = times(zt, z).map((r, i) => r.map((x, j) => x + (i === j ? alpha : 0)));
  return gaussJordan(a, times(zt, p));
}

describe.each<BackendName>(comparedBackends())('fitImageAlignedEncoder on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('is the grouped k-fold ridge onto the image components: penalty, out-of-fold conditions, test embeddings and scale as a brute-force primal fit', () => {
    const { voxels, pixels, groups, test } = data();
    const alphasPerVoxel = [0.1, 1, 10];
    const fit = fitImageAlignedEncoder(voxels, pixels, groups, 128, { folds: 4, alphasPerVoxel });
    expect(fit.encoder.dim).toBe(6);

    // The reference: standardise with the training rows' mean and population SD, centre the pixels.
    const x = rows(voxels);
    const mean = x[0]!.map((_, v) => x.reduce((s, r) => s + r[v]!, 0) / x.length);
    const sd = x[0]!.map((_, v) => Math.sqrt(x.reduce((s, r) => s + (r[v]! - mean[v]!) ** 2, 0) / x.length));
    const standardised = (r: number[]): number[] => r.map((value, v) => (value - mean[v]!) / sd[v]!);
    const z = x.map(standardised);
    const p0 = rows(pixels);
    const pMean = p0[0]!.map((_, j) => p0.reduce((s, r) => s + r[j]!, 0) / p0.length);
    const p = p0.map((r) => r.map((value, j) => value - pMean[j]!));
    // Groups 0..11 in order of first appearance, in 4 contiguous blocks of 3 groups.
    const foldOf = (row: number): number => Math.floor((groups[row]! * 4) / 12);
    const outOfFold = (alpha: number): number[][] => {
      const out: number[][] = [];
      for (let f = 0; f < 4; f++) {
        const train = z.map((_, i) => i).filter((i) => foldOf(i) !== f);
        const w = primalRidge(train.map((i) => z[i]!), train.map((i) => p[i]!), alpha);
        z.forEach((row, i) => {
          if (foldOf(i) === f) out[i] = times([row], w)[0]!;
        });
      }
      return out;
    };
    const sse = alphasPerVoxel.map((a) => {
      const pred = outOfFold(a * 20);
      return pred.reduce((s, r, i) => s + r.reduce((t, v, j) => t + (v - p[i]![j]!) ** 2, 0), 0);
    });
    const best = sse.indexOf(Math.min(...sse));
    expect(fit.alphaPerVoxel).toBe(alphasPerVoxel[best]);
    const total = p.reduce((s, r) => s + r.reduce((t, v) => t + v * v, 0), 0);
    expect(fit.heldOutR2).toBeCloseTo(1 - sse[best]! / total, 6);

    const heldOut = outOfFold(fit.alphaPerVoxel * 20);
    const testPredictions = times(rows(test).map(standardised), primalRidge(z, p, fit.alphaPerVoxel * 20));
    // One common factor: the training conditions have mean variance 1 per dimension.
    const scale2 = heldOut.reduce((s, r) => s + r.reduce((t, v) => t + v * v, 0), 0) / (36 * 6);
    const expected = gram([...heldOut, ...testPredictions]).map((r) => r.map((v) => v / scale2));
    const actual = gram([...rows(fit.trainingConditions), ...rows(encodeConditions(fit.encoder, test))]);
    const largest = Math.max(...expected.flat().map(Math.abs));
    const worst = Math.max(...actual.flatMap((r, i) => r.map((v, j) => Math.abs(v - expected[i]![j]!))));
    expect(worst / largest).toBeLessThan(1e-4);
  });

  it('keeps the rows of one image in one fold: a duplicated row is predicted from the others, not from its copy', () => {
    const { voxels, pixels } = data();
    // Labelled as distinct images, each row's copies sit in other folds and leak into its prediction.
    const asDistinct = fitImageAlignedEncoder(voxels, pixels, Int32Array.from({ length: 36 }, (_, i) => i), 128, { folds: 4, alphasPerVoxel: [0.1] });
    const asGroups = fitImageAlignedEncoder(voxels, pixels, data().groups, 128, { folds: 4, alphasPerVoxel: [0.1] });
    expect(asDistinct.heldOutR2).toBeGreaterThan(asGroups.heldOutR2 + 0.05);
  });
});

describe('fitImageAlignedEncoder validation', () => {
  it('names the mismatch', () => {
    const { voxels, pixels, groups } = data();
    expect(() => fitImageAlignedEncoder(voxels, createMatrix(3, 6), groups, 4)).toThrow(/36 voxel rows but 3 images/);
    expect(() => fitImageAlignedEncoder(voxels, pixels, groups.subarray(1), 4)).toThrow(/35 group labels for 36 rows/);
    expect(() => fitImageAlignedEncoder(voxels, pixels, groups, 4, { alphasPerVoxel: [0] })).toThrow(/penalties must be positive/);
    expect(() => fitImageAlignedEncoder(voxels, pixels, new Int32Array(36), 4)).toThrow(/two or more distinct images/);
  });
});
