import type { ConditionEncoder } from '../../lib/gan/condition-encoder';

/** An encoder that passes conditions through unchanged (mean 0, SD 1, identity projection). */
export function identityEncoder(dim: number): ConditionEncoder {
  const projection = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) projection[i * dim + i] = 1;
  return { voxels: dim, dim, mean: new Float32Array(dim), sd: new Float32Array(dim).fill(1), projection };
}
