import { describe, expect, it } from 'vitest';
import { changeReason, lineageOf } from '../../lib/store/stage-manifest';
import type { ArtifactRef } from '../../lib/store/artifact-ref';

const ref = (sha256: string): ArtifactRef => ({ uri: 'x', key: 'x', sha256, bytes: 1, format: 'arrow' });
const base = { stage: 'decode', codeVersion: 'decode-1', config: { alpha: 1 }, inputs: { train: ref('a') } };

describe('why a stage recomputes', () => {
  it('names the first difference: code, then config, then inputs', () => {
    const previous = lineageOf(base, 'k1');
    expect(changeReason(undefined, previous)).toBe('new');
    expect(changeReason(previous, lineageOf({ ...base, codeVersion: 'decode-2', config: { alpha: 2 } }, 'k2'))).toBe('code-changed');
    expect(changeReason(previous, lineageOf({ ...base, config: { alpha: 2 } }, 'k3'))).toBe('config-changed');
    expect(changeReason(previous, lineageOf({ ...base, inputs: { train: ref('b') } }, 'k4'))).toBe('inputs-changed');
    expect(changeReason(previous, lineageOf({ ...base, inputs: { train: ref('a'), test: ref('c') } }, 'k5'))).toBe('inputs-changed');
    // Key order inside the config does not matter.
    expect(changeReason(lineageOf({ ...base, config: { a: 1, b: 2 } }, 'k'), lineageOf({ ...base, config: { b: 2, a: 1 } }, 'k'))).toBe('new');
  });
});
