import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DuckDBAppender, DuckDBInstance } from '@duckdb/node-api';
import type { Column } from './arrow-table';

/** The column kinds a Parquet table for people holds; matrices and blobs stay in Arrow only. */
export type ScalarColumn = Extract<Column, { kind: 'utf8' | 'int32' | 'float32' | 'float64' | 'bool' }>;

const SQL_TYPES: Record<ScalarColumn['kind'], string> = {
  utf8: 'VARCHAR',
  int32: 'INTEGER',
  float32: 'FLOAT',
  float64: 'DOUBLE',
  bool: 'BOOLEAN',
};

const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

function appendCell(appender: DuckDBAppender, column: ScalarColumn, row: number): void {
  switch (column.kind) {
    case 'utf8':
      return appender.appendVarchar(column.values[row]!);
    case 'int32':
      return appender.appendInteger(column.values[row]!);
    case 'float32':
      return appender.appendFloat(column.values[row]!);
    case 'float64':
      return appender.appendDouble(column.values[row]!);
    case 'bool':
      return appender.appendBoolean(column.values[row]! !== 0);
  }
}

/**
 * Encodes named columns of equal length as a Parquet file, the same table `encodeTable` writes
 * as Arrow, for the tools analysts open first (pandas, DuckDB, R's arrow, Spark). Embedded DuckDB
 * writes it (Parquet support is built into its npm binary, so nothing is fetched at run time).
 * NaN stays NaN, as in the Arrow file.
 */
export async function encodeParquet(columns: Record<string, ScalarColumn>): Promise<Uint8Array> {
  const names = Object.keys(columns);
  if (names.length === 0) throw new Error('encodeParquet: at least one column is needed');
  const rows = columns[names[0]!]!.values.length;
  for (const name of names) {
    const n = columns[name]!.values.length;
    if (n !== rows) throw new Error(`encodeParquet: column ${name} has ${n} rows, expected ${rows}`);
  }
  // DuckDB writes Parquet to a file only; a private folder keeps concurrent writers apart.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-parquet-'));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  try {
    const connection = await instance.connect();
    try {
      await connection.run(`CREATE TABLE t (${names.map((n) => `${quoteIdentifier(n)} ${SQL_TYPES[columns[n]!.kind]} NOT NULL`).join(', ')})`);
      const appender = await connection.createAppender('t');
      for (let r = 0; r < rows; r++) {
        for (const name of names) appendCell(appender, columns[name]!, r);
        appender.endRow();
      }
      appender.closeSync();
      const file = path.join(dir, 'table.parquet');
      await connection.run(`COPY t TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`);
      return new Uint8Array(await fs.readFile(file));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
