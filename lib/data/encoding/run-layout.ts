import type { Random } from '../../random';
import type { StimulusSet } from '../trials';

/** How many test images and shapes are imagined in the imagery runs (the paper: ~10 + 15). */
export const IMAGERY_FROM = { natural: 10, shapes: 15 } as const;
/** Trials per run (the paper: 50 images per training run). */
export const TRIALS_PER_RUN = 50;

export interface Run {
  readonly set: string;
  /** Stimulus indices in presentation (block) order. */
  readonly stimuli: number[];
  /** True for imagery runs: the signal is imagined, not seen. */
  readonly imagery: boolean;
}

export interface RepeatCounts {
  readonly trainRepeats: number;
  readonly testRepeats: number;
  readonly shapesRepeats?: number;
  readonly lettersRepeats?: number;
  readonly imageryRepeats?: number;
}

function repeatsOf(set: string, r: RepeatCounts): number {
  switch (set) {
    case 'train':
      return r.trainRepeats;
    case 'shapes':
      return r.shapesRepeats ?? 20;
    case 'letters':
      return r.lettersRepeats ?? 12;
    default:
      return r.testRepeats;
  }
}

/**
 * Each repetition of a set presents every image once, in shuffled runs of at most 50; imagery
 * runs follow, each holding the imagined images once.
 */
export function runLayout(rng: Random, stimuli: StimulusSet, repeats: RepeatCounts): Run[] {
  const runs: Run[] = [];
  const bySet = new Map<string, number[]>();
  stimuli.sets.forEach((set, i) => bySet.set(set, [...(bySet.get(set) ?? []), i]));
  const addRuns = (set: string, indices: number[], count: number, imagery: boolean): void => {
    for (let r = 0; r < count; r++) {
      const order = rng.shuffle([...indices]);
      for (let start = 0; start < order.length; start += TRIALS_PER_RUN) runs.push({ set, stimuli: order.slice(start, start + TRIALS_PER_RUN), imagery });
    }
  };
  for (const [set, indices] of bySet) addRuns(set, indices, repeatsOf(set, repeats), false);
  const imagined = Object.entries(IMAGERY_FROM).flatMap(([set, n]) => (bySet.get(set) ?? []).slice(0, n));
  if (imagined.length > 0 && (repeats.imageryRepeats ?? 0) > 0) addRuns('imagery', imagined, repeats.imageryRepeats!, true);
  return runs;
}
