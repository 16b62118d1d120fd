import { type DuckDBConnection, DuckDBInstance, type DuckDBType } from '@duckdb/node-api';
import type { ResultSource } from './results-sources';

const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * The columns of each view, typed. Every view is the union (by column name) of its files and an
 * empty row of these columns, so a view with no files still exists with the right types, and a
 * file written before a column existed reads that column as NULL instead of failing the query.
 */
const VIEW_COLUMNS = {
  scores: { run: 'VARCHAR', sweep: 'VARCHAR', params: 'VARCHAR', subject: 'VARCHAR', method: 'VARCHAR', stimulus_set: 'VARCHAR', metric: 'VARCHAR', value: 'DOUBLE', low: 'DOUBLE', high: 'DOUBLE', images: 'INTEGER' },
  decoding: { run: 'VARCHAR', subject: 'VARCHAR', stimulus_set: 'VARCHAR', layer: 'VARCHAR', profile_correlation: 'DOUBLE', pattern_correlation: 'DOUBLE', identification: 'DOUBLE' },
  stages: { run: 'VARCHAR', stage: 'VARCHAR', subject: 'VARCHAR', variant: 'VARCHAR', reason: 'VARCHAR', cached: 'BOOLEAN', seconds: 'DOUBLE', key: 'VARCHAR' },
  sweeps: { sweep: 'VARCHAR', point: 'VARCHAR', subject: 'VARCHAR', params: 'VARCHAR', method: 'VARCHAR', stimulus_set: 'VARCHAR', metric: 'VARCHAR', value: 'DOUBLE' },
} as const;

type ViewName = keyof typeof VIEW_COLUMNS;

function emptyRow(view: ViewName): string {
  return `SELECT ${Object.entries(VIEW_COLUMNS[view]).map(([name, type]) => `NULL::${type} AS ${name}`).join(', ')} WHERE false`;
}

/**
 * The score tables write an interval bound that was not computed as NaN (pandas' missing value);
 * in SQL it is NULL, so avg(low) and friends skip it instead of turning NaN.
 */
const NOT_COMPUTED_AS_NULL: Partial<Record<ViewName, readonly string[]>> = { scores: ['low', 'high'] };

/** `SELECT <columns of view> FROM (<parts> UNION ALL BY NAME <empty row>)`, in the view's column order. */
function unionView(view: ViewName, parts: readonly string[]): string {
  const nullable = NOT_COMPUTED_AS_NULL[view] ?? [];
  const columns = Object.keys(VIEW_COLUMNS[view]).map((c) => (nullable.includes(c) ? `CASE WHEN isnan(${c}) THEN NULL ELSE ${c} END AS ${c}` : c)).join(', ');
  return `SELECT ${columns} FROM (${[...parts, emptyRow(view)].map((p) => `(${p})`).join(' UNION ALL BY NAME ')})`;
}

/** The SQL of each view over the given runs and sweeps; a sweep's points join `scores` as runs. */
export function viewDefinitions(sources: readonly ResultSource[]): Record<ViewName, string> {
  const read = (file: string, label: string) => `SELECT ${label}, * FROM read_parquet(${quoteLiteral(file)})`;
  const runs = sources.flatMap((s) => (s.kind === 'run' ? [s] : []));
  const sweeps = sources.flatMap((s) => (s.kind === 'sweep' ? [s] : []));
  const runLabel = (name: string) => `${quoteLiteral(name)} AS run`;
  return {
    sweeps: unionView('sweeps', sweeps.map((s) => read(s.results, `${quoteLiteral(s.name)} AS sweep`))),
    scores: unionView('scores', [
      ...runs.map((r) => read(r.scores, runLabel(r.name))),
      `SELECT point AS run, sweep, params, subject, method, stimulus_set, metric, value FROM sweeps`,
    ]),
    decoding: unionView('decoding', runs.flatMap((r) => (r.decoding ? [read(r.decoding, runLabel(r.name))] : []))),
    stages: unionView('stages', runs.flatMap((r) => (r.stages ? [read(r.stages, runLabel(r.name))] : []))),
  };
}

/** Rows of one query with DuckDB's own column names and types, for the formatters to render. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly types: readonly DuckDBType[];
  /** Values as DuckDB's JSON conversion gives them (big integers and decimals as strings). */
  readonly rows: readonly (readonly unknown[])[];
}

/**
 * Runs one SQL query over the runs' and sweeps' Parquet tables with an in-memory embedded
 * DuckDB: the views `scores`, `decoding`, `stages` and `sweeps` read the files in place, so
 * nothing is copied or downloaded and the files stay the single source.
 */
export async function queryResults(sources: readonly ResultSource[], sql: string): Promise<QueryResult> {
  const instance = await DuckDBInstance.create(':memory:');
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    // sweeps first: scores reads it.
    for (const [view, definition] of Object.entries(viewDefinitions(sources))) await connection.run(`CREATE VIEW ${view} AS ${definition}`);
    const reader = await connection.runAndReadAll(sql);
    return { columns: reader.columnNames(), types: reader.columnTypes(), rows: reader.getRowsJson() };
  } finally {
    connection?.closeSync();
    instance.closeSync();
  }
}
