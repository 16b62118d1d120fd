/** Reconstruction metrics reported per image; names are stable identifiers used in configs and reports. */
export const METRICS = ['pixel-identification', 'pixcorr', 'ssim', 'feature-identification'] as const;

export type MetricName = (typeof METRICS)[number];

export interface MetricInfo {
  readonly description: string;
  readonly higherIsBetter: boolean;
  /** Expected score of a random reconstruction, where one is well defined. */
  readonly chance?: number;
}

export const METRIC_INFO: Readonly<Record<MetricName, MetricInfo>> = {
  'pixel-identification': {
    description: 'Pairwise identification on pixel values: fraction of foils less correlated than the true image',
    higherIsBetter: true,
    chance: 0.5,
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
    description: '2-way identification on network features: fraction of foils less correlated than the true image',
    higherIsBetter: true,
    chance: 0.5,
  },
};

export function isMetricName(name: string): name is MetricName {
  return (METRICS as readonly string[]).includes(name);
}
