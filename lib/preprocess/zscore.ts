import { createMatrix, type Matrix } from '../linalg/matrix';
import { rowsByRun } from './rows-by-run';

/**
 * Z-scores every voxel (column) within each run: subtract the run's mean, divide by the run's
 * population SD. Removes run-to-run baseline drift; a voxel constant within a run becomes 0 there.
 */
export function zscoreWithinRuns(X: Matrix, runs: Int32Array): Matrix {
  if (runs.length !== X.rows) {
    throw new Error(`zscoreWithinRuns: ${runs.length} run labels for ${X.rows} rows`);
  }
  const cols = X.cols;
  const out = createMatrix(X.rows, cols);
  const mean = new Float64Array(cols);
  const sumSq = new Float64Array(cols);
  for (const rows of rowsByRun(runs)) {
    mean.fill(0);
    sumSq.fill(0);
    // Row-major passes (mean, then squared deviations) keep memory access sequential.
    for (const r of rows) {
      const base = r * cols;
      for (let j = 0; j < cols; j++) mean[j]! += X.data[base + j]!;
    }
    for (let j = 0; j < cols; j++) mean[j]! /= rows.length;
    for (const r of rows) {
      const base = r * cols;
      for (let j = 0; j < cols; j++) {
        const d = X.data[base + j]! - mean[j]!;
        sumSq[j]! += d * d;
      }
    }
    for (let j = 0; j < cols; j++) sumSq[j] = sumSq[j]! > 0 ? 1 / Math.sqrt(sumSq[j]! / rows.length) : 0;
    const invSd = sumSq;
    for (const r of rows) {
      const base = r * cols;
      for (let j = 0; j < cols; j++) out.data[base + j] = (X.data[base + j]! - mean[j]!) * invSd[j]!;
    }
  }
  return out;
}
