import { createImageBatch } from '../images/image-batch';
import { Random } from '../random';
import { deadLeavesImage } from './dead-leaves';
import type { StimulusSet } from './trials';

export interface ProceduralStimuliOptions {
  readonly seed: number;
  readonly imageSize: number;
  readonly trainImages: number;
  readonly testImages: number;
}

export function stimulusId(set: string, index: number): string {
  return `${set}-${String(index + 1).padStart(4, '0')}`;
}

/**
 * Natural-like training and test images from the dead-leaves model. Image i of a set depends only
 * on (seed, set, i), so enlarging a set keeps the images it already had.
 */
export function proceduralStimuli(o: ProceduralStimuliOptions): StimulusSet {
  const sets: [string, number, number][] = [
    ['train', o.trainImages, 0],
    ['test', o.testImages, 1_000_000],
  ];
  const total = o.trainImages + o.testImages;
  const images = createImageBatch(total, o.imageSize, o.imageSize);
  const ids: string[] = [];
  const labels: string[] = [];
  let n = 0;
  for (const [set, count, offset] of sets) {
    for (let i = 0; i < count; i++) {
      const image = deadLeavesImage(new Random(o.seed).fork(offset + i), o.imageSize);
      images.data.set(image, n * image.length);
      ids.push(stimulusId(set, i));
      labels.push(set);
      n++;
    }
  }
  return { ids, sets: labels, images };
}
