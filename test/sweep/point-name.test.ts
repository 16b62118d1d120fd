import { describe, expect, it } from 'vitest';
import { formatValueForName, joinName, paramLabels } from '../../lib/sweep/point-name';

describe('sweep point names', () => {
  it('labels top-level settings in full and deeper ones by their last key', () => {
    const labels = paramLabels(['decode.alpha', 'subjects[0].source.noiseSd', 'description']);
    expect([...labels.values()]).toEqual(['decode.alpha', 'noiseSd', 'description']);
  });

  it('lengthens only the labels that collide', () => {
    const labels = paramLabels(['subjects[0].source.seed', 'subjects[1].source.seed', 'subjects[0].source.voxels', 'store.path']);
    expect([...labels.values()]).toEqual(['subjects0.source.seed', 'subjects1.source.seed', 'voxels', 'store.path']);
  });

  it('writes values with name-safe characters only', () => {
    expect(formatValueForName(0.5)).toBe('0.5');
    expect(formatValueForName(-1)).toBe('-1');
    expect(formatValueForName(1e21)).toBe('1e_21');
    expect(formatValueForName('a b/c')).toBe('a_b_c');
    expect(formatValueForName(true)).toBe('true');
    expect(formatValueForName(['V1', 'V2'])).toBe('V1.V2');
  });

  it('cuts names over 64 characters and ends them in a hash of the whole name', () => {
    expect(joinName(['sweep', '', 'a_1'])).toBe('sweep-a_1');
    const a = joinName(['s', 'x'.repeat(70)]);
    const b = joinName(['s', `${'x'.repeat(70)}y`]);
    expect(a).toHaveLength(64);
    expect(a).toMatch(/^s-x{53}-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(joinName(['s', 'x'.repeat(70)])).toBe(a);
  });
});
