import { selectRows, type Matrix } from '../linalg/matrix';
import { imageDerangement } from '../reconstruction/shuffled-image-labels';

/**
 * The cgan chance control's conditions: the rows of `voxels` (one per test image, labelled by
 * `ids`) permuted across images, row i becoming the row of image π(i) — π the seeded single-cycle
 * derangement of the control (imageDerangement), so no image is generated from its own pattern and
 * the same seed always pairs the same images.
 */
export function permutedAcrossImages(ids: readonly string[], voxels: Matrix, seed: number): Matrix {
  if (ids.length !== voxels.rows) throw new Error(`permutedAcrossImages: ${ids.length} ids for ${voxels.rows} rows`);
  const pi = imageDerangement(ids, seed);
  const rowOf = new Map(ids.map((id, i) => [id, i]));
  return selectRows(voxels, ids.map((id) => rowOf.get(pi.get(id)!)!));
}
