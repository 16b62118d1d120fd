import { DuckDBTypeId } from '@duckdb/node-api';
import type { QueryResult } from './results-database';

/** Integer types DuckDB's JSON conversion gives as strings (they may not fit a double). */
const WIDE_INTEGERS = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.DECIMAL]);
const FLOATS = new Set([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE]);

function isNumeric(typeId: DuckDBTypeId): boolean {
  return FLOATS.has(typeId) || WIDE_INTEGERS.has(typeId) || [DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER].includes(typeId);
}

/**
 * A JSON value a program can use as it is: counts (BIGINT) as numbers when exact, NaN and
 * infinities (a score that was not computed) as null, since JSON has no way to write them.
 */
function jsonValue(value: unknown, typeId: DuckDBTypeId): unknown {
  if (typeof value === 'string' && WIDE_INTEGERS.has(typeId)) {
    const n = Number(value);
    return typeId === DuckDBTypeId.DECIMAL || Number.isSafeInteger(n) ? n : value;
  }
  if (typeof value === 'string' && FLOATS.has(typeId)) return null;
  return value;
}

/** `--json`: one object per row, keyed by column name. */
export function resultsJson(result: QueryResult): string {
  const rows = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, jsonValue(row[i], result.types[i]!.typeId)])));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** A float in a few significant digits: a table is for reading, the files keep every bit. */
function readableNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (value === 0 || (magnitude >= 1e-3 && magnitude < 1e6)) return String(Number(value.toFixed(4)));
  return value.toPrecision(4);
}

function cellText(value: unknown, typeId: DuckDBTypeId, readable: boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && FLOATS.has(typeId) && readable) return readableNumber(value);
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The default output: aligned columns with a header rule, numbers right-aligned. */
export function resultsTable(result: QueryResult): string {
  const cells = result.rows.map((row) => row.map((v, i) => cellText(v, result.types[i]!.typeId, true)));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const right = result.types.map((t) => isNumeric(t.typeId));
  const line = (row: readonly string[]) => row.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const count = `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`;
  return `${[line(result.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), count].join('\n')}\n`;
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `--csv`: a header line, then every value in full precision; NULL is an empty field. */
export function resultsCsv(result: QueryResult): string {
  const lines = [result.columns, ...result.rows.map((row) => row.map((v, i) => cellText(v, result.types[i]!.typeId, false)))];
  return `${lines.map((l) => l.map(csvField).join(',')).join('\n')}\n`;
}
