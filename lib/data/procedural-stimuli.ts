import { createImageBatch } from '../images/image-batch';
import { Random } from '../random';
import { artificialShapes } from './artificial-shapes';
import { deadLeavesImage } from './dead-leaves';
import { LETTERS, letterImage } from './letters';
import type { StimulusSet } from './trials';

export interface ProceduralStimuliOptions {
  readonly seed: number;
  readonly imageSize: number;
  readonly trainImages: number;
  readonly testImages: number;
  /** Add the paper's 40 artificial shapes (set `shapes`). */
  readonly shapes?: boolean;
  /** Add the 10 letters (set `letters`). */
  readonly letters?: boolean;
}

export function stimulusId(set: string, index: number): string {
  return `${set}-${String(index + 1).padStart(4, '0')}`;
}

/**
 * The stimulus sets: natural-like training (`train`) and test (`natural`) images from the
 * dead-leaves model, plus, when asked, the artificial shapes and letters. Natural image i of a set
 * depends only on (seed, its offset, i), so enlarging a set keeps the images it already had.
 */
export function proceduralStimuli(o: ProceduralStimuliOptions): StimulusSet {
  const images: { id: string; set: string; image: Float32Array }[] = [];
  const natural: [string, number, number][] = [
    ['train', o.trainImages, 0],
    ['natural', o.testImages, 1_000_000],
  ];
  for (const [set, count, offset] of natural) {
    for (let i = 0; i < count; i++) {
      images.push({ id: stimulusId(set, i), set, image: deadLeavesImage(new Random(o.seed).fork(offset + i), o.imageSize) });
    }
  }
  if (o.shapes) for (const s of artificialShapes(o.imageSize)) images.push({ id: `shape-${s.name}`, set: 'shapes', image: s.image });
  if (o.letters) for (const letter of LETTERS) images.push({ id: `letter-${letter}`, set: 'letters', image: letterImage(letter, o.imageSize) });
  const batch = createImageBatch(images.length, o.imageSize, o.imageSize);
  images.forEach((entry, n) => batch.data.set(entry.image, n * entry.image.length));
  return { ids: images.map((e) => e.id), sets: images.map((e) => e.set), images: batch };
}
