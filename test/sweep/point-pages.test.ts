import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../configs/config-error';
import { LocalStore } from '../../lib/store/local-store';
import { loadSweep, openSweep } from '../../lib/sweep/load-sweep';
import { POINTS_PER_PAGE, readSweepPage, writeSweepPoints } from '../../lib/sweep/point-pages';

let dir: string;
let store: LocalStore;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-point-pages-'));
  store = new LocalStore(path.join(dir, 'artifacts'));
  await fs.writeFile(path.join(dir, 'base.yaml'), `name: base\nstore: {type: local, path: ${path.join(dir, 'artifacts')}}\nsubjects:\n  - name: s1\n    source: {type: simulated}\n`);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const values = (n: number, from = 1) => `[${Array.from({ length: n }, (_, i) => i + from).join(', ')}]`;

describe("a sweep's points in the store (the claim check)", () => {
  it('10,000 points go to the store as pages behind a reference of a few hundred bytes, and read back unchanged', async () => {
    const file = path.join(dir, 'ten-thousand.yaml');
    await fs.writeFile(file, `name: big\nbase: base.yaml\ngrid:\n  decode.alpha: ${values(100)}\n  reconstruct.seed: ${values(100)}\n`);
    const opened = await openSweep(file);
    expect(opened.count).toBe(10_000);
    const ref = await writeSweepPoints('big', opened.points(), () => store);
    expect(ref.count).toBe(10_000);
    // What the workflow input carries, against the ~20 MB of configs it stands for.
    expect(JSON.stringify(ref).length).toBeLessThan(1024);
    expect((await store.list('sweeps/big/points')).filter((k) => k.includes('/page-'))).toHaveLength(10_000 / POINTS_PER_PAGE);

    const expected = (await loadSweep(file)).points;
    for (const page of [0, 37, 99]) {
      const points = await readSweepPage(store, ref, page);
      expect(points).toHaveLength(POINTS_PER_PAGE);
      for (const [j, p] of points.entries()) {
        const i = page * POINTS_PER_PAGE + j;
        expect(p.index).toBe(i);
        expect({ name: p.name, params: p.params, config: p.config }).toEqual({ name: expected[i]!.name, params: expected[i]!.params, config: expected[i]!.config });
      }
      // Only decoding and reconstruction vary: every point shares the stimulus stages.
      expect(new Set(points.map((p) => p.sharedKey)).size).toBe(1);
    }
  });

  it('a page changed in the store is refused, not run', async () => {
    const file = path.join(dir, 'small.yaml');
    await fs.writeFile(file, `name: small\nbase: base.yaml\ngrid:\n  decode.alpha: ${values(3)}\n`);
    const ref = await writeSweepPoints('small', (await openSweep(file)).points(), () => store);
    const [pageKey] = (await store.list('sweeps/small/points')).filter((k) => k.includes('/page-'));
    await store.put(pageKey!, new TextEncoder().encode('{"index":0}\n'));
    await expect(readSweepPage(store, ref, 0)).rejects.toThrow(/is corrupt/);
  });

  it('a sweep whose last point is invalid is refused after streaming, and leaves no page behind', async () => {
    const file = path.join(dir, 'bad-last.yaml');
    // 3 is the smallest test set: the 250th point (value 2) is refused after two pages were written.
    await fs.writeFile(file, `name: badlast\nbase: base.yaml\ngrid:\n  stimuli.testImages: [${Array.from({ length: 249 }, (_, i) => i + 3).join(', ')}, 2]\n`);
    const error = await writeSweepPoints('badlast', (await openSweep(file)).points(), () => store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/stimuli\.testImages: in point "badlast-stimuli\.testImages_2": Too small/);
    expect(await store.list('sweeps/badlast')).toEqual([]);
  });
});
