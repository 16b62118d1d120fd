/**
 * Times ridge decoding at the scale of one subject and one mid-size layer:
 * 2,400 training trials × 1,500 voxels → 16,384 units, 50 test rows; prints the median of 3 fits.
 * Run: npx tsc -p tsconfig.json && node dist/bench/ridge.js [backend]
 */
import { initBackend, type BackendName } from '../lib/compute/backend';
import { decodeLayerRidge } from '../lib/decoding/ridge';
import { createMatrix, type Matrix } from '../lib/linalg/matrix';
import { Random } from '../lib/random';

const TRIALS = 2400;
const VOXELS = 1500;
const UNITS = 16384;
const TEST_ROWS = 50;
const REPEATS = 3;

function randomMatrix(rnd: Random, rows: number, cols: number): Matrix {
  return createMatrix(rows, cols, new Float32Array(rows * cols).map(() => rnd.normal()));
}

async function main(): Promise<void> {
  const requested = (process.argv[2] ?? 'auto') as BackendName | 'auto';
  const backend = await initBackend(requested);
  const rnd = new Random(1);
  const X = randomMatrix(rnd, TRIALS, VOXELS);
  const Y = randomMatrix(rnd, TRIALS, UNITS);
  const T = randomMatrix(rnd, TEST_ROWS, VOXELS);
  const seconds: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await decodeLayerRidge(X, Y, [T], { alpha: 100 });
    seconds.push((performance.now() - t0) / 1000);
  }
  seconds.sort((a, b) => a - b);
  const median = seconds[Math.floor(REPEATS / 2)]!;
  console.log(
    `ridge ${TRIALS}x${VOXELS} -> ${UNITS} units, ${TEST_ROWS} test rows, backend ${backend}: ` +
      `median ${median.toFixed(2)} s (runs ${seconds.map((s) => s.toFixed(2)).join(', ')})`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
