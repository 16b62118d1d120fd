import { createMatrix, type Matrix } from '../linalg/matrix';

/**
 * Averages the rows that share a stimulus id (repeated presentations of a test image), one output
 * row per distinct id in order of first appearance. Averaging repeats raises the signal-to-noise
 * ratio, which is how the test sets are decoded in Shen et al. (2019).
 */
export function averageByStimulus(X: Matrix, stimulusIds: string[]): { X: Matrix; stimulusIds: string[] } {
  if (stimulusIds.length !== X.rows) {
    throw new Error(`averageByStimulus: ${stimulusIds.length} stimulus ids for ${X.rows} rows`);
  }
  const slotOf = new Map<string, number>();
  const order: string[] = [];
  for (const id of stimulusIds) {
    if (!slotOf.has(id)) {
      slotOf.set(id, order.length);
      order.push(id);
    }
  }
  const cols = X.cols;
  // Accumulate in float64 so averaging many repeats does not lose precision.
  const sums = new Float64Array(order.length * cols);
  const counts = new Float64Array(order.length);
  stimulusIds.forEach((id, r) => {
    const slot = slotOf.get(id)!;
    counts[slot]! += 1;
    const src = r * cols;
    const dst = slot * cols;
    for (let j = 0; j < cols; j++) sums[dst + j]! += X.data[src + j]!;
  });
  const out = createMatrix(order.length, cols);
  for (let s = 0; s < order.length; s++) {
    for (let j = 0; j < cols; j++) out.data[s * cols + j] = sums[s * cols + j]! / counts[s]!;
  }
  return { X: out, stimulusIds: order };
}
