import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeActivity, type DecodeConfig } from '../../activities/decode';
import { sweepTables } from '../../activities/sweep-tables';
import { writeResultTables } from '../../cli/result-files';
import { initBackend } from '../../lib/compute/backend';
import { pythonEnv, resolvePython } from '../../lib/engine/tools';
import { encodeLabelledMatrix } from '../../lib/formats/labelled-matrix';
import { createMatrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';
import { getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { decodeTable } from '../../lib/store/arrow-table';
import { LocalStore } from '../../lib/store/local-store';
import { encodeParquet } from '../../lib/store/parquet-table';
import type { ExperimentResult, SweepResultRow } from '../../workflows/contracts';

const exec = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-parquet-test-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** The file as pyarrow reads it: column names, Arrow types, and rows as Python would print them (JSON). */
async function readWithPyarrow(file: string): Promise<{ names: string[]; types: string[]; rows: Record<string, unknown>[] }> {
  const script = [
    'import json, math, sys, pyarrow.parquet as pq',
    't = pq.read_table(sys.argv[1])',
    'clean = lambda v: "NaN" if isinstance(v, float) and math.isnan(v) else v',
    'rows = [{k: clean(v) for k, v in r.items()} for r in t.to_pylist()]',
    'print(json.dumps({"names": t.schema.names, "types": [str(f.type) for f in t.schema], "rows": rows}))',
  ].join('\n');
  const { stdout } = await exec(resolvePython(), ['-c', script, file], { env: pythonEnv() });
  return JSON.parse(stdout) as { names: string[]; types: string[]; rows: Record<string, unknown>[] };
}

/** Rows of a SQL query over Parquet files, through embedded DuckDB as an analyst would run it. */
async function queryWithDuckDb(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

describe('encodeParquet', () => {
  it('writes every scalar column kind so pyarrow and DuckDB read back the same values', async () => {
    const file = path.join(root, 'kinds.parquet');
    await fs.writeFile(
      file,
      await encodeParquet({
        'name "quoted"': { kind: 'utf8', values: ['a', "it's ünïcode ✓", ''] },
        n: { kind: 'int32', values: Int32Array.of(1, -2, 2 ** 31 - 1) },
        f32: { kind: 'float32', values: Float32Array.of(0.5, -1.25, 3) },
        f64: { kind: 'float64', values: Float64Array.of(0.1, Number.NaN, -1e300) },
        ok: { kind: 'bool', values: Uint8Array.of(1, 0, 1) },
      }),
    );
    const py = await readWithPyarrow(file);
    expect(py.names).toEqual(['name "quoted"', 'n', 'f32', 'f64', 'ok']);
    expect(py.types).toEqual(['string', 'int32', 'float', 'double', 'bool']);
    expect(py.rows).toEqual([
      { 'name "quoted"': 'a', n: 1, f32: 0.5, f64: 0.1, ok: true },
      { 'name "quoted"': "it's ünïcode ✓", n: -2, f32: -1.25, f64: 'NaN', ok: false },
      { 'name "quoted"': '', n: 2 ** 31 - 1, f32: 3, f64: -1e300, ok: true },
    ]);
    const duck = await queryWithDuckDb(`SELECT n, f64 FROM read_parquet('${file}') WHERE ok ORDER BY n`);
    expect(duck).toEqual([{ n: 1, f64: 0.1 }, { n: 2 ** 31 - 1, f64: -1e300 }]);
  });

  it('refuses columns of different lengths and an empty table', async () => {
    await expect(encodeParquet({ a: { kind: 'int32', values: Int32Array.of(1) }, b: { kind: 'int32', values: Int32Array.of(1, 2) } })).rejects.toThrow(
      'encodeParquet: column b has 2 rows, expected 1',
    );
    await expect(encodeParquet({})).rejects.toThrow('encodeParquet: at least one column is needed');
  });
});

describe('Parquet copies of the tables a person reads', () => {
  it('the decode stage writes accuracy.parquet beside accuracy.arrow, with the same rows', async () => {
    await initBackend('cpu');
    const store = new LocalStore(path.join(root, 'store'));
    const rng = new Random(3);
    const matrix = (rows: number, cols: number) => createMatrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.normal()));
    const ids = Array.from({ length: 12 }, (_, i) => `img-${i}`);
    const put = (name: string, stimulusIds: string[], rows: number, cols: number) =>
      putArtifact(store, `in/${name}.arrow`, encodeLabelledMatrix({ stimulusIds, values: matrix(rows, cols) }), 'arrow');
    const inputs = {
      train: await put('train', ids.slice(0, 8), 8, 6),
      'test.natural': await put('test', ids.slice(8), 4, 6),
      'features.fc1': await put('fc1', ids, 12, 3),
    };
    const config: DecodeConfig = {
      method: 'ridge', alpha: 1, alphas: [1], folds: 2, nFeatures: 4, trainOn: 'trials', layers: [],
      network: { network: 'vgg-mini', seed: 1, batchSize: 4, layers: [], inputMode: 'caffe' },
    };
    const result = await decodeActivity({ store: { type: 'local', path: path.join(root, 'store') }, backend: 'cpu', config, inputs, force: false });
    const arrowRef = result.outputs['accuracy']!;
    const parquetRef = result.outputs['accuracy.parquet']!;
    expect(parquetRef.format).toBe('parquet');
    expect(path.dirname(new URL(parquetRef.uri).pathname)).toBe(path.dirname(new URL(arrowRef.uri).pathname));
    expect(path.basename(new URL(parquetRef.uri).pathname)).toBe('accuracy.parquet');
    const arrow = decodeTable(await getArtifact(store, arrowRef), arrowRef.uri);
    const py = await readWithPyarrow(new URL(parquetRef.uri).pathname);
    expect(py.names).toEqual(arrow.columnNames);
    expect(py.rows).toHaveLength(arrow.numRows);
    expect(py.rows).toEqual([
      {
        stimulus_set: 'natural',
        layer: 'fc1',
        profile_correlation: result.results.accuracy[0]!.profileCorrelation,
        pattern_correlation: result.results.accuracy[0]!.patternCorrelation,
        identification: result.results.accuracy[0]!.identification,
      },
    ]);
  });

  it('a run leaves scores, decoding and stage timings as Parquet in runs/<name>/, queryable across runs', async () => {
    const runsDir = path.join(root, 'runs');
    const result = (name: string, value: number): ExperimentResult => ({
      experiment: name,
      stages: [
        { stage: 'stimuli', reason: 'cached', cached: true, seconds: 0.01, key: 'k1' },
        { stage: 'reconstruct', subject: 'sim01', variant: 'icnn-gd', reason: 'new', cached: false, seconds: 12.5, key: 'k2' },
      ],
      scores: [
        { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'natural', metric: 'pixel-identification', value, low: value - 0.1, high: value + 0.1, images: 50 },
        { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'natural', metric: 'ssim', value: 0.2 },
      ],
      decoding: [{ subject: 'sim01', stimulusSet: 'natural', layer: 'fc1', profileCorrelation: 0.3, patternCorrelation: 0.4, identification: 0.9 }],
    });
    const files = await writeResultTables(path.join(runsDir, 'a'), result('a', 0.8));
    await writeResultTables(path.join(runsDir, 'b'), result('b', 0.7));
    expect(files.map((f) => path.relative(runsDir, f))).toEqual(['a/scores.parquet', 'a/decoding.parquet', 'a/stages.parquet']);

    const scores = await readWithPyarrow(path.join(runsDir, 'a', 'scores.parquet'));
    expect(scores.names).toEqual(['subject', 'method', 'stimulus_set', 'metric', 'value', 'low', 'high', 'images']);
    expect(scores.rows[1]).toEqual({ subject: 'sim01', method: 'icnn-gd', stimulus_set: 'natural', metric: 'ssim', value: 0.2, low: 'NaN', high: 'NaN', images: 0 });
    const decoding = await readWithPyarrow(path.join(runsDir, 'a', 'decoding.parquet'));
    expect(decoding.rows).toEqual([{ subject: 'sim01', stimulus_set: 'natural', layer: 'fc1', profile_correlation: 0.3, pattern_correlation: 0.4, identification: 0.9 }]);
    const stages = await readWithPyarrow(path.join(runsDir, 'a', 'stages.parquet'));
    expect(stages.rows[1]).toEqual({ stage: 'reconstruct', subject: 'sim01', variant: 'icnn-gd', reason: 'new', cached: false, seconds: 12.5, key: 'k2' });

    // The analyst's one line: compare runs from their files, with no server and no download.
    const compared = await queryWithDuckDb(
      `SELECT regexp_extract(filename, 'runs/([^/]+)/', 1) AS run, value FROM read_parquet('${runsDir}/*/scores.parquet', filename = true) WHERE metric = 'pixel-identification' ORDER BY run`,
    );
    expect(compared).toEqual([{ run: 'a', value: 0.8 }, { run: 'b', value: 0.7 }]);
  });

  it('a sweep writes results.parquet beside results.arrow in the store', async () => {
    const rows: SweepResultRow[] = [
      { point: 'p-alpha_10', subject: 'sim01', params: '{"decode.alpha":10}', method: 'icnn-gd', stimulusSet: 'natural', metric: 'ssim', value: 0.25 },
      { point: 'p-alpha_100', subject: 'sim01', params: '{"decode.alpha":100}', method: 'icnn-gd', stimulusSet: 'natural', metric: 'ssim', value: 0.3 },
    ];
    const tables = await sweepTables({ store: { type: 'local', path: path.join(root, 'sweep-store') }, sweep: 'p', rows });
    expect(path.dirname(new URL(tables.parquet.uri).pathname)).toBe(path.dirname(new URL(tables.arrow.uri).pathname));
    const py = await readWithPyarrow(new URL(tables.parquet.uri).pathname);
    expect(py.names).toEqual(['point', 'subject', 'params', 'method', 'stimulus_set', 'metric', 'value']);
    expect(py.rows.map((r) => [r['point'], r['value']])).toEqual([['p-alpha_10', 0.25], ['p-alpha_100', 0.3]]);
  });
});
