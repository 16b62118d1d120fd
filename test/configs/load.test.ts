import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../configs/load';
import { configRejection as problems } from '../support/config-rejection';

const minimal = `name: demo
subjects:
  - name: s1
    source: { type: simulated }
`;

describe('experiment config loading', () => {
  it('fills defaults for a minimal file', () => {
    const config = parseExperimentConfig(minimal, 'exp.yaml');
    expect(config.decode.alpha).toBe(100);
    expect(config.stimuli.imageSize).toBe(32);
    expect(config.store).toEqual({ type: 'local', path: '.deeprecon/artifacts' });
    expect(config.subjects[0]!.source.type).toBe('simulated');
  });

  it('names an unknown key with its path, line and a suggestion', () => {
    const message = problems(`${minimal}decode:\n  alpah: 10\n`);
    expect(message).toBe(
      'exp.yaml:6: decode.alpah: unknown key "alpah" (did you mean "alpha"?); allowed: method, alpha, alphas, folds, nFeatures, trainOn, layers, shardUnits',
    );
  });

  it('locates unknown keys inside list items and discriminated unions', () => {
    const message = problems(`name: demo
subjects:
  - name: s1
    source:
      type: simulated
      voxelz: 10
`);
    expect(message).toMatch(/^exp\.yaml:6: subjects\[0\]\.source\.voxelz: unknown key "voxelz" \(did you mean "voxels"\?\)/);
  });

  it('reports wrong types and impossible values with their lines, all at once', () => {
    const message = problems(`${minimal}stimuli:\n  imageSize: big\n  testImages: 1\n`);
    const lines = message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^exp\.yaml:6: stimuli\.imageSize: .*expected number/);
    expect(lines[1]).toMatch(/^exp\.yaml:7: stimuli\.testImages: .*>=3/);
  });

  it('reports YAML syntax errors and duplicate keys with a line', () => {
    expect(problems('name: a\nname: b\nsubjects: []\n')).toMatch(/^exp\.yaml:2: \(top level\): YAML syntax/);
    expect(problems('name: [unclosed\n')).toMatch(/^exp\.yaml:\d+: \(top level\): YAML syntax/);
  });

  it('requires subjects', () => {
    expect(problems('name: demo\n')).toMatch(/subjects: .*expected array/);
  });
});
