import { createMatrix, type Matrix } from '../linalg/matrix';

/**
 * The paper's per-image feature scale: for conv layers ([h, w, c], NHWC-flattened) the mean over
 * channels of each channel's SD over positions; for dense layers the SD over units.
 */
export function featureScale(row: ArrayLike<number>, layerShape: readonly number[]): number {
  const channels = layerShape.length === 3 ? layerShape[2]! : 1;
  const positions = row.length / channels;
  let total = 0;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let sq = 0;
    for (let p = 0; p < positions; p++) sum += row[p * channels + c]!;
    const mean = sum / positions;
    for (let p = 0; p < positions; p++) sq += (row[p * channels + c]! - mean) ** 2;
    total += Math.sqrt(sq / positions);
  }
  return total / channels;
}

/** std0: the mean feature scale over many (true, natural-image) feature vectors. */
export function featureStd(features: Matrix, layerShape: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < features.rows; i++) total += featureScale(features.data.subarray(i * features.cols, (i + 1) * features.cols), layerShape);
  return total / features.rows;
}

/**
 * Decoded features are shrunk towards the mean by regression; before inversion each image's
 * features are rescaled so their scale matches std0, the scale of true features.
 */
export function rescaleFeatures(decoded: Matrix, layerShape: readonly number[], std0: number): Matrix {
  const out = createMatrix(decoded.rows, decoded.cols);
  for (let i = 0; i < decoded.rows; i++) {
    const row = decoded.data.subarray(i * decoded.cols, (i + 1) * decoded.cols);
    const scale = featureScale(row, layerShape);
    const gain = scale > 0 ? std0 / scale : 1;
    for (let j = 0; j < decoded.cols; j++) out.data[i * decoded.cols + j] = row[j]! * gain;
  }
  return out;
}
