import { DataError } from '../data/data-error';
import { selectColumns, type Matrix } from '../linalg/matrix';

/** Keeps the voxel columns inside the named ROI mask (nonzero entries). */
export function selectRoi(X: Matrix, roiMasks: Record<string, Uint8Array>, roi: string, source: string): Matrix {
  const mask = Object.hasOwn(roiMasks, roi) ? roiMasks[roi] : undefined;
  if (!mask) {
    const available = Object.keys(roiMasks);
    throw new DataError(
      source,
      `ROI "${roi}" not found; available: ${available.length > 0 ? available.join(', ') : '(none)'}`,
    );
  }
  if (mask.length !== X.cols) {
    throw new DataError(source, `ROI mask "${roi}" has ${mask.length} entries but there are ${X.cols} voxels`);
  }
  const columns: number[] = [];
  mask.forEach((inside, j) => {
    if (inside !== 0) columns.push(j);
  });
  if (columns.length === 0) throw new DataError(source, `ROI "${roi}" contains no voxels`);
  return selectColumns(X, columns);
}
