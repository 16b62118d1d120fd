import { describe, expect, it } from 'vitest';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { simulateResponses } from '../../lib/data/simulated-subject';
import type { StimulusSet } from '../../lib/data/trials';
import { createImageBatch } from '../../lib/images/image-batch';
import { imageryCategory, imageryCategoryRows } from '../../lib/evaluation/imagery-categories';

describe('imagery categories', () => {
  it('split the simulated subject’s imagery set into its 10 natural images and 15 shapes', () => {
    const stimuli = proceduralStimuli({ seed: 1, imageSize: 16, trainImages: 4, testImages: 12, shapes: true, letters: true });
    const trials = simulateResponses(stimuli, { seed: 1, voxels: 10, trainRepeats: 1, testRepeats: 1, imageryRepeats: 1, noiseSd: 1 });
    const imagined = trials.stimulusIds.filter((_, i) => trials.sets[i] === 'imagery');
    const groups = imageryCategoryRows(imagined, stimuli);
    expect(groups.map((g) => [g.set, g.rows.length])).toEqual([['imagery-natural', 10], ['imagery-shapes', 15]]);
    for (const g of groups) {
      const ids = g.rows.map((r) => imagined[r]!);
      expect(ids.every((id) => stimuli.sets[stimuli.ids.indexOf(id)] === g.set.slice('imagery-'.length))).toBe(true);
    }
  });

  it('take the category from the stimulus table first, then from the id', () => {
    const table: StimulusSet = { ids: ['img-a', 'shape-x', 'natural-0009'], sets: ['shapes', 'imagery', 'imagery'], images: createImageBatch(3, 1, 1) };
    expect(imageryCategory('img-a', table)).toBe('shapes');
    expect(imageryCategory('shape-x', table)).toBe('shapes');
    expect(imageryCategory('natural-0009', table)).toBe('natural');
    expect(imageryCategory('letter-K', table)).toBeUndefined();
    expect(imageryCategoryRows(['letter-K', 'natural-0009'], table)).toEqual([{ set: 'imagery-natural', rows: [1] }]);
  });
});
