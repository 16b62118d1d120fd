import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { simulateResponses } from '../../lib/data/simulated-subject';
import { rectifiedColourTerm } from '../../lib/data/encoding/rectified-colour-term';
import { gaussianFields } from '../../lib/data/encoding/receptive-fields';
import { addTrialNoise, drawRunDrift, SHARED_NOISE_FACTORS, sharedNoiseLoadings, type TrialNoiseSettings } from '../../lib/data/encoding/trial-noise';
import { voxelDrive } from '../../lib/data/encoding/voxel-drive';
import { drawVoxelPopulation } from '../../lib/data/encoding/voxel-population';
import { pearson } from '../../lib/evaluation/correlation';
import { createImageBatch } from '../../lib/images/image-batch';
import { createMatrix } from '../../lib/linalg/matrix';
import { detrendWithinRuns } from '../../lib/preprocess/detrend';
import { Random } from '../../lib/random';

beforeAll(async () => {
  await suiteBackend();
});

const quiet: TrialNoiseSettings = { sd: 0, shared: 0, runOffsetSd: 0, linearDriftSd: 0, slowDriftSd: 0 };

describe('the rectified colour term', () => {
  it('equals the dense, untruncated sum over every pixel', () => {
    const rng = new Random(5);
    const [h, w, voxels, count] = [12, 12, 7, 3];
    const cx = Float32Array.from({ length: voxels }, () => rng.uniform(0, w));
    const cy = Float32Array.from({ length: voxels }, () => rng.uniform(0, h));
    const sd = Float32Array.from({ length: voxels }, () => rng.uniform(0.8, 3));
    const fields = gaussianFields({ height: h, width: w, cell: 1 }, cx, cy, sd);
    const weights = Float32Array.from({ length: voxels * 3 }, () => rng.normal());
    const opposite = Float32Array.from({ length: voxels }, () => rng.uniform(0.7, 1));
    const opponent = Float32Array.from({ length: count * h * w * 3 }, () => rng.normal());
    const fast = rectifiedColourTerm(opponent, count, h * w, fields, weights, opposite);
    for (let n = 0; n < count; n++) {
      for (let v = 0; v < voxels; v++) {
        let dense = 0;
        for (let p = 0; p < h * w; p++) {
          const drive = [0, 1, 2].reduce((s, c) => s + weights[v * 3 + c]! * opponent[(n * h * w + p) * 3 + c]!, 0);
          dense += fields[p * voxels + v]! * Math.max(drive, 0) + fields[p * voxels + v]! * opposite[v]! * Math.max(-drive, 0);
        }
        // Truncation drops field weights under 0.1 % of the peak: well under 1 % of the sum here.
        expect(Math.abs(fast[n * voxels + v]! - dense)).toBeLessThan(0.01 * Math.abs(dense) + 1e-6);
      }
    }
  });

  it('keeps at most (1 − w) of the linear option’s linear response', () => {
    // For a contrast pattern d around grey, the odd part (drive(g + d) − drive(g − d)) / 2 is the
    // linear response (Gabor energy is even in d): RF * p for the linear option, and
    // gain · (1 − w)/2 · RF * p = (1 − w) · RF * p when rectified, with w in [0.7, 1].
    const S = 16;
    const population = drawVoxelPopulation(new Random(8), 120, S, S);
    const early = Array.from({ length: 120 }, (_, v) => v).filter((v) => population.area[v]! < 4);
    const rng = new Random(9);
    const pairs = 6;
    const images = createImageBatch(2 * pairs, S, S);
    for (let k = 0; k < pairs; k++) {
      for (let i = 0; i < S * S * 3; i++) {
        const d = 0.2 * rng.normal();
        images.data[2 * k * S * S * 3 + i] = 0.5 + d;
        images.data[(2 * k + 1) * S * S * 3 + i] = 0.5 - d;
      }
    }
    const oddParts = (terms: 'rectified' | 'linear'): number[] => {
      const drive = voxelDrive(images, population, terms);
      return Array.from({ length: pairs }, (_, k) => early.map((v) => (drive.data[2 * k * drive.cols + v]! - drive.data[(2 * k + 1) * drive.cols + v]!) / 2)).flat();
    };
    const linear = oddParts('linear');
    const rectified = oddParts('rectified');
    expect(Math.max(...linear.map(Math.abs))).toBeGreaterThan(0.1);
    linear.forEach((l, i) => {
      const ratio = rectified[i]! / l;
      // Same sign (the opposite subunit is weaker) and at most 1 − 0.7 of it (float32 slack).
      if (Math.abs(l) > 1e-3) expect(ratio).toBeGreaterThanOrEqual(-1e-3);
      expect(Math.abs(rectified[i]!)).toBeLessThanOrEqual(0.3 * Math.abs(l) + 1e-3);
    });
  });

  it.each([0, 0.4, 1])('keeps exactly (1 − w) of it when every voxel’s opposite-polarity weight is %s', (w) => {
    // Closed form as above, with w fixed by the oppositePolarity range [w, w].
    const S = 16;
    const population = drawVoxelPopulation(new Random(8), 60, S, S, undefined, [w, w]);
    const early = Array.from({ length: 60 }, (_, v) => v).filter((v) => population.area[v]! < 4);
    const rng = new Random(10);
    const images = createImageBatch(2, S, S);
    for (let i = 0; i < S * S * 3; i++) {
      const d = 0.2 * rng.normal();
      images.data[i] = 0.5 + d;
      images.data[S * S * 3 + i] = 0.5 - d;
    }
    const odd = (terms: 'rectified' | 'linear'): number[] => {
      const drive = voxelDrive(images, population, terms);
      return early.map((v) => (drive.data[v]! - drive.data[drive.cols + v]!) / 2);
    };
    const linear = odd('linear');
    // float32 drives: agreement to 0.2 % of the largest linear response.
    const slack = 2e-3 * Math.max(...linear.map(Math.abs));
    odd('rectified').forEach((r, i) => expect(Math.abs(r - (1 - w) * linear[i]!)).toBeLessThan(slack));
  });
});

describe('trial noise', () => {
  it('has each voxel’s variance sd² and the pairwise correlations its shared loadings imply', () => {
    const S = 32;
    const population = drawVoxelPopulation(new Random(2), 40, S, S);
    const loadings = sharedNoiseLoadings(new Random(3), population, S, S);
    const K = SHARED_NOISE_FACTORS;
    const settings: TrialNoiseSettings = { ...quiet, sd: 2, shared: 0.4 };
    const trials = 6000;
    const rng = new Random(4);
    const drift = drawRunDrift(rng, 40, settings);
    const X = createMatrix(trials, 40);
    for (let t = 0; t < trials; t++) addTrialNoise(X.data.subarray(t * 40, (t + 1) * 40), rng, loadings, drift, t % 50, 50, settings);
    const column = (v: number) => Array.from({ length: trials }, (_, t) => X.data[t * 40 + v]!);
    for (const [i, j] of [[0, 1], [3, 30], [10, 39], [20, 21]] as const) {
      let dot = 0;
      for (let k = 0; k < K; k++) dot += loadings[i * K + k]! * loadings[j * K + k]!;
      // Closed form: corr = shared × (l_i · l_j); sampling SE ≈ 1/√6000 ≈ 0.013.
      expect(Math.abs(pearson(column(i), column(j)) - 0.4 * dot)).toBeLessThan(0.05);
    }
    const variance = (x: number[]) => x.reduce((s, y) => s + y * y, 0) / x.length;
    for (const v of [0, 17, 39]) expect(variance(column(v)) / 4).toBeCloseTo(1, 1);
  });

  it('leaves slow drift after a linear detrend, and none when drift is linear', () => {
    const blocks = 50;
    const residual = (slowDriftSd: number): number => {
      const settings: TrialNoiseSettings = { ...quiet, runOffsetSd: 1, linearDriftSd: 0.5, slowDriftSd };
      const rng = new Random(6);
      const X = createMatrix(blocks * 4, 10);
      const runs = new Int32Array(blocks * 4);
      const time = new Int32Array(blocks * 4);
      for (let r = 0; r < 4; r++) {
        const drift = drawRunDrift(rng, 10, settings);
        for (let b = 0; b < blocks; b++) {
          const t = r * blocks + b;
          addTrialNoise(X.data.subarray(t * 10, (t + 1) * 10), rng, new Float32Array(10 * SHARED_NOISE_FACTORS), drift, b, blocks, settings);
          runs[t] = r;
          time[t] = b;
        }
      }
      const d = detrendWithinRuns(X, runs, time);
      return Math.sqrt(d.data.reduce((s, x) => s + x * x, 0) / d.data.length);
    };
    expect(residual(0)).toBeLessThan(1e-5);
    expect(residual(0.3)).toBeGreaterThan(0.1);
  });
});

describe('imagery', () => {
  it('is the seen pattern only in part: correlation with it near 1/√2 when noise is absent', () => {
    const stimuli = proceduralStimuli({ seed: 3, imageSize: 16, trainImages: 4, testImages: 12, shapes: true });
    const config = { seed: 1, voxels: 300, trainRepeats: 1, testRepeats: 1, shapesRepeats: 1, imageryRepeats: 1, noiseSd: 0, slowDriftSd: 0 };
    const check = (imagery: 'top-down' | 'scaled-copy') => {
      const trials = simulateResponses(stimuli, { ...config, imagery });
      const V = trials.voxels.cols;
      // Run offsets and linear drift are per run; remove them as preprocessing does.
      const X = detrendWithinRuns(trials.voxels, trials.runs, trials.blocks);
      const seen = new Map<string, number>();
      trials.sets.forEach((s, i) => s !== 'imagery' && s !== 'train' && seen.set(trials.stimulusIds[i]!, i));
      const r: number[] = [];
      trials.sets.forEach((s, i) => {
        if (s !== 'imagery') return;
        const j = seen.get(trials.stimulusIds[i]!)!;
        r.push(pearson(X.data.subarray(i * V, (i + 1) * V), X.data.subarray(j * V, (j + 1) * V)));
      });
      return r.reduce((a, b) => a + b, 0) / r.length;
    };
    // Detrending within each run mixes in a little of the run's other patterns and lowers both
    // alike; their ratio is the share of the seen pattern, 1/√2 for an equal idiosyncratic part.
    const copy = check('scaled-copy');
    expect(copy).toBeGreaterThan(0.75);
    expect(Math.abs(check('top-down') / copy - Math.SQRT1_2)).toBeLessThan(0.1);
  });
});
