import type * as H5 from 'h5wasm/node' with { 'resolution-mode': 'import' };
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../lib/data/data-error';
import type { BData } from '../../lib/ingest/bdata-layout';
import { bdataToTrials } from '../../lib/ingest/bdata-to-trials';
import { loadH5wasm, metadataValue, readBData, scratchPath, selectColumns } from '../../lib/ingest/read-bdata';
import { writeBData } from '../../lib/ingest/write-bdata';

const SRC = 'sub-01_small.h5';

/**
 * Builds BData the way bdpy's BData.add / add_metadata(where=…) / add_vmap do, so the result can
 * be compared with test/fixtures/bdpy-small.h5 (written by bdpy from the same recipe).
 */
class BDataBuilder {
  private columns: number[][] = []; // column-major while building
  private keys: { key: string; description: string; value: number[] }[] = [];
  readonly vmap: Record<string, Map<number, string>> = {};

  /** bdpy add(x, name): append columns; value 1 on them, NaN elsewhere; earlier keys get NaN. */
  add(x: number[][], name: string): this {
    const before = this.columns.length;
    const width = x[0]!.length;
    for (let j = 0; j < width; j++) this.columns.push(x.map((row) => row[j]!));
    for (const k of this.keys) k.value.push(...Array<number>(width).fill(NaN));
    this.keys.push({ key: name, description: `1 = ${name}`, value: [...Array<number>(before).fill(NaN), ...Array<number>(width).fill(1)] });
    return this;
  }

  /** bdpy add_metadata(key, values, description, where): values on the `where` columns, NaN elsewhere. */
  addMetadata(key: string, values: number[], description: string, where: string): this {
    const whereRow = this.keys.find((k) => k.key === where)!.value;
    const value = Array<number>(this.columns.length).fill(NaN);
    let n = 0;
    whereRow.forEach((v, j) => {
      if (v === 1) value[j] = values[n++]!;
    });
    this.keys.push({ key, description, value });
    return this;
  }

  build(): BData {
    const rows = this.columns[0]?.length ?? 0;
    const cols = this.columns.length;
    const data = new Float64Array(rows * cols);
    this.columns.forEach((col, j) => col.forEach((v, i) => (data[i * cols + j] = v)));
    return {
      dataset: { rows, cols, data },
      metadata: {
        key: this.keys.map((k) => k.key),
        description: this.keys.map((k) => k.description),
        value: Float64Array.from(this.keys.flatMap((k) => k.value)),
      },
      vmap: this.vmap,
    };
  }
}

interface SmallOptions {
  /** Label of the rest sample that opens run 2 (NaN like bdpy writes 'n/a'; 0 is also rest). */
  run2RestLabel?: number;
  vmap?: boolean;
  dataType?: boolean;
  nanVoxelAt?: [number, number];
}

/**
 * The recipe of test/fixtures/make-bdpy-small.py: 3 runs × (1 rest + 4 trials), 10 voxels with
 * value row*10 + voxel*0.25 + 0.5, ROI_V1 = voxels 0-4, ROI_V2 = voxels 5-9, runs 1-2 DataType 1,
 * run 3 DataType 2, labels 1-8 (train) and 101-104 (test), vmap label → "img_<label>".
 */
function smallBData(o: SmallOptions = {}): BData {
  const voxels: number[][] = [];
  const run: number[][] = [];
  const block: number[][] = [];
  const label: number[][] = [];
  const dataType: number[][] = [];
  for (let r = 1; r <= 3; r++) {
    for (let j = 0; j < 5; j++) {
      const i = voxels.length;
      voxels.push(Array.from({ length: 10 }, (_, k) => (o.nanVoxelAt?.[0] === i && o.nanVoxelAt[1] === k ? NaN : i * 10 + k * 0.25 + 0.5)));
      run.push([r]);
      block.push([(r - 1) * 5 + j + 1]);
      label.push([j === 0 ? (r === 2 ? (o.run2RestLabel ?? NaN) : NaN) : r < 3 ? (r - 1) * 4 + j : 100 + j]);
      dataType.push([r < 3 ? 1 : 2]);
    }
  }
  const b = new BDataBuilder().add(voxels, 'VoxelData').add(run, 'Run').add(block, 'Block').add(label, 'Label');
  if (o.dataType ?? true) b.add(dataType, 'DataType');
  b.addMetadata('ROI_V1', [1, 1, 1, 1, 1, 0, 0, 0, 0, 0], 'ROI V1 (synthetic)', 'VoxelData');
  b.addMetadata('ROI_V2', [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], 'ROI V2 (synthetic)', 'VoxelData');
  if (o.vmap ?? true) {
    b.vmap['Label'] = new Map([1, 2, 3, 4, 5, 6, 7, 8, 101, 102, 103, 104].map((v) => [v, `img_${v}`]));
  }
  return b.build();
}

/** Writes an HDF5 file by hand, for layouts writeBData refuses to produce. */
async function craftHdf5(build: (f: H5.File) => void): Promise<Uint8Array> {
  const h5 = await loadH5wasm();
  const path = scratchPath();
  const f = new h5.lib.File(path, 'w');
  build(f);
  f.close();
  const bytes = h5.fs.readFile(path);
  h5.fs.unlink(path);
  return bytes;
}

async function expectDataError(run: () => unknown, problem: RegExp): Promise<DataError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DataError);
  const err = caught as DataError;
  expect(err.source).toBe(SRC);
  expect(err.message.startsWith(`${SRC}: `)).toBe(true);
  expect(err.message).toMatch(problem);
  return err;
}

describe('BData round trip', () => {
  it('write → read gives back the same BData (float64 dataset, strings, NaNs, vmap)', async () => {
    const b = smallBData();
    b.metadata.description[0] = 'voxels — ünïcode ✓';
    const back = await readBData(await writeBData(b), SRC);
    expect(back.dataset.data).toBeInstanceOf(Float64Array);
    expect(back).toEqual(b);
    expect(Number.isNaN(back.metadata.value[10]!)).toBe(true); // VoxelData row is NaN on the Run column
  });

  it('keeps a float32 dataset as float32', async () => {
    const b = smallBData();
    const f32: BData = { ...b, dataset: { ...b.dataset, data: Float32Array.from(b.dataset.data) } };
    const back = await readBData(await writeBData(f32), SRC);
    expect(back.dataset.data).toBeInstanceOf(Float32Array);
    expect(back).toEqual(f32);
  });

  it('reads the file bdpy itself wrote identically to the same recipe built here', async () => {
    const bytes = new Uint8Array(readFileSync(join(__dirname, '../fixtures/bdpy-small.h5')));
    const fromBdpy = await readBData(bytes, SRC);
    expect(fromBdpy).toEqual(smallBData());
  });
});

describe('selectColumns / metadataValue', () => {
  it('select the columns a key marks with 1, like bdpy select(key)', () => {
    const b = smallBData();
    const run = selectColumns(b, 'Run')!;
    expect(run.columns).toEqual([10]);
    expect(Array.from(run.data)).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    const v1 = selectColumns(b, 'ROI_V1')!;
    expect(v1.columns).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(v1.data.subarray(0, 5))).toEqual([0.5, 0.75, 1, 1.25, 1.5]);
    expect(selectColumns(b, 'ROI_V9')).toBeUndefined();
    const roi = Array.from(metadataValue(b, 'ROI_V2')!);
    expect(roi.slice(0, 10)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(roi.slice(10).every(Number.isNaN)).toBe(true);
    expect(metadataValue(b, 'nope')).toBeUndefined();
  });
});

describe('bdataToTrials', () => {
  it('converts the small file to the hand-checked trial table', async () => {
    const b = await readBData(await writeBData(smallBData()), SRC);
    const t = bdataToTrials(b, SRC);
    expect(t.stimulusIds).toEqual(['img_1', 'img_2', 'img_3', 'img_4', 'img_5', 'img_6', 'img_7', 'img_8', 'img_101', 'img_102', 'img_103', 'img_104']);
    expect(t.sets).toEqual([...Array<string>(8).fill('train'), ...Array<string>(4).fill('natural')]);
    expect(Array.from(t.runs)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expect(Array.from(t.blocks)).toEqual([2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15]);
    expect(t.voxels.rows).toBe(12);
    expect(t.voxels.cols).toBe(10);
    // Trial 0 is dataset row 1 (row 0 is rest): 10 + k/4 + 0.5.
    expect(Array.from(t.voxels.data.subarray(0, 10))).toEqual([10.5, 10.75, 11, 11.25, 11.5, 11.75, 12, 12.25, 12.5, 12.75]);
    // Trial 11 is dataset row 14.
    expect(t.voxels.data[11 * 10 + 9]).toBe(140 + 2.25 + 0.5);
    expect(Object.keys(t.roiMasks).sort()).toEqual(['V1', 'V2']);
    expect(Array.from(t.roiMasks['V1']!)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(t.roiMasks['V2']!)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('without a vmap uses the label number; stimulusIdOf overrides both', () => {
    const plain = bdataToTrials(smallBData({ vmap: false }), SRC);
    expect(plain.stimulusIds.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(plain.stimulusIds.at(-1)).toBe('104');
    const named = bdataToTrials(smallBData(), SRC, { stimulusIdOf: (v) => `n${String(v).padStart(4, '0')}` });
    expect(named.stimulusIds.slice(0, 2)).toEqual(['n0001', 'n0002']);
  });

  it('drops label-0 rest samples too, and keeps roiPrefix configurable', () => {
    const t = bdataToTrials(smallBData({ run2RestLabel: 0, vmap: false }), SRC, { roiPrefix: 'ROI_V' });
    expect(t.voxels.rows).toBe(12);
    expect(Object.keys(t.roiMasks).sort()).toEqual(['1', '2']);
  });

  it('drops label 0 even where the vmap names it; keepZeroLabels keeps it', () => {
    const b = smallBData({ run2RestLabel: 0 });
    const withZero: BData = { ...b, vmap: { Label: new Map([[0, 'img_0'], ...b.vmap['Label']!]) } };
    expect(bdataToTrials(withZero, SRC).voxels.rows).toBe(12);
    const t = bdataToTrials(withZero, SRC, { keepZeroLabels: true });
    expect(t.voxels.rows).toBe(13);
    expect(t.stimulusIds[4]).toBe('img_0');
    expect(t.runs[4]).toBe(2);
    expect(t.blocks[4]).toBe(6);
  });

  it('needs defaultSet when the file has no DataType (DIR splits sets into files)', async () => {
    const b = smallBData({ dataType: false });
    await expectDataError(() => bdataToTrials(b, SRC), /no "DataType" metadata key; pass defaultSet/);
    expect(new Set(bdataToTrials(b, SRC, { defaultSet: 'test' }).sets)).toEqual(new Set(['test']));
  });

  it('asks for a column position or a per-column key when Label marks several columns', async () => {
    const b = new BDataBuilder()
      .add([[1, 2], [3, 4]], 'VoxelData')
      .add([[1], [1]], 'Run')
      .add([[1], [2]], 'Block')
      .add([[5, 7], [6, 8]], 'Label')
      .addMetadata('stimulus_name', [1, NaN], 'Label stimulus_name', 'Label')
      .addMetadata('image_index', [NaN, 1], 'Label image_index', 'Label')
      .build();
    await expectDataError(
      () => bdataToTrials(b, SRC, { defaultSet: 'train' }),
      /"Label" marks 2 columns and none .*; set labelColumn to the stimulus column's position \(0–1\) or labelKey to one of stimulus_name, image_index \(column 0: 5, 6; column 1: 7, 8\)$/,
    );
    const t = bdataToTrials(b, SRC, { defaultSet: 'train', labelKey: 'image_index' });
    expect(t.stimulusIds).toEqual(['7', '8']);
    expect(bdataToTrials(b, SRC, { defaultSet: 'train', labelColumn: 1 }).stimulusIds).toEqual(['7', '8']);
  });

  it('rejects a NaN voxel naming the dataset row and column', async () => {
    const b = await readBData(await writeBData(smallBData({ nanVoxelAt: [6, 3] })), SRC);
    await expectDataError(() => bdataToTrials(b, SRC), /voxel value at dataset row 6, column 3 \(voxel 3\) is NaN/);
  });

  it('rejects an unknown DataType code and a missing VoxelData key', async () => {
    const b = smallBData();
    const dataTypeCol = 13;
    const data = Float64Array.from(b.dataset.data);
    data[4 * b.dataset.cols + dataTypeCol] = 9;
    await expectDataError(() => bdataToTrials({ ...b, dataset: { ...b.dataset, data } }, SRC), /"DataType" 9 at dataset row 4 is not a known code/);
    const noVoxels: BData = { ...b, metadata: { ...b.metadata, key: b.metadata.key.map((k) => (k === 'VoxelData' ? 'Voxels' : k)) } };
    await expectDataError(() => bdataToTrials(noVoxels, SRC), /no "VoxelData" metadata key/);
  });
});

describe('readBData on malformed files', () => {
  it('not HDF5', async () => {
    await expectDataError(() => readBData(new TextEncoder().encode('dataset,metadata\n1,2\n'), SRC), /not an HDF5 file/);
    await expectDataError(() => readBData(new Uint8Array(0), SRC), /not an HDF5 file/);
  });

  it('truncated bytes', async () => {
    const bytes = await writeBData(smallBData());
    await expectDataError(() => readBData(bytes.subarray(0, Math.floor(bytes.length / 2)), SRC), /cannot be opened as HDF5: truncated file/);
    await expectDataError(() => readBData(bytes.subarray(0, 100), SRC), /cannot be opened as HDF5/);
  });

  it('missing dataset', async () => {
    const bytes = await craftHdf5((f) => {
      f.create_group('metadata');
    });
    await expectDataError(() => readBData(bytes, SRC), /missing "dataset".*top level has: metadata/);
  });

  it('missing metadata group, key or value', async () => {
    const noGroup = await craftHdf5((f) => {
      f.create_dataset({ name: 'dataset', data: new Float64Array(4), shape: [2, 2] });
    });
    await expectDataError(() => readBData(noGroup, SRC), /missing "metadata" group/);
    const noValue = await craftHdf5((f) => {
      f.create_dataset({ name: 'dataset', data: new Float64Array(4), shape: [2, 2] });
      f.create_group('metadata');
      f.create_dataset({ name: 'metadata/key', data: ['VoxelData'], dtype: 'A' });
      f.create_dataset({ name: 'metadata/description', data: ['1 = VoxelData'], dtype: 'A' });
    });
    await expectDataError(() => readBData(noValue, SRC), /missing "metadata\/value"/);
    const noKey = await craftHdf5((f) => {
      f.create_dataset({ name: 'dataset', data: new Float64Array(4), shape: [2, 2] });
      f.create_group('metadata');
      f.create_dataset({ name: 'metadata/value', data: new Float64Array([1, 1]), shape: [1, 2] });
    });
    await expectDataError(() => readBData(noKey, SRC), /missing "metadata\/key"/);
  });

  it('metadata value column count differs from the dataset', async () => {
    const bytes = await craftHdf5((f) => {
      f.create_dataset({ name: 'dataset', data: new Float64Array(6), shape: [2, 3] });
      f.create_group('metadata');
      f.create_dataset({ name: 'metadata/key', data: ['VoxelData'], dtype: 'A' });
      f.create_dataset({ name: 'metadata/description', data: ['1 = VoxelData'], dtype: 'A' });
      f.create_dataset({ name: 'metadata/value', data: new Float64Array([1, 1, 1, 1]), shape: [1, 4] });
    });
    await expectDataError(() => readBData(bytes, SRC), /"metadata\/value" has 4 columns but "dataset" has 3/);
  });

  it('key and description lengths differ; value rows differ from keys', async () => {
    const descMismatch = await craftHdf5((f) => {
      f.create_dataset({ name: 'dataset', data: new Float64Array(4), shape: [2, 2] });
      f.create_group('metadata');
      f.create_dataset({ name: 'metadata/key', data: ['VoxelData', 'Run'], dtype: 'A' });
      f.create_dataset({ name: 'metadata/description', data: ['1 = VoxelData'], dtype: 'A' });
      f.create_dataset({ name: 'metadata/value', data: new Float64Array(4), shape: [2, 2] });
    });
    await expectDataError(() => readBData(descMismatch, SRC), /"metadata\/key" has 2 entries but "metadata\/description" has 1/);
    const rowMismatch = await craftHdf5((f) => {
      f.create_dataset({ name: 'dataset', data: new Float64Array(4), shape: [2, 2] });
      f.create_group('metadata');
      f.create_dataset({ name: 'metadata/key', data: ['VoxelData'], dtype: 'A' });
      f.create_dataset({ name: 'metadata/description', data: ['1 = VoxelData'], dtype: 'A' });
      f.create_dataset({ name: 'metadata/value', data: new Float64Array(4), shape: [2, 2] });
    });
    await expectDataError(() => readBData(rowMismatch, SRC), /"metadata\/value" has 2 rows but there are 1 metadata keys/);
  });

  it('a 1-D dataset is refused', async () => {
    const bytes = await craftHdf5((f) => {
      f.create_dataset({ name: 'dataset', data: new Float64Array(4), shape: [4] });
    });
    await expectDataError(() => readBData(bytes, SRC), /"dataset" must be 2-D but has shape \[4\]/);
  });

  it('accepts the legacy dataSet/metaData names bdpy still reads', async () => {
    const bytes = await craftHdf5((f) => {
      f.create_dataset({ name: 'dataSet', data: new Float64Array([1, 2, 3, 4]), shape: [2, 2] });
      f.create_group('metaData');
      f.create_dataset({ name: 'metaData/key', data: ['VoxelData'], dtype: 'A' });
      f.create_dataset({ name: 'metaData/description', data: ['1 = VoxelData'], dtype: 'A' });
      f.create_dataset({ name: 'metaData/value', data: new Float64Array([1, 1]), shape: [1, 2] });
    });
    const b = await readBData(bytes, SRC);
    expect(b.dataset).toEqual({ rows: 2, cols: 2, data: new Float64Array([1, 2, 3, 4]) });
    expect(b.metadata.key).toEqual(['VoxelData']);
  });
});
