import { readSweepPage } from '../lib/sweep/point-pages';
import { type ArtifactRef, getArtifact, putArtifact, sha256Hex } from '../lib/store/artifact-ref';
import { decodeJsonLines, encodeJsonLines } from '../lib/store/json-lines';
import { openStore } from '../lib/store/open-store';
import type { SweepPointProgress, SweepResultRow } from '../workflows/contracts';
import type { PagedSweepPoint, PagedSweepResult, SweepBatchLine, SweepBatchRequest, SweepFinishRequest, SweepPageRequest } from '../workflows/sweep-contracts';
import { sweepTables } from './sweep-tables';

/** One page of a sweep's points, read from the store for the sweep workflow. */
export async function sweepPage(request: SweepPageRequest): Promise<PagedSweepPoint[]> {
  return readSweepPage(openStore(request.points.store), request.points, request.page);
}

/**
 * Finished points (state and result rows) as one JSON-lines artifact: the workflow keeps only its
 * reference, so neither its memory nor its continue-as-new input grows with the sweep.
 */
export async function sweepSaveBatch(request: SweepBatchRequest): Promise<ArtifactRef> {
  const store = openStore(request.store);
  // A run's batch grows by appending to what it saved before: one reference per workflow run.
  const before = request.previous ? decodeJsonLines<SweepBatchLine>(await getArtifact(store, request.previous), request.previous.uri) : [];
  const lines = [...before, ...request.lines];
  const body = encodeJsonLines(lines);
  const key = `sweeps/${request.sweep}/batches/${sha256Hex(body).slice(0, 24)}.jsonl`;
  // `previous` is left in place: a retry of this activity must still find it. The workflow drops
  // it afterwards with sweepDrop, which is idempotent.
  return putArtifact(store, key, body, 'json', [lines.length]);
}

/** Deletes a superseded batch (missing already is fine: deleting is idempotent in both stores). */
export async function sweepDrop(request: { readonly store: SweepBatchRequest['store']; readonly key: string }): Promise<void> {
  await openStore(request.store).delete(request.key);
}

/**
 * The sweep's end: every batch read back in point order, the results table written (Arrow,
 * Parquet, CSV) and each point's state and the rows as JSON lines for the CLI. The table is built
 * in this activity's memory (about 200 bytes a row).
 */
export async function sweepFinish(request: SweepFinishRequest): Promise<Omit<PagedSweepResult, 'runs'>> {
  const store = openStore(request.store);
  const lines: SweepBatchLine[] = [];
  for (const ref of request.batches) lines.push(...decodeJsonLines<SweepBatchLine>(await getArtifact(store, ref), ref.uri));
  lines.sort((a, b) => a.index - b.index);
  const progress: SweepPointProgress[] = lines.map((l) => l.progress);
  const rows: SweepResultRow[] = lines.flatMap((l) => l.rows);
  const prefix = `sweeps/${request.sweep}`;
  const tables = await sweepTables({ store: request.store, sweep: request.sweep, rows });
  return {
    sweep: request.sweep,
    count: lines.length,
    done: progress.filter((p) => p.state === 'done').length,
    failed: progress.filter((p) => p.state === 'failed').length,
    progress: await putArtifact(store, `${prefix}/points.jsonl`, encodeJsonLines(progress), 'json', [progress.length]),
    rows: await putArtifact(store, `${prefix}/results.jsonl`, encodeJsonLines(rows), 'json', [rows.length]),
    tables,
  };
}

/** Registered beside the stage activities by the worker (worker.ts). */
export function createSweepPagingActivities() {
  return { sweepPage, sweepSaveBatch, sweepDrop, sweepFinish };
}

export type SweepPagingActivities = ReturnType<typeof createSweepPagingActivities>;
