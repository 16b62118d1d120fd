import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresActivity, type FeaturesConfig } from '../../activities/features';
import { type ReconstructConfig, reconstructActivity } from '../../activities/reconstruct';
import { suiteBackend } from '../support/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { decodeStimulusTable, encodeStimulusTable } from '../../lib/formats/stimulus-table';
import { type ArtifactRef, getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { LocalStore } from '../../lib/store/local-store';

const SIZE = 16;
const network: FeaturesConfig = { network: 'vgg-mini', seed: 7, batchSize: 16, layers: [], inputMode: 'caffe' };
let root: string;
let store: LocalStore;
let stimuli: ArtifactRef;
let features: Record<string, ArtifactRef>;

beforeAll(async () => {
  await suiteBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-recon-'));
  store = new LocalStore(root);
  stimuli = await putArtifact(store, 'in/stimuli.arrow', encodeStimulusTable(proceduralStimuli({ seed: 3, imageSize: SIZE, trainImages: 8, testImages: 3 })), 'arrow');
  features = (await featuresActivity({ store: { type: 'local', path: root }, backend: 'auto', config: network, inputs: { stimuli }, force: false })).outputs;
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const reconstruct = (config: Partial<ReconstructConfig>, inputs: Record<string, ArtifactRef>) =>
  reconstructActivity({
    store: { type: 'local', path: root },
    backend: 'auto',
    config: { method: 'icnn-lbfgs', layers: ['conv1_1', 'conv2_1'], iterations: 2, seed: 1, network, imageSize: SIZE, ...config },
    inputs,
    force: false,
  });

describe('the reconstruct stage’s chance control and mean start', () => {
  it('labels reconstructions from the shuffled decoder <method>-shuffled, starting from the training mean image', async () => {
    // Stand-ins for a decoder's output: the true features of all 11 stimuli, as set `natural`.
    const decoded = Object.fromEntries(['conv1_1', 'conv2_1'].map((l) => [`decoded.natural.${l}`, features[`features.${l}`]!]));
    const inputs = { ...decoded, stats: features.stats!, stimuli };
    const shuffled = await reconstruct({ start: 'mean', control: 'shuffled' }, inputs);
    expect(Object.keys(shuffled.outputs)).toEqual(['recon.icnn-lbfgs-shuffled.natural']);
    const ref = shuffled.outputs['recon.icnn-lbfgs-shuffled.natural']!;
    const table = decodeStimulusTable(await getArtifact(store, ref), ref.uri);
    expect(table.images.count).toBe(11);
    // The same stage without the control writes the method's own name.
    const plain = await reconstruct({ start: 'mean' }, inputs);
    expect(Object.keys(plain.outputs)).toEqual(['recon.icnn-lbfgs.natural']);
    // The mean start needs the stimulus table, whose training images it averages.
    await expect(reconstruct({ start: 'mean', iterations: 3 }, decodedOnly(inputs))).rejects.toThrow(/needs the training mean image/);
  });
});

function decodedOnly(inputs: Record<string, ArtifactRef>): Record<string, ArtifactRef> {
  return Object.fromEntries(Object.entries(inputs).filter(([name]) => name !== 'stimuli'));
}
