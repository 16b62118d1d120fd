import type { StageName } from '../workflows/contracts';

/**
 * Bump a stage's version when its computation changes: the new version changes the stage's cache
 * key, so it and every stage after it recompute, while earlier stages stay cached.
 */
export const CODE_VERSIONS: Record<StageName, string> = {
  stimuli: 'stimuli-3',
  simulate: 'simulate-4',
  ingest: 'ingest-3',
  preprocess: 'preprocess-2',
  features: 'features-1',
  decode: 'decode-4',
  reconstruct: 'reconstruct-4',
  evaluate: 'evaluate-5',
  report: 'report-3',
  generator: 'generator-1',
  cgan: 'cgan-3',
};
