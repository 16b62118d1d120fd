import { Random } from '../random';
import { validateCganConfig, type CganConfig } from './cgan-config';
import { CganGenerator } from './cgan-generator';
import type { ConditionEncoder } from './condition-encoder';
import { ConditioningAugmentation } from './conditioning-augmentation';
import { disposeVariables, prefixed, type NamedVariables } from './seeded-variables';

/**
 * What generation needs: the fixed voxel → embedding transform (training statistics and principal
 * axes), conditioning augmentation (μ of c from the embedding) and the generator.
 * config.conditionDim is the embedding's length, encoder.voxels the input's.
 */
export interface CganModel {
  readonly config: CganConfig;
  readonly encoder: ConditionEncoder;
  readonly conditioning: ConditioningAugmentation;
  readonly generator: CganGenerator;
}

/** A freshly initialised model; the same seed gives the same weights. */
export function createCganModel(config: CganConfig, encoder: ConditionEncoder, seed: number): CganModel {
  validateCganConfig(config);
  if (encoder.dim !== config.conditionDim) throw new Error(`cgan: the encoder gives ${encoder.dim} dimensions, the model takes ${config.conditionDim}`);
  const rng = new Random(seed);
  return {
    config,
    encoder,
    conditioning: new ConditioningAugmentation(rng.fork(1), config.conditionDim, config.embeddingDim),
    generator: new CganGenerator(rng.fork(2), config),
  };
}

/** Every variable of the model in a fixed order, moving batch-norm statistics included. */
export function cganVariables(model: CganModel): NamedVariables {
  return [...prefixed('conditioning', model.conditioning.namedVariables()), ...prefixed('generator', model.generator.namedVariables())];
}

export function disposeCgan(model: CganModel): void {
  disposeVariables(cganVariables(model));
}
