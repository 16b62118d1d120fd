import { type TrialTable, validateTrialTable } from '../data/trials';
import { decodeTable, encodeTable } from '../store/arrow-table';

/**
 * Two Arrow files, as ingestion produces them from real data:
 * trials — `stimulus_id`, `set`, `run`, `block`, `voxels: fixed_size_list<float32>[n_voxels]`;
 * voxels — one row per voxel, one bool column per ROI mask.
 */
export function encodeTrialTable(trials: TrialTable): { trials: Uint8Array; voxels: Uint8Array } {
  validateTrialTable(trials, 'encodeTrialTable');
  const trialBytes = encodeTable({
    stimulus_id: { kind: 'utf8', values: trials.stimulusIds },
    set: { kind: 'utf8', values: trials.sets },
    run: { kind: 'int32', values: trials.runs },
    block: { kind: 'int32', values: trials.blocks },
    voxels: { kind: 'matrix', values: trials.voxels },
  });
  const roiColumns = Object.fromEntries(
    Object.entries(trials.roiMasks).map(([roi, mask]) => [`roi_${roi}`, { kind: 'bool' as const, values: mask }]),
  );
  const index = Int32Array.from({ length: trials.voxels.cols }, (_, i) => i);
  const voxelBytes = encodeTable({ voxel_index: { kind: 'int32', values: index }, ...roiColumns });
  return { trials: trialBytes, voxels: voxelBytes };
}

export function decodeTrialTable(trialBytes: Uint8Array, trialSource: string, voxelBytes: Uint8Array, voxelSource: string): TrialTable {
  const t = decodeTable(trialBytes, trialSource);
  const v = decodeTable(voxelBytes, voxelSource);
  const roiMasks = Object.fromEntries(
    v.columnNames.filter((name) => name.startsWith('roi_')).map((name) => [name.slice(4), v.bool(name)]),
  );
  const trials: TrialTable = {
    stimulusIds: t.strings('stimulus_id'),
    sets: t.strings('set'),
    runs: t.int32('run'),
    blocks: t.int32('block'),
    voxels: t.matrix('voxels'),
    roiMasks,
  };
  validateTrialTable(trials, trialSource);
  return trials;
}
