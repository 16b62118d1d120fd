import { createImageBatch, type ImageBatch } from '../../lib/images/image-batch';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';

/** Four flat, clearly different colours: red, green, blue, yellow. */
export const CLASS_COLOURS = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
] as const;

export const VOXELS_PER_CLASS = 8;

export function classImages(classes: readonly number[], size: number): ImageBatch {
  const out = createImageBatch(classes.length, size, size);
  classes.forEach((k, i) => {
    const colour = CLASS_COLOURS[k]!;
    for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) out.data[(i * size * size + p) * 3 + c] = colour[c]!;
  });
  return out;
}

/** Noisy one-hot-like voxel patterns: class k's block of voxels is active, plus Gaussian noise. */
export function classVoxels(classes: readonly number[], noise: number, rng: Random): Matrix {
  const cols = CLASS_COLOURS.length * VOXELS_PER_CLASS;
  const m = createMatrix(classes.length, cols);
  classes.forEach((k, i) => {
    for (let j = 0; j < cols; j++) {
      const active = Math.floor(j / VOXELS_PER_CLASS) === k ? 1.5 : -0.5;
      m.data[i * cols + j] = active + noise * rng.normal();
    }
  });
  return m;
}

/** classes[i] = i mod 4 for i < n. */
export const roundRobin = (n: number): number[] => Array.from({ length: n }, (_, i) => i % CLASS_COLOURS.length);
