import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeActivity, type DecodeConfig } from '../../activities/decode';
import { suiteBackend } from '../support/backend';
import { rowCorrelations } from '../../lib/evaluation/correlation';
import { decodeLabelledMatrix, encodeLabelledMatrix } from '../../lib/formats/labelled-matrix';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { type ArtifactRef, getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { LocalStore } from '../../lib/store/local-store';
import { Random } from '../../lib/random';

let root: string;
let store: LocalStore;
let inputs: Record<string, ArtifactRef>;
let trueTest: Matrix;
const IMAGES = 30;
const TEST = 8;
const VOXELS = 40;
const UNITS = 12;

beforeAll(async () => {
  await suiteBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-decode-'));
  store = new LocalStore(root);
  // Each image has a 5-d latent; features and voxels are linear in it, voxels with noise.
  const rng = new Random(4);
  const latent = createMatrix(IMAGES + TEST, 5, Float32Array.from({ length: (IMAGES + TEST) * 5 }, () => rng.normal()));
  const mix = (rows: number, cols: number) => Float32Array.from({ length: rows * cols }, () => rng.normal());
  const toFeatures = mix(5, UNITS);
  const toVoxels = mix(5, VOXELS);
  const project = (m: Matrix, w: Float32Array, cols: number, noise: number) =>
    createMatrix(m.rows, cols, Float32Array.from({ length: m.rows * cols }, (_, k) => {
      const [i, j] = [Math.floor(k / cols), k % cols];
      let s = noise * rng.normal();
      for (let a = 0; a < 5; a++) s += m.data[i * 5 + a]! * w[a * cols + j]!;
      return s;
    }));
  const features = project(latent, toFeatures, UNITS, 0);
  const ids = Array.from({ length: IMAGES + TEST }, (_, i) => (i < IMAGES ? `train-${i}` : `test-${i}`));
  const trainIds = [...ids.slice(0, IMAGES), ...ids.slice(0, IMAGES)];
  const trainLatent = createMatrix(2 * IMAGES, 5, Float32Array.from([...latent.data.subarray(0, IMAGES * 5), ...latent.data.subarray(0, IMAGES * 5)]));
  const testLatent = createMatrix(TEST, 5, latent.data.slice(IMAGES * 5));
  trueTest = createMatrix(TEST, UNITS, features.data.slice(IMAGES * UNITS));
  const put = (name: string, ids_: string[], m: Matrix) => putArtifact(store, `in/${name}.arrow`, encodeLabelledMatrix({ stimulusIds: ids_, values: m }), 'arrow');
  inputs = {
    train: await put('train', trainIds, project(trainLatent, toVoxels, VOXELS, 0.5)),
    'test.test': await put('test', ids.slice(IMAGES), project(testLatent, toVoxels, VOXELS, 0.2)),
    'features.fc1': await put('fc1', ids, features),
  };
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function decode(overrides: Partial<DecodeConfig>): Promise<{ predicted: Matrix; identification: number }> {
  const config: DecodeConfig = {
    method: 'ridge', alpha: 1, alphas: [0.1, 1, 10, 1000], folds: 3, nFeatures: 10, trainOn: 'trials', layers: [],
    network: { network: 'vgg-mini', seed: 1, batchSize: 4, layers: [], inputMode: 'caffe' },
    ...overrides,
  };
  const result = await decodeActivity({ store: { type: 'local', path: root }, backend: 'auto', config, inputs, force: false });
  const ref = result.outputs['decoded.test.fc1']!;
  return { predicted: decodeLabelledMatrix(await getArtifact(store, ref), ref.uri).values, identification: result.results.accuracy[0]!.identification };
}

const meanCorrelation = (m: Matrix) => Array.from(rowCorrelations(m, trueTest)).reduce((a, b) => a + b, 0) / m.rows;

describe('the decode stage’s methods', () => {
  it('all three decode held-out features far above chance, and report feature identification', async () => {
    for (const method of ['ridge', 'ridge-cv', 'voxel-selection-l2'] as const) {
      const { predicted, identification } = await decode({ method });
      expect(meanCorrelation(predicted), method).toBeGreaterThan(0.8);
      expect(identification, method).toBeGreaterThan(0.85);
    }
  });

  it('ridge-cv with one candidate equals ridge with that penalty; voxel selection of every voxel is ridge on z-scored units', async () => {
    const ridge = await decode({ method: 'ridge', alpha: 10 });
    const cv = await decode({ method: 'ridge-cv', alphas: [10] });
    cv.predicted.data.forEach((v, i) => expect(v).toBeCloseTo(ridge.predicted.data[i]!, 3));
    const all = await decode({ method: 'voxel-selection-l2', nFeatures: VOXELS, alpha: 10 });
    // Different penalty scaling (bias penalised, units standardised) but the same fit family: close predictions.
    expect(meanCorrelation(all.predicted)).toBeCloseTo(meanCorrelation(ridge.predicted), 1);
  });

  it('training on per-image averages gives a different, still accurate decoder', async () => {
    const trials = await decode({ method: 'ridge', alpha: 1 });
    const averages = await decode({ method: 'ridge', alpha: 1, trainOn: 'averages' });
    expect(Array.from(averages.predicted.data)).not.toEqual(Array.from(trials.predicted.data));
    expect(meanCorrelation(averages.predicted)).toBeGreaterThan(0.8);
  });
});
