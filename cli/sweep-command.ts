import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { sweepReportHtml } from '../lib/report/sweep-report';
import { type ArtifactRef, getArtifact } from '../lib/store/artifact-ref';
import { decodeJsonLines } from '../lib/store/json-lines';
import { openStore } from '../lib/store/open-store';
import { openSweep } from '../lib/sweep/load-sweep';
import { writeSweepPoints } from '../lib/sweep/point-pages';
import type { StageName, SweepInput, SweepPointProgress, SweepResult, SweepResultRow } from '../workflows/contracts';
import type { sweepWorkflow } from '../workflows/sweep';
import type { PagedSweepInput, PagedSweepResult, SweepCounts, SweepPointsRef } from '../workflows/sweep-contracts';
import type { ConnectionOptions } from './connection-options';
import { required, resolveStore, workflowIdOf } from './run-command';
import { writeRunRecord } from './run-record';
import { isServerUnavailable } from './server-wait';
import { checkSearchAttributes } from './search-attribute-check';
import { openSession, type Session } from './session';
import { NO_WORKER_SECONDS, NoWorkerNotice } from './waiting-queues';

export interface SweepOptions {
  /** The sweep file; or, for a sweep found through the server, */
  readonly sweepFile?: string;
  /** the input it was started with, from its history: a reference to its points (or, from an
   * older version, the points themselves, which are then written to the store). */
  readonly recordedInput?: PagedSweepInput | SweepInput;
  readonly connection: ConnectionOptions;
  readonly taskQueue?: string;
  readonly force: readonly StageName[];
  readonly runsDir: string;
  readonly quiet?: boolean;
  readonly heartbeatTimeoutSeconds?: number;
  readonly searchAttributes?: boolean;
  /** Local worker processes in all (local mode; default 1). */
  readonly workerProcesses?: number;
  /** Show the worker's full warnings (every failed attempt with its stack). */
  readonly verbose?: boolean;
  /** Seconds a task may wait on a queue no worker polls before the sweep says so (default 30). */
  readonly noWorkerSeconds?: number;
  /** Points per workflow run before it continues as new (default POINTS_PER_RUN in workflows/sweep.ts). */
  readonly pointsPerRun?: number;
}

export function sweepWorkflowId(sweep: string): string {
  return `deeprecon-sweep-${sweep}`;
}

/** Prints a line whenever a point changes state (works the same on a terminal and in a log). */
async function watch(handle: WorkflowHandle<typeof sweepWorkflow>, log: (line: string) => void, notice: NoWorkerNotice): Promise<PagedSweepResult> {
  const result = handle.result();
  let done = false;
  void result.finally(() => (done = true)).catch(() => undefined);
  const seen = new Map<string, string>();
  let lastRun = 1;
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    if (done) break;
    const points = await handle.query<SweepPointProgress[]>('sweepProgress').catch((): SweepPointProgress[] => []);
    // A sweep continues as new every few hundred points: one line per run says how far it is.
    const counts = await handle.query<SweepCounts>('sweepCounts').catch(() => undefined);
    if (counts && counts.run !== lastRun) {
      lastRun = counts.run;
      if (counts.run > 1) log(`run ${counts.run}: ${counts.started}/${counts.count} points started, ${counts.done} done, ${counts.failed} failed`);
    }
    await notice.check([handle.workflowId, ...points.filter((p) => p.state === 'running').map((p) => workflowIdOf(p.name))]);
    for (const p of points) {
      const line = `${p.state}${p.error ? `: ${p.error}` : ''}`;
      if (seen.get(p.name) !== line && p.state !== 'pending') log(`  ${p.name.padEnd(40)} ${line}`);
      seen.set(p.name, line);
    }
  }
  return result;
}

/** Follows the sweep to its end; when the server goes away meanwhile, waits for it and follows on. */
async function watchThroughOutages(handle: WorkflowHandle<typeof sweepWorkflow>, log: (line: string) => void, session: Session, notice: NoWorkerNotice): Promise<PagedSweepResult> {
  for (;;) {
    try {
      return await watch(handle, log, notice);
    } catch (error) {
      if (error instanceof WorkflowFailedError || !isServerUnavailable(error)) throw error;
      await session.waitForServer();
    }
  }
}

/** The points a sweep runs, in the store: expanded from the file a page at a time, or as recorded. */
async function storedPoints(options: SweepOptions): Promise<{ sweep: string; maxParallel: number; points: SweepPointsRef }> {
  const recorded = options.recordedInput;
  if (recorded && 'points' in recorded && !Array.isArray(recorded.points)) {
    return { sweep: recorded.sweep, maxParallel: recorded.maxParallel, points: (recorded as PagedSweepInput).points };
  }
  if (recorded) {
    const { sweep, maxParallel } = recorded;
    return { sweep, maxParallel, points: await writeSweepPoints(sweep, (recorded as SweepInput).points, openStore) };
  }
  const opened = await openSweep(required(options.sweepFile, 'a sweep file'));
  // Streamed: each point is built, validated, resolved and written with its page, never all at once.
  function* resolved() {
    for (const p of opened.points()) yield { ...p, config: resolveStore(p.config, process.cwd()) };
  }
  return { sweep: opened.sweep.name, maxParallel: opened.sweep.max_parallel, points: await writeSweepPoints(opened.sweep.name, resolved(), openStore) };
}

async function readJsonLines<T>(points: SweepPointsRef, ref: ArtifactRef): Promise<T[]> {
  return decodeJsonLines<T>(await getArtifact(openStore(points.store), ref), ref.uri);
}

/**
 * `deeprecon sweep <file>`: expands the sweep, starts (or re-attaches to) its workflow, reports
 * per-point progress, and writes `runs/<sweep>/results.{csv,arrow,parquet}` and `summary.json`.
 */
export async function sweepCommand(options: SweepOptions): Promise<SweepResult> {
  // Before any connection: a refused sweep file costs no server round trip.
  const stored = await storedPoints(options);
  const session = await openSession({ connection: options.connection, taskQueue: options.taskQueue, withWorker: !options.connection.address, workerProcesses: options.workerProcesses, verbose: options.verbose });
  const log = (line: string) => options.quiet || process.stdout.write(`${line}\n`);
  try {
    const input: PagedSweepInput = {
      sweep: stored.sweep,
      points: stored.points,
      maxParallel: stored.maxParallel,
      force: options.force,
      taskQueue: session.taskQueue,
      ...(options.heartbeatTimeoutSeconds ? { heartbeatTimeoutSeconds: options.heartbeatTimeoutSeconds } : {}),
      searchAttributes: options.searchAttributes ?? session.local,
      ...(options.pointsPerRun ? { pointsPerRun: options.pointsPerRun } : {}),
    };
    if (input.searchAttributes) await checkSearchAttributes(session.client, session.address);
    const sweep = { name: input.sweep, max_parallel: input.maxParallel };
    const workflowId = sweepWorkflowId(sweep.name);
    const handle = await session.client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
      taskQueue: session.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    if (options.sweepFile) await writeRunRecord(options.runsDir, sweep.name, { kind: 'sweep', configFile: path.resolve(options.sweepFile), workflowId, runId: handle.firstExecutionRunId });
    log(`sweep ${sweep.name}: ${input.points.count} points, at most ${sweep.max_parallel} at once (workflow ${workflowId})`);
    let summary: PagedSweepResult;
    try {
      const notice = new NoWorkerNotice(session.client, options.noWorkerSeconds ?? NO_WORKER_SECONDS, (line) => process.stderr.write(`${line}\n`));
      summary = await watchThroughOutages(handle, log, session, notice);
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        const cause = error.cause?.cause instanceof Error ? error.cause.cause : (error.cause ?? error);
        throw new Error(`sweep ${sweep.name} failed: ${cause.message}`);
      }
      throw error;
    }
    // The workflow returns references: the points' states and the rows come from the store.
    const points = await readJsonLines<SweepPointProgress>(input.points, summary.progress);
    const rows = await readJsonLines<SweepResultRow>(input.points, summary.rows);
    const result: SweepResult = { sweep: summary.sweep, points, rows, tables: summary.tables };
    const dir = path.join(options.runsDir, sweep.name);
    await fs.mkdir(dir, { recursive: true });
    const store = openStore(input.points.store);
    await fs.writeFile(path.join(dir, 'results.csv'), await getArtifact(store, summary.tables.csv));
    await fs.writeFile(path.join(dir, 'results.arrow'), await getArtifact(store, summary.tables.arrow));
    await fs.writeFile(path.join(dir, 'results.parquet'), await getArtifact(store, summary.tables.parquet));
    const { progress: _progress, rows: _rows, ...counts } = summary;
    await fs.writeFile(path.join(dir, 'summary.json'), `${JSON.stringify({ ...counts, points }, null, 2)}\n`);
    await fs.writeFile(path.join(dir, 'report.html'), sweepReportHtml(sweep.name, rows, new Date().toISOString()));
    const failed = points.filter((p) => p.state === 'failed');
    log(`\n${points.length - failed.length}/${points.length} points done in ${summary.runs} workflow run(s); results: ${path.join(dir, 'results.csv')}`);
    for (const p of failed) log(`  failed ${p.name}: ${p.error ?? ''}`);
    return result;
  } finally {
    await session.close();
  }
}
