import { z } from 'zod';

/**
 * The experiment file's schema: the single source of truth for keys, types, defaults and ranges.
 * Every object is strict, so a misspelt key is an error rather than a silently ignored setting.
 */

const slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use letters, digits, ".", "_" or "-" (max 64)');
const seed = z.int().min(0).max(2 ** 31 - 1);

export const ROI_NAMES = ['V1', 'V2', 'V3', 'V4', 'LOC', 'FFA', 'PPA', 'LVC', 'HVC', 'VC'] as const;
export { STAGE_NAMES, type StageName } from '../workflows/stage-names';

export const StoreSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('local'),
    /** Folder for artifacts; relative paths are resolved against the config file's project folder. */
    path: z.string().min(1).default('.deeprecon/artifacts'),
  }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().min(3).max(63),
    prefix: z.string().default(''),
    endpoint: z.url().optional(),
    region: z.string().min(1).default('us-east-1'),
    forcePathStyle: z.boolean().default(true),
  }),
]);

export const StimuliSchema = z.strictObject({
  source: z.literal('procedural').default('procedural'),
  seed: seed.default(1),
  imageSize: z.int().min(16).max(256).default(32),
  trainImages: z.int().min(4).max(20000).default(1200),
  testImages: z.int().min(3).max(5000).default(50),
});

export const SimulatedSourceSchema = z.strictObject({
  type: z.literal('simulated'),
  seed: seed.default(1),
  voxels: z.int().min(10).max(50000).default(1500),
  trainRepeats: z.int().min(1).max(20).default(2),
  testRepeats: z.int().min(1).max(50).default(8),
  /** Per-trial noise SD relative to the SD of each voxel's stimulus-driven signal. */
  noiseSd: z.number().min(0).max(100).default(1.5),
});

export const SubjectSchema = z.strictObject({
  name: slug,
  source: z.discriminatedUnion('type', [SimulatedSourceSchema]),
});

export const PreprocessSchema = z.strictObject({
  roi: z.enum(ROI_NAMES).default('VC'),
  averageTestTrials: z.boolean().default(true),
});

export const FeaturesSchema = z.strictObject({
  network: z.literal('vgg-mini').default('vgg-mini'),
  seed: seed.default(7),
  batchSize: z.int().min(1).max(1024).default(50),
});

export const DecodeSchema = z.strictObject({
  method: z.literal('ridge').default('ridge'),
  alpha: z.number().positive().default(100),
  /** Layers to decode; empty means every layer of the network. */
  layers: z.array(z.string().min(1)).default([]),
});

export const ReconstructSchema = z.strictObject({
  method: z.literal('icnn-gd').default('icnn-gd'),
  /** Layers whose decoded features the image must match; empty means every decoded layer. */
  layers: z.array(z.string().min(1)).default([]),
  iterations: z.int().min(1).max(10000).default(200),
  seed: seed.default(3),
});

export const EvaluateSchema = z.strictObject({
  metrics: z.array(z.enum(['pixel-identification'])).min(1).default(['pixel-identification']),
});

export const ExperimentSchema = z.strictObject({
  name: slug,
  description: z.string().optional(),
  store: StoreSchema.prefault({ type: 'local' }),
  compute: z.strictObject({ backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto') }).prefault({}),
  stimuli: StimuliSchema.prefault({}),
  subjects: z.array(SubjectSchema).min(1),
  preprocess: PreprocessSchema.prefault({}),
  features: FeaturesSchema.prefault({}),
  decode: DecodeSchema.prefault({}),
  reconstruct: ReconstructSchema.prefault({}),
  evaluate: EvaluateSchema.prefault({}),
});

export type ExperimentConfig = z.infer<typeof ExperimentSchema>;
export type StoreSettings = z.infer<typeof StoreSchema>;
export type SubjectConfig = z.infer<typeof SubjectSchema>;
