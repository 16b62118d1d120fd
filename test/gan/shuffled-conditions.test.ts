import { describe, expect, it } from 'vitest';
import { permutedAcrossImages } from '../../lib/gan/shuffled-conditions';
import { createMatrix, rowView } from '../../lib/linalg/matrix';

const IDS = Array.from({ length: 25 }, (_, i) => `natural-${String(i).padStart(2, '0')}`);
/** Row i holds (i, i, i): its content says which image's pattern it is. */
const VOXELS = createMatrix(IDS.length, 3, Float32Array.from({ length: IDS.length * 3 }, (_, k) => Math.floor(k / 3)));
const source = (m: ReturnType<typeof permutedAcrossImages>): number[] => Array.from({ length: m.rows }, (_, i) => rowView(m, i)[0]!);

describe('the cgan control’s permuted conditions', () => {
  it('is a derangement: every image gets another image’s whole pattern, and every pattern is used once', () => {
    for (let seed = 0; seed < 30; seed++) {
      const from = source(permutedAcrossImages(IDS, VOXELS, seed));
      from.forEach((j, i) => expect(j, `seed ${seed}, row ${i}`).not.toBe(i));
      expect([...from].sort((a, b) => a - b)).toEqual(IDS.map((_, i) => i));
    }
    const rows = permutedAcrossImages(IDS, VOXELS, 13);
    for (let i = 0; i < rows.rows; i++) expect(new Set(rowView(rows, i)).size).toBe(1);
  });

  it('is seeded: the same seed pairs the same images, another seed others, whatever the row order', () => {
    const a = source(permutedAcrossImages(IDS, VOXELS, 13));
    expect(source(permutedAcrossImages(IDS, VOXELS, 13))).toEqual(a);
    expect(source(permutedAcrossImages(IDS, VOXELS, 14))).not.toEqual(a);
    // Rows in reverse order: image i still receives the pattern of the same image.
    const reversedIds = [...IDS].reverse();
    const reversed = createMatrix(IDS.length, 3, Float32Array.from({ length: IDS.length * 3 }, (_, k) => IDS.length - 1 - Math.floor(k / 3)));
    const fromReversed = source(permutedAcrossImages(reversedIds, reversed, 13));
    reversedIds.forEach((_, r) => expect(fromReversed[r]).toBe(a[IDS.length - 1 - r]));
  });

  it('rejects ids that do not label the rows', () => {
    expect(() => permutedAcrossImages(IDS.slice(1), VOXELS, 1)).toThrow(/24 ids for 25 rows/);
  });
});
