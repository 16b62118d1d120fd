import { describe, expect, it } from 'vitest';
import { standardiseColumns } from '../../lib/linalg/standardise-columns';
import { createMatrix } from '../../lib/linalg/matrix';

describe('standardiseColumns', () => {
  // 4 × 3: a column with mean 2.5 and SD √1.25, a constant column, and one whose statistics come from rows 0–1 only.
  const m = createMatrix(4, 3, Float32Array.from([1, 7, 0, 2, 7, 2, 3, 7, 10, 4, 7, -4]));

  it('z-scores each column with its population mean and SD; a constant column becomes zeros', () => {
    const { z, mean, sd } = standardiseColumns(m);
    expect(Array.from(mean)).toEqual([2.5, 7, 2]);
    expect(sd[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(sd[1]).toBe(1);
    const column = (j: number) => [0, 1, 2, 3].map((i) => z.data[i * 3 + j]!);
    column(0).forEach((v, i) => expect(v).toBeCloseTo((i + 1 - 2.5) / Math.sqrt(1.25), 6));
    expect(column(1)).toEqual([0, 0, 0, 0]);
  });

  it('takes the statistics from the given rows only and applies them to every row', () => {
    const { z, mean, sd } = standardiseColumns(m, [0, 1]);
    expect(mean[2]).toBe(1);
    expect(sd[2]).toBe(1);
    expect([0, 1, 2, 3].map((i) => z.data[i * 3 + 2])).toEqual([-1, 1, 9, -5]);
  });
});
