import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepParquet } from '../../activities/sweep-tables';
import { writeResultTables } from '../../cli/result-files';
import { pythonEnv, resolvePython } from '../../lib/engine/tools';
import type { ExperimentResult, SweepResultRow } from '../../workflows/contracts';

const CLIENT = path.resolve(__dirname, '..', '..', 'dist', 'client.js');
const exec = promisify(execFile);
let dir: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [CLIENT, ...args], { cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

function experiment(name: string, gd: number, dgn: number): ExperimentResult {
  return {
    experiment: name,
    stages: [
      { stage: 'stimuli', reason: 'cached', cached: true, seconds: 0.01, key: 'k1' },
      { stage: 'reconstruct', subject: 'sim01', variant: 'icnn-gd', reason: 'new', cached: false, seconds: 12.5, key: 'k2' },
    ],
    scores: [
      { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'natural', metric: 'pixel-identification', value: gd, low: gd - 0.1, high: gd + 0.1, images: 50 },
      { subject: 'sim01', method: 'icnn-dgn', stimulusSet: 'natural', metric: 'pixel-identification', value: dgn },
    ],
    decoding: [{ subject: 'sim01', stimulusSet: 'natural', layer: 'fc1', profileCorrelation: 0.3, patternCorrelation: 0.4, identification: 0.9 }],
  };
}

const sweepRows: SweepResultRow[] = [10, 100].flatMap((alpha) =>
  ['icnn-gd', 'icnn-dgn'].map((method) => ({
    point: `grid-alpha_${alpha}`,
    subject: 'sim01',
    params: JSON.stringify({ 'decode.alpha': alpha }),
    method,
    stimulusSet: 'natural',
    metric: 'pixel-identification',
    value: (method === 'icnn-gd' ? 0.5 : 0.6) + alpha / 1000,
  })),
);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-results-'));
  const runs = path.join(dir, 'runs');
  // What `run` and `sweep` leave when they finish, written by the functions they call.
  await writeResultTables(path.join(runs, 'first'), experiment('first', 0.8123456, 0.55));
  await writeResultTables(path.join(runs, 'second'), experiment('second', 0.7, 0.65));
  await fs.mkdir(path.join(runs, 'grid'));
  await fs.writeFile(path.join(runs, 'grid', 'results.parquet'), await sweepParquet(sweepRows));
  // A run still going: its record exists, its tables do not yet.
  await fs.mkdir(path.join(runs, 'running'));
  await fs.writeFile(path.join(runs, 'running', 'run.json'), '{}');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Every Parquet file under runs/, as pyarrow reads it: {"run/table": rows}. NaN as null, as JSON has it. */
async function pyarrowRows(): Promise<Record<string, Record<string, unknown>[]>> {
  const script = [
    'import glob, json, math, os, sys, pyarrow.parquet as pq',
    'out = {}',
    'for f in sorted(glob.glob(os.path.join(sys.argv[1], "*", "*.parquet"))):',
    '    rows = pq.read_table(f).to_pylist()',
    '    out[os.path.relpath(f, sys.argv[1])[:-8]] = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in rows]',
    'print(json.dumps(out))',
  ].join('\n');
  const { stdout } = await exec(resolvePython(), ['-c', script, path.join(dir, 'runs')], { env: pythonEnv() });
  return JSON.parse(stdout) as Record<string, Record<string, unknown>[]>;
}

describe('deeprecon results', () => {
  it('prints every score of every finished run and sweep point as a readable table, leaving out runs still going', async () => {
    const r = await cli(['results']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run\s+subject\s+method\s+stimulus_set\s+metric\s+value$/);
    expect(lines[1]).toMatch(/^-+( +-+){5}$/);
    expect(lines.slice(2, -1).map((l) => l.split(/\s+/).filter((c) => c !== 'sim01' && c !== 'natural' && c !== 'pixel-identification'))).toEqual([
      ['first', 'icnn-dgn', '0.55'],
      ['first', 'icnn-gd', '0.8123'],
      ['grid-alpha_10', 'icnn-dgn', '0.61'],
      ['grid-alpha_10', 'icnn-gd', '0.51'],
      ['grid-alpha_100', 'icnn-dgn', '0.7'],
      ['grid-alpha_100', 'icnn-gd', '0.6'],
      ['second', 'icnn-dgn', '0.65'],
      ['second', 'icnn-gd', '0.7'],
    ]);
    expect(lines.at(-1)).toBe('(8 rows)');
    // Columns line up: every value ends where the header's "value" ends.
    for (const line of lines.slice(2, -1)) expect(line.length).toBe(lines[0]!.length);
  });

  it('--json rows are the rows pyarrow reads from the same Parquet files, each labelled with its run or sweep', async () => {
    const py = await pyarrowRows();
    expect(Object.keys(py)).toEqual(['first/decoding', 'first/scores', 'first/stages', 'grid/results', 'second/decoding', 'second/scores', 'second/stages']);
    const query = async (sql: string) => JSON.parse((await cli(['results', '--json', '--sql', sql])).stdout) as Record<string, unknown>[];
    const label = (key: string, table: string, name: string) => (py[`${name}/${table}`] ?? []).map((row) => ({ [key]: name, ...row }));
    expect(await query('SELECT * FROM sweeps')).toEqual(label('sweep', 'results', 'grid'));
    expect(await query('SELECT * FROM decoding ORDER BY run')).toEqual([...label('run', 'decoding', 'first'), ...label('run', 'decoding', 'second')]);
    expect(await query('SELECT * FROM stages ORDER BY run, stage DESC')).toEqual([...label('run', 'stages', 'first'), ...label('run', 'stages', 'second')]);
    const scores = await query("SELECT * EXCLUDE (sweep, params) FROM scores WHERE sweep IS NULL ORDER BY run, method DESC");
    expect(scores).toEqual([...label('run', 'scores', 'first'), ...label('run', 'scores', 'second')]);
    // A count is a number, not DuckDB's BIGINT string; an interval bound never computed is null.
    expect(await query("SELECT count(*) AS n, avg(low) AS low FROM scores WHERE method = 'icnn-dgn' AND sweep IS NULL")).toEqual([{ n: 2, low: null }]);
    // JSON has no NaN or infinity: a query that makes one gives null, as JSON.stringify would.
    expect(await query("SELECT 'NaN'::DOUBLE AS nan, 'Infinity'::FLOAT AS inf, 2.5::DECIMAL(3,1) AS exact")).toEqual([{ nan: null, inf: null, exact: 2.5 }]);
  });

  it('compares methods across a sweep\'s points in one line, with the same numbers DuckDB reads from the file itself', async () => {
    const r = await cli(['results', 'grid', '--csv', '--sql', "PIVOT scores ON method USING avg(value) GROUP BY params ORDER BY params"]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const direct = (
      await connection.runAndReadAll(
        `SELECT params, avg(value) FILTER (method = 'icnn-dgn') AS dgn, avg(value) FILTER (method = 'icnn-gd') AS gd FROM read_parquet('${path.join(dir, 'runs', 'grid', 'results.parquet')}') GROUP BY params ORDER BY params`,
      )
    ).getRowsJS();
    connection.closeSync();
    instance.closeSync();
    const csv = (v: unknown) => (typeof v === 'string' && /[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
    expect(r.stdout).toBe(`params,icnn-dgn,icnn-gd\n${direct.map((row) => row.map(csv).join(',')).join('\n')}\n`);
    expect(direct).toHaveLength(2);
  });

  it('names select runs and sweeps; an unknown name, a missing folder and bad SQL are errors (exit 1)', async () => {
    const only = JSON.parse((await cli(['results', 'second', '--json', '--sql', 'SELECT DISTINCT run FROM scores UNION ALL SELECT DISTINCT run FROM stages'])).stdout) as unknown;
    expect(only).toEqual([{ run: 'second' }, { run: 'second' }]);
    const unknown = await cli(['results', 'running']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: no finished run or sweep named "running" in runs (finished: first, grid, second)\n');
    const missing = await cli(['results', '--runs-dir', 'elsewhere']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no runs folder elsewhere/);
    const badSql = await cli(['results', '--sql', 'SELECT nope FROM scores']);
    expect(badSql.code).toBe(1);
    expect(badSql.stderr).toMatch(/^error: .*nope/);
  });
});
