/**
 * Where a shape's form is lost between voxels and picture: one simulated subject at the real
 * files' repetitions (5 training, 24 / 20 / 12 test), decoded once by ridge, then icnn-gd
 * reconstructions of shapes and letters under several reconstruction settings — all layers, the
 * paper's rescaling off, lower layers dropped, icnn's blur at its absolute 224-px size. Prints
 * pixel pairwise / n-way identification per setting and writes each setting's grid (true row,
 * reconstruction row; first 14 shapes, then the letters) to DIR.
 * Run: npx tsc -p tsconfig.json && node dist/bench/form-probe.js [--voxels 4000] [--noise 2] [--polarity 0.7,1] [--settings all,no-rescale] --grids DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../lib/compute/backend';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { simulateResponses } from '../lib/data/simulated-subject';
import { type ImageBatch, imageView, selectImages } from '../lib/images/image-batch';
import { encodePng } from '../lib/images/png';
import { preprocessTrials } from '../lib/preprocess/preprocess-trials';
import { imageGrid } from '../lib/report/image-grid';
import { rescaleFeatures } from '../lib/reconstruction/feature-scaling';
import { reconstructIcnnGd } from '../lib/reconstruction/icnn-gd';
import { decodeEveryLayer, identification, stimulusFeatures } from './icnn-bench-setup';
import { runBench } from './run-bench';

const SIZE = 32;
const SETS = ['shapes', 'letters'] as const;
const SHOWN = 14;

interface Setting {
  /** Which of the network's layers the loss matches. */
  readonly layers: (all: readonly string[]) => string[];
  /** Match the decoded features as they are, without the paper's rescaling to the true features' SD. */
  readonly noRescale?: boolean;
  readonly blurStart?: number;
  readonly blurEnd?: number;
}

const SETTINGS: Record<string, Setting> = {
  all: { layers: (l) => [...l] },
  'no-rescale': { layers: (l) => [...l], noRescale: true },
  'no-conv1': { layers: (l) => l.filter((x) => !x.startsWith('conv1')) },
  'conv3-fc': { layers: (l) => l.filter((x) => x.startsWith('conv3') || x.startsWith('fc')) },
  // icnn's σ 2 → 0.5 px as if the image were 224 px wide: 7× the scaled default.
  'blur-224px': { layers: (l) => [...l], blurStart: 2, blurEnd: 0.5 },
};

function scores(recon: ImageBatch, truth: ImageBatch): string {
  const { pairwise, nway } = identification(recon, truth);
  return `${pairwise.toFixed(3)} / ${nway.toFixed(3)}`;
}

function firstImages(batch: ImageBatch): Float32Array[] {
  return Array.from({ length: Math.min(SHOWN, batch.count) }, (_, i) => imageView(batch, i));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      voxels: { type: 'string', default: '4000' },
      noise: { type: 'string', default: '2' },
      polarity: { type: 'string', default: '0.7,1' },
      settings: { type: 'string', default: Object.keys(SETTINGS).join(',') },
      grids: { type: 'string' },
    },
  });
  const [lo, hi] = values.polarity.split(',').map(Number) as [number, number];
  const subject = { seed: 1, voxels: Number(values.voxels), trainRepeats: 5, testRepeats: 24, imageryRepeats: 0, noiseSd: Number(values.noise), oppositePolarity: [lo, hi] as const };
  const backend = await initBackend('auto');
  console.log(`backend ${backend}; ${SIZE} px; subject ${JSON.stringify(subject)}; ridge α 100; icnn-gd 200 iterations from the mean image`);
  const stimuli = proceduralStimuli({ seed: 1, imageSize: SIZE, trainImages: 1200, testImages: 50, shapes: true, letters: true });
  const setup = await stimulusFeatures(stimuli, SIZE);
  const { net, rowsOf } = setup;
  const pre = preprocessTrials(simulateResponses(stimuli, subject), { roi: 'VC', averageTestTrials: true, trainSet: 'train', testSets: [...SETS] });
  const decoded = await decodeEveryLayer(setup, pre, SETS);
  console.log(`| setting | ${SETS.map((s) => `${s} pairwise / n-way`).join(' | ')} |\n|---|${SETS.map(() => '---').join('|')}|`);
  for (const name of values.settings.split(',')) {
    const setting = SETTINGS[name];
    if (!setting) throw new Error(`unknown setting "${name}" (${Object.keys(SETTINGS).join(', ')})`);
    const cells: string[] = [];
    const rows: Float32Array[][] = [];
    for (const [si, set] of SETS.entries()) {
      const truth = selectImages(stimuli.images, rowsOf(pre.test[set]!.stimulusIds));
      const layers = setting.layers(net.layerNames);
      const targets = Object.fromEntries(layers.map((l) => [l, setting.noRescale ? decoded[l]![si]! : rescaleFeatures(decoded[l]![si]!, net.layerShapes[l]!, setup.std0[l]!)]));
      const recon = await reconstructIcnnGd(net, targets, { iterations: 200, seed: 1, start: 'mean', meanImage: setup.mean, blurStart: setting.blurStart, blurEnd: setting.blurEnd });
      cells.push(scores(recon, truth));
      rows.push(firstImages(truth), firstImages(recon));
    }
    console.log(`| ${name} | ${cells.join(' | ')} |`);
    if (values.grids) {
      fs.mkdirSync(values.grids, { recursive: true });
      const grid = imageGrid(rows, SIZE, 3);
      fs.writeFileSync(path.join(values.grids, `${name}.png`), encodePng(grid.data, grid.height, grid.width));
    }
  }
  net.dispose();
}

runBench(main);
