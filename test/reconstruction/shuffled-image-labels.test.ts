import { describe, expect, it } from 'vitest';
import { imageDerangement, shuffleImageLabels } from '../../lib/reconstruction/shuffled-image-labels';
import { Random } from '../../lib/random';

const IMAGES = Array.from({ length: 40 }, (_, i) => `img-${String(i).padStart(2, '0')}`);
/** Three repetitions of every image, in a scrambled trial order. */
const TRIALS = new Random(2).shuffle([...IMAGES, ...IMAGES, ...IMAGES]);

describe('the chance control’s image-level label shuffle', () => {
  it('permutes images, not trials: every repetition of image i takes the same other image’s label', () => {
    const shuffled = shuffleImageLabels(TRIALS, 7);
    const taken = new Map<string, Set<string>>();
    TRIALS.forEach((id, t) => taken.set(id, (taken.get(id) ?? new Set()).add(shuffled[t]!)));
    for (const id of IMAGES) {
      expect(taken.get(id)!.size, id).toBe(1);
      expect(taken.get(id)!.has(id), id).toBe(false);
    }
    // A permutation of the images: each label is used by exactly one image, as often as before.
    expect(new Set([...taken.values()].map((s) => [...s][0]))).toEqual(new Set(IMAGES));
    expect([...shuffled].sort()).toEqual([...TRIALS].sort());
  });

  it('depends only on the images and the seed, not on the order of the trials', () => {
    const pi = imageDerangement(TRIALS, 7);
    expect(imageDerangement([...TRIALS].reverse(), 7)).toEqual(pi);
    expect(imageDerangement(TRIALS, 8)).not.toEqual(pi);
    // No image is paired with itself, for any seed (a single cycle), and small sets too.
    for (let seed = 0; seed < 50; seed++) {
      for (const ids of [IMAGES, IMAGES.slice(0, 2), IMAGES.slice(0, 3)]) {
        for (const [id, other] of imageDerangement(ids, seed)) expect(other).not.toBe(id);
      }
    }
    expect(imageDerangement(['only'], 1).get('only')).toBe('only');
  });
});
