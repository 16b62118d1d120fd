import { DataError } from '../data/data-error';
import { type TrialTable, validateTrialTable } from '../data/trials';
import { createMatrix } from '../linalg/matrix';
import { type BData, DATA_TYPE_SETS, KEYS, ROI_PREFIX } from './bdata-layout';
import { imageNetFileStem, isImageNetStimulusId } from './imagenet-stimulus-id';
import { chooseLabelColumn, type LabelColumnOptions } from './label-column';
import { columnsOf, metadataValue } from './read-bdata';

/** How numeric labels become stimulus ids (the image file stems the stimuli are named by). */
export type StimulusNames = 'imagenet' | 'as-written';

export interface BDataToTrialsOptions extends LabelColumnOptions {
  /** Metadata key of the stimulus label column(s) (default `Label`; GOD uses `stimulus_id`). */
  readonly labelKey?: string;
  /** Keep samples labelled 0, which bdpy-made files use for rest and fixation (default: dropped). */
  readonly keepZeroLabels?: boolean;
  /**
   * `imagenet` (default): a `<WordNet offset>.<image number>` label becomes the file stem the
   * releases name the image by (1518878.005958 → n01518878_5958); `as-written`: the number as written.
   */
  readonly stimulusNames?: StimulusNames;
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
 * The label column is chosen by `chooseLabelColumn` (by position, or the stimulus-id column).
 * Samples that are not stimulus trials are dropped: label NaN (bdpy's fmriprep converter writes
 * "n/a" event fields, i.e. rest/fixation, as NaN), label 0 (rest and fixation in the lab's
 * files, even where a vmap names it) unless `keepZeroLabels`, or DataType NaN.
 */
export function bdataToTrials(b: BData, source: string, o: BDataToTrialsOptions = {}): TrialTable {
  const labelKey = o.labelKey ?? KEYS.label;
  const voxelCols = columnsOf(b, KEYS.voxelData);
  if (!voxelCols) throw new DataError(source, `no "${KEYS.voxelData}" metadata key, so the voxel columns are unknown`);
  if (voxelCols.length === 0) throw new DataError(source, `"${KEYS.voxelData}" marks no columns`);

  const labelCol = chooseLabelColumn(b, labelKey, source, o);
  const runCol = singleColumn(b, KEYS.run, source);
  const blockCol = singleColumn(b, KEYS.block, source);
  const hasDataType = b.metadata.key.includes(KEYS.dataType);
  const dataTypeCol = hasDataType ? singleColumn(b, KEYS.dataType, source) : undefined;
  if (dataTypeCol === undefined && o.defaultSet === undefined) {
    throw new DataError(source, `no "${KEYS.dataType}" metadata key; pass defaultSet to say which set the samples belong to`);
  }

  const { cols, data } = b.dataset;
  const at = (row: number, col: number): number => data[row * cols + col]!;
  const kept: number[] = [];
  for (let i = 0; i < b.dataset.rows; i++) {
    const label = at(i, labelCol);
    if (Number.isNaN(label) || (label === 0 && o.keepZeroLabels !== true)) continue;
    if (dataTypeCol !== undefined && Number.isNaN(at(i, dataTypeCol))) continue;
    kept.push(i);
  }

  const labelToId = stimulusIdFormatter(b, labelKey, source, o.stimulusIdOf, o.stimulusNames ?? 'imagenet');
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

/** The one dataset column `key` marks. */
function singleColumn(b: BData, key: string, source: string): number {
  const cols = columnsOf(b, key);
  if (!cols) throw new DataError(source, `no "${key}" metadata key`);
  if (cols.length !== 1) throw new DataError(source, `"${key}" must mark exactly one column but marks ${cols.length}`);
  return cols[0]!;
}

/**
 * stimulusIdOf, else the file's vmap for the label key, else (names `imagenet`) the ImageNet file
 * stem of a `<WordNet offset>.<image number>` label, else the number as written ("17").
 */
function stimulusIdFormatter(
  b: BData,
  labelKey: string,
  source: string,
  stimulusIdOf: ((label: number) => string) | undefined,
  names: StimulusNames,
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
  if (names === 'imagenet') return (label) => (isImageNetStimulusId(label) ? imageNetFileStem(label) : String(label));
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
