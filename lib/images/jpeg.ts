import { decode } from 'jpeg-js';
import type { DecodedRgb } from './png';

/** Decodes a baseline or progressive JPEG to HWC RGB float32 in [0, 1]. */
export function decodeJpeg(bytes: Uint8Array): DecodedRgb {
  // maxMemoryUsageInMB guards against decompression bombs in user-supplied folders.
  const image = decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
  const pixels = image.width * image.height;
  const data = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    data[p * 3] = image.data[p * 4]! / 255;
    data[p * 3 + 1] = image.data[p * 4 + 1]! / 255;
    data[p * 3 + 2] = image.data[p * 4 + 2]! / 255;
  }
  return { height: image.height, width: image.width, data };
}
