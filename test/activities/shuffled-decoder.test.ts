import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlDecoderSeed, decodeActivity, type DecodeConfig } from '../../activities/decode';
import { suiteBackend } from '../support/backend';
import { pairwiseIdentification } from '../../lib/evaluation/pairwise-identification';
import { decodeLabelledMatrix, encodeLabelledMatrix } from '../../lib/formats/labelled-matrix';
import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import { imageDerangement } from '../../lib/reconstruction/shuffled-image-labels';
import { type ArtifactRef, getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { LocalStore } from '../../lib/store/local-store';
import { Random } from '../../lib/random';

// A linear world: each image has a LATENT-d Gaussian latent; features and voxels are linear in it,
// voxels with noise. The features are high-dimensional, so one shuffled decoder's chance
// alignment with the true mapping is small.
const [TRAIN, TEST, LATENT, VOXELS, UNITS, REPEATS] = [200, 50, 40, 80, 40, 2];
let root: string;
let store: LocalStore;
let inputs: Record<string, ArtifactRef>;
let trueTest: Matrix;
let trainIds: string[];
let trainVoxels: Matrix;

beforeAll(async () => {
  await suiteBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-shuffled-'));
  store = new LocalStore(root);
  const rng = new Random(4);
  const gaussian = (count: number) => Float32Array.from({ length: count }, () => rng.normal());
  const latent = gaussian((TRAIN + TEST) * LATENT);
  const [toFeatures, toVoxels] = [gaussian(LATENT * UNITS), gaussian(LATENT * VOXELS)];
  const project = (images: number[], w: Float32Array, cols: number, noise: number) =>
    createMatrix(images.length, cols, Float32Array.from({ length: images.length * cols }, (_, k) => {
      const [i, j] = [images[Math.floor(k / cols)]!, k % cols];
      let s = noise * rng.normal();
      for (let a = 0; a < LATENT; a++) s += latent[i * LATENT + a]! * w[a * cols + j]!;
      return s;
    }));
  const ids = Array.from({ length: TRAIN + TEST }, (_, i) => (i < TRAIN ? `train-${i}` : `test-${i}`));
  const all = ids.map((_, i) => i);
  const trainImages = Array.from({ length: TRAIN * REPEATS }, (_, t) => t % TRAIN);
  const features = project(all, toFeatures, UNITS, 0);
  trueTest = createMatrix(TEST, UNITS, features.data.slice(TRAIN * UNITS));
  trainIds = trainImages.map((i) => ids[i]!);
  trainVoxels = project(trainImages, toVoxels, VOXELS, 2);
  const put = (name: string, rowIds: string[], m: Matrix) => putArtifact(store, `in/${name}.arrow`, encodeLabelledMatrix({ stimulusIds: rowIds, values: m }), 'arrow');
  inputs = {
    train: await put('train', trainIds, trainVoxels),
    'test.test': await put('test', ids.slice(TRAIN), project(all.slice(TRAIN), toVoxels, VOXELS, 0.5)),
    'features.fc1': await put('fc1', ids, features),
  };
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function decodeTest(shuffleImagesSeed: number | undefined, training: Record<string, ArtifactRef> = {}, shuffleDecoders?: number): Promise<Matrix> {
  const config: DecodeConfig = {
    method: 'ridge', alpha: 10, alphas: [10], folds: 3, nFeatures: 10, trainOn: 'trials', layers: [],
    network: { network: 'vgg-mini', seed: 1, batchSize: 4, layers: [], inputMode: 'caffe' },
    ...(shuffleImagesSeed === undefined ? {} : { shuffleImagesSeed }),
    ...(shuffleDecoders === undefined ? {} : { shuffleDecoders }),
  };
  const result = await decodeActivity({ store: { type: 'local', path: root }, backend: 'auto', config, inputs: { ...inputs, ...training }, force: false });
  const ref = result.outputs['decoded.test.fc1']!;
  return decodeLabelledMatrix(await getArtifact(store, ref), ref.uri).values;
}

const identification = (m: Matrix) => pairwiseIdentification(m, trueTest).reduce((a, b) => a + b, 0) / m.rows;

describe('the chance control’s shuffled decoder', () => {
  it('decodes features that carry no information about the test image: pairwise identification at 0.5', async () => {
    expect(identification(await decodeTest(undefined))).toBeGreaterThan(0.95);
    const SEEDS = 20;
    const perSeed: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) perSeed.push(identification(await decodeTest(seed)));
    // Under the null, image i's accuracy is uniform on {0, 1/(N−1), …, 1} (its own candidate ranks
    // anywhere among N), variance (N+1)/(12(N−1)); for N independent images one seed's mean has SD
    // σ_N = 0.042 at N = 50. The images of one seed share one decoder, which makes their accuracies
    // somewhat dependent: we allow the across-seed SD up to 2σ_N (measured: 1.35σ_N) and check it.
    const sigma = Math.sqrt((TEST + 1) / (12 * (TEST - 1) * TEST));
    const mean = perSeed.reduce((a, b) => a + b, 0) / SEEDS;
    const sd = Math.sqrt(perSeed.reduce((a, b) => a + (b - mean) ** 2, 0) / (SEEDS - 1));
    expect(sd).toBeLessThan(2 * sigma);
    // Pooled over 20 seeds the mean's SD is at most 2σ_N/√20 = 0.019: 4 SDs either side of 0.5.
    expect(Math.abs(mean - 0.5)).toBeLessThan((4 * 2 * sigma) / Math.sqrt(SEEDS));
    // No single seed is far from chance either (5 SDs).
    for (const value of perSeed) expect(Math.abs(value - 0.5)).toBeLessThan(5 * 2 * sigma);
  });

  it('is the same decoder fitted on the training trials relabelled image by image', async () => {
    // The permutation applied by hand to the training table: repetition r of image i is labelled π(i).
    const pi = imageDerangement(trainIds, 3);
    const relabelled = await putArtifact(store, 'in/train-relabelled.arrow', encodeLabelledMatrix({ stimulusIds: trainIds.map((id) => pi.get(id)!), values: trainVoxels }), 'arrow');
    const byHand = await decodeTest(undefined, { train: relabelled });
    const shuffled = await decodeTest(3);
    expect(Array.from(shuffled.data)).toEqual(Array.from(byHand.data));
    expect(Array.from(shuffled.data)).not.toEqual(Array.from((await decodeTest(4)).data));
  });

  it('with K decoders, decodes test row i with decoder i mod K, each fitted on its own permutation', async () => {
    const K = 3;
    const combined = await decodeTest(3, {}, K);
    for (let k = 0; k < K; k++) {
      // Decoder k by hand: the training table relabelled with its permutation, all test rows decoded.
      const pi = imageDerangement(trainIds, controlDecoderSeed(3, k));
      const relabelled = await putArtifact(store, `in/train-relabelled-${k}.arrow`, encodeLabelledMatrix({ stimulusIds: trainIds.map((id) => pi.get(id)!), values: trainVoxels }), 'arrow');
      const byHand = await decodeTest(undefined, { train: relabelled });
      for (let i = k; i < TEST; i += K) {
        const row = (m: Matrix) => Array.from(m.data.subarray(i * UNITS, (i + 1) * UNITS));
        const [got, want] = [row(combined), row(byHand)];
        got.forEach((v, j) => expect(v).toBeCloseTo(want[j]!, 4));
      }
    }
    expect(new Set([0, 1, 2].map((k) => controlDecoderSeed(3, k))).size).toBe(K);
  });

  it('K decoders keep the score at chance with less spread across seeds than one decoder', async () => {
    const spread = async (decoders: number) => {
      const values: number[] = [];
      for (let seed = 1; seed <= 12; seed++) values.push(identification(await decodeTest(seed, {}, decoders)));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return { mean, sd: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) };
    };
    const [one, ten] = [await spread(1), await spread(10)];
    expect(Math.abs(ten.mean - 0.5)).toBeLessThan(0.03);
    expect(ten.sd).toBeLessThan(0.7 * one.sd); // measured: 0.071 with one decoder, 0.030 with ten
  });
});
