import { describe, expect, it } from 'vitest';
import { canonicalJson, hashJson } from '../../lib/store/canonical-json';
import { stageKey } from '../../lib/store/stage-manifest';

describe('canonical JSON and stage keys', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(hashJson({ a: 1, b: 2 })).toBe(hashJson({ b: 2, a: 1 }));
  });

  it('rejects non-finite numbers rather than hashing them as null', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/not JSON/);
  });

  it('changes with config, input content and code version, and nothing else', () => {
    const ref = (sha256: string) => ({ uri: `file:///x/${sha256}`, key: 'x', sha256, bytes: 1, format: 'arrow' as const });
    const base = { stage: 'decode', codeVersion: 'decode-1', config: { alpha: 1 }, inputs: { train: ref('aa') } };
    const k = stageKey(base);
    expect(stageKey({ ...base, inputs: { train: { ...ref('aa'), uri: 's3://elsewhere/y' } } })).toBe(k);
    expect(stageKey({ ...base, config: { alpha: 2 } })).not.toBe(k);
    expect(stageKey({ ...base, inputs: { train: ref('ab') } })).not.toBe(k);
    expect(stageKey({ ...base, codeVersion: 'decode-2' })).not.toBe(k);
  });
});
