/**
 * Times the decoders on identical seeded inputs: our voxel-selection L2 decoder (FastL2LiR
 * equivalent), our plain ridge, and, with --with-reference, Python FastL2LiR 0.11 on the very same
 * float32 numbers (written to .deeprecon/bench-data/ and read back by bench/fastl2lir_reference.py).
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/decoders.js [--trials 1200] [--voxels 2000]
 *      [--units 1000] [--nfeat 500] [--test-rows 50] [--alpha 100] [--repeats 1]
 *      [--backend auto|wasm|cpu] [--skip-ridge] [--with-reference] [--python PATH]
 *      [--solver auto|mixed|float64] [--cholesky]
 * The reference needs a Python with fastl2lir==0.11 'numpy<2.4' threadpoolctl tqdm: by default the
 * venv .deeprecon/bench-py, or the interpreter given by --python.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CholeskyDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { initBackend, type BackendName } from '../lib/compute/backend';
import { decodeLayerRidge } from '../lib/decoding/ridge';
import { decodeVoxelSelectionL2 } from '../lib/decoding/voxel-selection-l2';
import { choleskyInPlace, choleskySolveInPlace } from '../lib/linalg/cholesky';
import { createMatrix, type Matrix } from '../lib/linalg/matrix';
import { Random } from '../lib/random';
import { median } from './median';

interface BenchOptions {
  trials: number;
  voxels: number;
  units: number;
  nfeat: number;
  testRows: number;
  alpha: number;
  repeats: number;
  backend: BackendName | 'auto';
  skipRidge: boolean;
  withReference: boolean;
  cholesky: boolean;
  python: string;
  solver: 'auto' | 'mixed' | 'float64';
}

const DATA_DIR = join('.deeprecon', 'bench-data');
const DEFAULT_PYTHON = join('.deeprecon', 'bench-py', 'bin', 'python');

function parseArgs(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    trials: 1200,
    voxels: 2000,
    units: 1000,
    nfeat: 500,
    testRows: 50,
    alpha: 100,
    repeats: 1,
    backend: 'auto',
    skipRidge: false,
    withReference: false,
    cholesky: false,
    python: DEFAULT_PYTHON,
    solver: 'auto',
  };
  const numeric: Record<string, 'trials' | 'voxels' | 'units' | 'nfeat' | 'testRows' | 'alpha' | 'repeats'> = {
    '--trials': 'trials',
    '--voxels': 'voxels',
    '--units': 'units',
    '--nfeat': 'nfeat',
    '--test-rows': 'testRows',
    '--alpha': 'alpha',
    '--repeats': 'repeats',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const key = numeric[flag];
    if (key) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number`);
      o[key] = value;
    } else if (flag === '--backend') o.backend = argv[++i] as BackendName | 'auto';
    else if (flag === '--skip-ridge') o.skipRidge = true;
    else if (flag === '--with-reference') o.withReference = true;
    else if (flag === '--cholesky') o.cholesky = true;
    else if (flag === '--python') o.python = argv[++i] ?? DEFAULT_PYTHON;
    else if (flag === '--solver') o.solver = argv[++i] as BenchOptions['solver'];
    else throw new Error(`unknown flag ${flag}`);
  }
  return o;
}

/**
 * X ~ N(0, 1); each unit reads 20 random voxels plus noise, so correlations have real structure
 * (the top-k set is not decided by noise alone) while near-ties at the boundary remain.
 */
function makeData(o: BenchOptions): { X: Matrix; Y: Matrix; T: Matrix } {
  const rnd = new Random(20190101);
  const normal = (rows: number, cols: number) => createMatrix(rows, cols, new Float32Array(rows * cols).map(() => rnd.normal()));
  const X = normal(o.trials, o.voxels);
  const T = normal(o.testRows, o.voxels);
  const Y = normal(o.trials, o.units);
  for (let u = 0; u < o.units; u++) {
    for (let s = 0; s < 20; s++) {
      const v = rnd.int(o.voxels);
      const w = 0.3 * rnd.normal();
      for (let i = 0; i < o.trials; i++) Y.data[i * o.units + u]! += w * X.data[i * o.voxels + v]!;
    }
  }
  return { X, Y, T };
}

function writeData(o: BenchOptions, X: Matrix, Y: Matrix, T: Matrix): void {
  mkdirSync(DATA_DIR, { recursive: true });
  const write = (name: string, m: Matrix) => writeFileSync(join(DATA_DIR, name), new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  write('X.bin', X);
  write('Y.bin', Y);
  write('T.bin', T);
  const meta = { trials: o.trials, voxels: o.voxels, units: o.units, testRows: o.testRows, alpha: o.alpha, nFeatures: o.nfeat };
  writeFileSync(join(DATA_DIR, 'meta.json'), JSON.stringify(meta));
}

async function timed<T>(repeats: number, run: () => Promise<T>): Promise<{ median: number; runs: number[]; result: T }> {
  const runs: number[] = [];
  let result: T | undefined;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    result = await run();
    runs.push((performance.now() - t0) / 1000);
  }
  return { median: median(runs), runs, result: result! };
}

interface ReferenceRun {
  median: number;
  runs: number[];
  pred: Float32Array;
  peakMiB?: number;
  /** The centred numpy ridge, when asked for. */
  ridge?: { median: number; runs: number[]; pred: Float32Array };
}

/** Python FastL2LiR (and, with ridge, a centred numpy ridge) on the files in DATA_DIR; predictions come back through pred.bin. */
function runReference(o: BenchOptions, ridge: boolean): ReferenceRun {
  const args = [join('bench', 'fastl2lir_reference.py'), '--data', DATA_DIR, '--repeats', String(o.repeats), ...(ridge ? ['--ridge'] : [])];
  const child = spawnSync(o.python, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`fastl2lir reference failed (${child.error?.message ?? `exit ${child.status}`}):\n${child.stderr}`);
  const report = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
    median: number;
    seconds: number[];
    peakMiB?: number;
    ridgeMedian?: number;
    ridgeSeconds?: number[];
  };
  const read = (name: string): Float32Array => {
    const bytes = readFileSync(join(DATA_DIR, name));
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  return {
    median: report.median,
    runs: report.seconds,
    pred: read('pred.bin'),
    ...(report.peakMiB ? { peakMiB: report.peakMiB } : {}),
    ...(report.ridgeMedian !== undefined ? { ridge: { median: report.ridgeMedian, runs: report.ridgeSeconds ?? [], pred: read('ridge_pred.bin') } } : {}),
  };
}

/** max|a − b| / max|b| and the share of units whose worst element differs by more than 1e-4 of that scale. */
function agreement(ours: Float32Array, ref: Float32Array, units: number): { maxRel: number; unitsOver: number } {
  let scale = 0;
  for (const v of ref) scale = Math.max(scale, Math.abs(v));
  const worstPerUnit = new Float64Array(units);
  let worst = 0;
  ours.forEach((v, i) => {
    const d = Math.abs(v - ref[i]!);
    worst = Math.max(worst, d);
    worstPerUnit[i % units] = Math.max(worstPerUnit[i % units]!, d);
  });
  return { maxRel: worst / scale, unitsOver: worstPerUnit.filter((d) => d / scale > 1e-4).length };
}

/** Per-unit solve cost: our Float64Array Cholesky vs ml-matrix's, at the (nfeat+1)² system size. */
function benchCholesky(o: BenchOptions): void {
  const s = o.nfeat + 1;
  const rnd = new Random(3);
  const b = new Float64Array(s * s).map(() => rnd.normal());
  const a = new Float64Array(s * s);
  for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) for (let t = 0; t < s; t += 8) a[i * s + j]! += b[i * s + t]! * b[j * s + t]!;
  for (let i = 0; i < s; i++) a[i * s + i]! += s;
  const reps = Math.max(3, Math.round(2e8 / s ** 3));
  const ours: number[] = [];
  const ml: number[] = [];
  const mlA = MlMatrix.from1DArray(s, s, a);
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    const l = a.slice();
    choleskyInPlace(l, s);
    choleskySolveInPlace(l, s, new Float64Array(s).fill(1));
    ours.push(performance.now() - t0);
    t0 = performance.now();
    new CholeskyDecomposition(mlA).solve(MlMatrix.ones(s, 1));
    ml.push(performance.now() - t0);
  }
  console.log(`cholesky+solve ${s}x${s}: Float64Array ${median(ours).toFixed(1)} ms, ml-matrix ${median(ml).toFixed(1)} ms (median of ${reps})`);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.cholesky) {
    benchCholesky(o);
    return;
  }
  const backend = await initBackend(o.backend);
  const { X, Y, T } = makeData(o);
  if (o.withReference) writeData(o, X, Y, T);
  console.log(`${o.trials} trials x ${o.voxels} voxels -> ${o.units} units, nFeatures ${o.nfeat}, alpha ${o.alpha}, ${o.testRows} test rows, backend ${backend}`);

  const vs = await timed(o.repeats, () => decodeVoxelSelectionL2(X, Y, [T], { alpha: o.alpha, nFeatures: o.nfeat, solver: o.solver }));
  const peak = () => `${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GiB`;
  const perUnit = (seconds: number) => `${((seconds / o.units) * 1000).toFixed(2)} ms/unit`;
  const runs = (r: number[]) => r.map((s) => s.toFixed(2)).join(', ');
  console.log(`voxel-selection L2 (ours): median ${vs.median.toFixed(2)} s = ${perUnit(vs.median)} (runs ${runs(vs.runs)}); peak RSS so far ${peak()}`);
  let ridge: Awaited<ReturnType<typeof timed<Matrix[]>>> | undefined;
  if (!o.skipRidge) {
    ridge = await timed(o.repeats, () => decodeLayerRidge(X, Y, [T], { alpha: o.alpha }));
    console.log(`ridge, all voxels (ours): median ${ridge.median.toFixed(2)} s = ${(o.units / ridge.median).toFixed(0)} units/s (runs ${runs(ridge.runs)}); peak RSS so far ${peak()}`);
  }
  if (o.withReference) {
    const ref = runReference(o, ridge !== undefined);
    const agree = agreement(vs.result[0]!.data, ref.pred, o.units);
    console.log(`fastl2lir 0.11 (python): median ${ref.median.toFixed(2)} s = ${perUnit(ref.median)} (runs ${runs(ref.runs)}); python peak RSS ${ref.peakMiB ? `${(ref.peakMiB / 1024).toFixed(2)} GiB` : '?'}`);
    console.log(`voxel selection, ours / fastl2lir time: ${(vs.median / ref.median).toFixed(3)} (fastl2lir / ours: ${(ref.median / vs.median).toFixed(2)}x)`);
    console.log(`agreement: max |ours - python| / max |python| = ${agree.maxRel.toExponential(2)}; units above 1e-4: ${agree.unitsOver}/${o.units}`);
    if (ridge && ref.ridge) {
      const ridgeAgree = agreement(ridge.result[0]!.data, ref.ridge.pred, o.units);
      console.log(`centred numpy ridge: median ${ref.ridge.median.toFixed(2)} s (runs ${runs(ref.ridge.runs)}); ours / numpy time: ${(ridge.median / ref.ridge.median).toFixed(3)}; agreement ${ridgeAgree.maxRel.toExponential(2)}`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
