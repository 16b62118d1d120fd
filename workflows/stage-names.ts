/** Pipeline order of the stages. Plain data, safe to import into workflow code. */
export const STAGE_NAMES = ['stimuli', 'simulate', 'ingest', 'preprocess', 'features', 'generator', 'decode', 'cgan', 'reconstruct', 'evaluate', 'report'] as const;
export type StageName = (typeof STAGE_NAMES)[number];
