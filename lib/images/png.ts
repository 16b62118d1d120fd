import type * as FastPng from 'fast-png' with { 'resolution-mode': 'import' };

// fast-png 8 is ESM-only and this project compiles to CommonJS, so a static import would not
// type-check; Node >= 20.19 can require() an ES module synchronously, which keeps these functions sync.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fastPng = require('fast-png') as typeof FastPng;

/** A decoded image as HWC RGB float32 in [0, 1]. */
export interface DecodedRgb {
  height: number;
  width: number;
  data: Float32Array;
}

/** Encodes HWC RGB floats in [0, 1] (clamped, rounded to 1/255) as an 8-bit RGB PNG. */
export function encodePng(hwc: Float32Array, height: number, width: number): Uint8Array {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new Error(`encodePng: size must be positive integers, got ${height}x${width}`);
  }
  if (hwc.length !== height * width * 3) {
    throw new Error(`encodePng: ${height}x${width} RGB needs ${height * width * 3} values, got ${hwc.length}`);
  }
  const bytes = new Uint8Array(hwc.length);
  for (let i = 0; i < hwc.length; i++) {
    const v = hwc[i]!;
    // NaN maps to 0 rather than poisoning the image.
    bytes[i] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
  }
  return fastPng.encode({ width, height, data: bytes, depth: 8, channels: 3 });
}

/**
 * Decodes a PNG to HWC RGB floats in [0, 1]. Accepts grey, grey+alpha, RGB, RGBA (alpha dropped)
 * at 8 or 16 bits, and palette images; anything else is an Error naming what was found.
 */
export function decodePng(bytes: Uint8Array): DecodedRgb {
  let png: FastPng.DecodedPng;
  try {
    png = fastPng.decode(bytes);
  } catch (e) {
    throw new Error(`decodePng: not a readable PNG (${e instanceof Error ? e.message : String(e)})`);
  }
  const { width, height } = png;
  let samples: ArrayLike<number> = png.data;
  let channels = png.channels;
  let maxValue = png.depth === 16 ? 65535 : 255;

  if (png.palette) {
    // Indexed colour: expand to RGB(A) bytes through the palette.
    samples = fastPng.convertIndexedToRgb(png);
    channels = samples.length / (width * height);
    maxValue = 255;
  } else if (png.depth !== 8 && png.depth !== 16) {
    throw new Error(`decodePng: unsupported bit depth ${png.depth} (need 8 or 16)`);
  }
  if (channels < 1 || channels > 4 || !Number.isInteger(channels)) {
    throw new Error(`decodePng: unsupported channel count ${channels}`);
  }

  const pixels = width * height;
  const out = new Float32Array(pixels * 3);
  const isGrey = channels <= 2;
  for (let p = 0; p < pixels; p++) {
    const src = p * channels;
    for (let c = 0; c < 3; c++) {
      out[p * 3 + c] = samples[isGrey ? src : src + c]! / maxValue;
    }
  }
  return { height, width, data: out };
}
