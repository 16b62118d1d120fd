import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReportConfig, reportActivity } from '../../activities/report';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { decodeStimulusTable, encodeStimulusTable } from '../../lib/formats/stimulus-table';
import { createImageBatch, imageView } from '../../lib/images/image-batch';
import { decodePng } from '../../lib/images/png';
import { displayClip } from '../../lib/report/display-clip';
import { type ArtifactRef, getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { LocalStore } from '../../lib/store/local-store';

let root: string;
let store: LocalStore;
let inputs: Record<string, ArtifactRef>;
let faint: Float32Array;
const SIZE = 16;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-report-stage-'));
  store = new LocalStore(root);
  const stimuli = proceduralStimuli({ seed: 1, imageSize: SIZE, trainImages: 2, testImages: 3 });
  const ids = stimuli.ids.slice(2);
  // A low-contrast reconstruction: the true image squeezed into 0.4–0.6, which the display stretches.
  const pixels = SIZE * SIZE * 3;
  const recon = createImageBatch(3, SIZE, SIZE, Float32Array.from({ length: 3 * pixels }, (_, k) => 0.4 + 0.2 * imageView(stimuli.images, 2 + Math.floor(k / pixels))[k % pixels]!));
  const put = (name: string, bytes: Uint8Array) => putArtifact(store, `in/${name}.arrow`, bytes, 'arrow');
  const table = encodeStimulusTable({ ids, sets: ids.map(() => 'natural'), images: recon });
  // What the report reads back: the reconstruction as stored (8-bit).
  faint = decodeStimulusTable(table, 'recon').images.data.slice(0, pixels);
  inputs = {
    stimuli: await put('stimuli', encodeStimulusTable(stimuli)),
    'recon.sim01.icnn-gd-shuffled.natural': await put('shuffled', table),
    'recon.sim01.icnn-gd.natural': await put('gd', table),
  };
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('the report stage', () => {
  it('draws labelled grids with controls last and reconstructions stretched for display only', async () => {
    const config: ReportConfig = {
      experiment: 'demo', scores: [], decoding: [], examples: 8,
      networks: [{ role: 'evaluation', name: 'vgg-mini', seed: 1001, weights: 'random He-normal weights' }],
    };
    const result = await reportActivity({ store: { type: 'local', path: root }, backend: 'cpu', config, inputs, force: false });
    expect(result.results.files).toContain('figures/reconstructions-sim01-natural-labelled.svg');
    const svg = new TextDecoder().decode(await getArtifact(store, result.outputs['figures/reconstructions-sim01-natural-labelled']!));
    const labels = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['natural-0001', 'natural-0002', 'natural-0003', 'true image', 'icnn-gd', 'icnn-gd-shuffled — control (should be at chance)']);

    // Row 1, column 0 of the PNG is the first reconstruction, upscaled: its pixels are the display-clipped image.
    const png = decodePng(await getArtifact(store, result.outputs['figures/reconstructions-sim01-natural']!));
    const scale = Math.round(96 / SIZE);
    const tile = SIZE * scale;
    const expected = displayClip(faint);
    let maxDiff = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        for (let c = 0; c < 3; c++) {
          const at = ((2 + (tile + 2) + y * scale) * png.width + 2 + x * scale) * 3 + c;
          maxDiff = Math.max(maxDiff, Math.abs(png.data[at]! - expected[(y * SIZE + x) * 3 + c]!));
        }
      }
    }
    // The figure's PNG rounds to 1/255; without the stretch the tile would span only 0.4–0.6.
    expect(maxDiff).toBeLessThan(0.6 / 255);
    const html = new TextDecoder().decode(await getArtifact(store, result.outputs.report!));
    expect(html).toContain('evaluation network — used only for feature-identification');
  });
});
