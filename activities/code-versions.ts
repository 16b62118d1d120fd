import type { StageName } from '../workflows/contracts';

/**
 * Bump a stage's version when its computation changes: the new version changes the stage's cache
 * key, so it and every stage after it recompute, while earlier stages stay cached.
 */
export const CODE_VERSIONS: Record<StageName, string> = {
  stimuli: 'stimuli-2',
  simulate: 'simulate-3',
  ingest: 'ingest-1',
  preprocess: 'preprocess-2',
  features: 'features-1',
  decode: 'decode-2',
  reconstruct: 'reconstruct-2',
  evaluate: 'evaluate-2',
  report: 'report-1',
  generator: 'generator-1',
  cgan: 'cgan-1',
};
