/**
 * The simulated subject's realism components, each switched off (or back to the earlier model)
 * one at a time against the default: single-trial voxel reliability, feature decoding accuracy,
 * and identification of icnn-gd reconstructions from decoded features — the pipeline's own
 * library code, in-process (no Temporal), at the default experiment's scale. Prints a Markdown
 * table for docs/simulation.md and writes each variant's image grid (true row, reconstruction row)
 * as a PNG when --grids DIR is given.
 * With --reliability only the default subject's per-ROI reliability table is printed (~30 s).
 * Run: npx tsc -p tsconfig.json && node dist/bench/simulation-ablation.js [--variants a,b] [--iterations 200] [--grids DIR] [--reliability]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../lib/compute/backend';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { type SimulateConfig, simulateResponses } from '../lib/data/simulated-subject';
import { columnCorrelations, pearson } from '../lib/evaluation/correlation';
import { finiteMean } from '../lib/evaluation/finite-mean';
import { type ImageBatch, imageView, selectImages } from '../lib/images/image-batch';
import { encodePng } from '../lib/images/png';
import { type Matrix, selectRows } from '../lib/linalg/matrix';
import { preprocessTrials } from '../lib/preprocess/preprocess-trials';
import { imageGrid } from '../lib/report/image-grid';
import { rescaleFeatures } from '../lib/reconstruction/feature-scaling';
import { reconstructIcnnGd } from '../lib/reconstruction/icnn-gd';
import { decodeEveryLayer, identification, stimulusFeatures } from './icnn-bench-setup';
import { median } from './median';
import { runBench } from './run-bench';

const SIZE = 32;
const BASE: SimulateConfig = { seed: 1, voxels: 1500, trainRepeats: 2, testRepeats: 8, imageryRepeats: 20, noiseSd: 2 };
/** Each variant changes one component of the default subject. */
const VARIANTS: Record<string, Partial<SimulateConfig>> = {
  default: {},
  'white noise (no shared noise)': { sharedNoise: 0 },
  'linear drift only': { slowDriftSd: 0 },
  'linear pixel terms': { pixelTerms: 'linear' },
  'imagery as scaled copy': { imagery: 'scaled-copy' },
  'earlier noise level (noiseSd 5)': { noiseSd: 5 },
  // Polarity share (opt in with --variants): how much net polarity/hue preference early voxels need.
  'polarity w 0.35–1': { oppositePolarity: [0.35, 1] },
  'polarity w 0–1': { oppositePolarity: [0, 1] },
  'polarity w 0': { oppositePolarity: [0, 0] },
  // The real files' dimensions (opt in): VC of ~11,700 voxels, 5 training repeats, 24 natural test repeats.
  'paper scale': { voxels: 11700, trainRepeats: 5, testRepeats: 24 },
  'paper scale at 4000 voxels': { voxels: 4000, trainRepeats: 5, testRepeats: 24 },
};
/** Run when --variants is not given. */
const DEFAULT_VARIANTS = Object.keys(VARIANTS).filter((name) => !name.includes('polarity') && !name.startsWith('paper'));

interface Row {
  variant: string;
  reliability: number;
  decoding: Record<string, number>;
  pairwise: Record<string, number>;
  nway: Record<string, number>;
}

/** Per voxel, the correlation between the two presentations of each training image. */
function reliabilities(X: Matrix, ids: readonly string[]): number[] {
  const first = new Map<string, number>();
  const pairs: [number, number][] = [];
  ids.forEach((id, i) => (first.has(id) ? pairs.push([first.get(id)!, i]) : first.set(id, i)));
  const V = X.cols;
  return Array.from({ length: V }, (_, v) => pearson(pairs.map(([i]) => X.data[i * V + v]!), pairs.map(([, j]) => X.data[j * V + v]!)));
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.round(q * (sorted.length - 1))]!;
}

/** Per-ROI distribution of single-trial reliability (the VC columns, in voxel order). */
function printReliabilityByRoi(r: readonly number[], masks: Record<string, Uint8Array>): void {
  console.log('| ROI | voxels | mean | 10th pct | median | 90th pct | 99th pct |');
  console.log('|---|---|---|---|---|---|---|');
  for (const roi of ['V1', 'V2', 'V3', 'V4', 'LOC', 'FFA', 'PPA', 'VC']) {
    const values = r.filter((_, v) => masks[roi]![v]).sort((x, y) => x - y);
    const mean = values.reduce((x, y) => x + y, 0) / values.length;
    console.log(`| ${roi} | ${values.length} | ${[mean, ...[0.1, 0.5, 0.9, 0.99].map((q) => quantile(values, q))].map((x) => x.toFixed(3)).join(' | ')} |`);
  }
}

function writeGrid(rows: ImageBatch[], file: string): void {
  const grid = imageGrid(rows.map((batch) => Array.from({ length: batch.count }, (_, i) => imageView(batch, i))), SIZE, 3);
  fs.writeFileSync(file, encodePng(grid.data, grid.height, grid.width));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { variants: { type: 'string' }, iterations: { type: 'string', default: '200' }, grids: { type: 'string' }, reliability: { type: 'boolean', default: false } } });
  const backend = await initBackend('auto');
  const names = values.variants ? values.variants.split(',') : DEFAULT_VARIANTS;
  const iterations = Number(values.iterations);
  console.log(`backend ${backend}; ${SIZE} px, ${BASE.voxels} voxels, icnn-gd ${iterations} iterations from the mean image, all layers, ridge α 100`);
  const stimuli = proceduralStimuli({ seed: 1, imageSize: SIZE, trainImages: 1200, testImages: 50, shapes: true, letters: true });
  if (values.reliability) {
    const trials = simulateResponses(stimuli, BASE);
    const pre = preprocessTrials(trials, { roi: 'VC', averageTestTrials: true, trainSet: 'train', testSets: [] });
    printReliabilityByRoi(reliabilities(pre.train.X, pre.train.stimulusIds), trials.roiMasks);
    return;
  }
  const setup = await stimulusFeatures(stimuli, SIZE);
  const { net, features, rowsOf } = setup;
  const table: Row[] = [];
  for (const name of names) {
    const variant = VARIANTS[name];
    if (!variant) throw new Error(`unknown variant "${name}" (${Object.keys(VARIANTS).join(', ')})`);
    const t0 = performance.now();
    const trials = simulateResponses(stimuli, { ...BASE, ...variant });
    const sets = [...new Set(trials.sets)].filter((s) => s !== 'train');
    const pre = preprocessTrials(trials, { roi: 'VC', averageTestTrials: true, trainSet: 'train', testSets: sets });
    const decoded = await decodeEveryLayer(setup, pre, sets);
    const reliability = reliabilities(pre.train.X, pre.train.stimulusIds);
    if (name === 'default') printReliabilityByRoi(reliability, trials.roiMasks);
    const row: Row = { variant: name, reliability: median(reliability), decoding: {}, pairwise: {}, nway: {} };
    const gridRows: ImageBatch[] = [];
    for (const [si, set] of sets.entries()) {
      const ids = pre.test[set]!.stimulusIds;
      const truth = selectImages(stimuli.images, rowsOf(ids));
      row.decoding[set] = finiteMean(net.layerNames.map((l) => finiteMean(columnCorrelations(decoded[l]![si]!, selectRows(features[l]!, rowsOf(ids))))));
      const targets = Object.fromEntries(net.layerNames.map((l) => [l, rescaleFeatures(decoded[l]![si]!, net.layerShapes[l]!, setup.std0[l]!)]));
      const recon = await reconstructIcnnGd(net, targets, { iterations, seed: 1, start: 'mean', meanImage: setup.mean });
      const score = identification(recon, truth);
      row.pairwise[set] = score.pairwise;
      row.nway[set] = score.nway;
      gridRows.push(truth, recon);
    }
    table.push(row);
    console.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    if (values.grids) {
      fs.mkdirSync(values.grids, { recursive: true });
      writeGrid(gridRows, path.join(values.grids, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`));
    }
  }
  net.dispose();
  const sets = Object.keys(table[0]!.pairwise);
  console.log(`\n| variant | VC median single-trial r | mean profile r (${sets.join(' / ')}) | ${sets.map((s) => `${s} pairwise / n-way`).join(' | ')} |`);
  console.log(`|---|---|---|${sets.map(() => '---').join('|')}|`);
  for (const r of table) {
    console.log(`| ${r.variant} | ${r.reliability.toFixed(3)} | ${sets.map((s) => r.decoding[s]!.toFixed(2)).join(' / ')} | ${sets.map((s) => `${r.pairwise[s]!.toFixed(3)} / ${r.nway[s]!.toFixed(3)}`).join(' | ')} |`);
  }
  console.log(`peak resident memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

runBench(main);
