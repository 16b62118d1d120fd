import type { Matrix } from '../linalg/matrix';
import { pearson } from './correlation';

/**
 * Pattern correlation as bdpy's `pattern_correlation(pred, truth, mean, std)` computes it for the
 * lab's decoding evaluation: every unit is z-scored with the TRAINING features' mean and SD, then
 * each image's predicted pattern is correlated (Pearson, over units) with its true pattern.
 * Without the z-scoring, units with a large mean or variance (a few channels, the image border)
 * dominate the correlation and it is high even for a decoder that only predicts the average image.
 *
 * As bdpy (`remove_nan=True`), units that are NaN for any image after z-scoring are dropped.
 * Units whose training SD is 0 or not finite are dropped too: bdpy divides by it and returns NaN
 * for every image when such a unit departs from its training mean.
 */
export function patternCorrelation(predicted: Matrix, truth: Matrix, trainMean: Float64Array, trainSd: Float64Array): Float64Array {
  if (predicted.rows !== truth.rows || predicted.cols !== truth.cols) {
    throw new Error(`patternCorrelation: shapes differ (${predicted.rows}x${predicted.cols} vs ${truth.rows}x${truth.cols})`);
  }
  const { rows, cols } = predicted;
  if (trainMean.length !== cols || trainSd.length !== cols) {
    throw new Error(`patternCorrelation: ${cols} units but training statistics for ${trainMean.length} (mean) and ${trainSd.length} (SD)`);
  }
  const zp = new Float64Array(rows * cols);
  const zt = new Float64Array(rows * cols);
  const keep = new Uint8Array(cols).fill(1);
  for (let j = 0; j < cols; j++) if (!(Number.isFinite(trainSd[j]!) && trainSd[j]! > 0)) keep[j] = 0;
  for (let k = 0; k < rows * cols; k++) {
    const j = k % cols;
    zp[k] = (predicted.data[k]! - trainMean[j]!) / trainSd[j]!;
    zt[k] = (truth.data[k]! - trainMean[j]!) / trainSd[j]!;
    if (Number.isNaN(zp[k]!) || Number.isNaN(zt[k]!)) keep[j] = 0;
  }
  const units: number[] = [];
  for (let j = 0; j < cols; j++) if (keep[j]) units.push(j);
  const out = new Float64Array(rows);
  const a = new Float64Array(units.length);
  const b = new Float64Array(units.length);
  for (let i = 0; i < rows; i++) {
    units.forEach((j, k) => {
      a[k] = zp[i * cols + j]!;
      b[k] = zt[i * cols + j]!;
    });
    out[i] = pearson(a, b);
  }
  return out;
}
