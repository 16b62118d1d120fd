/**
 * Square float32 matmul throughput per tfjs backend: GFLOP/s (2n³ flops) for n = 256 … 2048,
 * median of timed repeats after one warm-up.
 * Run: npx tsc -p tsconfig.json && node dist/bench/matmul.js [backend|all]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../lib/compute/backend';
import { benchEachBackend } from './each-backend';
import { median } from './median';

const SIZES = [256, 512, 1024, 2048];
const REPEATS = 5;

/** Seconds per matmul of two n × n matrices, waiting for the result to be read back. */
async function timeMatmul(n: number): Promise<number[]> {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const seconds: number[] = [];
  for (let r = -1; r < REPEATS; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    if (r >= 0) seconds.push((performance.now() - t0) / 1000);
  }
  tf.dispose([a, b]);
  return seconds;
}

async function benchBackend(requested: BackendName): Promise<void> {
  let backend: BackendName;
  try {
    backend = await initBackend(requested);
  } catch {
    console.log(`backend ${requested}: not available`);
    return;
  }
  for (const n of SIZES) {
    const seconds = await timeMatmul(n);
    const gflops = (2 * n ** 3) / median(seconds) / 1e9;
    console.log(
      `matmul ${n}x${n} backend ${backend}: ${gflops.toFixed(2)} GFLOP/s ` +
        `(median of ${REPEATS}: ${(median(seconds) * 1000).toFixed(1)} ms; runs ${seconds.map((s) => (s * 1000).toFixed(1)).join(', ')})`,
    );
  }
}

benchEachBackend(benchBackend);
