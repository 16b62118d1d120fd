import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { accuracyTable, type ResultTable, scoreTable, stageTable } from '../lib/formats/result-tables';
import { encodeParquet } from '../lib/store/parquet-table';
import type { ExperimentResult } from '../workflows/contracts';

/** The Parquet tables `run` leaves in `runs/<name>/`, by file name. */
export function resultTables(result: ExperimentResult): Record<string, ResultTable> {
  return {
    'scores.parquet': scoreTable(result.scores),
    'decoding.parquet': accuracyTable(result.decoding, true),
    'stages.parquet': stageTable(result.stages),
  };
}

/**
 * Writes a finished run's scores, decoding accuracy and stage timings as Parquet into `dir`
 * (`runs/<name>/`), so `pandas.read_parquet('runs/<name>/scores.parquet')` or DuckDB's
 * `FROM 'runs/<name>/scores.parquet'` reads them with no other tool. Each file appears whole or not at all.
 */
export async function writeResultTables(dir: string, result: ExperimentResult): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, table] of Object.entries(resultTables(result))) {
    const file = path.join(dir, name);
    await fs.writeFile(`${file}.partial`, await encodeParquet(table));
    await fs.rename(`${file}.partial`, file);
    files.push(file);
  }
  return files;
}
