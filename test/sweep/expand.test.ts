import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../configs/config-error';
import { parseExperimentConfig } from '../../configs/load';
import { type Sweep, SweepSchema } from '../../configs/sweep-schema';
import { expandSweep, type SweepPoint } from '../../lib/sweep/expand';
import { simulatedSource } from '../support/simulated-source';

const base = parseExperimentConfig(
  `name: base
subjects:
  - name: sim01
    source: { type: simulated, seed: 1, noiseSd: 5 }
  - name: sim02
    source: { type: simulated, seed: 2, noiseSd: 5 }
  - name: sim03
    source: { type: simulated, seed: 3, noiseSd: 5 }
`,
  'base.yaml',
);

function sweep(fields: Record<string, unknown>): Sweep {
  return SweepSchema.parse({ name: 'sw', base: 'base.yaml', ...fields });
}

function expand(fields: Record<string, unknown>): SweepPoint[] {
  return expandSweep(sweep(fields), base, 'sweep.yaml');
}

function failure(fields: Record<string, unknown>): string {
  try {
    expand(fields);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected the sweep to be rejected');
}

const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function expectValidUniqueNames(points: readonly SweepPoint[]): void {
  for (const point of points) {
    expect(point.name).toMatch(SLUG);
    expect(point.config.name).toBe(point.name);
  }
  expect(new Set(points.map((p) => p.name)).size).toBe(points.length);
}

describe('sweep expansion', () => {
  it('gives the base alone when nothing varies', () => {
    const points = expand({});
    expect(points).toHaveLength(1);
    expect(points[0]!.name).toBe('sw');
    expect(points[0]!.params).toEqual({});
    expect(points[0]!.config).toEqual({ ...base, name: 'sw' });
  });

  it('takes the grid product in file order, last key fastest', () => {
    const points = expand({ grid: { 'decode.alpha': [10, 100, 1000], 'subjects[0].source.noiseSd': [3, 5] } });
    expect(points.map((p) => [p.config.decode.alpha, simulatedSource(p.config.subjects[0]).noiseSd])).toEqual([
      [10, 3], [10, 5], [100, 3], [100, 5], [1000, 3], [1000, 5],
    ]);
    expect(points[0]!.name).toBe('sw-decode.alpha_10-noiseSd_3');
    expect(points[0]!.params).toEqual({ 'decode.alpha': 10, 'subjects[0].source.noiseSd': 3 });
    // Without `subjects`, every point keeps all base subjects.
    expect(points[0]!.config.subjects.map((s) => s.name)).toEqual(['sim01', 'sim02', 'sim03']);
    expect(points[0]!.subject).toBeUndefined();
    expectValidUniqueNames(points);
  });

  it('varies zip lists together', () => {
    const points = expand({ zip: { 'reconstruct.iterations': [100, 200], 'reconstruct.seed': [1, 2] } });
    expect(points.map((p) => [p.config.reconstruct.iterations, p.config.reconstruct.seed])).toEqual([[100, 1], [200, 2]]);
    expect(points.map((p) => p.name)).toEqual(['sw-reconstruct.iterations_100-reconstruct.seed_1', 'sw-reconstruct.iterations_200-reconstruct.seed_2']);
  });

  it('treats zip as one more (fastest) grid dimension, then adds named points', () => {
    const points = expand({
      grid: { 'decode.alpha': [10, 100] },
      zip: { 'reconstruct.iterations': [100, 200], 'reconstruct.seed': [1, 2] },
      points: [{ name: 'strong-prior', set: { 'decode.alpha': 10000 } }],
    });
    expect(points.map((p) => [p.config.decode.alpha, p.config.reconstruct.iterations, p.config.reconstruct.seed])).toEqual([
      [10, 100, 1], [10, 200, 2], [100, 100, 1], [100, 200, 2], [10000, 200, 3],
    ]);
    expect(points[4]!.name).toBe('sw-strong-prior');
    expect(points[4]!.params).toEqual({ 'decode.alpha': 10000 });
    expectValidUniqueNames(points);
  });

  it('runs only named points when there is no grid or zip', () => {
    const points = expand({ points: [{ name: 'a', set: { 'decode.alpha': 1 } }, { name: 'baseline', set: {} }] });
    expect(points.map((p) => [p.name, p.config.decode.alpha])).toEqual([['sw-a', 1], ['sw-baseline', 100]]);
  });

  it('expands one point per listed subject, subject outermost', () => {
    const points = expand({ subjects: ['sim03', 'sim01'], grid: { 'decode.alpha': [10, 100] } });
    expect(points.map((p) => [p.subject, p.config.decode.alpha])).toEqual([
      ['sim03', 10], ['sim03', 100], ['sim01', 10], ['sim01', 100],
    ]);
    expect(points[0]!.name).toBe('sw-sim03-decode.alpha_10');
    expect(points.every((p) => p.config.subjects.length === 1 && p.config.subjects[0]!.name === p.subject)).toBe(true);
    expectValidUniqueNames(points);
  });

  it('addresses subjects by their index in the base, before selecting one', () => {
    const points = expand({ subjects: ['sim02'], grid: { 'subjects[1].source.noiseSd': [1, 2] } });
    expect(points.map((p) => simulatedSource(p.config.subjects[0]).noiseSd)).toEqual([1, 2]);
  });

  it('shortens long names with a hash and keeps them unique', () => {
    const long = 'x'.repeat(62);
    const points = expand({ grid: { 'stimuli.seed': [1, 2], 'features.seed': [3, 4] }, points: [{ name: long, set: {} }, { name: `${long}y`, set: {} }] });
    expectValidUniqueNames(points);
    const hashed = points.filter((p) => p.name.length === 64);
    expect(hashed).toHaveLength(2);
    for (const p of hashed) expect(p.name).toMatch(/-[0-9a-f]{8}$/);
  });

  it('lengthens labels that would collide and writes lists into names', () => {
    const points = expand({ grid: { 'subjects[0].source.seed': [1], 'subjects[1].source.seed': [2] } });
    expect(points.map((p) => p.name)).toEqual(['sw-subjects0.source.seed_1-subjects1.source.seed_2']);
    const layers = expand({ grid: { 'decode.layers': [['conv1', 'conv2'], []] } });
    expect(layers.map((p) => p.name)).toEqual(['sw-decode.layers_conv1.conv2', 'sw-decode.layers_none']);
    expect(layers.map((p) => p.config.decode.layers)).toEqual([['conv1', 'conv2'], []]);
  });

  it('tells apart values that sanitise to the same text', () => {
    const points = expand({ grid: { description: ['a b', 'a_b'] } });
    expectValidUniqueNames(points);
    expect(points.map((p) => p.config.description)).toEqual(['a b', 'a_b']);
  });

  it('rejects settings that would run the same experiment twice', () => {
    expect(() => sweep({ grid: { 'decode.alpha': [10, 100, 10] } })).toThrow(/value 10 is listed twice/);
    expect(() => sweep({ zip: { 'decode.alpha': [1, 2, 1], 'reconstruct.seed': [3, 4, 3] } })).toThrow(/zip position 2 repeats position 0/);
    expect(() => sweep({ zip: { 'decode.alpha': [1, 2, 1], 'reconstruct.seed': [3, 4, 5] } })).not.toThrow();
    expect(() => sweep({ grid: { 'decode.alpha': [1] }, zip: { 'decode.alpha': [2] } })).toThrow(/varied in both grid and zip/);
    expect(() => sweep({ points: [{ name: 'p', set: {} }, { name: 'p', set: {} }] })).toThrow(/duplicate point name \\"p\\"/);
    expect(() => sweep({ grid: { name: ['a'] } })).toThrow(/\\"name\\" is set per point/);
    // A named point that repeats a grid point gets the same name, so it is caught after naming.
    expect(failure({ grid: { 'decode.alpha': [10] }, points: [{ name: 'decode.alpha_10', set: { 'decode.alpha': 10 } }] })).toMatch(
      /two points would both be named "sw-decode\.alpha_10-[0-9a-f]{8}": their settings are identical/,
    );
  });

  it('names the point and key of an invalid value', () => {
    const message = failure({ grid: { 'decode.alpha': [10, -1] } });
    expect(message).toBe('sweep.yaml: decode.alpha: in point "sw-decode.alpha_-1": Too small: expected number to be >0');
  });

  it('reports one problem per bad value, counting the points it affects', () => {
    const message = failure({ grid: { 'decode.alpha': [-1], 'reconstruct.iterations': [1, 2, 3] } });
    expect(message.split('\n')).toEqual(['sweep.yaml: decode.alpha: in point "sw-decode.alpha_-1-reconstruct.iterations_1" (and 2 more point(s)): Too small: expected number to be >0']);
  });

  it('rejects keys the experiment schema does not know', () => {
    expect(failure({ grid: { 'decode.alpah': [1] } })).toBe(
      'sweep.yaml: decode.alpah: in point "sw-decode.alpah_1": unknown key "alpah" (did you mean "alpha"?)',
    );
    expect(failure({ grid: { 'decod.alpha': [1] } })).toBe('sweep.yaml: decod.alpha: no key "decod" (did you mean "decode"?) in the base experiment');
    expect(failure({ points: [{ name: 'p', set: { 'subjects[3].source.seed': 1 } }] })).toMatch(/subjects has 3 item\(s\)/);
  });

  it('rejects subjects the base does not have', () => {
    expect(failure({ subjects: ['sim01', 'sim04'] })).toBe(
      'sweep.yaml: subjects[1]: no subject "sim04" in the base experiment (did you mean "sim01"?); it has sim01, sim02, sim03',
    );
  });

  it('does not modify the base config', () => {
    const before = structuredClone(base);
    expand({ grid: { 'decode.alpha': [1, 2], 'subjects[0].source.noiseSd': [1] }, subjects: ['sim01'] });
    expect(base).toEqual(before);
  });
});
