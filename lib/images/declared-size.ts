/** Width and height as an image file's header declares them, before any pixel is decoded. */
export interface DeclaredSize {
  readonly width: number;
  readonly height: number;
}

/** Default bound on either side of an input image: far above what the pipeline uses (≤ 256 px). */
export const DEFAULT_MAX_IMAGE_SIDE = 8192;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}

/** PNG: the IHDR chunk, which the format requires first, holds width then height (big-endian). */
function pngSize(bytes: Uint8Array): DeclaredSize | undefined {
  if (bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
  return { width: u32(bytes, 16), height: u32(bytes, 20) };
}

/** JPEG: walks the marker segments to the first start-of-frame (SOF0–SOF15 but DHT, JPG, DAC). */
function jpegSize(bytes: Uint8Array): DeclaredSize | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data before any frame header
    const length = u16(bytes, at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > bytes.length) return undefined;
      return { height: u16(bytes, at + 5), width: u16(bytes, at + 7) };
    }
    at += 2 + length;
  }
  return undefined;
}

/** The size a PNG or JPEG declares, or undefined when the header cannot be read (the decoder then says why). */
export function declaredImageSize(bytes: Uint8Array): DeclaredSize | undefined {
  return pngSize(bytes) ?? jpegSize(bytes);
}
