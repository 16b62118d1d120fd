import { DataError } from '../data/data-error';
import { DTYPE_BYTES, toFloat32, type WeightDtype, type WeightTensor } from './weight-tensor';

/** safetensors' dtype names for the element types deeprecon reads. */
const DTYPES: Record<string, WeightDtype> = { F32: 'f32', F16: 'f16', BF16: 'bf16', F64: 'f64', I64: 'i64', I32: 'i32' };

interface HeaderEntry {
  dtype?: unknown;
  shape?: unknown;
  data_offsets?: unknown;
}

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to {dtype, shape, data_offsets} (offsets relative to the end of the header), then
 * the raw little-endian data. `__metadata__` holds strings and is skipped.
 */
export function readSafetensors(bytes: Uint8Array, source: string): Map<string, WeightTensor> {
  if (bytes.length < 8) throw new DataError(source, 'not a safetensors file (shorter than its 8-byte header length)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw new DataError(source, `not a safetensors file (header length ${headerLength} exceeds the file)`);
  let header: Record<string, HeaderEntry>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, HeaderEntry>;
  } catch (error) {
    throw new DataError(source, `not a safetensors file (header is not JSON: ${(error as Error).message})`);
  }
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, WeightTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = typeof entry.dtype === 'string' ? DTYPES[entry.dtype] : undefined;
    if (!dtype) throw new DataError(source, `tensor "${name}" has dtype ${String(entry.dtype)}; readable: ${Object.keys(DTYPES).join(', ')}`);
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new DataError(source, `tensor "${name}" has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw new DataError(source, `tensor "${name}" has no valid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * DTYPE_BYTES[dtype] || end > data.length) {
      throw new DataError(source, `tensor "${name}": data_offsets [${begin}, ${end}] do not hold ${count} ${entry.dtype as string} values within the file`);
    }
    tensors.set(name, { shape: shape as number[], data: toFloat32(data.subarray(begin, end), dtype, 0, count) });
  }
  return tensors;
}
