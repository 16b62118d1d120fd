import { describe, expect, it } from 'vitest';
import { loadExperimentConfig } from '../../configs/load';

describe('the paper preset', () => {
  it('is StackGAN stage-I’s setting at 64×64: its widths, optimiser, batch and epochs, no pixel term', async () => {
    const config = await loadExperimentConfig('configs/paper.yaml');
    expect(config.stimuli.imageSize).toBe(64);
    expect(config.reconstruct.methods).toEqual(['cgan']);
    expect(config.reconstruct.controls).toEqual(['shuffled']);
    expect(config.reconstruct.cgan).toMatchObject({
      trainOn: 'averages',
      epochs: 600,
      batchSize: 64,
      learningRate: 2e-4,
      klWeight: 2,
      reconstructionWeight: 0,
      matchingAware: true,
      conditionComponents: 128,
      generatorChannels: 64,
      discriminatorChannels: 64,
    });
  });
});
