import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../configs/config-error';
import { loadSweep } from '../../lib/sweep/load-sweep';
import { simulatedSource } from '../support/simulated-source';

let dir: string;

const baseYaml = `name: base
subjects:
  - name: sim01
    source: { type: simulated }
  - name: sim02
    source: { type: simulated, seed: 2 }
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-sweep-'));
  await fs.mkdir(path.join(dir, 'experiments'));
  await fs.writeFile(path.join(dir, 'experiments', 'base.yaml'), baseYaml);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeSweep(text: string): Promise<string> {
  const file = path.join(dir, `sweep-${Math.random().toString(36).slice(2)}.yaml`);
  await fs.writeFile(file, text);
  return file;
}

async function failure(text: string): Promise<{ file: string; message: string }> {
  const file = await writeSweep(text);
  try {
    await loadSweep(file);
  } catch (error) {
    if (error instanceof ConfigError) return { file, message: error.message };
    throw error;
  }
  throw new Error('expected the sweep to be rejected');
}

const head = 'name: sw\nbase: experiments/base.yaml\n';

describe('loading sweep files', () => {
  it('loads the example: 3 subjects x 2 alphas = 6 points', async () => {
    const { sweep, base, points } = await loadSweep(path.join(__dirname, '../../configs/sweeps/example.yaml'));
    expect(sweep.max_parallel).toBe(2);
    expect(base.subjects.map((s) => s.name)).toEqual(['sim01', 'sim02', 'sim03']);
    expect(base.stimuli).toMatchObject({ imageSize: 32, trainImages: 300, testImages: 20 });
    expect(base.subjects.every((s) => simulatedSource(s).voxels === 600)).toBe(true);
    expect(base.reconstruct.iterations).toBe(100);
    expect(points.map((p) => [p.subject, p.config.decode.alpha])).toEqual([
      ['sim01', 30], ['sim01', 300], ['sim02', 30], ['sim02', 300], ['sim03', 30], ['sim03', 300],
    ]);
    expect(points[0]!.name).toBe('example-alpha-sim01-decode.alpha_30');
    expect(new Set(points.map((p) => p.name)).size).toBe(6);
    expect(points.every((p) => p.config.subjects.length === 1 && p.config.subjects[0]!.name === p.subject)).toBe(true);
  });

  it('reads bracketed paths as block keys and resolves base against the sweep file', async () => {
    const file = await writeSweep(`${head}max_parallel: 5\ngrid:\n  subjects[1].source.noiseSd: [3, 5]\npoints:\n  - name: p\n    set: { "subjects[0].source.seed": 9 }\n`);
    const { sweep, points } = await loadSweep(file);
    expect(sweep.max_parallel).toBe(5);
    expect(points.map((p) => p.name)).toEqual(['sw-noiseSd_3', 'sw-noiseSd_5', 'sw-p']);
    expect(simulatedSource(points[1]!.config.subjects[1]).noiseSd).toBe(5);
    expect(simulatedSource(points[2]!.config.subjects[0]).seed).toBe(9);
  });

  it('expands the full example of docs/sweeps.md to 13 points', async () => {
    const file = await writeSweep(`name: alpha-by-noise
base: ${path.join(__dirname, '../../configs/default.yaml')}
max_parallel: 4
subjects: [sim01]
grid:
  decode.alpha: [10, 100, 1000]
  subjects[0].source.noiseSd: [3, 5]
zip:
  reconstruct.iterations: [100, 200]
  reconstruct.seed: [1, 2]
points:
  - name: strong-prior
    set: { decode.alpha: 10000 }
`);
    const { points } = await loadSweep(file);
    expect(points).toHaveLength(13);
    // 84 characters in full, so cut to 64 with a hash of the whole name.
    expect(points[0]!.name).toMatch(/^alpha-by-noise-sim01-decode\.alpha_10-noiseSd_3-reconstr-[0-9a-f]{8}$/);
    expect(points[0]!.params).toEqual({ 'decode.alpha': 10, 'subjects[0].source.noiseSd': 3, 'reconstruct.iterations': 100, 'reconstruct.seed': 1 });
    expect(points[12]!.name).toBe('alpha-by-noise-sim01-strong-prior');
    expect(points.every((p) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(p.name))).toBe(true);
  });

  it('names file:line and key for an unknown top-level key', async () => {
    const { file, message } = await failure(`${head}gird:\n  decode.alpha: [1]\n`);
    expect(message).toBe(`${file}:3: gird: unknown key "gird" (did you mean "grid"?); allowed: name, description, base, max_parallel, subjects, grid, zip, points`);
  });

  it('names unknown keys inside points', async () => {
    const { file, message } = await failure(`${head}points:\n  - name: p\n    sett: {}\n`);
    expect(message.split('\n')).toEqual([
      `${file}:4: points[0].set: Invalid input: expected record, received undefined`,
      `${file}:5: points[0].sett: unknown key "sett" (did you mean "set"?); allowed: name, set`,
    ]);
  });

  it('rejects zip lists of unequal length, naming the key and the lengths', async () => {
    const { file, message } = await failure(`${head}zip:\n  reconstruct.iterations: [100, 200]\n  reconstruct.seed: [1, 2, 3]\n`);
    expect(message).toBe(
      `${file}:5: zip["reconstruct.seed"]: zip lists must have equal lengths: "reconstruct.iterations" has 2 value(s), "reconstruct.seed" has 3`,
    );
  });

  it('locates an invalid value at its grid key and names the point', async () => {
    const { file, message } = await failure(`${head}grid:\n  reconstruct.iterations: [10]\n  decode.alpha: [-1]\n`);
    expect(message).toBe(`${file}:5: decode.alpha: in point "sw-reconstruct.iterations_10-decode.alpha_-1": Too small: expected number to be >0`);
  });

  it('locates a path that is not in the base, and one that is not a path', async () => {
    const missing = await failure(`${head}points:\n  - name: p\n    set:\n      subjects[2].source.seed: 1\n`);
    expect(missing.message).toBe(`${missing.file}:6: subjects[2].source.seed: subjects has 2 item(s), so [2] does not exist in the base experiment`);
    const malformed = await failure(`${head}grid:\n  decode alpha: [1]\n`);
    expect(malformed.message).toMatch(new RegExp(`^${escape(malformed.file)}:4: grid\\["decode alpha"\\]: not a config path`));
  });

  it('checks max_parallel, empty lists and subject names', async () => {
    expect((await failure(`${head}max_parallel: 0\n`)).message).toMatch(/:3: max_parallel: Too small: expected number to be >=1/);
    expect((await failure(`${head}max_parallel: 2.5\n`)).message).toMatch(/:3: max_parallel: .*expected int/);
    expect((await failure(`${head}grid:\n  decode.alpha: []\n`)).message).toMatch(/:4: grid\["decode\.alpha"\]: give at least one value/);
    expect((await failure(`${head}subjects: [sim01, sim09]\n`)).message).toMatch(/:3: subjects\[1\]: no subject "sim09" in the base experiment/);
  });

  it('locates a missing base file at the base key', async () => {
    const { file, message } = await failure('name: sw\nbase: nowhere.yaml\n');
    expect(message).toBe(`${file}:2: base: cannot read the base experiment ${path.join(dir, 'nowhere.yaml')} (ENOENT)`);
  });

  it('reports problems in the base experiment against the base file', async () => {
    await fs.writeFile(path.join(dir, 'bad-base.yaml'), 'name: b\nsubjects: []\n');
    const { message } = await failure('name: sw\nbase: bad-base.yaml\n');
    expect(message).toMatch(new RegExp(`^${escape(path.join(dir, 'bad-base.yaml'))}:2: subjects: `));
  });

  it('reports YAML syntax errors with a line', async () => {
    const { file, message } = await failure(`${head}grid:\n  decode.alpha: [1\n`);
    expect(message).toMatch(new RegExp(`^${escape(file)}:\\d+: \\(top level\\): YAML syntax`));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
