import type { Random } from '../../random';
import type { VoxelPopulation } from './voxel-population';

/**
 * Shared noise sources: one global (physiological, head motion: every voxel), the rest
 * retinotopic (a bump in visual space that reaches every area's voxels there, as neighbouring
 * cortex and aligned maps share vascular and neural fluctuations).
 */
export const SHARED_NOISE_FACTORS = 12;
/** Width of a retinotopic noise bump, as a fraction of the image size. */
const BUMP_WIDTH = 0.25;

/** What the noise of one trial is made of; all SDs are in units of the voxel's signal SD scale. */
export interface TrialNoiseSettings {
  /** SD of each voxel's per-trial noise (independent + shared). */
  readonly sd: number;
  /** Share of the per-trial noise variance that is shared across voxels (0: white, independent). */
  readonly shared: number;
  /** SD of each voxel's per-run baseline. */
  readonly runOffsetSd: number;
  /** SD of the end-to-end linear drift within a run. */
  readonly linearDriftSd: number;
  /** SD of each slow non-linear drift component (cosines of 1 and 1.5 cycles per run), which a linear detrend leaves. */
  readonly slowDriftSd: number;
}

/**
 * Loadings (voxels × SHARED_NOISE_FACTORS, each row unit-norm) of every voxel on the shared
 * noise sources, from its RF centre: the global source and retinotopic bumps.
 */
export function sharedNoiseLoadings(rng: Random, population: VoxelPopulation, height: number, width: number): Float32Array {
  const K = SHARED_NOISE_FACTORS;
  const V = population.count;
  const bumps = Array.from({ length: K - 1 }, () => [rng.uniform(0, width), rng.uniform(0, height)] as const);
  const sigma = BUMP_WIDTH * Math.min(height, width);
  const loadings = new Float32Array(V * K);
  for (let v = 0; v < V; v++) {
    const row = loadings.subarray(v * K, (v + 1) * K);
    row[0] = 1;
    bumps.forEach(([bx, by], k) => (row[k + 1] = 2 * Math.exp(-((population.cx[v]! - bx) ** 2 + (population.cy[v]! - by) ** 2) / (2 * sigma * sigma))));
    const norm = Math.hypot(...row);
    for (let k = 0; k < K; k++) row[k] = row[k]! / norm;
  }
  return loadings;
}

/** A run's per-voxel baseline, linear drift and the amplitudes of its two slow drift components. */
export interface RunDrift {
  readonly offset: Float32Array;
  readonly linear: Float32Array;
  readonly slow1: Float32Array;
  readonly slow2: Float32Array;
}

export function drawRunDrift(rng: Random, voxels: number, s: TrialNoiseSettings): RunDrift {
  const draw = (sd: number) => Float32Array.from({ length: voxels }, () => sd * rng.normal());
  return { offset: draw(s.runOffsetSd), linear: draw(s.linearDriftSd), slow1: draw(s.slowDriftSd), slow2: draw(s.slowDriftSd) };
}

/** Adds one trial's noise (independent + shared), run baseline and drifts to `row` in place. */
export function addTrialNoise(row: Float32Array, rng: Random, loadings: Float32Array, drift: RunDrift, block: number, blocks: number, s: TrialNoiseSettings): void {
  const K = SHARED_NOISE_FACTORS;
  const eta = Float64Array.from({ length: K }, () => rng.normal());
  const own = s.sd * Math.sqrt(1 - s.shared);
  const common = s.sd * Math.sqrt(s.shared);
  // Block position in [0, 1]; the cosines of 1 and 1.5 cycles are slow and not linear in it.
  const u = blocks > 1 ? block / (blocks - 1) : 0.5;
  const c1 = Math.cos(2 * Math.PI * u);
  const c2 = Math.cos(3 * Math.PI * u);
  for (let v = 0; v < row.length; v++) {
    let shared = 0;
    for (let k = 0; k < K; k++) shared += loadings[v * K + k]! * eta[k]!;
    row[v] = row[v]! + own * rng.normal() + common * shared + drift.offset[v]! + drift.linear[v]! * (u - 0.5) + drift.slow1[v]! * c1 + drift.slow2[v]! * c2;
  }
}
