import { resultsCsv, resultsJson, resultsTable } from './results-format';
import { queryResults } from './results-database';
import { findResultSources, selectSources } from './results-sources';

export interface ResultsOptions {
  /** Runs and sweeps to include, by name; all finished ones when empty. */
  readonly runs: readonly string[];
  readonly runsDir: string;
  readonly sql?: string;
  readonly format: 'table' | 'csv' | 'json';
}

/** Without --sql: every score, one line each, sorted so runs and sweep points read top to bottom. */
export const DEFAULT_RESULTS_SQL = 'SELECT run, subject, method, stimulus_set, metric, value FROM scores ORDER BY run, subject, method, stimulus_set, metric';

/** `deeprecon results`: the text to print for a query over every finished run and sweep. */
export async function resultsCommand(options: ResultsOptions): Promise<string> {
  const sources = selectSources(await findResultSources(options.runsDir), options.runs, options.runsDir);
  const result = await queryResults(sources, options.sql ?? DEFAULT_RESULTS_SQL);
  if (options.format === 'json') return resultsJson(result);
  if (options.format === 'csv') return resultsCsv(result);
  return resultsTable(result);
}
