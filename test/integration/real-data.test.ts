import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../cli/run-command';
import { initBackend } from '../../lib/compute/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { simulateResponses } from '../../lib/data/simulated-subject';
import type { TrialTable } from '../../lib/data/trials';
import { decodeStimulusTable, encodeStimulusTable } from '../../lib/formats/stimulus-table';
import { imageView } from '../../lib/images/image-batch';
import { encodePng } from '../../lib/images/png';
import { selectRows } from '../../lib/linalg/matrix';

import { trialsToBData } from '../../lib/ingest/trials-to-bdata';
import { writeBData } from '../../lib/ingest/write-bdata';
import { writeTinyConfig } from '../support/tiny-config';
import { startTemporalHarness, type TemporalHarness } from '../support/temporal-harness';

let harness: TemporalHarness;
let dir: string;
let temporal: TemporalDevServer;
let taskQueue: string;

beforeAll(async () => {
  harness = await startTemporalHarness('real');
  ({ dir, temporal, taskQueue } = harness);
});

afterAll(() => harness?.stop());

function subsetOf(trials: TrialTable, rows: number[]): TrialTable {
  return {
    stimulusIds: rows.map((i) => trials.stimulusIds[i]!),
    sets: rows.map((i) => trials.sets[i]!),
    runs: Int32Array.from(rows, (i) => trials.runs[i]!),
    blocks: Int32Array.from(rows, (i) => trials.blocks[i]!),
    voxels: selectRows(trials.voxels, rows),
    roiMasks: trials.roiMasks,
  };
}

describe('the real-data path (image folder + BData HDF5 files)', () => {
  it('gives the same results as the simulated subject it was exported from', async () => {
    const run = (file: string) =>
      runCommand({ configFile: file, connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') }, taskQueue, force: [], runsDir: path.join(dir, 'runs'), quiet: true });
    // On wasm, whose kernels give an image the same arithmetic in any batch. TensorFlow's native CPU
    // kernels do not on some CPUs (an image's convolutions and products change in their last bits
    // with the batch, measured on AVX2), which moved one score here by 5e-5 between the two paths.
    const compute = { backend: 'wasm' };
    const simulatedFile = await writeTinyConfig(dir, 'simulated', { compute });
    const simulated = await run(simulatedFile);

    // Export the same stimuli as a folder of PNGs and the same subject as two BData files (one per set, as DIR ships them).
    const stimuliOptions = { seed: 2, imageSize: 32, trainImages: 48, testImages: 6 };
    const stimuli = proceduralStimuli(stimuliOptions);
    for (const [i, id] of stimuli.ids.entries()) {
      await fs.mkdir(path.join(dir, 'images', stimuli.sets[i]!), { recursive: true });
      await fs.writeFile(path.join(dir, 'images', stimuli.sets[i]!, `${id}.png`), encodePng(imageView(stimuli.images, i), 32, 32));
    }
    await initBackend('auto');
    // The pipeline simulates from the stored (8-bit PNG) images, so do the same here.
    const stored = decodeStimulusTable(encodeStimulusTable(stimuli), 'stimuli');
    // The tiny config's subject: the schema's defaults for everything it does not set.
    const trials = simulateResponses(stored, { seed: 5, voxels: 120, trainRepeats: 1, testRepeats: 2, imageryRepeats: 0, noiseSd: 2 });
    const files: string[] = [];
    for (const set of ['train', 'natural']) {
      const rows = trials.sets.flatMap((s, i) => (s === set ? [i] : []));
      const file = path.join(dir, `sub-01_${set}.h5`);
      await fs.writeFile(file, await writeBData(trialsToBData(subsetOf(trials, rows))));
      files.push(file);
    }
    const realFile = await writeTinyConfig(dir, 'real', {
      compute,
      stimuli: { source: 'folder', path: path.join(dir, 'images'), imageSize: 32 },
      subjects: [{ name: 'sim01', source: { type: 'bdata', files } }],
    });
    const real = await run(realFile);

    // Reconstruct: three methods, the icnn-gd ceiling and the three shuffled controls (their decoder is the second decode).
    expect(real.stages.map((s) => s.stage)).toEqual(['stimuli', 'features', 'generator', 'ingest', 'preprocess', 'decode', 'decode', 'cgan', ...Array(7).fill('reconstruct'), 'evaluate', 'report']);
    expect(real.scores.map((s) => [s.stimulusSet, s.metric])).toEqual(simulated.scores.map((s) => [s.stimulusSet, s.metric]));
    real.scores.forEach((s, i) => expect(s.value).toBeCloseTo(simulated.scores[i]!.value, 4));
    real.decoding.forEach((d, i) => expect(d.patternCorrelation).toBeCloseTo(simulated.decoding[i]!.patternCorrelation, 5));
    // The run leaves its tables as Parquet for pandas and DuckDB users.
    for (const table of ['scores', 'decoding', 'stages']) {
      const bytes = await fs.readFile(path.join(dir, 'runs', 'real', `${table}.parquet`));
      expect(bytes.subarray(0, 4).toString('latin1'), table).toBe('PAR1');
    }

    // A trial whose stimulus has no image is a clear, non-retryable error naming the files.
    await fs.rm(path.join(dir, 'images', 'natural', 'natural-0001.png'));
    await expect(run(realFile)).rejects.toThrow(/ingest: .*sub-01_train\.h5.*stimulus id\(s\) have no image among the stimuli: natural-0001/);
  });
});
