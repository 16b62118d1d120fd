import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { sweepArrow, sweepCsv, sweepParquet } from '../activities/sweep-tables';
import { sweepReportHtml } from '../lib/report/sweep-report';
import { loadSweep } from '../lib/sweep/load-sweep';
import type { StageName, SweepInput, SweepPointProgress, SweepResult } from '../workflows/contracts';
import type { sweepWorkflow } from '../workflows/sweep';
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
  /** the input it was started with (points already resolved), from its history. */
  readonly recordedInput?: SweepInput;
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
}

export function sweepWorkflowId(sweep: string): string {
  return `deeprecon-sweep-${sweep}`;
}

/** Prints a line whenever a point changes state (works the same on a terminal and in a log). */
async function watch(handle: WorkflowHandle<typeof sweepWorkflow>, log: (line: string) => void, notice: NoWorkerNotice): Promise<SweepResult> {
  const result = handle.result();
  let done = false;
  void result.finally(() => (done = true)).catch(() => undefined);
  const seen = new Map<string, string>();
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    if (done) break;
    const points = await handle.query<SweepPointProgress[]>('sweepProgress').catch((): SweepPointProgress[] => []);
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
async function watchThroughOutages(handle: WorkflowHandle<typeof sweepWorkflow>, log: (line: string) => void, session: Session, notice: NoWorkerNotice): Promise<SweepResult> {
  for (;;) {
    try {
      return await watch(handle, log, notice);
    } catch (error) {
      if (error instanceof WorkflowFailedError || !isServerUnavailable(error)) throw error;
      await session.waitForServer();
    }
  }
}

/**
 * `deeprecon sweep <file>`: expands the sweep, starts (or re-attaches to) its workflow, reports
 * per-point progress, and writes `runs/<sweep>/results.{csv,arrow,parquet}` and `summary.json`.
 */
export async function sweepCommand(options: SweepOptions): Promise<SweepResult> {
  const recorded = options.recordedInput;
  const loaded = recorded ? undefined : await loadSweep(required(options.sweepFile, 'a sweep file'));
  const session = await openSession({ connection: options.connection, taskQueue: options.taskQueue, withWorker: !options.connection.address, workerProcesses: options.workerProcesses, verbose: options.verbose });
  const log = (line: string) => options.quiet || process.stdout.write(`${line}\n`);
  try {
    const input: SweepInput = {
      sweep: recorded?.sweep ?? loaded!.sweep.name,
      points: recorded?.points ?? loaded!.points.map((p) => ({ name: p.name, ...(p.subject ? { subject: p.subject } : {}), params: p.params, config: resolveStore(p.config, process.cwd()) })),
      maxParallel: recorded?.maxParallel ?? loaded!.sweep.max_parallel,
      force: options.force,
      taskQueue: session.taskQueue,
      ...(options.heartbeatTimeoutSeconds ? { heartbeatTimeoutSeconds: options.heartbeatTimeoutSeconds } : {}),
      searchAttributes: options.searchAttributes ?? session.local,
    };
    if (input.searchAttributes) await checkSearchAttributes(session.client, session.address);
    const sweep = { name: input.sweep, max_parallel: input.maxParallel };
    const points = input.points;
    const workflowId = sweepWorkflowId(sweep.name);
    const handle = await session.client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
      taskQueue: session.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    if (options.sweepFile) await writeRunRecord(options.runsDir, sweep.name, { kind: 'sweep', configFile: path.resolve(options.sweepFile), workflowId, runId: handle.firstExecutionRunId });
    log(`sweep ${sweep.name}: ${points.length} points, at most ${sweep.max_parallel} at once (workflow ${workflowId})`);
    let result: SweepResult;
    try {
      const notice = new NoWorkerNotice(session.client, options.noWorkerSeconds ?? NO_WORKER_SECONDS, (line) => process.stderr.write(`${line}\n`));
      result = await watchThroughOutages(handle, log, session, notice);
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        const cause = error.cause?.cause instanceof Error ? error.cause.cause : (error.cause ?? error);
        throw new Error(`sweep ${sweep.name} failed: ${cause.message}`);
      }
      throw error;
    }
    const dir = path.join(options.runsDir, sweep.name);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'results.csv'), sweepCsv(result.rows));
    await fs.writeFile(path.join(dir, 'results.arrow'), sweepArrow(result.rows));
    await fs.writeFile(path.join(dir, 'results.parquet'), await sweepParquet(result.rows));
    await fs.writeFile(path.join(dir, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
    await fs.writeFile(path.join(dir, 'report.html'), sweepReportHtml(sweep.name, result.rows, new Date().toISOString()));
    const failed = result.points.filter((p) => p.state === 'failed');
    log(`\n${result.points.length - failed.length}/${result.points.length} points done; results: ${path.join(dir, 'results.csv')}`);
    for (const p of failed) log(`  failed ${p.name}: ${p.error ?? ''}`);
    return result;
  } finally {
    await session.close();
  }
}
