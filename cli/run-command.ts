import * as path from 'node:path';
import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { mapBDataFiles } from '../configs/bdata-files';
import { loadExperimentConfig } from '../configs/load';
import type { ExperimentConfig, StageName } from '../configs/schema';
import type { ExperimentInput, ExperimentResult, StageHeartbeat, StageProgress } from '../workflows/contracts';
import type { experimentWorkflow } from '../workflows/experiment';
import type { ConnectionOptions } from './connection-options';
import { ProgressDisplay } from './progress-display';
import { copyReport } from './report-files';
import { writeRunRecord } from './run-record';
import { writeResultTables } from './result-files';
import { isServerUnavailable } from './server-wait';
import { checkSearchAttributes } from './search-attribute-check';
import { openSession, type Session } from './session';
import { formatSummary, writeSummary } from './summary';
import { NO_WORKER_SECONDS, NoWorkerNotice } from './waiting-queues';

export interface RunOptions {
  /** The experiment file; or, for a run found through the server, */
  readonly configFile?: string;
  /** the config it was started with (already resolved), from its history. */
  readonly recordedConfig?: ExperimentConfig;
  readonly connection: ConnectionOptions;
  readonly taskQueue?: string;
  readonly force: readonly StageName[];
  readonly runsDir: string;
  readonly quiet?: boolean;
  /** How long a silent worker may hold a stage before it is retried on another (default 60 s). */
  readonly heartbeatTimeoutSeconds?: number;
  /** Maintain Deeprecon* search attributes; default: only on the embedded server, which registers them. */
  readonly searchAttributes?: boolean;
  /** Local worker processes in all (local mode; default 1): more use more cores. */
  readonly workerProcesses?: number;
  /** Show the worker's full warnings (every failed attempt with its stack). */
  readonly verbose?: boolean;
  /** Seconds a task may wait on a queue no worker polls before the run says so (default 30). */
  readonly noWorkerSeconds?: number;
}

export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} is missing`);
  return value;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function workflowIdOf(experiment: string): string {
  return `deeprecon-${experiment}`;
}

/**
 * Paths in the config (local store, image folder, data files) are resolved here, once, so every
 * worker sees the same absolute paths whatever its working directory.
 */
export function resolveStore(config: ExperimentConfig, baseDir: string): ExperimentConfig {
  const store = config.store.type === 'local' ? { ...config.store, path: path.resolve(baseDir, config.store.path) } : config.store;
  const stimuli = config.stimuli.path ? { ...config.stimuli, path: path.resolve(baseDir, config.stimuli.path) } : config.stimuli;
  const subjects = config.subjects.map((s) =>
    s.source.type === 'bdata' ? { ...s, source: mapBDataFiles(s.source, (f) => path.resolve(baseDir, f)) } : s,
  );
  const features = config.features.modelPath ? { ...config.features, modelPath: path.resolve(baseDir, config.features.modelPath) } : config.features;
  const g = config.reconstruct.generator;
  const reconstruct = g.modelPath ? { ...config.reconstruct, generator: { ...g, modelPath: path.resolve(baseDir, g.modelPath) } } : config.reconstruct;
  return { ...config, store, stimuli, features, reconstruct, subjects };
}

async function heartbeatsOf(handle: WorkflowHandle): Promise<StageHeartbeat[]> {
  const description = await handle.describe();
  const beats: StageHeartbeat[] = [];
  for (const activity of description.raw.pendingActivities ?? []) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (payload) beats.push(defaultPayloadConverter.fromPayload<StageHeartbeat>(payload));
  }
  return beats;
}

/** Follows the run to its end; when the server goes away meanwhile, waits for it and follows on. */
async function watch(handle: WorkflowHandle<typeof experimentWorkflow>, display: ProgressDisplay | undefined, session: Session, notice: NoWorkerNotice): Promise<ExperimentResult> {
  for (;;) {
    try {
      return await watchOnce(handle, display, notice);
    } catch (error) {
      if (error instanceof WorkflowFailedError || !isServerUnavailable(error)) throw error;
      await session.waitForServer();
    }
  }
}

async function watchOnce(handle: WorkflowHandle<typeof experimentWorkflow>, display: ProgressDisplay | undefined, notice: NoWorkerNotice): Promise<ExperimentResult> {
  const result = handle.result();
  let done = false;
  void result.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    if (done) continue;
    await notice.check([handle.workflowId]);
    if (!display) continue;
    try {
      display.update(await handle.query<StageProgress[]>('progress'), await heartbeatsOf(handle));
    } catch {
      // The workflow may not have started a task yet; the next tick shows it.
    }
  }
  if (display) display.update(await handle.query<StageProgress[]>('progress').catch(() => []), []);
  return result;
}

/**
 * `deeprecon run`: validates the config, starts (or re-attaches to) the experiment workflow,
 * shows progress, then writes and prints the summary.
 */
export async function runCommand(options: RunOptions): Promise<ExperimentResult> {
  const started = Date.now();
  const config = options.recordedConfig ?? resolveStore(await loadExperimentConfig(required(options.configFile, 'a config file')), process.cwd());
  const session = await openSession({ connection: options.connection, taskQueue: options.taskQueue, withWorker: !options.connection.address, workerProcesses: options.workerProcesses, verbose: options.verbose });
  try {
    const workflowId = workflowIdOf(config.name);
    const input: ExperimentInput = {
      config,
      force: options.force,
      taskQueue: session.taskQueue,
      ...(options.heartbeatTimeoutSeconds ? { heartbeatTimeoutSeconds: options.heartbeatTimeoutSeconds } : {}),
      searchAttributes: options.searchAttributes ?? session.local,
    };
    if (input.searchAttributes) await checkSearchAttributes(session.client, session.address);
    const handle = await session.client.workflow.start('experimentWorkflow', {
      taskQueue: session.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const log = (line: string) => options.quiet || process.stdout.write(`${line}\n`);
    log(`experiment ${config.name}: workflow ${workflowId} (run ${handle.firstExecutionRunId}) on ${session.local ? `the local engine, compute backend ${session.backend ?? '?'}, ${plural(session.workerPids.length, 'worker process', 'worker processes')}` : options.connection.address}`);
    // A run found through the server has no file here; later commands find it the same way.
    if (options.configFile) await writeRunRecord(options.runsDir, config.name, { configFile: path.resolve(options.configFile), workflowId, runId: handle.firstExecutionRunId });
    let result: ExperimentResult;
    try {
      // Warnings go to stderr, also with --quiet: a run that cannot progress must never be silent.
      const notice = new NoWorkerNotice(session.client, options.noWorkerSeconds ?? NO_WORKER_SECONDS, (line) => process.stderr.write(`${line}\n`));
      result = await watch(handle as WorkflowHandle<typeof experimentWorkflow>, options.quiet ? undefined : new ProgressDisplay(), session, notice);
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        const inner = error.cause;
        const cause = inner?.cause instanceof Error ? inner.cause : inner;
        throw new Error(`experiment ${config.name} failed: ${cause?.message ?? error.message}`);
      }
      throw error;
    }
    const seconds = (Date.now() - started) / 1000;
    const file = await writeSummary(options.runsDir, result, seconds);
    await writeResultTables(path.join(options.runsDir, config.name), result);
    const report = result.report ? await copyReport(config.store, result.report, path.join(options.runsDir, config.name)) : undefined;
    log(formatSummary(result, seconds));
    log(`summary: ${path.relative(process.cwd(), file)}`);
    if (report) log(`report: ${path.relative(process.cwd(), report)}`);
    return result;
  } finally {
    await session.close();
  }
}
