import { percentile } from '../evaluation/percentile';

/** DIR's display percentiles: 2 and 98 (its `clip_extreme(x, pct=4)` then rescaling to 0–255). */
export const DISPLAY_PERCENTILES = [2, 98] as const;

/**
 * A reconstruction as the DIR papers display it: values clipped at the image's own 2nd and 98th
 * percentiles (over all pixels and channels together) and rescaled so those become 0 and 1. For
 * pictures in the report only — metrics always read the raw reconstruction, since this stretch
 * changes them. A constant image is only clamped to [0, 1]. Returns a new array.
 */
export function displayClip(image: Float32Array, [lowPct, highPct]: readonly [number, number] = DISPLAY_PERCENTILES): Float32Array {
  const lo = percentile(image, lowPct);
  const hi = percentile(image, highPct);
  if (!(hi > lo)) return image.map((v) => Math.min(1, Math.max(0, v)));
  const scale = 1 / (hi - lo);
  return image.map((v) => (Math.min(hi, Math.max(lo, v)) - lo) * scale);
}
