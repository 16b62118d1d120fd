import { createMatrix, type Matrix } from '../linalg/matrix';
import { rowsByRun } from './rows-by-run';

/**
 * Run-wise linear detrending (Shen et al. 2019): within each run, every voxel (column) has its
 * least-squares line over trial time removed, so the residual is orthogonal to [1, t] — slow
 * scanner drift and the run's baseline go together. `time` orders trials within a run (the block
 * number); rows need not be sorted. A run of one trial becomes 0; a run whose trials share one
 * time loses only its mean.
 */
export function detrendWithinRuns(X: Matrix, runs: Int32Array, time: ArrayLike<number>): Matrix {
  if (runs.length !== X.rows || time.length !== X.rows) {
    throw new Error(`detrendWithinRuns: ${runs.length} run labels and ${time.length} times for ${X.rows} rows`);
  }
  const cols = X.cols;
  const out = createMatrix(X.rows, cols);
  const mean = new Float64Array(cols);
  const cross = new Float64Array(cols);
  for (const rows of rowsByRun(runs)) {
    let tMean = 0;
    for (const r of rows) tMean += time[r]!;
    tMean /= rows.length;
    let tVar = 0;
    for (const r of rows) tVar += (time[r]! - tMean) ** 2;
    mean.fill(0);
    cross.fill(0);
    // Row-major passes keep memory access sequential: Σx and Σ(t − t̄)x per column.
    for (const r of rows) {
      const base = r * cols;
      const dt = time[r]! - tMean;
      for (let j = 0; j < cols; j++) {
        const x = X.data[base + j]!;
        mean[j]! += x;
        cross[j]! += dt * x;
      }
    }
    for (let j = 0; j < cols; j++) {
      mean[j]! /= rows.length;
      cross[j] = tVar > 0 ? cross[j]! / tVar : 0;
    }
    const slope = cross;
    for (const r of rows) {
      const base = r * cols;
      const dt = time[r]! - tMean;
      for (let j = 0; j < cols; j++) out.data[base + j] = X.data[base + j]! - mean[j]! - slope[j]! * dt;
    }
  }
  return out;
}
