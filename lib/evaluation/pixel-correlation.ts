import { imageView, type ImageBatch } from '../images/image-batch';
import { pearson } from './correlation';

/**
 * PixCorr (MindEye convention): Pearson r between each reconstruction and its true image over all
 * H×W×3 values, flattened. NaN where either image is constant.
 */
export function pixelCorrelation(recon: ImageBatch, truth: ImageBatch): Float64Array {
  assertSameBatchShape(recon, truth, 'pixelCorrelation');
  const out = new Float64Array(recon.count);
  for (let i = 0; i < recon.count; i++) out[i] = pearson(imageView(recon, i), imageView(truth, i));
  return out;
}

function assertSameBatchShape(a: ImageBatch, b: ImageBatch, who: string): void {
  if (a.count !== b.count || a.height !== b.height || a.width !== b.width) {
    throw new Error(
      `${who}: shapes differ (${a.count}x${a.height}x${a.width} vs ${b.count}x${b.height}x${b.width})`,
    );
  }
}
