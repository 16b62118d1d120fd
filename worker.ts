import './cli/aws-sdk-notice';
import * as os from 'node:os';
import * as path from 'node:path';
import { NativeConnection, type TLSConfig, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { type StageLog, stageLogInterceptor } from './activities/stage-log';
import { createSweepPagingActivities } from './activities/sweep-paging';
import { workerFailureInterceptor } from './activities/worker-failure';
import { type BackendName, initBackend } from './lib/compute/backend';
import { unreachableServer } from './lib/engine/unreachable-server';

export const DEFAULT_TASK_QUEUE = 'deeprecon';

export type WorkerRole = 'all' | 'workflows' | 'activities';

export interface WorkerSettings {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  /** Stage activities this worker runs at once. */
  readonly concurrency: number;
  readonly backend?: BackendName | 'auto';
  /** What it runs (default both): an activity-only worker needs no workflow bundle, and a
   * workflow-only one never blocks a workflow task behind a computation. */
  readonly role?: WorkerRole;
  readonly tls?: TLSConfig;
  /** One line per stage start and end, with the worker's identity (a cluster worker's log). */
  readonly stageLog?: StageLog;
}

/** How this worker appears in Temporal's history and UI, and in its own log lines. */
export function workerIdentity(taskQueue: string): string {
  return `${process.pid}@${os.hostname()}/${taskQueue}`;
}

/** Workflow code is bundled from source under vitest and from dist/ when compiled. */
function workflowsPath(): string {
  return path.join(__dirname, 'workflows', __filename.endsWith('.ts') ? 'index.ts' : 'index.js');
}

/**
 * The composition root: picks the compute backend, connects to Temporal, and installs the
 * workflows and stage activities on one task queue.
 */
export async function createWorker(settings: WorkerSettings): Promise<{ worker: Worker; connection: NativeConnection; backend: string; identity: string }> {
  const role = settings.role ?? 'all';
  // Connect first: an unreachable server is reported before a native backend is loaded at all.
  const connection = await NativeConnection.connect({ address: settings.address, ...(settings.tls ? { tls: settings.tls } : {}) }).catch((error: unknown) => {
    throw unreachableServer(settings.address, error, settings.tls !== undefined);
  });
  const backend = await initBackend(settings.backend ?? 'auto');
  const identity = workerIdentity(settings.taskQueue);
  const worker = await Worker.create({
    connection,
    identity,
    // Outermost first: errors get the identity after the stage log has printed them (which names it already).
    interceptors: { activity: [workerFailureInterceptor(identity), ...(settings.stageLog ? [stageLogInterceptor(identity, settings.stageLog)] : [])] },
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    ...(role === 'activities' ? {} : { workflowsPath: workflowsPath() }),
    // The sweep's paging activities (its points and results in the store) beside the stages.
    ...(role === 'workflows' ? {} : { activities: { ...createActivities(), ...createSweepPagingActivities() } }),
    maxConcurrentActivityTaskExecutions: settings.concurrency,
    // Stages yield to the event loop between chunks; a long-blocked loop would starve heartbeats.
    shutdownGraceTime: '10 seconds',
  });
  return { worker, connection, backend, identity };
}

if (require.main === module) {
  // `node dist/worker.js` is the same as `deeprecon worker`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the CLI imports this file too
  const { workerCommand } = require('./cli/worker-command') as typeof import('./cli/worker-command');
  workerCommand(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
