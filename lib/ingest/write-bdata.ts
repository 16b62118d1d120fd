import type * as H5 from 'h5wasm/node' with { 'resolution-mode': 'import' };
import { DataError } from '../data/data-error';
import { type BData, VMAP_GROUP } from './bdata-layout';
import { hdf5Reason, loadH5wasm, scratchPath } from './read-bdata';

const SOURCE = 'writeBData';

/**
 * Writes `b` in the layout bdpy's `BData.save(…h5)` produces: `/dataset`, `/metadata/{key,
 * description,value}` (strings as variable-length, ASCII-cset, like h5py writes bytes) and
 * `/vmap/<key>/<str(float(value))>`. The dataset keeps its float width (bdpy itself writes
 * float64 and reads any float). No `/header`: bdpy's holds call stacks and source code, and
 * bdpy reads files without one.
 */
export async function writeBData(b: BData): Promise<Uint8Array> {
  checkShapes(b);
  const h5 = await loadH5wasm();
  const path = scratchPath();
  let file: H5.File | undefined;
  try {
    file = new h5.lib.File(path, 'w');
    writeLayout(file, b);
    file.close();
    file = undefined;
    return h5.fs.readFile(path);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(SOURCE, `HDF5 write failed: ${hdf5Reason(e)}`);
  } finally {
    try {
      file?.close();
    } finally {
      try {
        h5.fs.unlink(path);
      } catch {
        // The file was never created; nothing to clean up.
      }
    }
  }
}

function checkShapes(b: BData): void {
  const { rows, cols, data } = b.dataset;
  if (data.length !== rows * cols) throw new DataError(SOURCE, `dataset holds ${data.length} values, not ${rows}×${cols}`);
  const { key, description, value } = b.metadata;
  if (description.length !== key.length) {
    throw new DataError(SOURCE, `${key.length} metadata keys but ${description.length} descriptions`);
  }
  if (value.length !== key.length * cols) {
    throw new DataError(SOURCE, `metadata value holds ${value.length} values, not ${key.length} keys × ${cols} columns`);
  }
  if (new Set(key).size !== key.length) throw new DataError(SOURCE, 'metadata keys must be unique');
  for (const mk of Object.keys(b.vmap)) {
    if (mk.includes('/') || mk === '') throw new DataError(SOURCE, `vmap key "${mk}" cannot name an HDF5 group`);
  }
}

function writeLayout(file: H5.File, b: BData): void {
  const { rows, cols, data } = b.dataset;
  file.create_dataset({ name: 'dataset', data, shape: [rows, cols] });
  file.create_group('metadata');
  // 'A' = variable-length string with ASCII cset, which is what h5py makes of bdpy's UTF-8 bytes.
  file.create_dataset({ name: 'metadata/key', data: b.metadata.key, shape: [b.metadata.key.length], dtype: 'A' });
  file.create_dataset({ name: 'metadata/description', data: b.metadata.description, shape: [b.metadata.description.length], dtype: 'A' });
  file.create_dataset({ name: 'metadata/value', data: b.metadata.value, shape: [b.metadata.key.length, cols] });
  file.create_group(VMAP_GROUP);
  for (const [mk, labels] of Object.entries(b.vmap)) {
    file.create_group(`${VMAP_GROUP}/${mk}`);
    for (const [v, label] of labels) {
      file.create_dataset({ name: `${VMAP_GROUP}/${mk}/${pythonFloatName(v)}`, data: label, shape: [], dtype: 'A' });
    }
  }
}

/** Python's str(float(v)) for the values vmaps use: "3.0" for integers, shortest repr otherwise. */
function pythonFloatName(v: number): string {
  if (!Number.isFinite(v)) throw new DataError(SOURCE, `vmap value ${v} is not finite`);
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? `${v}.0` : String(v);
}
