import type * as H5 from 'h5wasm/node' with { 'resolution-mode': 'import' };
import { DataError } from '../data/data-error';
import { type BData, type BDataMatrix, DATASET_NAMES, METADATA_NAMES, VMAP_GROUP } from './bdata-layout';

/** The parts of Emscripten's in-memory file system that reading and writing need. */
interface MemFs {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
}

/** h5wasm, loaded once, with its virtual file system. */
export interface H5Wasm {
  readonly lib: typeof H5;
  readonly fs: MemFs;
}

let loaded: Promise<H5Wasm> | undefined;

/**
 * h5wasm is ESM-only and this project compiles to CommonJS; a dynamic import of the package keeps
 * that working. HDF5 errors are switched to thrown exceptions so a bad file becomes a DataError
 * instead of a diagnostic dump on stderr and an invalid handle.
 */
export function loadH5wasm(): Promise<H5Wasm> {
  loaded ??= (async () => {
    const lib = await import('h5wasm/node');
    const module = await lib.ready;
    module.activate_throwing_error_handler();
    return { lib, fs: module.FS as unknown as MemFs };
  })();
  return loaded;
}

let scratchCounter = 0;
/** A fresh path in h5wasm's in-memory file system (calls never share one). */
export function scratchPath(): string {
  scratchCounter += 1;
  return `/deeprecon-bdata-${process.pid}-${scratchCounter}.h5`;
}

/** The innermost HDF5 diagnostic line ("truncated file: …") or the error's message. */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const frames = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)];
  return (frames.at(-1)?.[1] ?? text.split('\n')[0] ?? text).trim();
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5's superblock signature sits at 0 or, after a user block, at 512, 1024, 2048, … */
function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let at = 0; at + SIGNATURE.length <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/**
 * Reads a BData HDF5 file from memory. Every problem (not HDF5, truncated, a missing or misshaped
 * part of the layout) is a DataError naming `source`.
 */
export async function readBData(bytes: Uint8Array, source: string): Promise<BData> {
  if (!hasHdf5Signature(bytes)) {
    throw new DataError(source, `not an HDF5 file (no HDF5 signature in its ${bytes.length} bytes)`);
  }
  const h5 = await loadH5wasm();
  const path = scratchPath();
  h5.fs.writeFile(path, bytes);
  let file: H5.File | undefined;
  try {
    try {
      file = new h5.lib.File(path, 'r');
    } catch (e) {
      throw new DataError(source, `cannot be opened as HDF5: ${hdf5Reason(e)}`);
    }
    return readLayout(h5.lib, file, source);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(source, `unreadable HDF5 content: ${hdf5Reason(e)}`);
  } finally {
    try {
      file?.close();
    } finally {
      h5.fs.unlink(path);
    }
  }
}

function readLayout(lib: typeof H5, file: H5.File, source: string): BData {
  const datasetName = DATASET_NAMES.find((n) => file.keys().includes(n));
  const datasetEntity = datasetName === undefined ? null : file.get(datasetName);
  if (!(datasetEntity instanceof lib.Dataset)) {
    throw new DataError(source, `missing "dataset" (the samples × columns matrix); top level has: ${listing(file.keys())}`);
  }
  const dataset = readMatrix(datasetEntity, datasetName!, source);

  const metadataName = METADATA_NAMES.find((n) => file.keys().includes(n));
  const group = metadataName === undefined ? null : file.get(metadataName);
  if (!(group instanceof lib.Group)) throw new DataError(source, `missing "metadata" group; top level has: ${listing(file.keys())}`);
  const part = (name: string): H5.Dataset => {
    const entity = group.keys().includes(name) ? group.get(name) : null;
    if (!(entity instanceof lib.Dataset)) throw new DataError(source, `missing "${metadataName}/${name}"`);
    return entity;
  };
  const key = readStrings(part('key'), `${metadataName}/key`, source);
  const description = readStrings(part('description'), `${metadataName}/description`, source);
  const valueEntity = part('value');

  if (description.length !== key.length) {
    throw new DataError(source, `"${metadataName}/key" has ${key.length} entries but "${metadataName}/description" has ${description.length}`);
  }
  const duplicate = key.find((k, i) => key.indexOf(k) !== i);
  if (duplicate !== undefined) throw new DataError(source, `metadata key "${duplicate}" appears more than once`);

  const value = key.length === 0 && isEmpty(valueEntity) ? emptyValue(dataset.cols) : readMatrix(valueEntity, `${metadataName}/value`, source);
  if (value.rows !== key.length) {
    throw new DataError(source, `"${metadataName}/value" has ${value.rows} rows but there are ${key.length} metadata keys`);
  }
  if (value.cols !== dataset.cols) {
    throw new DataError(source, `"${metadataName}/value" has ${value.cols} columns but "${datasetName}" has ${dataset.cols}`);
  }

  return {
    dataset,
    metadata: { key, description, value: value.data instanceof Float64Array ? value.data : Float64Array.from(value.data) },
    vmap: readVmap(lib, file, source),
  };
}

function listing(names: string[]): string {
  return names.length > 0 ? names.join(', ') : '(nothing)';
}

function isEmpty(d: H5.Dataset): boolean {
  return (d.shape ?? []).some((n) => n === 0);
}

function emptyValue(cols: number): BDataMatrix {
  return { rows: 0, cols, data: new Float64Array(0) };
}

/** A 2-D numeric dataset; float32/float64 are kept as they are, integers become float64. */
function readMatrix(d: H5.Dataset, name: string, source: string): BDataMatrix {
  const shape = d.shape ?? [];
  if (shape.length !== 2) throw new DataError(source, `"${name}" must be 2-D but has shape [${shape.join(', ')}]`);
  const [rows, cols] = shape as [number, number];
  const raw = d.value;
  let data: Float64Array | Float32Array;
  if (raw instanceof Float64Array || raw instanceof Float32Array) data = raw;
  else if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) data = Float64Array.from(raw as ArrayLike<number | bigint>, Number);
  else throw new DataError(source, `"${name}" must hold numbers (found HDF5 type class ${d.metadata.type})`);
  if (data.length !== rows * cols) throw new DataError(source, `"${name}" holds ${data.length} values, not ${rows}×${cols}`);
  return { rows, cols, data };
}

/** A 1-D string dataset (variable or fixed length; fixed-length padding is trimmed). */
function readStrings(d: H5.Dataset, name: string, source: string): string[] {
  const shape = d.shape ?? [];
  if (shape.length !== 1) throw new DataError(source, `"${name}" must be a 1-D list of strings but has shape [${shape.join(', ')}]`);
  const raw = d.value;
  const items = Array.isArray(raw) ? raw : [raw];
  return items.map((item, i) => {
    if (typeof item !== 'string') throw new DataError(source, `"${name}" entry ${i} is not a string`);
    return cleanString(item, d);
  });
}

const utf8 = new TextDecoder('utf-8');

/**
 * bdpy encodes strings to UTF-8 bytes, which h5py stores with the ASCII character set; h5wasm
 * hands ASCII-set strings back one char per byte, so those are re-decoded as UTF-8 here.
 * Fixed-length padding (NULs) is trimmed.
 */
function cleanString(s: string, d: H5.Dataset): string {
  let out = s;
  if (d.metadata.cset === 0 && /[\x80-\xff]/.test(s) && !/[^\x00-\xff]/.test(s)) {
    out = utf8.decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  }
  return out.replace(/\0+$/, '');
}

function readScalarString(d: H5.Dataset, name: string, source: string): string {
  const raw = d.value;
  const item = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (typeof item !== 'string') throw new DataError(source, `"${name}" must hold one string`);
  return cleanString(item, d);
}

/** `/vmap/<key>/<value>`: bdpy names each label dataset by str(float(value)). */
function readVmap(lib: typeof H5, file: H5.File, source: string): BData['vmap'] {
  const vmap: Record<string, Map<number, string>> = {};
  if (!file.keys().includes(VMAP_GROUP)) return vmap;
  const group = file.get(VMAP_GROUP);
  if (!(group instanceof lib.Group)) throw new DataError(source, `"${VMAP_GROUP}" must be a group`);
  for (const mk of group.keys()) {
    const sub = group.get(mk);
    if (!(sub instanceof lib.Group)) throw new DataError(source, `"${VMAP_GROUP}/${mk}" must be a group`);
    const entries: [number, string][] = [];
    for (const name of sub.keys()) {
      const path = `${VMAP_GROUP}/${mk}/${name}`;
      const v = Number(name);
      if (name.trim() === '' || !Number.isFinite(v)) throw new DataError(source, `"${path}" is not named by a number`);
      const d = sub.get(name);
      if (!(d instanceof lib.Dataset)) throw new DataError(source, `"${path}" must be a dataset`);
      entries.push([v, readScalarString(d, path, source)]);
    }
    vmap[mk] = new Map(entries.sort((a, b) => a[0] - b[0]));
  }
  return vmap;
}

/** Column indices whose metadata value under `key` is 1 (bdpy's `select('key = 1')`); undefined if no such key. */
export function columnsOf(b: BData, key: string): number[] | undefined {
  const row = metadataValue(b, key);
  if (!row) return undefined;
  const cols: number[] = [];
  row.forEach((v, j) => {
    if (v === 1) cols.push(j);
  });
  return cols;
}

/** The dataset columns marked by `key`, as float64 (bdpy's `BData.select(key)`); undefined if no such key. */
export function selectColumns(b: BData, key: string): (BDataMatrix & { readonly data: Float64Array; readonly columns: number[] }) | undefined {
  const columns = columnsOf(b, key);
  if (!columns) return undefined;
  const { rows, cols, data } = b.dataset;
  const out = new Float64Array(rows * columns.length);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < columns.length; k++) out[i * columns.length + k] = data[i * cols + columns[k]!]!;
  }
  return { rows, cols: columns.length, data: out, columns };
}

/** The metadata value row for `key` (one entry per dataset column; bdpy's `get_metadata`); undefined if no such key. */
export function metadataValue(b: BData, key: string): Float64Array | undefined {
  const k = b.metadata.key.indexOf(key);
  if (k < 0) return undefined;
  const cols = b.dataset.cols;
  return b.metadata.value.slice(k * cols, (k + 1) * cols);
}
