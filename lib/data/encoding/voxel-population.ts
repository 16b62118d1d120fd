import type { Random } from '../../random';
import { GABOR_LEVELS, GABOR_WAVELENGTH, ORIENTATIONS } from './gabor-energy';
import { SHAPE_NETWORK_CHANNELS } from './shape-network';
import { areaOfVoxels, roiMasksOf, VISUAL_AREAS } from './visual-areas';

/** Fraction of voxels that carry no stimulus signal at all (noise only), as in real ROIs. */
export const UNRESPONSIVE = 0.1;
/** Preferred feature directions per higher-area voxel, and per area prototype. */
export const PREFERENCES = 3;
/** Spread of a voxel's preferred directions around its area's prototypes (unit vectors + this × noise). */
const PROTOTYPE_SPREAD = 0.8;
/** Spatial-frequency tuning: preferred wavelength per RF SD, and tuning width in octaves. */
const WAVELENGTH_PER_RF_SD = 3;
const FREQUENCY_TUNING_OCTAVES = 0.75;
/**
 * Default range of the opposite-polarity weight w ~ U(lo, hi): the linear part of a rectified term
 * is (1 − w)/(1 + w) ≤ 18 % of it. Lower w gives voxels a net polarity or hue preference.
 */
export const DEFAULT_OPPOSITE_POLARITY: readonly [number, number] = [0.7, 1];
/** Default SD of log voxel gain: heterogeneous SNR within an area. */
export const DEFAULT_GAIN_SD = 0.5;

/** Every voxel's fixed parameters; index v runs over all voxels, areas in contiguous blocks. */
export interface VoxelPopulation {
  readonly count: number;
  readonly area: Uint8Array;
  /** Receptive-field centre and SD in image pixels. */
  readonly cx: Float32Array;
  readonly cy: Float32Array;
  readonly rfSd: Float32Array;
  readonly responsive: Uint8Array;
  /** Signal amplitude: the area's gain × a log-normal factor with E[factor²] = 1. */
  readonly gain: Float32Array;
  /** voxels × (GABOR_LEVELS × 4): weight of each level's energy at each orientation (Gabor voxels). */
  readonly energyWeights: Float32Array;
  /** voxels × 3: weights of RF-pooled luminance, red–green, blue–yellow (Gabor voxels). */
  readonly opponentWeights: Float32Array;
  /**
   * Weight of the opposite-polarity subunit pooled with the tuned one (rectified pixel terms):
   * near 1, a voxel pools ON and OFF cells almost equally, so little of its response is linear.
   */
  readonly oppositePolarity: Float32Array;
  /** voxels × PREFERENCES × channels: unit preferred directions in shape-network space. */
  readonly preferred: Float32Array;
  /** Seed of the shape network's weights. */
  readonly networkSeed: number;
  readonly roiMasks: Record<string, Uint8Array>;
}

function unitVector(rng: Random, n: number): Float64Array {
  const u = Float64Array.from({ length: n }, () => rng.normal());
  const norm = Math.hypot(...u);
  return u.map((x) => x / norm);
}

/** Gabor tuning: Gaussian in log frequency around a wavelength that grows with the RF, weak orientation bias. */
function energyTuning(rng: Random, rfSd: number): number[] {
  const preferred = WAVELENGTH_PER_RF_SD * rfSd;
  const levels = Array.from({ length: GABOR_LEVELS }, (_, l) => Math.exp(-(Math.log2((GABOR_WAVELENGTH * 2 ** l) / preferred) ** 2) / (2 * FREQUENCY_TUNING_OCTAVES ** 2)));
  const total = levels.reduce((s, w) => s + w, 0);
  const theta = rng.uniform(0, Math.PI);
  const selectivity = rng.uniform(0, 0.6);
  return levels.flatMap((w) => ORIENTATIONS.map((o) => (w / total) * (1 + selectivity * Math.cos(2 * (o - theta)))));
}

/**
 * Draws a subject's voxels for images of the given size: areas by share, receptive fields
 * (uniform over the image in early areas, foveally biased and large in higher ones), tuning,
 * gains and which voxels respond at all. Deterministic in the generator's state.
 */
export function drawVoxelPopulation(
  rng: Random,
  count: number,
  height: number,
  width: number,
  gainSd = DEFAULT_GAIN_SD,
  oppositePolarityRange: readonly [number, number] = DEFAULT_OPPOSITE_POLARITY,
): VoxelPopulation {
  const scale = Math.min(height, width) / 32;
  const area = areaOfVoxels(count);
  const cx = new Float32Array(count);
  const cy = new Float32Array(count);
  const rfSd = new Float32Array(count);
  const responsive = new Uint8Array(count);
  const gain = new Float32Array(count);
  const energyWeights = new Float32Array(count * GABOR_LEVELS * ORIENTATIONS.length);
  const opponentWeights = new Float32Array(count * 3);
  const C = SHAPE_NETWORK_CHANNELS;
  const preferred = new Float32Array(count * PREFERENCES * C);
  const prototypes = VISUAL_AREAS.map(() => Array.from({ length: PREFERENCES }, () => unitVector(rng, C)));
  const clamp = (x: number, hi: number): number => Math.min(hi, Math.max(0, x));
  for (let v = 0; v < count; v++) {
    const a = VISUAL_AREAS[area[v]!]!;
    rfSd[v] = a.rfSd * scale * rng.uniform(0.8, 1.25);
    if (a.model === 'gabor') {
      cx[v] = rng.uniform(0, width);
      cy[v] = rng.uniform(0, height);
      energyWeights.set(energyTuning(rng, rfSd[v]!), v * GABOR_LEVELS * ORIENTATIONS.length);
      opponentWeights.set([a.luminance * rng.normal(), a.colour * rng.normal(), a.colour * rng.normal()], v * 3);
    } else {
      cx[v] = clamp(width / 2 + 0.2 * width * rng.normal(), width);
      cy[v] = clamp(height / 2 + 0.2 * height * rng.normal(), height);
      for (let k = 0; k < PREFERENCES; k++) {
        const noise = unitVector(rng, C);
        const d = prototypes[area[v]!]![k]!.map((p, c) => p + PROTOTYPE_SPREAD * noise[c]!);
        const norm = Math.hypot(...d);
        d.forEach((x, c) => (preferred[(v * PREFERENCES + k) * C + c] = x / norm));
      }
    }
    gain[v] = a.gain * Math.exp(gainSd * rng.normal() - gainSd * gainSd);
    responsive[v] = rng.next() < UNRESPONSIVE ? 0 : 1;
  }
  const networkSeed = Math.floor(rng.next() * 2 ** 31);
  // Drawn last, so the draws above are those of populations without it.
  const oppositePolarity = Float32Array.from({ length: count }, () => rng.uniform(oppositePolarityRange[0], oppositePolarityRange[1]));
  return { count, area, cx, cy, rfSd, responsive, gain, energyWeights, opponentWeights, oppositePolarity, preferred, networkSeed, roiMasks: roiMasksOf(area) };
}
