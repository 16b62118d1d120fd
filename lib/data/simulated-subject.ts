import { createMatrix, type Matrix } from '../linalg/matrix';
import { Random } from '../random';
import { runLayout } from './encoding/run-layout';
import { VISUAL_AREAS } from './encoding/visual-areas';
import { voxelDrive } from './encoding/voxel-drive';
import { DEFAULT_GAIN_SD, drawVoxelPopulation, type VoxelPopulation } from './encoding/voxel-population';
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
}

/** SD of each voxel's per-run baseline and of its linear within-run drift (end to end), in signal-SD units. */
const RUN_OFFSET_SD = 1;
const RUN_DRIFT_SD = 0.3;
const DEFAULT_IMAGERY_GAIN = 0.15;

/**
 * The stimulus-driven signal (stimuli × voxels): each voxel's drive standardised over the
 * stimulus set, times its gain; zero for unresponsive voxels.
 */
function stimulusSignal(stimuli: StimulusSet, population: VoxelPopulation): Matrix {
  const drive = voxelDrive(stimuli.images, population);
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
 * A simulated subject's fMRI trials for the given stimuli: a voxel-wise encoding model (Gabor
 * energy for V1–V4, a seeded shape network for LOC/FFA/PPA — both independent of the decoder's
 * CNN, so decoding is not circular) plus per-trial noise, per-run baselines and linear
 * within-run drifts. Deterministic in (stimuli, config). See docs/simulation.md.
 */
export function simulateResponses(stimuli: StimulusSet, config: SimulateConfig): TrialTable {
  const rng = new Random(config.seed);
  const { height, width } = stimuli.images;
  const population = drawVoxelPopulation(rng.fork(1), config.voxels, height, width, config.gainSd ?? DEFAULT_GAIN_SD);
  const signal = stimulusSignal(stimuli, population);
  const runs = runLayout(rng.fork(2), stimuli, config);
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
    const offset = Float32Array.from({ length: V }, () => RUN_OFFSET_SD * noise.normal());
    const drift = Float32Array.from({ length: V }, () => RUN_DRIFT_SD * noise.normal());
    for (const [b, s] of run.stimuli.entries()) {
      const phase = run.stimuli.length > 1 ? b / (run.stimuli.length - 1) - 0.5 : 0;
      const row = voxels.data.subarray(t * V, (t + 1) * V);
      const clean = signal.data.subarray(s * V, (s + 1) * V);
      for (let v = 0; v < V; v++) {
        const gain = run.imagery ? imageryScale[v]! : 1;
        row[v] = gain * clean[v]! + config.noiseSd * noise.normal() + offset[v]! + drift[v]! * phase;
      }
      stimulusIds.push(stimuli.ids[s]!);
      sets.push(run.set);
      runIds[t] = r + 1;
      blocks[t] = b + 1;
      t++;
    }
  }
  return { stimulusIds, sets, runs: runIds, blocks, voxels, roiMasks: population.roiMasks };
}
