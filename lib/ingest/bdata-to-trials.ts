import { DataError } from '../data/data-error';
import { type TrialTable, validateTrialTable } from '../data/trials';
import { createMatrix } from '../linalg/matrix';
import { type BData, DATA_TYPE_SETS, KEYS, ROI_PREFIX } from './bdata-layout';
import { columnsOf, metadataValue } from './read-bdata';

export interface BDataToTrialsOptions {
  /** Metadata key of the single stimulus label column (default `Label`; GOD uses `stimulus_id`). */
  readonly labelKey?: string;
  /** Label value → stimulus id; wins over the file's vmap and the default formatting. */
  readonly stimulusIdOf?: (label: number) => string;
  /** Prefix of ROI keys (default `ROI_`); the mask is named by the rest of the key. */
  readonly roiPrefix?: string;
  /** Set for every sample when the file has no `DataType` key (DIR ships train and test as separate files). */
  readonly defaultSet?: string;
}

/**
 * Turns BData samples into deeprecon trials. Voxels are the `VoxelData` columns, ROI masks come
 * from every `ROI_*` key (value 1 on a voxel column), run/block/set from `Run`/`Block`/`DataType`.
 * Samples that are not stimulus trials are dropped: label NaN (bdpy's fmriprep converter writes
 * "n/a" event fields, i.e. rest/fixation, as NaN), label 0 unless the label's vmap names 0 (a
 * deeprecon convention, not bdpy's), or DataType NaN.
 */
export function bdataToTrials(b: BData, source: string, o: BDataToTrialsOptions = {}): TrialTable {
  const labelKey = o.labelKey ?? KEYS.label;
  const voxelCols = columnsOf(b, KEYS.voxelData);
  if (!voxelCols) throw new DataError(source, `no "${KEYS.voxelData}" metadata key, so the voxel columns are unknown`);
  if (voxelCols.length === 0) throw new DataError(source, `"${KEYS.voxelData}" marks no columns`);

  const labelCol = singleColumn(b, labelKey, source, true);
  const runCol = singleColumn(b, KEYS.run, source, false);
  const blockCol = singleColumn(b, KEYS.block, source, false);
  const hasDataType = b.metadata.key.includes(KEYS.dataType);
  const dataTypeCol = hasDataType ? singleColumn(b, KEYS.dataType, source, false) : undefined;
  if (dataTypeCol === undefined && o.defaultSet === undefined) {
    throw new DataError(source, `no "${KEYS.dataType}" metadata key; pass defaultSet to say which set the samples belong to`);
  }

  const { cols, data } = b.dataset;
  const at = (row: number, col: number): number => data[row * cols + col]!;
  // A vmap that names 0 makes 0 a real stimulus label rather than rest.
  const zeroIsStimulus = Object.hasOwn(b.vmap, labelKey) && b.vmap[labelKey]!.has(0);
  const kept: number[] = [];
  for (let i = 0; i < b.dataset.rows; i++) {
    const label = at(i, labelCol);
    if (Number.isNaN(label) || (label === 0 && !zeroIsStimulus)) continue;
    if (dataTypeCol !== undefined && Number.isNaN(at(i, dataTypeCol))) continue;
    kept.push(i);
  }

  const labelToId = stimulusIdFormatter(b, labelKey, source, o.stimulusIdOf);
  const stimulusIds = kept.map((i) => labelToId(at(i, labelCol), i));
  const sets = kept.map((i) => (dataTypeCol === undefined ? o.defaultSet! : setOf(at(i, dataTypeCol), i, source)));
  const runs = Int32Array.from(kept, (i) => integerAt(at(i, runCol), KEYS.run, i, source));
  const blocks = Int32Array.from(kept, (i) => integerAt(at(i, blockCol), KEYS.block, i, source));

  const voxels = new Float32Array(kept.length * voxelCols.length);
  kept.forEach((i, r) => {
    voxelCols.forEach((c, k) => {
      const v = at(i, c);
      if (!Number.isFinite(v)) throw new DataError(source, `voxel value at dataset row ${i}, column ${c} (voxel ${k}) is ${v}`);
      voxels[r * voxelCols.length + k] = v;
    });
  });

  const trials: TrialTable = {
    stimulusIds,
    sets,
    runs,
    blocks,
    voxels: createMatrix(kept.length, voxelCols.length, voxels),
    roiMasks: roiMasks(b, voxelCols, o.roiPrefix ?? ROI_PREFIX, source),
  };
  validateTrialTable(trials, source);
  return trials;
}

/** The one dataset column `key` marks; a label key that marks several names the per-column keys to pick from. */
function singleColumn(b: BData, key: string, source: string, isLabel: boolean): number {
  const cols = columnsOf(b, key);
  if (!cols) {
    const hint = isLabel ? '; pass labelKey naming the stimulus label column' : '';
    throw new DataError(source, `no "${key}" metadata key${hint}`);
  }
  if (cols.length === 1) return cols[0]!;
  if (isLabel && cols.length > 1) {
    const inside = new Set(cols);
    const candidates = b.metadata.key.filter((k) => {
      const c = columnsOf(b, k)!;
      return k !== key && c.length === 1 && inside.has(c[0]!);
    });
    throw new DataError(
      source,
      `"${key}" marks ${cols.length} columns; pass labelKey naming one of them: ${candidates.length > 0 ? candidates.join(', ') : '(no per-column keys)'}`,
    );
  }
  throw new DataError(source, `"${key}" must mark exactly one column but marks ${cols.length}`);
}

/** stimulusIdOf, else the file's vmap for the label key, else the number as written ("17", "1518878.005958"). */
function stimulusIdFormatter(
  b: BData,
  labelKey: string,
  source: string,
  stimulusIdOf: ((label: number) => string) | undefined,
): (label: number, row: number) => string {
  if (stimulusIdOf) return (label) => stimulusIdOf(label);
  const vmap = Object.hasOwn(b.vmap, labelKey) ? b.vmap[labelKey] : undefined;
  if (vmap) {
    return (label, row) => {
      const name = vmap.get(label);
      if (name === undefined) throw new DataError(source, `label ${label} at dataset row ${row} has no entry in vmap "${labelKey}"`);
      return name;
    };
  }
  return (label) => String(label);
}

function setOf(code: number, row: number, source: string): string {
  const set = DATA_TYPE_SETS.get(code);
  if (set === undefined) {
    const known = [...DATA_TYPE_SETS].map(([c, s]) => `${c} ${s}`).join(', ');
    throw new DataError(source, `"${KEYS.dataType}" ${code} at dataset row ${row} is not a known code (${known})`);
  }
  return set;
}

function integerAt(v: number, key: string, row: number, source: string): number {
  if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) {
    throw new DataError(source, `"${key}" at dataset row ${row} is ${v}, not an integer`);
  }
  return v;
}

/** One mask per `ROI_*` key over the voxel columns (bdpy stores 1 inside, 0 outside, NaN off-voxel). */
function roiMasks(b: BData, voxelCols: number[], prefix: string, source: string): Record<string, Uint8Array> {
  const masks: Record<string, Uint8Array> = {};
  for (const key of b.metadata.key) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (name === '') throw new DataError(source, `ROI key "${key}" has no name after the prefix "${prefix}"`);
    const row = metadataValue(b, key)!;
    masks[name] = Uint8Array.from(voxelCols, (c) => (row[c] === 1 ? 1 : 0));
  }
  return masks;
}
