import type { TrialTable } from '../data/trials';
import { type BData, DATA_TYPE_SETS, KEYS, ROI_PREFIX } from './bdata-layout';

/**
 * The inverse of bdataToTrials: trials as a BData file in bdpy's layout — voxel columns, then
 * Run, Block, DataType and Label columns; ROI keys 1 inside and 0 outside on voxel columns; the
 * label's vmap maps each label number to its stimulus id. Lets users hand deeprecon's data (for
 * example a simulated subject) to bdpy-based tools, and tests ingestion end to end.
 */
export function trialsToBData(trials: TrialTable): BData {
  const voxels = trials.voxels.cols;
  const extra = ['Run', 'Block', 'DataType', 'Label'] as const;
  const cols = voxels + extra.length;
  const rows = trials.voxels.rows;
  const codeOf = new Map([...DATA_TYPE_SETS].map(([code, set]) => [set, code]));
  const labelOf = new Map<string, number>();
  for (const id of trials.stimulusIds) if (!labelOf.has(id)) labelOf.set(id, labelOf.size + 1);

  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let v = 0; v < voxels; v++) data[i * cols + v] = trials.voxels.data[i * voxels + v]!;
    const code = codeOf.get(trials.sets[i]!);
    if (code === undefined) throw new Error(`trialsToBData: set "${trials.sets[i]}" has no DataType code (${[...codeOf.keys()].join(', ')})`);
    data[i * cols + voxels] = trials.runs[i]!;
    data[i * cols + voxels + 1] = trials.blocks[i]!;
    data[i * cols + voxels + 2] = code;
    data[i * cols + voxels + 3] = labelOf.get(trials.stimulusIds[i]!)!;
  }

  const key: string[] = [];
  const description: string[] = [];
  const valueRows: Float64Array[] = [];
  const addKey = (name: string, text: string, row: (c: number) => number) => {
    key.push(name);
    description.push(text);
    valueRows.push(Float64Array.from({ length: cols }, (_, c) => row(c)));
  };
  addKey(KEYS.voxelData, `1 = ${KEYS.voxelData}`, (c) => (c < voxels ? 1 : Number.NaN));
  extra.forEach((name, k) => addKey(name, `1 = ${name}`, (c) => (c === voxels + k ? 1 : Number.NaN)));
  for (const [roi, mask] of Object.entries(trials.roiMasks)) {
    addKey(`${ROI_PREFIX}${roi}`, `1 = ROI ${roi}`, (c) => (c < voxels ? mask[c]! : Number.NaN));
  }
  const value = new Float64Array(key.length * cols);
  valueRows.forEach((r, k) => value.set(r, k * cols));
  return {
    dataset: { rows, cols, data },
    metadata: { key, description, value },
    vmap: { [KEYS.label]: new Map([...labelOf].map(([id, label]) => [label, id])) },
  };
}
