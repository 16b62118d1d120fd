import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../lib/linalg/matrix';
import { ArrowFormatError, decodeTable, encodeTable } from '../../lib/store/arrow-table';

describe('arrow table encoding', () => {
  it('round-trips every column kind exactly', () => {
    const m = createMatrix(3, 4, Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2));
    const bytes = encodeTable(
      {
        id: { kind: 'utf8', values: ['a', 'b', 'c'] },
        run: { kind: 'int32', values: Int32Array.of(1, 2, 3) },
        score: { kind: 'float64', values: Float64Array.of(0.1, 0.2, 0.3) },
        weight: { kind: 'float32', values: Float32Array.of(1.5, 2.5, 3.5) },
        mask: { kind: 'bool', values: Uint8Array.of(1, 0, 1) },
        png: { kind: 'binary', values: [Uint8Array.of(1), Uint8Array.of(2, 3), Uint8Array.of()] },
        values: { kind: 'matrix', values: m },
      },
      { layer: 'conv1_1' },
    );
    const t = decodeTable(bytes, 'mem');
    expect(t.numRows).toBe(3);
    expect(t.strings('id')).toEqual(['a', 'b', 'c']);
    expect(Array.from(t.int32('run'))).toEqual([1, 2, 3]);
    expect(Array.from(t.float64('score'))).toEqual([0.1, 0.2, 0.3]);
    expect(Array.from(t.float32('weight'))).toEqual([1.5, 2.5, 3.5]);
    expect(Array.from(t.bool('mask'))).toEqual([1, 0, 1]);
    expect(t.binary('png').map((b) => Array.from(b))).toEqual([[1], [2, 3], []]);
    const back = t.matrix('values');
    expect([back.rows, back.cols]).toEqual([3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(m.data));
    expect(t.metadata.layer).toBe('conv1_1');
  });

  it('names the source and the column when a column is missing or of the wrong type', () => {
    const bytes = encodeTable({ id: { kind: 'utf8', values: ['a'] } });
    const t = decodeTable(bytes, 'trials.arrow');
    expect(() => t.matrix('voxels')).toThrow(/trials\.arrow: missing column "voxels"/);
    expect(() => t.int32('id')).toThrow(/trials\.arrow: column "id" is Utf8, expected int32/);
  });

  it('refuses truncated bytes with the source named', () => {
    const bytes = encodeTable({ x: { kind: 'float32', values: new Float32Array(100) } });
    expect(() => decodeTable(bytes.subarray(0, 40), 'cut.arrow')).toThrow(ArrowFormatError);
    expect(() => decodeTable(bytes.subarray(0, 40), 'cut.arrow')).toThrow(/cut\.arrow/);
  });

  it('rejects columns of unequal length', () => {
    expect(() =>
      encodeTable({ a: { kind: 'int32', values: Int32Array.of(1) }, b: { kind: 'int32', values: Int32Array.of(1, 2) } }),
    ).toThrow(/column b has 2 rows, expected 1/);
  });
});
