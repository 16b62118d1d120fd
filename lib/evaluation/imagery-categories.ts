import type { StimulusSet } from '../data/trials';

/** The set in which imagined stimuli of every category are mixed (perception test sets are pure). */
export const IMAGERY_SET = 'imagery';

/** Categories of imagined images, each evaluated among its own kind only: `imagery-<category>`. */
export const IMAGERY_CATEGORIES = ['natural', 'shapes'] as const;
export type ImageryCategory = (typeof IMAGERY_CATEGORIES)[number];

/** Id prefixes of the procedural stimuli (`natural-0001`, `shape-red-square`), the fallback. */
const ID_PREFIXES: Readonly<Record<ImageryCategory, string>> = { natural: 'natural-', shapes: 'shape-' };

/**
 * The category of an imagined stimulus: the perception set that shows the same image id (the
 * simulated subject and GOD/DIR imagine images of the natural test set and the shapes), else the
 * id's prefix; undefined when neither says. Mixed, identification is partly category
 * recognition — any shape-like blob beats every natural foil — so each category is also scored
 * with candidates of its own kind only.
 */
export function imageryCategory(id: string, stimuli: StimulusSet): ImageryCategory | undefined {
  for (let i = 0; i < stimuli.ids.length; i++) {
    if (stimuli.ids[i] !== id) continue;
    const set = stimuli.sets[i]!;
    if ((IMAGERY_CATEGORIES as readonly string[]).includes(set)) return set as ImageryCategory;
  }
  return IMAGERY_CATEGORIES.find((c) => id.startsWith(ID_PREFIXES[c]));
}

/** Positions (in `ids` order) of the imagined stimuli of each category; categories without any are left out. */
export function imageryCategoryRows(ids: readonly string[], stimuli: StimulusSet): { set: string; rows: number[] }[] {
  const categories = ids.map((id) => imageryCategory(id, stimuli));
  return IMAGERY_CATEGORIES.map((category) => ({
    set: `${IMAGERY_SET}-${category}`,
    rows: categories.flatMap((c, k) => (c === category ? [k] : [])),
  })).filter((g) => g.rows.length > 0);
}
