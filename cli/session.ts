import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { makeTelemetryFilterString, Runtime, type Worker } from '@temporalio/worker';
import { backendDescription } from '../lib/compute/backend';
import { createWorker, DEFAULT_TASK_QUEUE } from '../worker';
import { connectTemporal } from './connect';
import { type ConnectionOptions, loadTls } from './connection-options';
import { type LocalEngine, startLocalEngine } from './local-engine';
import { QuietLogger } from './quiet-logger';
import { waitForServer } from './server-wait';
import { type LocalWorkerProcesses, startLocalWorkerProcesses } from './local-worker-processes';

/** A Temporal client, plus (in local mode) the embedded server and an in-process worker. */
export interface Session {
  readonly client: Client;
  /** The Temporal frontend this session talks to (the local engine's, in local mode). */
  readonly address: string;
  readonly local: boolean;
  readonly taskQueue: string;
  /** The in-process worker's compute backend (local mode). */
  readonly backend?: string;
  /** Processes that run this session's stages (this one, or its child workers); empty in remote mode. */
  readonly workerPids: readonly number[];
  /** After a call failed because the server went away: waits for it (restarting the local one). */
  waitForServer(): Promise<void>;
  close(): Promise<void>;
}

export interface SessionOptions {
  readonly connection: ConnectionOptions;
  readonly taskQueue?: string;
  /** Start a worker in this process (local `run` and `rerun`). */
  readonly withWorker: boolean;
  /**
   * Processes that compute stages (default 1: this one). With more, each is a child process on
   * the same queue, so overlapping stages use more cores, and this one only orchestrates.
   */
  readonly workerProcesses?: number;
  /** The worker's full warnings (each failed attempt with its stack); by default one line or none. */
  readonly verbose?: boolean;
}

let runtimeInstalled = false;

/** Installs the quiet logger once, before this process creates its first worker. */
export function quietRuntime(verbose = false): void {
  if (runtimeInstalled) return;
  try {
    // The SDK's native core logs through the same logger: its retry warnings while the server is
    // away (which this process reports in one line) are for --verbose.
    Runtime.install({
      logger: new QuietLogger(verbose),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: verbose ? 'WARN' : 'ERROR', other: 'ERROR' }), forward: {} } },
    });
  } catch {
    // A worker made elsewhere in this process (an embedding program, a test) already chose the runtime.
  }
  runtimeInstalled = true;
}

/**
 * Opens a session and guarantees an orderly close, also on Ctrl-C: the worker drains, the
 * embedded server stops, and the workflow stays durable in the SQLite file for the next run.
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { connection: conn } = options;
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  const engine: LocalEngine | undefined = conn.address ? undefined : await startLocalEngine(conn.stateDir, conn.namespace);
  const address = conn.address ?? engine!.address;
  const tls = await loadTls(conn.tls);
  const connection = await connectTemporal(address, tls).catch(async (error: unknown) => {
    await engine?.stop();
    throw error;
  });
  const client = new Client({ connection, namespace: conn.namespace });

  let worker: Worker | undefined;
  let backend: string | undefined;
  let workerDone: Promise<void> | undefined;
  let helpers: LocalWorkerProcesses | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all([workerDone?.catch(() => undefined), helpers?.stop()]);
      await connection.close();
      await engine?.stop();
    })());
  // Say what this process actually stops: in remote mode there is neither a worker nor a server here.
  const stoppingWhat = (): string => {
    if (!engine) return 'detaching; the run goes on on the server (`deeprecon status` follows it, `deeprecon cancel` stops it).';
    const parts = [...(worker ? ['the worker'] : []), ...(engine.owned ? ['the local server'] : [])];
    return `${parts.length > 0 ? `stopping ${parts.join(' and ')}` : 'detaching'}; the run resumes with the same command.`;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: ${stoppingWhat()}\n`);
    void close().finally(() => process.exit(130));
  };
  if (options.withWorker && engine) {
    quietRuntime(options.verbose);
    const processes = options.workerProcesses ?? 1;
    // Alone, this process runs everything. Otherwise the stages run in `processes` child processes
    // (one stage each: a process computes on one core) and this one only orchestrates, so a
    // workflow task never waits behind a computation on the same thread.
    const created = await createWorker({ address, namespace: conn.namespace, taskQueue, concurrency: 2, role: processes > 1 ? 'workflows' : 'all' });
    worker = created.worker;
    backend = backendDescription();
    workerDone = worker.run();
    try {
      if (processes > 1) {
        helpers = await startLocalWorkerProcesses({ count: processes, address, namespace: conn.namespace, taskQueue, logDir: path.resolve(conn.stateDir, 'workers') });
      }
    } catch (error) {
      await close();
      throw error;
    }
  }

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const waitAgain = () =>
    waitForServer({ client, address, ...(engine ? { restart: () => engine.restartIfStopped() } : {}), log: (line) => process.stderr.write(`${line}\n`) });
  return { client, address, waitForServer: waitAgain, local: engine !== undefined, taskQueue, ...(backend ? { backend } : {}), workerPids: helpers ? helpers.pids : worker ? [process.pid] : [], close };
}
