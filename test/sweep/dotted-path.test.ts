import { describe, expect, it } from 'vitest';
import { DottedPathError, formatPath, getAt, isDottedPath, parsePath, setAt } from '../../lib/sweep/dotted-path';

const config = {
  decode: { alpha: 100, layers: ['conv1'] },
  subjects: [
    { name: 's1', source: { noiseSd: 5 } },
    { name: 's2', source: { noiseSd: 3 } },
  ],
};

function reason(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof DottedPathError) return error.message;
    throw error;
  }
  throw new Error('expected a DottedPathError');
}

describe('dotted paths', () => {
  it('parses keys and list indices', () => {
    expect(parsePath('decode.alpha')).toEqual(['decode', 'alpha']);
    expect(parsePath('subjects[1].source.noiseSd')).toEqual(['subjects', 1, 'source', 'noiseSd']);
    expect(parsePath('a[0][2]')).toEqual(['a', 0, 2]);
    expect(formatPath(['subjects', 1, 'source', 'noiseSd'])).toBe('subjects[1].source.noiseSd');
  });

  it('rejects malformed paths', () => {
    for (const bad of ['', 'decode.', '.decode', 'decode..alpha', 'a[x]', 'a[01]', 'a[-1]', '[0].a', 'a b', 'decode.alpha=3']) {
      expect(isDottedPath(bad), bad).toBe(false);
    }
    expect(reason(() => parsePath('decode..alpha'))).toMatch(/^decode\.\.alpha: expected a key/);
  });

  it('gets nested values', () => {
    expect(getAt(config, 'decode.alpha')).toBe(100);
    expect(getAt(config, 'subjects[1].source.noiseSd')).toBe(3);
    expect(getAt(config, ['subjects', 0, 'name'])).toBe('s1');
    expect(getAt(config, 'decode.layers[0]')).toBe('conv1');
  });

  it('explains paths that do not exist, with a suggestion', () => {
    expect(reason(() => getAt(config, 'decode.alpah'))).toBe('decode.alpah: no key "alpah" in decode (did you mean "alpha"?)');
    expect(reason(() => getAt(config, 'subjects[2].name'))).toBe('subjects[2].name: subjects has 2 item(s), so [2] does not exist');
    expect(reason(() => getAt(config, 'subjects.name'))).toMatch(/subjects is a list \(use \[index\]\)/);
    expect(reason(() => getAt(config, 'decode[0]'))).toMatch(/decode is not a list/);
    expect(reason(() => getAt(config, 'decode.alpha.x'))).toMatch(/decode\.alpha is not an object/);
  });

  it('sets a value in a copy and leaves the input untouched', () => {
    const before = structuredClone(config);
    const changed = setAt(config, 'subjects[1].source.noiseSd', 7);
    expect(changed.subjects[1]!.source.noiseSd).toBe(7);
    expect(config).toEqual(before);
    // Only the objects along the path are copied; the rest is shared.
    expect(changed.decode).toBe(config.decode);
    expect(changed.subjects[0]).toBe(config.subjects[0]);
    expect(changed.subjects).not.toBe(config.subjects);
    expect(setAt(config, 'decode.layers', ['a', 'b']).decode.layers).toEqual(['a', 'b']);
    expect(setAt(config, 'decode.layers[0]', 'x').decode.layers).toEqual(['x']);
    expect(config.decode.layers).toEqual(['conv1']);
  });

  it('allows a new last key (the schema judges it) but not a missing container', () => {
    expect(setAt(config, 'decode.newKey', 1).decode).toEqual({ alpha: 100, layers: ['conv1'], newKey: 1 });
    expect(reason(() => setAt(config, 'decod.alpha', 1))).toBe('decod.alpha: no key "decod" (did you mean "decode"?)');
    expect(reason(() => setAt(config, 'subjects[5].name', 'x'))).toMatch(/subjects has 2 item\(s\)/);
    expect(reason(() => setAt(config, 'decode.layers[1]', 'x'))).toMatch(/decode\.layers has 1 item\(s\), so \[1\] does not exist/);
  });
});
