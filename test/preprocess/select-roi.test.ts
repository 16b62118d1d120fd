import { describe, it, expect } from 'vitest';
import { DataError } from '../../lib/data/data-error';
import { createMatrix } from '../../lib/linalg/matrix';
import { selectRoi } from '../../lib/preprocess/select-roi';

describe('selectRoi', () => {
  const X = createMatrix(2, 4, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  const masks = { V1: Uint8Array.from([1, 0, 1, 0]), VC: Uint8Array.from([0, 1, 1, 1]), none: new Uint8Array(4) };

  it('keeps the masked columns in order', () => {
    const v1 = selectRoi(X, masks, 'V1', 'src');
    expect(v1.cols).toBe(2);
    expect(Array.from(v1.data)).toEqual([1, 3, 5, 7]);
    expect(Array.from(selectRoi(X, masks, 'VC', 'src').data)).toEqual([2, 3, 4, 6, 7, 8]);
  });

  it('names the source and the available ROIs when the ROI is missing', () => {
    const run = () => selectRoi(X, masks, 'FFA', 'trials.arrow');
    expect(run).toThrow(DataError);
    expect(run).toThrow(/trials\.arrow: ROI "FFA" not found; available: V1, VC, none/);
  });

  it('rejects an empty ROI and a mask of the wrong length', () => {
    expect(() => selectRoi(X, masks, 'none', 'src')).toThrow(/src: ROI "none" contains no voxels/);
    expect(() => selectRoi(X, { short: Uint8Array.from([1]) }, 'short', 'src')).toThrow(DataError);
  });

  it('does not treat inherited object keys as ROIs', () => {
    expect(() => selectRoi(X, masks, 'toString', 'src')).toThrow(/not found/);
  });
});
