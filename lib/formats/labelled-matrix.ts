import { DataError } from '../data/data-error';
import type { Matrix } from '../linalg/matrix';
import { decodeTable, encodeTable } from '../store/arrow-table';

/** A matrix whose rows are labelled by stimulus id: features, decoded features, voxel patterns. */
export interface LabelledMatrix {
  readonly stimulusIds: string[];
  readonly values: Matrix;
}

/** Arrow layout: `stimulus_id: utf8`, `values: fixed_size_list<float32>[cols]`, plus metadata. */
export function encodeLabelledMatrix(m: LabelledMatrix, metadata: Record<string, string> = {}): Uint8Array {
  if (m.stimulusIds.length !== m.values.rows) {
    throw new Error(`encodeLabelledMatrix: ${m.stimulusIds.length} ids for ${m.values.rows} rows`);
  }
  return encodeTable(
    { stimulus_id: { kind: 'utf8', values: m.stimulusIds }, values: { kind: 'matrix', values: m.values } },
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
  return { stimulusIds: table.strings('stimulus_id'), values, metadata: table.metadata };
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
