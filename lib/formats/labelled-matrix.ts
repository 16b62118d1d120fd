import { DataError } from '../data/data-error';
import type { Matrix } from '../linalg/matrix';
import { decodeTable, encodeTable } from '../store/arrow-table';
import type { TensorShape } from '../store/fixed-shape-tensor';

/** A matrix whose rows are labelled by stimulus id: features, decoded features, voxel patterns. */
export interface LabelledMatrix {
  readonly stimulusIds: string[];
  readonly values: Matrix;
  /**
   * What each row is, unflattened: a conv layer's [H, W, C] (the row is in NHWC order), a dense
   * layer's [C]. Absent for voxel patterns, and in files written before shapes were recorded.
   */
  readonly shape?: TensorShape;
}

/** The tensor shape of one CNN layer's features: [H, W, C] for conv layers, [C] for dense ones. */
export function layerTensorShape(shape: readonly number[]): TensorShape {
  return { shape: [...shape], dimNames: shape.length === 3 ? ['H', 'W', 'C'] : shape.length === 1 ? ['C'] : shape.map((_, i) => `d${i}`) };
}

/**
 * Arrow layout: `stimulus_id: utf8`, `values: fixed_size_list<float32>[cols]`, plus metadata.
 * With a shape, `values` is an `arrow.fixed_shape_tensor` of it, which pyarrow reads as an
 * (N, H, W, C) ndarray; readers that do not know the extension see the same list column.
 */
export function encodeLabelledMatrix(m: LabelledMatrix, metadata: Record<string, string> = {}): Uint8Array {
  if (m.stimulusIds.length !== m.values.rows) {
    throw new Error(`encodeLabelledMatrix: ${m.stimulusIds.length} ids for ${m.values.rows} rows`);
  }
  return encodeTable(
    { stimulus_id: { kind: 'utf8', values: m.stimulusIds }, values: { kind: 'matrix', values: m.values, ...(m.shape ? { tensor: m.shape } : {}) } },
    metadata,
  );
}

export function decodeLabelledMatrix(bytes: Uint8Array, source: string): LabelledMatrix & { metadata: Record<string, string> } {
  const table = decodeTable(bytes, source);
  const values = table.matrix('values');
  for (let i = 0; i < values.data.length; i++) {
    if (!Number.isFinite(values.data[i]!)) {
      throw new DataError(source, `non-finite value in row ${Math.floor(i / values.cols)}, column ${i % values.cols}`);
    }
  }
  const shape = table.tensorShape('values');
  return { stimulusIds: table.strings('stimulus_id'), values, ...(shape ? { shape } : {}), metadata: table.metadata };
}

/** Row indices of `wanted` ids in `m`, in order; an unknown id is a DataError naming it. */
export function rowsForIds(m: LabelledMatrix, wanted: readonly string[], source: string): number[] {
  const index = new Map(m.stimulusIds.map((id, i) => [id, i]));
  return wanted.map((id) => {
    const row = index.get(id);
    if (row === undefined) throw new DataError(source, `no row for stimulus "${id}"`);
    return row;
  });
}
