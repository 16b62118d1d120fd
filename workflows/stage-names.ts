/** Pipeline order of the stages. Plain data, safe to import into workflow code. */
export const STAGE_NAMES = ['stimuli', 'simulate', 'preprocess', 'features', 'decode', 'reconstruct', 'evaluate'] as const;
export type StageName = (typeof STAGE_NAMES)[number];
