import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CganStageConfig, cganActivity } from '../../activities/cgan';
import { suiteBackend } from '../support/backend';
import { encodeLabelledMatrix } from '../../lib/formats/labelled-matrix';
import { encodeStimulusTable } from '../../lib/formats/stimulus-table';
import { decodeTrainingTable } from '../../lib/gan/training-table';
import { decodePng } from '../../lib/images/png';
import { type ArtifactRef, getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { LocalStore } from '../../lib/store/local-store';
import { Random } from '../../lib/random';
import { classImages, classVoxels, roundRobin } from './tiny-conditional-data';

const SIZE = 16;
let root: string;
let store: LocalStore;
let inputs: Record<string, ArtifactRef>;

beforeAll(async () => {
  await suiteBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-cgan-'));
  store = new LocalStore(root);
  // 12 training images (4 colours), each seen twice: the stage averages each image's trials.
  const classes = roundRobin(12);
  const ids = classes.map((_, i) => `train-${String(i).padStart(2, '0')}`);
  const stimuli = encodeStimulusTable({ ids, sets: ids.map(() => 'train'), images: classImages(classes, SIZE) });
  const trials = [...ids, ...ids];
  const voxels = classVoxels([...classes, ...classes], 0.3, new Random(3));
  inputs = {
    stimuli: await putArtifact(store, 'in/stimuli.arrow', stimuli, 'arrow'),
    train: await putArtifact(store, 'in/train.arrow', encodeLabelledMatrix({ stimulusIds: trials, values: voxels }), 'arrow'),
  };
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const config: CganStageConfig = {
  trainOn: 'averages',
  epochs: 3,
  batchSize: 4,
  learningRate: 2e-4,
  klWeight: 2,
  reconstructionWeight: 0,
  matchingAware: true,
  conditionComponents: 128,
  conditionEncoder: 'image-aligned',
  generatorChannels: 4,
  discriminatorChannels: 4,
  samples: 1,
  seed: 2,
  imageSize: SIZE,
};

describe('the cgan stage', () => {
  it('writes the model, a loss table with the losses it returned, and the fixed-noise sample grid', async () => {
    const result = await cganActivity({ store: { type: 'local', path: root }, backend: 'auto', config, inputs, force: false });
    expect(Object.keys(result.outputs).sort()).toEqual(['cgan', 'samples', 'samples-labelled', 'training']);
    const { history, embeddingDim } = decodeTrainingTable(await getArtifact(store, result.outputs.training!), 'training');
    expect(history).toEqual(result.results.history);
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(embeddingDim).toBe(128);
    // Columns: 8 of the 12 pairs; rows: their true images, then epochs 1–3. Tiles 16 px × 4.
    const tile = SIZE * 4;
    const png = decodePng(await getArtifact(store, result.outputs.samples!));
    expect([png.height, png.width]).toEqual([4 * (tile + 2) + 2, 8 * (tile + 2) + 2]);
    const svg = new TextDecoder().decode(await getArtifact(store, result.outputs['samples-labelled']!));
    for (const label of ['true image', 'epoch 1', 'epoch 3', 'train-00']) expect(svg).toContain(label);
  });
});
