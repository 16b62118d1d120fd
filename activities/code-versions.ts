import type { StageName } from '../workflows/contracts';

/**
 * Bump a stage's version when its computation changes: the new version changes the stage's cache
 * key, so it and every stage after it recompute, while earlier stages stay cached.
 */
export const CODE_VERSIONS: Record<StageName, string> = {
  stimuli: 'stimuli-1',
  simulate: 'simulate-1',
  preprocess: 'preprocess-1',
  features: 'features-1',
  decode: 'decode-1',
  reconstruct: 'reconstruct-1',
  evaluate: 'evaluate-1',
};
