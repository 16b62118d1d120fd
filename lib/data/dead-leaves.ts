import { CHANNELS } from '../images/image-batch';
import type { Random } from '../random';

/** Smallest and largest leaf radius, as fractions of the image size. */
const MIN_RADIUS = 0.03;
const MAX_RADIUS = 0.5;
/** Leaves per image at 32×32; scales with area so coverage stays the same at other sizes. */
const LEAVES_AT_32 = 90;

/**
 * A natural-colour leaf colour: a luminance plus small correlated opponent-colour components,
 * because natural images vary far more in luminance than in chroma.
 */
function leafColour(rng: Random): [number, number, number] {
  const luminance = rng.uniform(0.08, 0.92);
  const redGreen = 0.12 * rng.normal();
  const blueYellow = 0.12 * rng.normal();
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  return [
    clamp(luminance + redGreen + 0.33 * blueYellow),
    clamp(luminance - redGreen + 0.33 * blueYellow),
    clamp(luminance - 0.67 * blueYellow),
  ];
}

/**
 * Radius drawn from p(r) ∝ r⁻³ on [min, max], the dead-leaves law that makes the image
 * scale-invariant with an approximately 1/f² power spectrum, like natural images.
 */
function leafRadius(rng: Random, min: number, max: number): number {
  const u = rng.next();
  return 1 / Math.sqrt((1 - u) / (min * min) + u / (max * max));
}

/**
 * One natural-like RGB image (HWC, [0, 1]) from the dead-leaves model: opaque discs and
 * rectangles of random size and colour, each occluding those drawn before it, over a smooth
 * luminance gradient (the "sky/ground" shading of real photographs).
 */
export function deadLeavesImage(rng: Random, size: number): Float32Array {
  const image = new Float32Array(size * size * CHANNELS);
  const [r0, g0, b0] = leafColour(rng);
  const gx = rng.uniform(-0.2, 0.2);
  const gy = rng.uniform(-0.2, 0.2);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const shade = gx * (x / size - 0.5) + gy * (y / size - 0.5);
      const p = (y * size + x) * CHANNELS;
      image[p] = Math.min(1, Math.max(0, r0 + shade));
      image[p + 1] = Math.min(1, Math.max(0, g0 + shade));
      image[p + 2] = Math.min(1, Math.max(0, b0 + shade));
    }
  }
  const leaves = Math.round(LEAVES_AT_32 * (size / 32) ** 2);
  for (let k = 0; k < leaves; k++) {
    const radius = leafRadius(rng, MIN_RADIUS * size, MAX_RADIUS * size);
    const cx = rng.uniform(-radius, size + radius);
    const cy = rng.uniform(-radius, size + radius);
    const disc = rng.next() < 0.6;
    const aspect = rng.uniform(0.5, 2);
    const [r, g, b] = leafColour(rng);
    const halfW = disc ? radius : radius * Math.sqrt(aspect);
    const halfH = disc ? radius : radius / Math.sqrt(aspect);
    const y0 = Math.max(0, Math.floor(cy - halfH));
    const y1 = Math.min(size - 1, Math.ceil(cy + halfH));
    const x0 = Math.max(0, Math.floor(cx - halfW));
    const x1 = Math.min(size - 1, Math.ceil(cx + halfW));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const inside = disc ? dx * dx + dy * dy <= radius * radius : Math.abs(dx) <= halfW && Math.abs(dy) <= halfH;
        if (!inside) continue;
        const p = (y * size + x) * CHANNELS;
        image[p] = r;
        image[p + 1] = g;
        image[p + 2] = b;
      }
    }
  }
  return image;
}
