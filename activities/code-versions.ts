import { codeFingerprint } from '../lib/engine/code-fingerprint';
import { projectRoot } from '../lib/engine/project-root';
import type { StageName } from '../workflows/contracts';

/**
 * Manual part of each stage's code version: bump it to invalidate a stage's cache on purpose
 * (say, a fix in a data file the code reads). Code changes need no bump: the fingerprint below
 * changes by itself.
 */
const MANUAL_VERSIONS: Record<StageName, string> = {
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

/** The modules each stage's activities live in; the fingerprint follows their imports from there. */
const STAGE_MODULES: Record<StageName, readonly string[]> = {
  stimuli: ['activities/stimuli.ts'],
  simulate: ['activities/simulate.ts'],
  ingest: ['activities/ingest.ts'],
  preprocess: ['activities/preprocess.ts'],
  features: ['activities/features.ts'],
  decode: ['activities/decode-shards.ts', 'activities/decode.ts'],
  reconstruct: ['activities/reconstruct-shards.ts', 'activities/reconstruct.ts'],
  evaluate: ['activities/evaluate.ts'],
  report: ['activities/report.ts'],
  generator: ['activities/generator.ts'],
  cgan: ['activities/cgan.ts'],
};

/** Packages whose versions change numbers or file bytes: a new version recomputes. */
const NUMERIC_PACKAGES = [
  'typescript',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'apache-arrow',
  'fast-png',
  'jpeg-js',
  'h5wasm',
  '@duckdb/node-api',
];

/**
 * Each stage's code version, part of its cache key: the manual version and a fingerprint of the
 * stage's source closure and numeric packages. Computed once per process, when first imported.
 */
export const CODE_VERSIONS: Record<StageName, string> = Object.fromEntries(
  (Object.keys(MANUAL_VERSIONS) as StageName[]).map((stage) => [stage, `${MANUAL_VERSIONS[stage]}+${codeFingerprint(projectRoot(), STAGE_MODULES[stage], NUMERIC_PACKAGES)}`]),
) as Record<StageName, string>;
