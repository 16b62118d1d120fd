import { DataError } from '../data/data-error';
import type { TrialTable } from '../data/trials';
import { selectRows, type Matrix } from '../linalg/matrix';
import { averageByStimulus } from './average-trials';
import { detrendWithinRuns } from './detrend';
import { selectRoi } from './select-roi';
import { zscoreWithinRuns } from './zscore';

export interface PreprocessOptions {
  roi: string;
  averageTestTrials: boolean;
  trainSet: string;
  testSets: string[];
  /** Remove each run's linear trend over blocks before z-scoring (default true, as in the paper). */
  detrend?: boolean;
}

export interface PreprocessedSet {
  X: Matrix;
  stimulusIds: string[];
}

export interface PreprocessedTrials {
  train: PreprocessedSet;
  test: Record<string, PreprocessedSet>;
}

/**
 * The paper's preprocessing of block responses: within every run (runs hold one set each and
 * have unique ids) remove each voxel's linear trend over block order, then z-score; keep the
 * ROI's voxels and split by set. Training stays single trials (more samples for the decoder);
 * test sets are averaged over repeats of each stimulus when `averageTestTrials`. Rest and
 * fixation blocks are not trials: ingestion drops them before this step.
 */
export function preprocessTrials(trials: TrialTable, o: PreprocessOptions, source = 'trials'): PreprocessedTrials {
  const n = trials.voxels.rows;
  if (trials.runs.length !== n || trials.sets.length !== n || trials.stimulusIds.length !== n) {
    throw new DataError(source, `run/set/stimulus columns do not all have one entry per trial (${n} trials)`);
  }
  const detrended = o.detrend === false ? trials.voxels : detrendWithinRuns(trials.voxels, trials.runs, trials.blocks);
  const z = zscoreWithinRuns(detrended, trials.runs);
  const roi = selectRoi(z, trials.roiMasks, o.roi, source);

  const pick = (set: string): PreprocessedSet => {
    const rows: number[] = [];
    trials.sets.forEach((s, i) => {
      if (s === set) rows.push(i);
    });
    if (rows.length === 0) throw new DataError(source, `set "${set}" has no trials`);
    return { X: selectRows(roi, rows), stimulusIds: rows.map((i) => trials.stimulusIds[i]!) };
  };

  const train = pick(o.trainSet);
  const test: Record<string, PreprocessedSet> = {};
  for (const set of o.testSets) {
    const single = pick(set);
    test[set] = o.averageTestTrials ? averageByStimulus(single.X, single.stimulusIds) : single;
  }
  return { train, test };
}
