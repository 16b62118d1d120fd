/**
 * Paper-scale decoding: every unit of every layer of a VGG19-shaped network (random weights) at
 * 224×224 — 14.9 M units — decoded for 50 test images from 6,000 training trials (1,200 images ×
 * 5) of ~11,700 voxels, streaming layer by layer. Prints the time of each phase and peak memory.
 * Run: npx tsc -p tsconfig.json && node dist/bench/paper-scale-decode.js [--size 224] [--trials 6000]
 *      [--voxels 11700] [--images 1200] [--test 50] [--batch 8] [--network vgg19-random]
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../lib/compute/backend';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { fitRidgeProjection } from '../lib/decoding/ridge';
import { decodeStreaming, imageWeights } from '../lib/decoding/streaming-decode';
import { openNetwork } from '../lib/features/networks';
import { createMatrix } from '../lib/linalg/matrix';
import { Random } from '../lib/random';
import { runBench } from './run-bench';

function seconds(t0: number): string {
  return ((performance.now() - t0) / 1000).toFixed(1);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '224' },
      trials: { type: 'string', default: '6000' },
      voxels: { type: 'string', default: '11700' },
      images: { type: 'string', default: '1200' },
      test: { type: 'string', default: '50' },
      batch: { type: 'string', default: '8' },
      network: { type: 'string', default: 'vgg19-random' },
    },
  });
  const [size, trials, voxels, imageCount, testRows, batch] = [values.size, values.trials, values.voxels, values.images, values.test, values.batch].map(Number) as [number, number, number, number, number, number];
  const backend = await initBackend('auto');
  const t0 = performance.now();
  const rng = new Random(1);
  const X = createMatrix(trials, voxels, Float32Array.from({ length: trials * voxels }, () => rng.normal()));
  const Xtest = createMatrix(testRows, voxels, Float32Array.from({ length: testRows * voxels }, () => rng.normal()));
  const trialImage = Int32Array.from({ length: trials }, (_, j) => j % imageCount);
  console.log(`data ${trials}x${voxels} voxels, ${testRows} test rows: ${seconds(t0)} s`);

  let t = performance.now();
  const projection = fitRidgeProjection(X, [Xtest], 100);
  const W = imageWeights(await projection.matrix(), trialImage, imageCount);
  projection.dispose();
  console.log(`ridge projection (${trials <= voxels ? 'dual' : 'primal'}, one solve for all units): ${seconds(t)} s`);

  t = performance.now();
  const net = openNetwork(values.network as 'vgg-mini' | 'vgg19-random', 7, size);
  const units = net.layerNames.reduce((sum, l) => sum + net.layerShapes[l]!.reduce((a, b) => a * b, 1), 0);
  console.log(`network ${values.network} at ${size}x${size}: ${net.layerNames.length} layers, ${(units / 1e6).toFixed(2)} M units: ${seconds(t)} s`);
  const images = proceduralStimuli({ seed: 1, imageSize: size, trainImages: imageCount, testImages: 0 }).images;

  t = performance.now();
  const streamCpu0 = process.cpuUsage();
  let lastReport = 0;
  const decoded = await decodeStreaming(net, images, W, {
    batchSize: batch,
    onProgress: (_fraction, message) => {
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        console.log(`  ${message} (${seconds(t)} s)`);
      }
    },
  });
  const streamSeconds = (performance.now() - t) / 1000;
  const streamCpu = process.cpuUsage(streamCpu0);
  console.log(`streaming CPU ${((streamCpu.user + streamCpu.system) / 1e6).toFixed(1)} s`);
  const decodedUnits = Object.values(decoded).reduce((s, m) => s + m.cols, 0);
  console.log(`decoded ${decodedUnits.toLocaleString('en')} units x ${testRows} test rows by streaming ${imageCount} images: ${streamSeconds.toFixed(1)} s (${(decodedUnits / streamSeconds).toFixed(0)} units/s)`);
  const cpu = process.cpuUsage();
  // CPU seconds of every thread of this process: on a shared machine, wall time depends on the load.
  console.log(`total ${seconds(t0)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s), backend ${backend}, peak resident memory ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GiB`);
  net.dispose();
}

runBench(main);
