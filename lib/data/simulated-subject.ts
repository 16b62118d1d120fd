import { createMatrix, type Matrix } from '../linalg/matrix';
import { Random } from '../random';
import type { PixelTerms } from './encoding/gabor-voxel-drive';
import { runLayout } from './encoding/run-layout';
import { addTrialNoise, drawRunDrift, sharedNoiseLoadings, type TrialNoiseSettings } from './encoding/trial-noise';
import { VISUAL_AREAS } from './encoding/visual-areas';
import { voxelDrive } from './encoding/voxel-drive';
import { DEFAULT_GAIN_SD, DEFAULT_OPPOSITE_POLARITY, drawVoxelPopulation, type VoxelPopulation } from './encoding/voxel-population';
import type { StimulusSet, TrialTable } from './trials';

export interface SimulateConfig {
  readonly seed: number;
  readonly voxels: number;
  readonly trainRepeats: number;
  readonly testRepeats: number;
  readonly shapesRepeats?: number;
  readonly lettersRepeats?: number;
  /** Repetitions of the imagery runs (first 10 test images and 15 shapes); 0 or absent: none. */
  readonly imageryRepeats?: number;
  /** Stimulus-driven signal during imagery relative to seeing (× a per-area factor, higher in HVC). */
  readonly imageryGain?: number;
  /** Per-trial noise SD relative to the RMS over voxels of the stimulus-driven signal's SD. */
  readonly noiseSd: number;
  /** SD of the log of each voxel's signal gain (heterogeneous SNR); default 0.5, 0: all equal within an area. */
  readonly gainSd?: number;
  /** Share of the per-trial noise variance shared across voxels (global + retinotopic); default 0.3, 0: white. */
  readonly sharedNoise?: number;
  /** SD of the slow non-linear within-run drift components; default 0.3, 0: drift exactly linear. */
  readonly slowDriftSd?: number;
  /** Early areas' luminance/colour term: `rectified` (default) or the signed `linear` pixel shortcut. */
  readonly pixelTerms?: PixelTerms;
  /** Range [lo, hi] of each early voxel's opposite-polarity weight (rectified terms); default [0.7, 1]. */
  readonly oppositePolarity?: readonly [number, number];
  /** `top-down` (default): weaker, idiosyncratic, vividness-varying imagery; `scaled-copy`: a scaled copy of seeing. */
  readonly imagery?: ImageryModel;
}

export type ImageryModel = 'top-down' | 'scaled-copy';

/** SD of each voxel's per-run baseline and of its linear within-run drift (end to end), in signal-SD units. */
const RUN_OFFSET_SD = 1;
const RUN_DRIFT_SD = 0.3;
const DEFAULT_IMAGERY_GAIN = 0.15;
export const SIMULATION_DEFAULTS = { sharedNoise: 0.3, slowDriftSd: 0.3, pixelTerms: 'rectified', imagery: 'top-down' } as const;
/**
 * Top-down imagery: the imagined pattern is only partly the seen one; the rest is a fixed
 * per-(image, voxel) deviation (each imagined image differs from what was seen, the same way
 * every time), and each trial's vividness scales it.
 */
const IMAGERY_IDIOSYNCRATIC = 0.5;
const VIVIDNESS_RANGE = [0.4, 1.6] as const;

/**
 * The stimulus-driven signal (stimuli × voxels): each voxel's drive standardised over the
 * stimulus set, times its gain; zero for unresponsive voxels.
 */
function stimulusSignal(stimuli: StimulusSet, population: VoxelPopulation, pixelTerms: PixelTerms): Matrix {
  const drive = voxelDrive(stimuli.images, population, pixelTerms);
  const { rows: n, cols: V } = drive;
  const signal = createMatrix(n, V);
  for (let v = 0; v < V; v++) {
    let sum = 0;
    let sq = 0;
    for (let s = 0; s < n; s++) sum += drive.data[s * V + v]!;
    const mean = sum / n;
    for (let s = 0; s < n; s++) sq += (drive.data[s * V + v]! - mean) ** 2;
    const scale = population.responsive[v] ? population.gain[v]! / (Math.sqrt(sq / n) || 1) : 0;
    for (let s = 0; s < n; s++) signal.data[s * V + v] = (drive.data[s * V + v]! - mean) * scale;
  }
  return signal;
}

/**
 * The imagined deviation of every (image, voxel): independent normal values with each voxel's
 * signal SD, fixed for the subject, so repeated imagery of one image deviates the same way.
 */
function idiosyncraticImagery(rng: Random, signal: Matrix): Matrix {
  const { rows: n, cols: V } = signal;
  const sd = new Float64Array(V);
  for (let s = 0; s < n; s++) for (let v = 0; v < V; v++) sd[v]! += signal.data[s * V + v]! ** 2 / n;
  const out = createMatrix(n, V);
  for (let s = 0; s < n; s++) for (let v = 0; v < V; v++) out.data[s * V + v] = Math.sqrt(sd[v]!) * rng.normal();
  return out;
}

/**
 * A simulated subject's fMRI trials for the given stimuli: a voxel-wise encoding model (Gabor
 * energy for V1–V4, a seeded shape network for LOC/FFA/PPA — both independent of the decoder's
 * CNN, so decoding is not circular) plus per-trial noise (partly shared across voxels, with
 * retinotopic structure), per-run baselines, and linear and slow non-linear within-run drifts.
 * Imagery is weaker, weighted towards higher areas, idiosyncratic and of varying vividness.
 * Deterministic in (stimuli, config). See docs/simulation.md.
 */
export function simulateResponses(stimuli: StimulusSet, config: SimulateConfig): TrialTable {
  const rng = new Random(config.seed);
  const { height, width } = stimuli.images;
  const population = drawVoxelPopulation(rng.fork(1), config.voxels, height, width, config.gainSd ?? DEFAULT_GAIN_SD, config.oppositePolarity ?? DEFAULT_OPPOSITE_POLARITY);
  const signal = stimulusSignal(stimuli, population, config.pixelTerms ?? SIMULATION_DEFAULTS.pixelTerms);
  const runs = runLayout(rng.fork(2), stimuli, config);
  const noiseSettings: TrialNoiseSettings = {
    sd: config.noiseSd,
    shared: config.sharedNoise ?? SIMULATION_DEFAULTS.sharedNoise,
    runOffsetSd: RUN_OFFSET_SD,
    linearDriftSd: RUN_DRIFT_SD,
    slowDriftSd: config.slowDriftSd ?? SIMULATION_DEFAULTS.slowDriftSd,
  };
  const loadings = sharedNoiseLoadings(rng.fork(4), population, height, width);
  const topDown = (config.imagery ?? SIMULATION_DEFAULTS.imagery) === 'top-down';
  const imagined = topDown ? idiosyncraticImagery(rng.fork(5), signal) : undefined;
  const V = config.voxels;
  const imageryGain = config.imageryGain ?? DEFAULT_IMAGERY_GAIN;
  const imageryScale = Float32Array.from(population.area, (a) => imageryGain * VISUAL_AREAS[a]!.imagery);
  const trialCount = runs.reduce((n, run) => n + run.stimuli.length, 0);
  const voxels = createMatrix(trialCount, V);
  const stimulusIds: string[] = [];
  const sets: string[] = [];
  const runIds = new Int32Array(trialCount);
  const blocks = new Int32Array(trialCount);
  const noise = rng.fork(3);
  let t = 0;
  for (const [r, run] of runs.entries()) {
    const drift = drawRunDrift(noise, V, noiseSettings);
    for (const [b, s] of run.stimuli.entries()) {
      const row = voxels.data.subarray(t * V, (t + 1) * V);
      const clean = signal.data.subarray(s * V, (s + 1) * V);
      if (!run.imagery) {
        row.set(clean);
      } else if (imagined) {
        const deviation = imagined.data.subarray(s * V, (s + 1) * V);
        const vividness = noise.uniform(VIVIDNESS_RANGE[0], VIVIDNESS_RANGE[1]);
        for (let v = 0; v < V; v++) row[v] = vividness * imageryScale[v]! * ((1 - IMAGERY_IDIOSYNCRATIC) * clean[v]! + IMAGERY_IDIOSYNCRATIC * deviation[v]!);
      } else {
        for (let v = 0; v < V; v++) row[v] = imageryScale[v]! * clean[v]!;
      }
      addTrialNoise(row, noise, loadings, drift, b, run.stimuli.length, noiseSettings);
      stimulusIds.push(stimuli.ids[s]!);
      sets.push(run.set);
      runIds[t] = r + 1;
      blocks[t] = b + 1;
      t++;
    }
  }
  return { stimulusIds, sets, runs: runIds, blocks, voxels, roiMasks: population.roiMasks };
}
