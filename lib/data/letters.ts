import { filledImage, paint, type Rgb, segmentDistance } from './raster';

/**
 * Ten capital letters drawn as strokes on a 5 × 7 design grid (x 0–4, y 0–6), the way the
 * paper's letter stimuli are plain dark glyphs on a light background. A stroke font keeps the
 * project free of font files and renders identically at every size.
 */
const STROKES: Record<string, [number, number, number, number][]> = {
  A: [[0, 6, 2, 0], [2, 0, 4, 6], [1, 3.5, 3, 3.5]],
  C: [[4, 0.5, 1, 0], [1, 0, 0, 1.5], [0, 1.5, 0, 4.5], [0, 4.5, 1, 6], [1, 6, 4, 5.5]],
  E: [[4, 0, 0, 0], [0, 0, 0, 6], [0, 6, 4, 6], [0, 3, 3, 3]],
  H: [[0, 0, 0, 6], [4, 0, 4, 6], [0, 3, 4, 3]],
  K: [[0, 0, 0, 6], [4, 0, 0, 3.5], [1.3, 2.5, 4, 6]],
  L: [[0, 0, 0, 6], [0, 6, 4, 6]],
  N: [[0, 6, 0, 0], [0, 0, 4, 6], [4, 6, 4, 0]],
  T: [[0, 0, 4, 0], [2, 0, 2, 6]],
  V: [[0, 0, 2, 6], [2, 6, 4, 0]],
  Z: [[0, 0, 4, 0], [4, 0, 0, 6], [0, 6, 4, 6]],
};
export const LETTERS = Object.keys(STROKES);
const INK: Rgb = [0.05, 0.05, 0.05];
const PAPER: Rgb = [0.85, 0.85, 0.85];
/** Stroke half-width in design units. */
const HALF_WIDTH = 0.45;

export function letterImage(letter: string, size: number): Float32Array {
  const strokes = STROKES[letter];
  if (!strokes) throw new Error(`letterImage: no glyph for "${letter}" (has ${LETTERS.join('')})`);
  const image = filledImage(size, PAPER);
  // The 5 × 7 design grid maps onto the central 60 % of the image height.
  const scale = 0.6 / 6;
  const toDesign = (x: number, y: number): [number, number] => [(x - 0.5) / scale + 2, (y - 0.2) / scale];
  paint(image, size, INK, (x, y) => {
    const [u, v] = toDesign(x, y);
    return strokes.some(([x0, y0, x1, y1]) => segmentDistance(u, v, x0, y0, x1, y1) <= HALF_WIDTH);
  });
  return image;
}
