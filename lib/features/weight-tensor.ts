/** A named network weight as read from a file: row-major (C order), converted to float32. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The element types weight files hold, by their size in bytes. */
export const DTYPE_BYTES = { f32: 4, f16: 2, bf16: 2, f64: 8, i64: 8, i32: 4 } as const;
export type WeightDtype = keyof typeof DTYPE_BYTES;

/** IEEE half precision to a JS number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * `count` little-endian elements of `dtype` starting at element `offset` of `bytes`, as float32.
 * Half and bfloat16 weights (common in safetensors files) widen exactly; float64 rounds.
 */
export function toFloat32(bytes: Uint8Array, dtype: WeightDtype, offset: number, count: number): Float32Array {
  const size = DTYPE_BYTES[dtype];
  const start = bytes.byteOffset + offset * size;
  if (dtype === 'f32' && start % 4 === 0) return new Float32Array(bytes.buffer, start, count).slice();
  const view = new DataView(bytes.buffer, start, count * size);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'f32':
        out[i] = view.getFloat32(4 * i, true);
        break;
      case 'f16':
        out[i] = halfToFloat(view.getUint16(2 * i, true));
        break;
      case 'bf16':
        out[i] = new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0]!;
        break;
      case 'f64':
        out[i] = view.getFloat64(8 * i, true);
        break;
      case 'i64':
        out[i] = Number(view.getBigInt64(8 * i, true));
        break;
      case 'i32':
        out[i] = view.getInt32(4 * i, true);
        break;
    }
  }
  return out;
}
