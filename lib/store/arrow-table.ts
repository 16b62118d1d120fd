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
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { createMatrix, type Matrix } from '../linalg/matrix';

/**
 * The column kinds our artifacts use. A matrix is a fixed-size-list<float32> column: one row per
 * sample, so pyarrow, polars and DuckDB read it as an ordinary list column.
 */
export type Column =
  | { kind: 'utf8'; values: readonly string[] }
  | { kind: 'int32'; values: Int32Array }
  | { kind: 'float32'; values: Float32Array }
  | { kind: 'float64'; values: Float64Array }
  | { kind: 'bool'; values: Uint8Array }
  | { kind: 'binary'; values: readonly Uint8Array[] }
  | { kind: 'matrix'; values: Matrix };

/** Raised when bytes are not a readable Arrow file or lack an expected column. */
export class ArrowFormatError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ArrowFormatError';
  }
}

function columnLength(column: Column): number {
  return column.kind === 'matrix' ? column.values.rows : column.values.length;
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
    case 'matrix': {
      const m = column.values;
      const child = makeData({ type: new Float32(), length: m.rows * m.cols, nullCount: 0, data: m.data });
      const type = new FixedSizeList(m.cols, new Field('item', new Float32(), false));
      return makeVector(makeData({ type, length: m.rows, nullCount: 0, child }));
    }
  }
}

/** Encodes named columns of equal length as an Arrow IPC file (the `.arrow` format). */
export function encodeTable(columns: Record<string, Column>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(columns);
  if (names.length === 0) throw new Error('encodeTable: at least one column is needed');
  const length = columnLength(columns[names[0]!]!);
  const vectors: Record<string, Vector> = {};
  for (const name of names) {
    const column = columns[name]!;
    if (columnLength(column) !== length) {
      throw new Error(`encodeTable: column ${name} has ${columnLength(column)} rows, expected ${length}`);
    }
    vectors[name] = toVector(column);
  }
  const table = new Table(vectors);
  const withMetadata = new Table(
    new Schema(table.schema.fields, new Map(Object.entries(metadata))),
    table.batches,
  );
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

  /** A fixed-size-list<float32> column as a dense matrix (copied into one buffer). */
  matrix(name: string): Matrix {
    const v = this.column(
      name,
      (t) => t instanceof FixedSizeList && String((t as FixedSizeList).children[0]?.type) === 'Float32',
      'fixed_size_list<float32>',
    );
    const cols = (v.type as FixedSizeList).listSize;
    const out = new Float32Array(v.length * cols);
    let row = 0;
    for (const chunk of v.data as Data<FixedSizeList>[]) {
      const child = chunk.children[0]!;
      const values = (child.values as Float32Array).subarray(
        (child.offset + chunk.offset * cols),
        (child.offset + (chunk.offset + chunk.length) * cols),
      );
      out.set(values, row * cols);
      row += chunk.length;
    }
    return createMatrix(v.length, cols, out);
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
