import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvaluateConfig, evaluateActivity } from '../../activities/evaluate';
import { suiteBackend } from '../support/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import type { StimulusSet } from '../../lib/data/trials';
import { encodeStimulusTable } from '../../lib/formats/stimulus-table';
import { createImageBatch, imageView } from '../../lib/images/image-batch';
import { type ArtifactRef, getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { decodeTable } from '../../lib/store/arrow-table';
import { LocalStore } from '../../lib/store/local-store';
import { Random } from '../../lib/random';
import type { Score } from '../../workflows/contracts';

let root: string;
let store: LocalStore;
let inputs: Record<string, ArtifactRef>;
let imagined: string[];
const SIZE = 16;
const network = { network: 'vgg-mini' as const, batchSize: 16, layers: [], inputMode: 'caffe' as const };
const config: EvaluateConfig = {
  metrics: ['pixel-identification', 'pixcorr', 'ssim', 'feature-identification'],
  featureLayers: ['fc1'],
  network: { ...network, seed: 1001 },
  featureNetwork: { ...network, seed: 7 },
};

beforeAll(async () => {
  await suiteBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-evaluate-'));
  store = new LocalStore(root);
  const stimuli = proceduralStimuli({ seed: 1, imageSize: SIZE, trainImages: 2, testImages: 12, shapes: true });
  // The imagery set as the simulated subject has it: the first 10 natural test images and 15 shapes.
  const ofSet = (set: string, n: number) => stimuli.ids.filter((_, i) => stimuli.sets[i] === set).slice(0, n);
  imagined = [...ofSet('natural', 10), ...ofSet('shapes', 15)];
  const pixels = SIZE * SIZE * 3;
  const batch = (images: Float32Array[]) => {
    const b = createImageBatch(images.length, SIZE, SIZE);
    images.forEach((image, i) => b.data.set(image, i * pixels));
    return b;
  };
  const image = (id: string) => imageView(stimuli.images, stimuli.ids.indexOf(id));
  // A reconstruction that only knows the category: the mean image of the category, for every item
  // (plus a fixed random pattern, so that symmetric shapes cannot tie in correlation with it).
  const rnd = new Random(8);
  const template = (ids: string[]) => Float32Array.from({ length: pixels }, (_, k) => ids.reduce((s, id) => s + image(id)[k]!, 0) / ids.length + 0.05 * rnd.normal());
  const [natural, shapes] = [template(imagined.slice(0, 10)), template(imagined.slice(10))];
  const table = (images: Float32Array[]): StimulusSet => ({ ids: imagined, sets: imagined.map(() => 'imagery'), images: batch(images) });
  const put = async (name: string, bytes: Uint8Array) => putArtifact(store, `in/${name}.arrow`, bytes, 'arrow');
  inputs = {
    stimuli: await put('stimuli', encodeStimulusTable(stimuli)),
    'recon.exact.imagery': await put('exact', encodeStimulusTable(table(imagined.map(image)))),
    'recon.category.imagery': await put('category', encodeStimulusTable(table(imagined.map((_, i) => (i < 10 ? natural : shapes))))),
  };
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const find = (scores: readonly Score[], method: string, set: string, metric: string): Score => {
  const s = scores.find((x) => x.method === method && x.stimulusSet === set && x.metric === metric);
  if (!s) throw new Error(`no score ${method} ${set} ${metric}`);
  return s;
};

describe('the evaluate stage', () => {
  it('scores imagery mixed and per category, with n-way identification and bootstrap intervals, in an independent network', async () => {
    const result = await evaluateActivity({ store: { type: 'local', path: root }, backend: 'auto', config, inputs, force: false });
    const { scores, networks } = result.results;
    const sets = [...new Set(scores.map((s) => s.stimulusSet))];
    expect(sets).toEqual(['imagery', 'imagery-natural', 'imagery-shapes']);
    const metrics = ['pixel-identification', 'nway-identification', 'pixcorr', 'ssim', 'feature-identification:fc1'];
    for (const method of ['exact', 'category']) for (const set of sets) for (const metric of metrics) find(scores, method, set, metric);
    expect(find(scores, 'exact', 'imagery-shapes', 'nway-identification').images).toBe(15);
    // Diversity accompanies the pairwise score: exact reconstructions are as varied as the images,
    // one image per category is collapsed within each category.
    for (const set of sets) expect(find(scores, 'exact', set, 'diversity').value).toBeCloseTo(1, 6);
    for (const set of ['imagery-natural', 'imagery-shapes']) expect(find(scores, 'category', set, 'diversity').value).toBe(0);

    // Exact reconstructions: perfect everywhere, intervals collapsed on the value.
    for (const set of sets) {
      for (const metric of ['pixel-identification', 'nway-identification', 'feature-identification:fc1']) {
        expect(find(scores, 'exact', set, metric)).toMatchObject({ value: 1, low: 1, high: 1 });
      }
    }
    // Category-only reconstructions (one image per category): within a category the true image's
    // rank among the n candidates is uniform, so pairwise is exactly 0.5 and n-way exactly 1/n...
    expect(find(scores, 'category', 'imagery-natural', 'pixel-identification').value).toBeCloseTo(0.5, 12);
    expect(find(scores, 'category', 'imagery-shapes', 'pixel-identification').value).toBeCloseTo(0.5, 12);
    expect(find(scores, 'category', 'imagery-natural', 'nway-identification').value).toBeCloseTo(1 / 10, 12);
    expect(find(scores, 'category', 'imagery-shapes', 'nway-identification').value).toBeCloseTo(1 / 15, 12);
    // ...while the mixed set rewards knowing the category.
    expect(find(scores, 'category', 'imagery', 'pixel-identification').value).toBeGreaterThan(0.6);
    const mixed = find(scores, 'category', 'imagery', 'pixel-identification');
    expect(mixed.low!).toBeLessThan(mixed.value);
    expect(mixed.high!).toBeGreaterThan(mixed.value);

    expect(networks).toEqual([
      { role: 'features', name: 'vgg-mini', seed: 7, weights: 'random He-normal weights' },
      { role: 'evaluation', name: 'vgg-mini', seed: 1001, weights: 'random He-normal weights' },
    ]);

    // The scores table carries the intervals and image counts as columns.
    const table = decodeTable(await getArtifact(store, result.outputs.scores!), 'scores');
    expect(table.columnNames).toEqual(['subject', 'method', 'stimulus_set', 'metric', 'value', 'low', 'high', 'images']);
    expect(Array.from(table.float64('low'))).toEqual(scores.map((s) => s.low));
    expect(Array.from(table.float64('high'))).toEqual(scores.map((s) => s.high));
    expect(Array.from(table.int32('images'))).toEqual(scores.map((s) => s.images));
  });

  it('loads the evaluation network, not the feature network, for feature identification', async () => {
    const elsewhere = { ...config, network: { ...network, network: 'tfjs-model' as const, seed: 1, modelPath: path.join(root, 'no-such-model') } };
    await expect(evaluateActivity({ store: { type: 'local', path: root }, backend: 'auto', config: elsewhere, inputs, force: false })).rejects.toThrow(/no-such-model/);
  });

  it('refuses to score feature identification in the network that was decoded and optimised', async () => {
    const same = { ...config, network: { ...network, seed: 7 } };
    await expect(evaluateActivity({ store: { type: 'local', path: root }, backend: 'auto', config: same, inputs, force: false })).rejects.toThrow(/evaluate\.network is the network that is decoded and optimised/);
  });
});
