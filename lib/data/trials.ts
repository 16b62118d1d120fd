import type { ImageBatch } from '../images/image-batch';
import type { Matrix } from '../linalg/matrix';
import { DataError } from './data-error';

/** Stimulus images with their ids and the set (train, test, …) each belongs to. */
export interface StimulusSet {
  readonly ids: string[];
  readonly sets: string[];
  readonly images: ImageBatch;
}

/**
 * fMRI trials as ingestion stores them: one row per trial (a stimulus block), voxel responses in
 * `voxels` (trials × voxels), and one boolean mask per ROI over the voxel columns.
 */
export interface TrialTable {
  readonly stimulusIds: string[];
  readonly sets: string[];
  readonly runs: Int32Array;
  readonly blocks: Int32Array;
  readonly voxels: Matrix;
  readonly roiMasks: Record<string, Uint8Array>;
}

/** Checks that every column has one entry per trial and every mask one per voxel. */
export function validateTrialTable(trials: TrialTable, source: string): void {
  const n = trials.voxels.rows;
  const lengths: [string, number][] = [
    ['stimulus_id', trials.stimulusIds.length],
    ['set', trials.sets.length],
    ['run', trials.runs.length],
    ['block', trials.blocks.length],
  ];
  for (const [name, length] of lengths) {
    if (length !== n) throw new DataError(source, `column "${name}" has ${length} entries but there are ${n} trials`);
  }
  for (const [roi, mask] of Object.entries(trials.roiMasks)) {
    if (mask.length !== trials.voxels.cols) {
      throw new DataError(source, `ROI mask "${roi}" has ${mask.length} entries but there are ${trials.voxels.cols} voxels`);
    }
  }
  for (let i = 0; i < trials.voxels.data.length; i++) {
    if (!Number.isFinite(trials.voxels.data[i]!)) {
      const row = Math.floor(i / trials.voxels.cols);
      throw new DataError(source, `voxel value at trial ${row}, voxel ${i % trials.voxels.cols} is not finite`);
    }
  }
}

/** Row of each id among the stimuli; an unknown id is a DataError naming `what` referred to it. */
export function stimulusRows(stimuli: StimulusSet, ids: readonly string[], source: string, what: string): number[] {
  const rowOf = new Map(stimuli.ids.map((id, i) => [id, i]));
  return ids.map((id) => {
    const row = rowOf.get(id);
    if (row === undefined) throw new DataError(source, `${what} of unknown stimulus "${id}"`);
    return row;
  });
}
