import { describe, expect, it } from 'vitest';
import { artificialShapes, SHAPE_COLOURS } from '../../lib/data/artificial-shapes';
import { LETTERS, letterImage } from '../../lib/data/letters';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { simulateResponses } from '../../lib/data/simulated-subject';

const pixel = (image: Float32Array, size: number, x: number, y: number) => Array.from(image.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));

describe('artificial shapes and letters', () => {
  it('are the paper’s 5 forms × 8 colours, each painted in its colour on grey', () => {
    const size = 32;
    const shapes = artificialShapes(size);
    expect(shapes).toHaveLength(40);
    expect(new Set(shapes.map((s) => s.name)).size).toBe(40);
    for (const { name, image } of shapes) {
      const colour = SHAPE_COLOURS[name.split('-').pop()!]!;
      expect(pixel(image, size, 0, 0)).toEqual([0.5, 0.5, 0.5]);
      // Every form covers some pixels fully with its colour.
      const painted = Array.from({ length: size * size }, (_, p) => pixel(image, size, p % size, Math.floor(p / size)));
      expect(painted.some((rgb) => rgb.every((v, c) => v === colour[c]))).toBe(true);
    }
    // A filled square covers its centre; a frame does not.
    const centre = (name: string) => pixel(shapes.find((s) => s.name === name)!.image, size, 16, 16);
    expect(centre('square-red')).toEqual([1, 0, 0]);
    expect(centre('large-frame-red')).toEqual([0.5, 0.5, 0.5]);
  });

  it('draws ten distinct dark letters on a light background', () => {
    const size = 32;
    const images = LETTERS.map((l) => letterImage(l, size));
    expect(LETTERS).toHaveLength(10);
    for (const image of images) {
      const dark = Array.from({ length: size * size }, (_, p) => image[p * 3]!).filter((v) => v < 0.3).length;
      expect(dark).toBeGreaterThan(size * size * 0.03);
      expect(dark).toBeLessThan(size * size * 0.3);
    }
    for (let a = 0; a < images.length; a++) for (let b = a + 1; b < images.length; b++) expect(images[a]).not.toEqual(images[b]);
    expect(() => letterImage('Q', size)).toThrow(/no glyph for "Q"/);
  });

  it('become the shapes, letters and imagery sets of the simulated subject', () => {
    const stimuli = proceduralStimuli({ seed: 1, imageSize: 16, trainImages: 8, testImages: 12, shapes: true, letters: true });
    expect(stimuli.ids).toHaveLength(8 + 12 + 40 + 10);
    expect(stimuli.ids).toContain('shape-plus-cyan');
    expect(stimuli.ids).toContain('letter-K');
    const trials = simulateResponses(stimuli, {
      seed: 1, voxels: 30, trainRepeats: 1, testRepeats: 2, shapesRepeats: 3, lettersRepeats: 4, imageryRepeats: 5, noiseSd: 1,
    });
    const count = (set: string) => trials.sets.filter((s) => s === set).length;
    expect([count('train'), count('natural'), count('shapes'), count('letters'), count('imagery')]).toEqual([8, 24, 120, 40, 5 * 25]);
    const imagined = new Set(trials.stimulusIds.filter((_, i) => trials.sets[i] === 'imagery'));
    expect(imagined.size).toBe(25);
    expect([...imagined].filter((id) => id.startsWith('natural-'))).toHaveLength(10);
    expect([...imagined].filter((id) => id.startsWith('shape-'))).toHaveLength(15);
  });
});
