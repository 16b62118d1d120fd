import { CHANNELS } from '../images/image-batch';

export type Rgb = readonly [number, number, number];

/** A blank HWC image of one colour. */
export function filledImage(size: number, colour: Rgb): Float32Array {
  const image = new Float32Array(size * size * CHANNELS);
  for (let p = 0; p < size * size; p++) image.set(colour, p * CHANNELS);
  return image;
}

/**
 * Paints `colour` where `coverage(x, y)` (x, y in [0, 1], image-relative) is true, averaging a
 * 4×4 grid of samples per pixel so edges are anti-aliased at any image size.
 */
export function paint(image: Float32Array, size: number, colour: Rgb, coverage: (x: number, y: number) => boolean): void {
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          if (coverage((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits++;
        }
      }
      if (hits === 0) continue;
      const a = hits / (samples * samples);
      const p = (py * size + px) * CHANNELS;
      for (let c = 0; c < CHANNELS; c++) image[p + c] = (1 - a) * image[p + c]! + a * colour[c]!;
    }
  }
}

/** Distance from point (x, y) to the segment (x0, y0)–(x1, y1). */
export function segmentDistance(x: number, y: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
}
