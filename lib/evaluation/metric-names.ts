/** Reconstruction metrics reported per image; names are stable identifiers used in configs and reports. */
export const METRICS = ['pixel-identification', 'nway-identification', 'pixcorr', 'ssim', 'feature-identification', 'diversity'] as const;

export type MetricName = (typeof METRICS)[number];

export interface MetricInfo {
  readonly description: string;
  readonly higherIsBetter: boolean;
  /** Expected score of a random reconstruction, where one number is right for every set. */
  readonly chance?: number;
  /** The chance level in words, where it depends on the set (n-way: 1/N). */
  readonly chanceText?: string;
}

export const METRIC_INFO: Readonly<Record<MetricName, MetricInfo>> = {
  'pixel-identification': {
    description: 'Pairwise identification on pixel values: fraction of foils less correlated than the true image',
    higherIsBetter: true,
    chance: 0.5,
  },
  'nway-identification': {
    description: 'N-way identification on pixel values: fraction of reconstructions whose own true image is the most correlated of all N images of the set (ties fail)',
    higherIsBetter: true,
    chanceText: '1/N, N = images in the set',
  },
  pixcorr: {
    description: 'Pearson correlation between reconstruction and true image over all RGB pixels',
    higherIsBetter: true,
    chance: 0,
  },
  ssim: {
    description: 'Mean structural similarity on grayscale images (Gaussian window σ 1.5, as skimage)',
    higherIsBetter: true,
  },
  'feature-identification': {
    description: '2-way identification on the features of an evaluation network that was neither decoded nor optimised: fraction of foils less correlated than the true image',
    higherIsBetter: true,
    chance: 0.5,
  },
  diversity: {
    description: 'Mean pairwise pixel distance between the reconstructions of a set divided by that between its true images (per image: its mean distance to the other reconstructions); near 0 when a generator ignores its input, near 1 as varied as the images. Spread only, not correctness',
    higherIsBetter: true,
  },
};

export function isMetricName(name: string): name is MetricName {
  return (METRICS as readonly string[]).includes(name);
}
