import { describe, it, expect } from 'vitest';
import { createMatrix } from '../../lib/linalg/matrix';
import { averageByStimulus } from '../../lib/preprocess/average-trials';

describe('averageByStimulus', () => {
  it('averages repeats in order of first appearance', () => {
    const X = createMatrix(5, 2, Float32Array.from([1, 2, 10, 20, 3, 4, 30, 60, 5, 0]));
    const out = averageByStimulus(X, ['b', 'a', 'b', 'a', 'b']);
    expect(out.stimulusIds).toEqual(['b', 'a']);
    expect(out.X.rows).toBe(2);
    expect(out.X.cols).toBe(2);
    // b: (1+3+5)/3 = 3, (2+4+0)/3 = 2; a: (10+30)/2 = 20, (20+60)/2 = 40.
    expect(Array.from(out.X.data)).toEqual([3, 2, 20, 40]);
  });

  it('leaves unrepeated rows unchanged', () => {
    const X = createMatrix(2, 3, Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]));
    const out = averageByStimulus(X, ['x', 'y']);
    expect(Array.from(out.X.data)).toEqual(Array.from(X.data));
  });

  it('rejects a wrong number of ids', () => {
    expect(() => averageByStimulus(createMatrix(2, 1), ['a'])).toThrow(/1 stimulus ids for 2 rows/);
  });
});
