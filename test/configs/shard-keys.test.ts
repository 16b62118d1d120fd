import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../configs/load';
import { configRejection } from '../support/config-rejection';

const base = `name: shards
subjects:
  - name: sim01
    source: { type: simulated }
`;

describe('the shard-size keys', () => {
  it('default to 8,192 units per decode shard and 50 images per reconstruct shard', () => {
    const config = parseExperimentConfig(base, 'exp.yaml');
    expect(config.decode.shardUnits).toBe(8192);
    expect(config.reconstruct.shardImages).toBe(50);
  });

  it('accept a multiple of 1,024 units and any positive image count', () => {
    const config = parseExperimentConfig(`${base}decode: { shardUnits: 3072 }\nreconstruct: { shardImages: 1 }\n`, 'exp.yaml');
    expect(config.decode.shardUnits).toBe(3072);
    expect(config.reconstruct.shardImages).toBe(1);
  });

  it('refuse a unit count that is not a multiple of 1,024, or too small, naming the key and line', () => {
    expect(configRejection(`${base}decode:\n  shardUnits: 1000\n`)).toMatch(/exp\.yaml:6: decode\.shardUnits: .*1024/);
    expect(configRejection(`${base}decode:\n  shardUnits: 1500\n`)).toMatch(/exp\.yaml:6: decode\.shardUnits: .*multiple of 1024/);
  });

  it('refuse zero images per shard', () => {
    expect(configRejection(`${base}reconstruct:\n  shardImages: 0\n`)).toMatch(/exp\.yaml:6: reconstruct\.shardImages: /);
  });
});
