import type { ImageBatch } from '../images/image-batch';

/** d[i·n + j] = Euclidean distance between images i and j (all pixels and channels, as stored). */
function distanceMatrix(images: ImageBatch): Float64Array {
  const n = images.count;
  const size = images.data.length / n;
  const d = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let s = 0;
      for (let k = 0; k < size; k++) s += (images.data[a * size + k]! - images.data[b * size + k]!) ** 2;
      d[a * n + b] = d[b * n + a] = Math.sqrt(s);
    }
  }
  return d;
}

/** Mean Euclidean distance over all unordered pairs of images of a batch. O(count² · pixels). */
export function meanPairwiseDistance(images: ImageBatch): number {
  const n = images.count;
  if (n < 2) throw new Error(`meanPairwiseDistance: needs at least 2 images, got ${n}`);
  const d = distanceMatrix(images);
  let sum = 0;
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) sum += d[a * n + b]!;
  return sum / ((n * (n - 1)) / 2);
}

/**
 * Diversity, per reconstruction i: its mean distance to the other reconstructions of the set,
 * divided by the mean pairwise distance between the set's true images. The mean over i is the
 * diversity ratio (mean pairwise distance of the reconstructions / that of the true images): a
 * generator that ignores its condition (mode collapse) scores near 0, reconstructions as varied as
 * the images near 1. It measures spread only, not correctness: shuffled conditions keep it.
 * recon and truth: [n, h, w, 3] alike, n ≥ 2.
 */
export function diversity(recon: ImageBatch, truth: ImageBatch): Float64Array {
  const n = recon.count;
  if (n !== truth.count || recon.data.length !== truth.data.length) {
    throw new Error(`diversity: ${n} reconstructions of ${recon.data.length / Math.max(1, n)} values vs ${truth.count} true images of ${truth.data.length / Math.max(1, truth.count)}`);
  }
  const reference = meanPairwiseDistance(truth);
  const d = distanceMatrix(recon);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += d[i * n + j]!;
    out[i] = s / (n - 1) / reference;
  }
  return out;
}
