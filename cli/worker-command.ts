import { BACKEND_PREFERENCE, type BackendName, backendDescription } from '../lib/compute/backend';
import { hasAwsCredentials, noCredentialsNotice } from '../lib/store/aws-credentials';
import { createWorker, DEFAULT_TASK_QUEUE } from '../worker';
import { loadTls } from './connection-options';
import type { WorkerReadyMessage } from './local-worker-processes';
import { startLocalEngine } from './local-engine';
import { CONNECTION_FLAGS, connectionFrom, parse, UsageError } from './options';

/**
 * `deeprecon worker`: polls one task queue until stopped (Ctrl-C drains running stages).
 * Without --address it joins the local engine (started if none is running).
 */
export async function workerCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    ...CONNECTION_FLAGS,
    concurrency: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'auto' },
    // The compute processes of a local run (cli/local-worker-processes.ts): the run's own worker holds the workflows.
    'activities-only': { type: 'boolean', default: false },
  });
  const connection = connectionFrom(values);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
  const backend = values.backend as BackendName | 'auto';
  if (backend !== 'auto' && !BACKEND_PREFERENCE.includes(backend)) {
    throw new UsageError(`--backend must be auto or one of ${BACKEND_PREFERENCE.join(', ')}`);
  }
  const engine = connection.address ? undefined : await startLocalEngine(connection.stateDir, connection.namespace);
  const tls = await loadTls(connection.tls);
  const taskQueue = values['task-queue'] ?? DEFAULT_TASK_QUEUE;
  const stamp = () => new Date().toISOString();
  const { worker, identity } = await createWorker({
    address: connection.address ?? engine!.address,
    namespace: connection.namespace,
    taskQueue,
    concurrency,
    backend,
    role: values['activities-only'] ? 'activities' : 'all',
    ...(tls ? { tls } : {}),
    stageLog: (line) => process.stdout.write(`${stamp()} ${line}\n`),
  });
  process.stdout.write(`worker on task queue ${taskQueue} of namespace ${connection.namespace} at ${connection.address ?? engine!.address}, identity ${identity} (backend ${backendDescription()}, concurrency ${concurrency}); Ctrl-C to stop\n`);
  // A cluster worker (one given --address) normally reads an S3 store: say at once when it cannot.
  // Asked in the background, so a slow credential source never delays polling.
  if (connection.address) {
    void hasAwsCredentials().then((found) => found || process.stderr.write(`${noCredentialsNotice(identity)}\n`));
  }
  const stop = () => worker.getState() === 'RUNNING' && worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (process.send) {
    // Started by a local run: tell it we poll, and leave with it, even when it was killed.
    process.once('disconnect', stop);
    process.send({ type: 'worker-ready', backend: backendDescription() } satisfies WorkerReadyMessage);
  }
  try {
    await worker.run();
  } finally {
    process.stdout.write(`worker stopped; peak resident memory ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
    await engine?.stop();
    // An open IPC channel would keep this process alive after its worker stopped.
    if (process.connected) process.disconnect();
  }
}
