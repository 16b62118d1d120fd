import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../configs/config-error';
import { loadSweep } from '../../lib/sweep/load-sweep';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-sweep-limits-'));
  await fs.writeFile(path.join(dir, 'base.yaml'), 'name: base\nsubjects:\n  - name: s1\n    source: {type: simulated}\n');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function refusal(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  const error = await loadSweep(file).then(
    () => new Error('accepted'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(', ')}]`;

describe('sweeps too large to expand are refused before they expand', () => {
  it('a million points: refused by count, before any point is built', async () => {
    const grid = ['decode.alpha', 'decode.nFeatures', 'reconstruct.iterations', 'reconstruct.seed', 'stimuli.seed', 'features.seed'].map((k) => `  ${k}: ${values(10)}`).join('\n');
    const started = Date.now();
    const heap = process.memoryUsage().heapUsed;
    const message = await refusal('million.yaml', `name: big\nbase: base.yaml\ngrid:\n${grid}\n`);
    expect(Date.now() - started).toBeLessThan(2000);
    // Nothing was expanded: far from the ~10 GB a million built configs would take.
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 * 1024 * 1024);
    expect(message).toBe(`${path.join(dir, 'million.yaml')}:3: (top level): the sweep expands to 1000000 points; the limit is 100000 (split it into several sweeps)`);
  });

  it('2,000 points, more than their configs could carry in a workflow input, are fine: they travel through the store', async () => {
    const file = path.join(dir, 'two-thousand.yaml');
    await fs.writeFile(file, `name: big\nbase: base.yaml\ngrid:\n  decode.alpha: ${values(40)}\n  reconstruct.seed: ${values(50)}\n`);
    const { points } = await loadSweep(file);
    expect(points).toHaveLength(2000);
    expect(points.reduce((n, p) => n + JSON.stringify(p.config).length, 0)).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('a few hundred points are fine', async () => {
    const file = path.join(dir, 'ok.yaml');
    await fs.writeFile(file, `name: ok\nbase: base.yaml\ngrid:\n  decode.alpha: ${values(20)}\n  reconstruct.seed: ${values(10)}\n`);
    expect((await loadSweep(file)).points).toHaveLength(200);
  });
});
