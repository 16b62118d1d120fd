import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeActivity } from '../../activities/decode';
import { preprocessActivity } from '../../activities/preprocess';
import { DecodeSchema, FeaturesSchema, PreprocessSchema } from '../../configs/schema';
import { encodeLabelledMatrix } from '../../lib/formats/labelled-matrix';
import { encodeTrialTable } from '../../lib/formats/trial-table';
import { createMatrix } from '../../lib/linalg/matrix';
import { type ArtifactRef, putArtifact } from '../../lib/store/artifact-ref';
import { encodeTable } from '../../lib/store/arrow-table';
import { LocalStore } from '../../lib/store/local-store';
import type { TrialTable } from '../../lib/data/trials';

let root: string;
let store: LocalStore;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-bad-'));
  store = new LocalStore(root);
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function trials(values: number[]): TrialTable {
  const n = values.length / 2;
  return {
    stimulusIds: Array.from({ length: n }, (_, i) => `train-${i}`),
    sets: Array(n).fill('train'),
    runs: Int32Array.from({ length: n }, () => 1),
    blocks: Int32Array.from({ length: n }, (_, i) => i + 1),
    voxels: createMatrix(n, 2, Float32Array.from(values)),
    roiMasks: { VC: Uint8Array.of(1, 1) },
  };
}

async function preprocessWith(trialBytes: Uint8Array, voxelBytes: Uint8Array) {
  const inputs: Record<string, ArtifactRef> = {
    trials: await putArtifact(store, 'in/trials.arrow', trialBytes, 'arrow'),
    voxels: await putArtifact(store, 'in/voxels.arrow', voxelBytes, 'arrow'),
  };
  return preprocessActivity({ store: { type: 'local', path: root }, backend: 'cpu', config: PreprocessSchema.parse({ roi: 'VC', averageTestTrials: true, detrend: false }), inputs, force: false });
}

/** The failure is non-retryable, names the stage and the file, and left no stage output behind. */
async function expectCleanFailure(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect((error as ApplicationFailure).nonRetryable).toBe(true);
  expect((error as ApplicationFailure).message).toMatch(pattern);
  expect((await store.list('stages/')).filter((k) => !k.startsWith('in/'))).toEqual([]);
}

describe('malformed data reaching a stage', () => {
  it('a truncated Arrow file: names the file', async () => {
    const good = encodeTrialTable(trials([1, 2, 3, 4, 5, 6]));
    await expectCleanFailure(preprocessWith(good.trials.subarray(0, good.trials.length - 40), good.voxels), /preprocess: .*in\/trials\.arrow: not a readable Arrow file/);
  });

  it('NaN voxel values: names the file, trial and voxel', async () => {
    const good = encodeTrialTable(trials([1, 2, 3, 4, 5, 6]));
    // The project's own encoder refuses NaNs, so write the table as another tool might have.
    const withNaN = encodeTable({
      stimulus_id: { kind: 'utf8', values: ['a', 'b', 'c'] },
      set: { kind: 'utf8', values: ['train', 'train', 'train'] },
      run: { kind: 'int32', values: Int32Array.of(1, 1, 1) },
      block: { kind: 'int32', values: Int32Array.of(1, 2, 3) },
      voxels: { kind: 'matrix', values: createMatrix(3, 2, Float32Array.of(1, 2, 3, Number.NaN, 5, 6)) },
    });
    await expectCleanFailure(preprocessWith(withNaN, good.voxels), /preprocess: .*in\/trials\.arrow.*trial 1, voxel 1 is not finite/);
  });

  it('a voxel table that does not match the trials: names the ROI mask and the counts', async () => {
    const good = encodeTrialTable(trials([1, 2, 3, 4, 5, 6]));
    const threeVoxels = encodeTrialTable({ ...trials([1, 2, 3, 4, 5, 6]), voxels: createMatrix(2, 3, Float32Array.of(1, 2, 3, 4, 5, 6)), stimulusIds: ['a', 'b'], sets: ['train', 'train'], runs: Int32Array.of(1, 1), blocks: Int32Array.of(1, 2), roiMasks: { VC: Uint8Array.of(1, 1, 1) } });
    await expectCleanFailure(preprocessWith(good.trials, threeVoxels.voxels), /preprocess: .*ROI mask "VC" has 3 entries but there are 2 voxels/);
  });

  it('test and training data with different voxel counts: names both counts', async () => {
    const matrix = (rows: number, cols: number) => encodeLabelledMatrix({ stimulusIds: Array.from({ length: rows }, (_, i) => `s${i}`), values: createMatrix(rows, cols) });
    const inputs = {
      train: await putArtifact(store, 'in/train.arrow', matrix(4, 3), 'arrow'),
      'test.test': await putArtifact(store, 'in/test.arrow', matrix(2, 5), 'arrow'),
      'features.fc1': await putArtifact(store, 'in/fc1.arrow', matrix(4, 2), 'arrow'),
    };
    const promise = decodeActivity({
      store: { type: 'local', path: root },
      backend: 'cpu',
      // The schemas fill in every default, so the test states only what it is about.
      config: { ...DecodeSchema.parse({ method: 'ridge', alpha: 1 }), network: FeaturesSchema.parse({ network: 'vgg-mini', seed: 1, batchSize: 4 }) },
      inputs,
      force: false,
    });
    await expectCleanFailure(promise, /decode: .*test set has 5 voxels but training has 3/);
  });
});
