import { Random } from '../random';

/**
 * The chance control's pairing: a seeded permutation π of the distinct image ids with no fixed
 * point (Sattolo's algorithm draws a uniformly random single cycle, so no image keeps its own
 * label). Ids are sorted first, so π depends only on the set of ids and the seed, never on the
 * order of the trials. Maps each id to the id whose label it takes.
 */
export function imageDerangement(ids: readonly string[], seed: number): Map<string, string> {
  const distinct = [...new Set(ids)].sort();
  const order = distinct.map((_, i) => i);
  const rng = new Random(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i); // j < i (not ≤ i as in Fisher–Yates): the result is one cycle
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return new Map(distinct.map((id, i) => [id, distinct[order[i]!]!]));
}

/**
 * Relabels trials at the level of images: every repetition of image i is paired with image π(i),
 * so a decoder fitted on the result sees consistent but wrong image–response pairs (the same
 * number of repetitions, the same feature distribution) and can carry no information about which
 * image was seen. A single image cannot be deranged and is left as it is.
 */
export function shuffleImageLabels(trialIds: readonly string[], seed: number): string[] {
  const pi = imageDerangement(trialIds, seed);
  return trialIds.map((id) => pi.get(id)!);
}
