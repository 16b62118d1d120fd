import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../configs/load';
import { networkProvenance, sameNetwork } from '../../lib/evaluation/network-provenance';
import { configRejection as rejection } from '../support/config-rejection';

const base = `name: demo
subjects:
  - name: s1
    source: { type: simulated }
`;

describe('the evaluation network', () => {
  it('defaults to vgg-mini with seed 1001, not the features stage’s seed 7', () => {
    const config = parseExperimentConfig(base, 'exp.yaml');
    expect(config.features).toMatchObject({ network: 'vgg-mini', seed: 7 });
    expect(config.evaluate.network).toMatchObject({ network: 'vgg-mini', seed: 1001 });
    expect(config.evaluate.metrics).toContain('nway-identification');
    expect(config.reconstruct.ceiling).toEqual(['natural']);
    expect(networkProvenance('evaluation', config.evaluate.network)).toEqual({ role: 'evaluation', name: 'vgg-mini', seed: 1001, weights: 'random He-normal weights' });
  });

  it('names the kind of a user network’s weights in its provenance', () => {
    expect(networkProvenance('features', { network: 'torch-vgg19', seed: 0, modelPath: 'models/vgg19.pth' }).weights).toBe('VGG19-layout weights from a PyTorch or safetensors file, input mode caffe');
    expect(networkProvenance('features', { network: 'tfjs-model', seed: 0, modelPath: 'models/net', inputMode: 'zero-one' }).weights).toBe('TensorFlow.js model weights, input mode zero-one');
  });

  it('is refused when it is the decoded and optimised network', () => {
    const message = rejection(`${base}features: { seed: 3 }\nevaluate:\n  network: { seed: 3 }\n`);
    expect(message).toMatch(/exp\.yaml(:\d+)?: evaluate\.network: evaluate\.network is the network that is decoded and optimised \(features: vgg-mini with seed 3\)/);
    expect(() => parseExperimentConfig(`${base}features: { seed: 3 }\nevaluate:\n  network: { seed: 4 }\n`, 'exp.yaml')).not.toThrow();
  });

  it('compares built-in networks by seed and model folders by path', () => {
    const vgg = (seed: number) => ({ network: 'vgg-mini' as const, seed });
    const model = (modelPath: string) => ({ network: 'tfjs-model' as const, seed: 1, modelPath });
    expect(sameNetwork(vgg(7), vgg(7))).toBe(true);
    expect(sameNetwork(vgg(7), vgg(1001))).toBe(false);
    expect(sameNetwork(model('/m/vgg19'), model('/m/vgg19/'))).toBe(true);
    expect(sameNetwork(model('/m/vgg19'), model('/m/alexnet'))).toBe(false);
    expect(sameNetwork(vgg(1), model('/m/vgg19'))).toBe(false);
  });
});
