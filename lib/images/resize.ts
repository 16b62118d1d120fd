import type { DecodedRgb } from './png';

/**
 * The largest centred square, resampled to size × size by area averaging (downscaling) or
 * bilinear interpolation (upscaling) — the usual preparation of stimulus images for a CNN.
 */
export function centreCropResize(image: DecodedRgb, size: number): Float32Array {
  const side = Math.min(image.height, image.width);
  const y0 = (image.height - side) / 2;
  const x0 = (image.width - side) / 2;
  const scale = side / size;
  const out = new Float32Array(size * size * 3);
  const at = (y: number, x: number, c: number) => image.data[(Math.min(image.height - 1, Math.max(0, y)) * image.width + Math.min(image.width - 1, Math.max(0, x))) * 3 + c]!;
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      for (let c = 0; c < 3; c++) {
        let value: number;
        if (scale > 1) {
          // Average every source pixel whose centre falls in the output pixel's footprint.
          const ys = Math.floor(y0 + oy * scale);
          const ye = Math.max(ys + 1, Math.floor(y0 + (oy + 1) * scale));
          const xs = Math.floor(x0 + ox * scale);
          const xe = Math.max(xs + 1, Math.floor(x0 + (ox + 1) * scale));
          let sum = 0;
          for (let y = ys; y < ye; y++) for (let x = xs; x < xe; x++) sum += at(y, x, c);
          value = sum / ((ye - ys) * (xe - xs));
        } else {
          const sy = y0 + (oy + 0.5) * scale - 0.5;
          const sx = x0 + (ox + 0.5) * scale - 0.5;
          const fy = Math.floor(sy);
          const fx = Math.floor(sx);
          const ty = sy - fy;
          const tx = sx - fx;
          value = (1 - ty) * ((1 - tx) * at(fy, fx, c) + tx * at(fy, fx + 1, c)) + ty * ((1 - tx) * at(fy + 1, fx, c) + tx * at(fy + 1, fx + 1, c));
        }
        out[(oy * size + ox) * 3 + c] = value;
      }
    }
  }
  return out;
}
