/**
 * iCNN reconstruction (gradient descent on pixels), batched versus one image at a time: the
 * default network and image size, true features of N procedural images as targets, every
 * feature layer. Prints images × iterations per second for both, their ratio, and the largest
 * pixel difference between the two (a blank start makes them the same computation: each image's
 * loss, gradient normalisation and update depend only on itself).
 * Run: npx tsc -p tsconfig.json && node dist/bench/reconstruction.js [--backend B] [--images N] [--iterations K] [--repeats R]
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, initBackend } from '../lib/compute/backend';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { extractFeatures } from '../lib/features/cnn';
import { openNetwork } from '../lib/features/networks';
import { type ImageBatch, imageView } from '../lib/images/image-batch';
import { type Matrix, selectRows } from '../lib/linalg/matrix';
import { reconstructIcnnGd } from '../lib/reconstruction/icnn-gd';
import { median } from './median';
import { runBench } from './run-bench';

const SIZE = 32;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      images: { type: 'string', default: '25' },
      iterations: { type: 'string', default: '50' },
      repeats: { type: 'string', default: '3' },
    },
  });
  const count = Number(values.images);
  const iterations = Number(values.iterations);
  const repeats = Number(values.repeats);
  const backend = await initBackend(values.backend as BackendName | 'auto');
  console.log(`machine: ${os.cpus().length} logical cores, node ${process.version}, tfjs ${tf.version.tfjs}, backend ${backend}`);
  console.log(`vgg-mini ${SIZE}×${SIZE}, ${count} images, ${iterations} iterations, all layers, blank start; ${repeats} repeats after a warm-up`);

  const stimuli = proceduralStimuli({ seed: 3, imageSize: SIZE, trainImages: 0, testImages: count });
  const cnn = openNetwork('vgg-mini', 7, SIZE);
  const targets = await extractFeatures(cnn, stimuli.images, { batchSize: 50 });
  const options = { iterations, seed: 1, start: 'blank' as const };

  const batched = async (): Promise<ImageBatch> => reconstructIcnnGd(cnn, targets, options);
  const oneByOne = async (): Promise<ImageBatch[]> => {
    const parts: ImageBatch[] = [];
    for (let i = 0; i < count; i++) parts.push(await reconstructIcnnGd(cnn, rowsOf(targets, [i]), options));
    return parts;
  };

  const timed = async <T>(name: string, run: () => Promise<T>): Promise<{ seconds: number; result: T }> => {
    let result = await run();
    const seconds: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      result = await run();
      seconds.push((performance.now() - t0) / 1000);
    }
    const rate = (count * iterations) / median(seconds);
    console.log(`${name.padEnd(14)} ${median(seconds).toFixed(2)} s median (${seconds.map((s) => s.toFixed(2)).join(', ')}), ${rate.toFixed(0)} image-iterations/s`);
    return { seconds: median(seconds), result };
  };
  const batch = await timed('batched', batched);
  const single = await timed('one at a time', oneByOne);
  cnn.dispose();
  console.log(`batched / one at a time: ${(single.seconds / batch.seconds).toFixed(2)}× the throughput`);
  let maxDiff = 0;
  single.result.forEach((image, i) => {
    const same = imageView(batch.result, i);
    for (let k = 0; k < same.length; k++) maxDiff = Math.max(maxDiff, Math.abs(same[k]! - image.data[k]!));
  });
  console.log(`largest pixel difference between the two (pixels in 0–1): ${maxDiff.toExponential(2)}`);
  console.log(`peak resident memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

function rowsOf(targets: Record<string, Matrix>, rows: number[]): Record<string, Matrix> {
  return Object.fromEntries(Object.entries(targets).map(([layer, m]) => [layer, selectRows(m, rows)]));
}

runBench(main);
