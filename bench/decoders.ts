/**
 * Times the decoders on identical seeded inputs: our voxel-selection L2 decoder (FastL2LiR
 * equivalent), our plain ridge, and, with --with-reference, Python FastL2LiR 0.11 on the very same
 * float32 numbers (written to .deeprecon/bench-data/ and read back by bench/fastl2lir_reference.py).
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/decoders.js [--trials 1200] [--voxels 2000]
 *      [--units 1000] [--nfeat 500] [--test-rows 50] [--alpha 100] [--repeats 1]
 *      [--backend auto|wasm|cpu] [--skip-ridge] [--with-reference] [--python PATH]
 *      [--solver auto|native|mixed|float64] [--cholesky]
 * Each of the --repeats rounds times ours, then the reference (one run each), back to back.
 * The reference needs a Python with fastl2lir==0.11 'numpy<2.4' threadpoolctl tqdm: by default the
 * venv .deeprecon/bench-py, or the interpreter given by --python.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CholeskyDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { initBackend, type BackendName } from '../lib/compute/backend';
import { decodeLayerRidge } from '../lib/decoding/ridge';
import { decodeVoxelSelectionL2, type VoxelSelectionSolver } from '../lib/decoding/voxel-selection-l2';
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
  solver: VoxelSelectionSolver;
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

/** Wall seconds of one run, and CPU seconds of this process over it (all threads, TensorFlow's included). */
async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; cpu: number; result: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const c = process.cpuUsage(c0);
  return { seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, result };
}

interface ReferenceRun {
  median: number;
  runs: number[];
  pred: Float32Array;
  peakMiB?: number;
  /** CPU seconds of the fastl2lir fit and prediction (all threads). */
  cpu?: number;
  /** The centred numpy ridge, when asked for. */
  ridge?: { median: number; runs: number[]; cpu?: number; pred: Float32Array };
}

/** Python FastL2LiR (and, with ridge, a centred numpy ridge) on the files in DATA_DIR; predictions come back through pred.bin. */
function runReference(o: BenchOptions, ridge: boolean): ReferenceRun {
  const args = [join('bench', 'fastl2lir_reference.py'), '--data', DATA_DIR, '--repeats', '1', ...(ridge ? ['--ridge'] : [])];
  const child = spawnSync(o.python, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`fastl2lir reference failed (${child.error?.message ?? `exit ${child.status}`}):\n${child.stderr}`);
  const report = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
    median: number;
    seconds: number[];
    peakMiB?: number;
    cpuSeconds?: number[];
    ridgeMedian?: number;
    ridgeSeconds?: number[];
    ridgeCpuSeconds?: number[];
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
    ...(report.cpuSeconds?.length ? { cpu: median(report.cpuSeconds) } : {}),
    ...(report.ridgeMedian !== undefined ? { ridge: { median: report.ridgeMedian, runs: report.ridgeSeconds ?? [], ...(report.ridgeCpuSeconds?.length ? { cpu: median(report.ridgeCpuSeconds) } : {}), pred: read('ridge_pred.bin') } } : {}),
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

  const peak = () => `${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GiB`;
  const perUnit = (seconds: number) => `${((seconds / o.units) * 1000).toFixed(2)} ms/unit`;
  const runs = (r: number[]) => r.map((s) => s.toFixed(2)).join(', ');
  // Each repeat runs ours and then the reference back to back, so a pair shares the machine's
  // load of the moment (other jobs come and go); the ratios are taken per pair, then their median.
  const vs: number[] = [];
  const vsCpu: number[] = [];
  const ridge: number[] = [];
  const refs: ReferenceRun[] = [];
  let vsPred: Matrix | undefined;
  let ridgePred: Matrix | undefined;
  for (let r = 0; r < o.repeats; r++) {
    const v = await timed(() => decodeVoxelSelectionL2(X, Y, [T], { alpha: o.alpha, nFeatures: o.nfeat, solver: o.solver }));
    vs.push(v.seconds);
    vsCpu.push(v.cpu);
    vsPred = v.result[0]!;
    console.log(`[${r + 1}/${o.repeats}] voxel-selection L2 (ours): ${v.seconds.toFixed(2)} s = ${perUnit(v.seconds)}, CPU ${v.cpu.toFixed(1)} s; peak RSS so far ${peak()}`);
    if (!o.skipRidge) {
      const g = await timed(() => decodeLayerRidge(X, Y, [T], { alpha: o.alpha }));
      ridge.push(g.seconds);
      ridgePred = g.result[0]!;
      console.log(`[${r + 1}/${o.repeats}] ridge, all voxels (ours): ${g.seconds.toFixed(2)} s, CPU ${g.cpu.toFixed(1)} s`);
    }
    if (o.withReference) {
      const ref = runReference(o, !o.skipRidge);
      refs.push(ref);
      console.log(
        `[${r + 1}/${o.repeats}] fastl2lir 0.11: ${ref.median.toFixed(2)} s = ${perUnit(ref.median)}, CPU ${ref.cpu?.toFixed(1) ?? '?'} s (fastl2lir / ours ${(ref.median / v.seconds).toFixed(2)}x)` +
          (ref.ridge ? `; numpy ridge ${ref.ridge.median.toFixed(2)} s, CPU ${ref.ridge.cpu?.toFixed(1) ?? '?'} s (numpy / ours ${(ref.ridge.median / ridge.at(-1)!).toFixed(2)}x)` : ''),
      );
    }
  }
  console.log(`voxel-selection L2 (ours): median ${median(vs).toFixed(2)} s = ${perUnit(median(vs))} (runs ${runs(vs)}); peak RSS ${peak()}`);
  if (ridge.length) console.log(`ridge, all voxels (ours): median ${median(ridge).toFixed(2)} s = ${(o.units / median(ridge)).toFixed(0)} units/s (runs ${runs(ridge)})`);
  if (refs.length) {
    const refTimes = refs.map((r) => r.median);
    const peakRef = Math.max(...refs.map((r) => r.peakMiB ?? 0));
    const agree = agreement(vsPred!.data, refs.at(-1)!.pred, o.units);
    console.log(`fastl2lir 0.11 (python): median ${median(refTimes).toFixed(2)} s = ${perUnit(median(refTimes))} (runs ${runs(refTimes)}); python peak RSS ${peakRef ? `${(peakRef / 1024).toFixed(2)} GiB` : '?'}`);
    const ratios = refTimes.map((t, i) => t / vs[i]!);
    const cpuRatios = refs.map((r, i) => (r.cpu ?? NaN) / vsCpu[i]!);
    console.log(`CPU seconds, fastl2lir / ours: median ${median(cpuRatios).toFixed(2)}x (pairs ${cpuRatios.map((x) => x.toFixed(2)).join(', ')})`);
    console.log(`voxel selection, fastl2lir / ours: median of per-pair ratios ${median(ratios).toFixed(2)}x (pairs ${ratios.map((x) => x.toFixed(2)).join(', ')}); ratio of medians ${(median(refTimes) / median(vs)).toFixed(2)}x`);
    console.log(`agreement: max |ours - python| / max |python| = ${agree.maxRel.toExponential(2)}; units above 1e-4: ${agree.unitsOver}/${o.units}`);
    const ridgeRefs = refs.map((r) => r.ridge).filter((r) => r !== undefined);
    if (ridgePred && ridgeRefs.length === ridge.length) {
      const ridgeAgree = agreement(ridgePred.data, ridgeRefs.at(-1)!.pred, o.units);
      const numpy = ridgeRefs.map((r) => r.median);
      const pairs = numpy.map((t, i) => t / ridge[i]!);
      console.log(
        `centred numpy ridge: median ${median(numpy).toFixed(2)} s (runs ${runs(numpy)}); numpy / ours: median of per-pair ratios ${median(pairs).toFixed(2)}x ` +
          `(pairs ${pairs.map((x) => x.toFixed(2)).join(', ')}); agreement ${ridgeAgree.maxRel.toExponential(2)}`,
      );
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
