/**
 * The BData layout (Kamitani lab's bdpy / BrainDecoderToolbox2), as bdpy 0.26 writes and reads it
 * (bdpy/bdata/bdata.py `__save_h5` / `__load_h5`, bdpy/bdata/metadata.py):
 *
 *   /dataset               float64, samples × columns (C order, so row-major)
 *   /metadata/key          1-D strings (h5py writes UTF-8 bytes as variable-length, ASCII cset)
 *   /metadata/description  1-D strings, one per key
 *   /metadata/value        float64, keys × columns; NaN where a key does not apply to a column
 *   /header/…              optional, creation time and call stack (not read here)
 *   /vmap/<key>/<value>    optional, value → label string for the column(s) of <key>;
 *                          the dataset name is Python's str(float), e.g. "3.0"
 *
 * Older files name the top-level objects `dataSet` and `metaData`; bdpy still reads those.
 * See docs/data-formats.md for how this maps onto deeprecon's trial table.
 */

/** A dense samples × columns matrix, row-major, as stored in `/dataset`. */
export interface BDataMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array | Float32Array;
}

/** Per-column metadata: `value` is keys × cols, row-major (row k belongs to key[k]). */
export interface BDataMetadata {
  readonly key: string[];
  readonly description: string[];
  readonly value: Float64Array;
}

/** A BData file in memory. `vmap` maps a metadata key to its value → label table (empty when none). */
export interface BData {
  readonly dataset: BDataMatrix;
  readonly metadata: BDataMetadata;
  readonly vmap: Record<string, ReadonlyMap<number, string>>;
}

/** Names bdpy reads for the sample matrix, newest first. */
export const DATASET_NAMES = ['dataset', 'dataSet'] as const;
/** Names bdpy reads for the metadata group, newest first. */
export const METADATA_NAMES = ['metadata', 'metaData'] as const;
export const VMAP_GROUP = 'vmap';

/**
 * Metadata keys the lab's fMRI files use. `bdpy.BData.add(x, name)` marks the added columns with
 * value 1 under key `name` (description "1 = name"); bdpy/mri/fmriprep.py adds VoxelData, Session,
 * Run, Block and Label, plus one key per event-file column under Label (e.g. stimulus_name).
 */
export const KEYS = {
  voxelData: 'VoxelData',
  run: 'Run',
  block: 'Block',
  /** GenericObjectDecoding: 1 training, 2 test (perception), 3 test (imagery). */
  dataType: 'DataType',
  /** Default label column; in fmriprep-made files it marks every label column (see labelKey). */
  label: 'Label',
} as const;

/** ROI membership keys: value 1 on the voxel columns inside the ROI, 0 on the other voxels. */
export const ROI_PREFIX = 'ROI_';

/**
 * DataType codes → deeprecon set names, as GenericObjectDecoding's analysis_FeaturePrediction.py
 * uses them (`datatype == 1` training, `== 2` perception test, `== 3` imagery test).
 */
export const DATA_TYPE_SETS: ReadonlyMap<number, string> = new Map([
  [1, 'train'],
  [2, 'natural'],
  [3, 'imagery'],
]);
