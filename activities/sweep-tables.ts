import { openStore } from '../lib/store/open-store';
import { putArtifact } from '../lib/store/artifact-ref';
import { sweepTable } from '../lib/formats/result-tables';
import { encodeTable } from '../lib/store/arrow-table';
import { encodeParquet } from '../lib/store/parquet-table';
import type { ArtifactRef, SweepResultRow, SweepTablesRequest } from '../workflows/contracts';

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function sweepCsv(rows: readonly SweepResultRow[]): string {
  const header = 'point,subject,params,method,stimulus_set,metric,value';
  const lines = rows.map((r) => [r.point, r.subject, r.params, r.method, r.stimulusSet, r.metric, String(r.value)].map(csvField).join(','));
  return `${[header, ...lines].join('\n')}\n`;
}

export function sweepArrow(rows: readonly SweepResultRow[]): Uint8Array {
  return encodeTable(sweepTable(rows));
}

export function sweepParquet(rows: readonly SweepResultRow[]): Promise<Uint8Array> {
  return encodeParquet(sweepTable(rows));
}

/** Writes a sweep's results table (one row per point × metric) as Arrow, Parquet and CSV into the store. */
export async function sweepTables(request: SweepTablesRequest): Promise<{ arrow: ArtifactRef; parquet: ArtifactRef; csv: ArtifactRef }> {
  const store = openStore(request.store);
  const prefix = `sweeps/${request.sweep}`;
  const arrow = await putArtifact(store, `${prefix}/results.arrow`, sweepArrow(request.rows), 'arrow', [request.rows.length]);
  const parquet = await putArtifact(store, `${prefix}/results.parquet`, await sweepParquet(request.rows), 'parquet', [request.rows.length]);
  const csv = await putArtifact(store, `${prefix}/results.csv`, new TextEncoder().encode(sweepCsv(request.rows)), 'csv', [request.rows.length]);
  return { arrow, parquet, csv };
}

export type SweepActivities = { sweepTables: typeof sweepTables };
