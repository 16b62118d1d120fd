import { describe, it, expect } from 'vitest';
import { DataError } from '../../lib/data/data-error';
import type { TrialTable } from '../../lib/data/trials';
import { createMatrix } from '../../lib/linalg/matrix';
import { preprocessTrials } from '../../lib/preprocess/preprocess-trials';

/**
 * Six trials, three voxels. Run 1 (train): rows 0, 1; run 2 (test): rows 2, 3; run 3 (test): rows 4, 5.
 * Each run has two trials, so the z-scored values are ±1 (or 0 for a constant voxel):
 * the larger value of the pair becomes +1.
 */
function table(): TrialTable {
  return {
    stimulusIds: ['t1', 't2', 'A', 'B', 'B', 'A'],
    sets: ['train', 'train', 'test', 'test', 'test', 'test'],
    runs: Int32Array.from([1, 1, 2, 2, 3, 3]),
    blocks: Int32Array.from([0, 1, 0, 1, 0, 1]),
    voxels: createMatrix(
      6,
      3,
      Float32Array.from([
        // v0, v1, v2
        1, 9, 100, //
        3, 9, 50, //
        5, 0, 7, //
        2, 1, 7, //
        8, 4, 0, //
        9, 2, 1, //
      ]),
    ),
    roiMasks: { VC: Uint8Array.from([1, 0, 1]) },
  };
}

describe('preprocessTrials', () => {
  it('z-scores per run, selects the ROI, keeps single training trials and averages test repeats', () => {
    // Two-trial runs: a line through two points leaves nothing, so these cases skip detrending.
    const out = preprocessTrials(table(), { roi: 'VC', averageTestTrials: true, trainSet: 'train', testSets: ['test'], detrend: false });
    expect(out.train.stimulusIds).toEqual(['t1', 't2']);
    // Voxels 0 and 2 of the ROI. Run 1: v0 1,3 → -1,+1; v2 100,50 → +1,-1.
    expect(Array.from(out.train.X.data)).toEqual([-1, 1, 1, -1]);
    const test = out.test['test']!;
    expect(test.stimulusIds).toEqual(['A', 'B']);
    // Run 2: v0 5,2 → +1,-1; v2 7,7 → 0,0. Run 3: v0 8,9 → -1,+1; v2 0,1 → -1,+1.
    // A = rows 2, 5: v0 (1 + 1)/2 = 1, v2 (0 + 1)/2 = 0.5. B = rows 3, 4: v0 -1, v2 -0.5.
    expect(Array.from(test.X.data)).toEqual([1, 0.5, -1, -0.5]);
  });

  it('keeps single test trials when not averaging', () => {
    const out = preprocessTrials(table(), { roi: 'VC', averageTestTrials: false, trainSet: 'train', testSets: ['test'], detrend: false });
    const test = out.test['test']!;
    expect(test.stimulusIds).toEqual(['A', 'B', 'B', 'A']);
    expect(Array.from(test.X.data)).toEqual([1, 0, -1, 0, -1, -1, 1, 1]);
  });

  it('detrends each run over block order before z-scoring (by default)', () => {
    // Runs of three blocks (rows not in block order). For values x1, x2, x3 at blocks 1, 2, 3 the
    // residual from the least-squares line is c·(−1/2, 1, −1/2) with c = (2·x2 − x1 − x3)/3, so
    // z-scoring gives sign(c)·(−1/√2, √2, −1/√2); a voxel on a line becomes 0.
    const trials: TrialTable = {
      stimulusIds: ['t1', 't2', 't3', 'A', 'B', 'C'],
      sets: ['train', 'train', 'train', 'test', 'test', 'test'],
      runs: Int32Array.from([1, 1, 1, 2, 2, 2]),
      blocks: Int32Array.from([1, 3, 2, 2, 1, 3]),
      voxels: createMatrix(
        6,
        2,
        Float32Array.from([
          // v0 (blocks 1, 3, 2 → 1, 2, 9: c > 0), v1 (a line: 10 + 2·block)
          1, 12, //
          2, 16, //
          9, 14, //
          // v0 (blocks 2, 1, 3 → x 5 at 2, 0 at 1, 4 at 3: c > 0), v1 (x 3 at 2, 8 at 1, 1 at 3: c < 0)
          5, 3, //
          0, 8, //
          4, 1, //
        ]),
      ),
      roiMasks: { VC: Uint8Array.from([1, 1]) },
    };
    const out = preprocessTrials(trials, { roi: 'VC', averageTestTrials: false, trainSet: 'train', testSets: ['test'] });
    const h = 1 / Math.SQRT2;
    const train = [-h, 0, -h, 0, Math.SQRT2, 0];
    Array.from(out.train.X.data).forEach((v, k) => expect(v).toBeCloseTo(train[k]!, 5));
    const test = [Math.SQRT2, -Math.SQRT2, -h, h, -h, h];
    Array.from(out.test['test']!.X.data).forEach((v, k) => expect(v).toBeCloseTo(test[k]!, 5));
  });

  it('throws a DataError naming the source when the training set is empty', () => {
    const run = () =>
      preprocessTrials(table(), { roi: 'VC', averageTestTrials: true, trainSet: 'training', testSets: [] }, 'sub-01/trials');
    expect(run).toThrow(DataError);
    expect(run).toThrow(/sub-01\/trials: set "training" has no trials/);
  });

  it('passes ROI errors through with the source', () => {
    expect(() =>
      preprocessTrials(table(), { roi: 'V4', averageTestTrials: true, trainSet: 'train', testSets: [] }, 'src'),
    ).toThrow(/src: ROI "V4" not found; available: VC/);
  });
});
