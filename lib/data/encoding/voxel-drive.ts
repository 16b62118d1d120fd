import type { ImageBatch } from '../../images/image-batch';
import { createMatrix, type Matrix } from '../../linalg/matrix';
import { gaborVoxelDrive, type PixelTerms } from './gabor-voxel-drive';
import { opponentChannels } from './opponent-channels';
import { shapeVoxelDrive } from './shape-voxel-drive';
import { VISUAL_AREAS } from './visual-areas';
import type { VoxelPopulation } from './voxel-population';

/**
 * Noise-free drive of every voxel by every image (images × voxels), in each model's own units:
 * Gabor-energy voxels for V1–V4, shape-network voxels for LOC, FFA and PPA. Gains, the
 * unresponsive voxels and noise are applied by the caller.
 */
export function voxelDrive(images: ImageBatch, population: VoxelPopulation, pixelTerms: PixelTerms = 'rectified'): Matrix {
  const V = population.count;
  const byModel = (model: string): number[] => Array.from(population.area).flatMap((a, v) => (VISUAL_AREAS[a]!.model === model ? [v] : []));
  const gabor = byModel('gabor');
  const shape = byModel('shape');
  const out = createMatrix(images.count, V);
  const opponent = opponentChannels(images);
  try {
    const scatter = (values: Float32Array, voxels: number[]): void => {
      for (let n = 0; n < images.count; n++) voxels.forEach((v, i) => (out.data[n * V + v] = values[n * voxels.length + i]!));
    };
    if (gabor.length > 0) {
      const t = gaborVoxelDrive(opponent, population, gabor, pixelTerms);
      scatter(t.dataSync() as Float32Array, gabor);
      t.dispose();
    }
    if (shape.length > 0) scatter(shapeVoxelDrive(opponent, population, shape), shape);
  } finally {
    opponent.dispose();
  }
  return out;
}
