import { Random } from '../random';
import { validateCganConfig, type CganConfig } from './cgan-config';
import { CganGenerator } from './cgan-generator';
import { ConditioningAugmentation } from './conditioning-augmentation';
import { disposeVariables, prefixed, type NamedVariables } from './seeded-variables';

/** What generation needs: conditioning augmentation (μ of c from voxels) and the generator. */
export interface CganModel {
  readonly config: CganConfig;
  readonly conditioning: ConditioningAugmentation;
  readonly generator: CganGenerator;
}

/** A freshly initialised model; the same seed gives the same weights. */
export function createCganModel(config: CganConfig, seed: number): CganModel {
  validateCganConfig(config);
  const rng = new Random(seed);
  return {
    config,
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
