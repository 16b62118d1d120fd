import {
  Binary,
  Bool,
  type Data,
  type DataType,
  Field,
  FixedSizeList,
  Float32,
  makeData,
  makeVector,
  Schema,
  Table,
  tableFromIPC,
  tableToIPC,
  Uint8,
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { createMatrix, type Matrix } from '../linalg/matrix';
import { checkTensorShape, type TensorShape, tensorFieldMetadata, tensorShapeOf } from './fixed-shape-tensor';

/**
 * The column kinds our artifacts use. A matrix is a fixed-size-list<float32> column: one row per
 * sample, so pyarrow, polars and DuckDB read it as an ordinary list column. With `tensor`, each
 * row is a tensor of that shape (a conv layer's H×W×C features), recorded as Arrow's canonical
 * `arrow.fixed_shape_tensor` extension so pyarrow rebuilds the ndarray. `bytes` is the same for
 * uint8 tensors (8-bit images): `rows` tensors of `tensor.shape`, row after row.
 */
export type Column =
  | { kind: 'utf8'; values: readonly string[] }
  | { kind: 'int32'; values: Int32Array }
  | { kind: 'float32'; values: Float32Array }
  | { kind: 'float64'; values: Float64Array }
  | { kind: 'bool'; values: Uint8Array }
  | { kind: 'binary'; values: readonly Uint8Array[] }
  | { kind: 'matrix'; values: Matrix; tensor?: TensorShape }
  | { kind: 'bytes'; values: Uint8Array; rows: number; tensor: TensorShape };

/** Raised when bytes are not a readable Arrow file or lack an expected column. */
export class ArrowFormatError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ArrowFormatError';
  }
}

function columnLength(column: Column): number {
  if (column.kind === 'matrix') return column.values.rows;
  if (column.kind === 'bytes') return column.rows;
  return column.values.length;
}

/** A fixed_size_list column of `rows` lists of `size` values each, over one flat buffer. */
function fixedSizeListVector(values: Float32Array | Uint8Array, rows: number, size: number): Vector {
  const child = values instanceof Float32Array
    ? makeData({ type: new Float32(), length: rows * size, nullCount: 0, data: values })
    : makeData({ type: new Uint8(), length: rows * size, nullCount: 0, data: values });
  const type = new FixedSizeList(size, new Field('item', child.type, false));
  return makeVector(makeData({ type, length: rows, nullCount: 0, child }));
}

/** The field metadata of a tensor column (checked against its list size); none for the others. */
function fieldMetadata(name: string, column: Column): Map<string, string> | undefined {
  if (column.kind === 'matrix' && column.tensor) {
    checkTensorShape(column.tensor, column.values.cols, `encodeTable: column ${name}`);
    return tensorFieldMetadata(column.tensor);
  }
  if (column.kind === 'bytes') {
    const size = column.rows === 0 ? 0 : column.values.length / column.rows;
    if (!Number.isInteger(size) || (column.rows === 0 && column.values.length !== 0)) throw new Error(`encodeTable: column ${name} has ${column.values.length} bytes for ${column.rows} rows`);
    checkTensorShape(column.tensor, column.rows === 0 ? tensorElements(column.tensor) : size, `encodeTable: column ${name}`);
    return tensorFieldMetadata(column.tensor);
  }
  return undefined;
}

function tensorElements(tensor: TensorShape): number {
  return tensor.shape.reduce((a, b) => a * b, 1);
}

function toVector(column: Column): Vector {
  switch (column.kind) {
    case 'utf8':
      return vectorFromArray([...column.values], new Utf8());
    case 'int32':
      return makeVector(column.values);
    case 'float32':
      return makeVector(column.values);
    case 'float64':
      return makeVector(column.values);
    case 'bool':
      return vectorFromArray(Array.from(column.values, (v) => v !== 0), new Bool());
    case 'binary':
      return vectorFromArray([...column.values], new Binary());
    case 'matrix':
      return fixedSizeListVector(column.values.data, column.values.rows, column.values.cols);
    case 'bytes':
      return fixedSizeListVector(column.values, column.rows, tensorElements(column.tensor));
  }
}

/** Encodes named columns of equal length as an Arrow IPC file (the `.arrow` format). */
export function encodeTable(columns: Record<string, Column>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(columns);
  if (names.length === 0) throw new Error('encodeTable: at least one column is needed');
  const length = columnLength(columns[names[0]!]!);
  const vectors: Record<string, Vector> = {};
  const fieldMetadataByName = new Map<string, Map<string, string>>();
  for (const name of names) {
    const column = columns[name]!;
    if (columnLength(column) !== length) {
      throw new Error(`encodeTable: column ${name} has ${columnLength(column)} rows, expected ${length}`);
    }
    const extension = fieldMetadata(name, column);
    if (extension) fieldMetadataByName.set(name, extension);
    vectors[name] = toVector(column);
  }
  const table = new Table(vectors);
  // Extension metadata lives on the field; the schema written is this one, so it carries it.
  const fields = table.schema.fields.map((f) => {
    const extension = fieldMetadataByName.get(f.name);
    return extension ? new Field(f.name, f.type, f.nullable, extension) : f;
  });
  const withMetadata = new Table(new Schema(fields, new Map(Object.entries(metadata))), table.batches);
  return tableToIPC(withMetadata, 'file');
}

/** A decoded Arrow file with typed, checked column access; errors name the source. */
export class DecodedTable {
  constructor(
    readonly source: string,
    private readonly table: Table,
  ) {}

  get numRows(): number {
    return this.table.numRows;
  }

  get columnNames(): string[] {
    return this.table.schema.fields.map((f) => f.name);
  }

  get metadata(): Record<string, string> {
    return Object.fromEntries(this.table.schema.metadata);
  }

  private column(name: string, expected: (type: DataType) => boolean, what: string): Vector {
    const field = this.table.schema.fields.find((f) => f.name === name);
    if (!field) {
      throw new ArrowFormatError(this.source, `missing column "${name}" (has: ${this.columnNames.join(', ')})`);
    }
    if (!expected(field.type)) {
      throw new ArrowFormatError(this.source, `column "${name}" is ${String(field.type)}, expected ${what}`);
    }
    return this.table.getChild(name)!;
  }

  strings(name: string): string[] {
    const v = this.column(name, (t) => t instanceof Utf8 || String(t) === 'Utf8', 'utf8');
    return Array.from(v.toArray() as Iterable<string>, (s) => String(s));
  }

  int32(name: string): Int32Array {
    const v = this.column(name, (t) => String(t) === 'Int32', 'int32');
    return Int32Array.from(v.toArray() as ArrayLike<number>);
  }

  float32(name: string): Float32Array {
    const v = this.column(name, (t) => String(t) === 'Float32', 'float32');
    return Float32Array.from(v.toArray() as ArrayLike<number>);
  }

  float64(name: string): Float64Array {
    const v = this.column(name, (t) => String(t) === 'Float64', 'float64');
    return Float64Array.from(v.toArray() as ArrayLike<number>);
  }

  bool(name: string): Uint8Array {
    const v = this.column(name, (t) => t instanceof Bool || String(t) === 'Bool', 'bool');
    return Uint8Array.from(Array.from(v as Iterable<boolean | null>, (b) => (b ? 1 : 0)));
  }

  binary(name: string): Uint8Array[] {
    const v = this.column(name, (t) => t instanceof Binary || String(t) === 'Binary', 'binary');
    return Array.from(v as Iterable<Uint8Array | null>, (b, i) => {
      if (!b) throw new ArrowFormatError(this.source, `column "${name}" row ${i} is null`);
      return new Uint8Array(b);
    });
  }

  has(name: string): boolean {
    return this.table.schema.fields.some((f) => f.name === name);
  }

  /** Copies a fixed_size_list column's values, row after row, into one buffer. */
  private flatList<T extends Float32Array | Uint8Array>(v: Vector, make: (n: number) => T): T {
    const size = (v.type as FixedSizeList).listSize;
    const out = make(v.length * size);
    let row = 0;
    for (const chunk of v.data as Data<FixedSizeList>[]) {
      const child = chunk.children[0]!;
      out.set((child.values as T).subarray(child.offset + chunk.offset * size, child.offset + (chunk.offset + chunk.length) * size), row * size);
      row += chunk.length;
    }
    return out;
  }

  private listOf(name: string, item: 'Float32' | 'Uint8'): Vector {
    return this.column(name, (t) => t instanceof FixedSizeList && String((t as FixedSizeList).children[0]?.type) === item, `fixed_size_list<${item.toLowerCase()}>`);
  }

  /** A fixed-size-list<float32> column as a dense matrix (copied into one buffer); a tensor column's rows flattened. */
  matrix(name: string): Matrix {
    const v = this.listOf(name, 'Float32');
    return createMatrix(v.length, (v.type as FixedSizeList).listSize, this.flatList(v, (n) => new Float32Array(n)));
  }

  /** A fixed-size-list<uint8> column's bytes, row after row. */
  bytes(name: string): Uint8Array {
    return this.flatList(this.listOf(name, 'Uint8'), (n) => new Uint8Array(n));
  }

  /**
   * The tensor shape a fixed_size_list column declares (`arrow.fixed_shape_tensor`); undefined
   * for a plain list column, as files written before shapes were recorded have.
   */
  tensorShape(name: string): TensorShape | undefined {
    const v = this.column(name, (t) => t instanceof FixedSizeList, 'fixed_size_list');
    const field = this.table.schema.fields.find((f) => f.name === name)!;
    try {
      return tensorShapeOf(field.metadata, (v.type as FixedSizeList).listSize, `column "${name}"`);
    } catch (error) {
      throw new ArrowFormatError(this.source, (error as Error).message);
    }
  }
}

/** Decodes an Arrow IPC file (or stream); malformed bytes give an ArrowFormatError naming the source. */
export function decodeTable(bytes: Uint8Array, source: string): DecodedTable {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new ArrowFormatError(source, `not a readable Arrow file (${(error as Error).message})`);
  }
  if (table.schema.fields.length === 0) throw new ArrowFormatError(source, 'Arrow file has no columns');
  return new DecodedTable(source, table);
}
