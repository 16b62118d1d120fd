import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import * as path from 'node:path';
import { stopProcess } from '../lib/engine/managed-process';
import { withLogTail } from '../lib/engine/wait-for';

/**
 * Extra worker *processes* for a local run. A Node process computes on one core (tfjs-wasm
 * cannot use threads under Node, see docs/compute.md), so a local run uses more cores by
 * running more processes on the same task queue; stages that may overlap (features ∥ simulate,
 * decode ∥ generator, the reconstructions) then really run at the same time.
 */
export interface LocalWorkerProcesses {
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

export interface LocalWorkerOptions {
  readonly count: number;
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  /** Each process appends its output to worker-<i>.log here. */
  readonly logDir: string;
}

/** Message a worker process sends its parent once it polls (see cli/worker-command.ts). */
export interface WorkerReadyMessage {
  readonly type: 'worker-ready';
  readonly backend: string;
}

const READY_TIMEOUT_MS = 120_000;
/** A worker drains its running stage for up to 10 s (shutdownGraceTime) before it is killed. */
const STOP_GRACE_MS = 15_000;

/** The compiled worker entry point; the processes always run compiled code, also under tests. */
export function compiledWorkerEntry(): string {
  const here = __filename.endsWith('.js') ? path.resolve(__dirname, '..') : path.resolve(__dirname, '..', 'dist');
  return path.join(here, 'worker.js');
}

export function isWorkerReady(message: unknown): message is WorkerReadyMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'worker-ready';
}

/**
 * Starts `count` activity-only worker processes and resolves once every one polls. They have an
 * IPC channel to this process, and leave when it closes: a parent killed with SIGKILL leaves no
 * orphans behind.
 */
export async function startLocalWorkerProcesses(o: LocalWorkerOptions): Promise<LocalWorkerProcesses> {
  const entry = compiledWorkerEntry();
  if (o.count > 0 && !fs.existsSync(entry)) throw new Error(`extra worker processes need the compiled worker ${entry}: run npm run build`);
  fs.mkdirSync(o.logDir, { recursive: true });
  const children: ChildProcess[] = [];
  try {
    await Promise.all(
      Array.from({ length: o.count }, (_, i) => {
        const logFile = path.join(o.logDir, `worker-${i + 1}.log`);
        const child = spawnWorker(entry, o, logFile);
        children.push(child);
        return untilReady(child, logFile);
      }),
    );
  } catch (error) {
    await Promise.all(children.map((c) => stopProcess(c, STOP_GRACE_MS)));
    throw error;
  }
  return {
    pids: children.map((c) => c.pid!),
    stop: () => Promise.all(children.map((c) => stopProcess(c, STOP_GRACE_MS))).then(() => undefined),
  };
}

function spawnWorker(entry: string, o: LocalWorkerOptions, logFile: string): ChildProcess {
  const fd = fs.openSync(logFile, 'a');
  try {
    const args = ['--address', o.address, '--namespace', o.namespace, '--task-queue', o.taskQueue, '--concurrency', '1', '--activities-only'];
    // Its own process group: a Ctrl-C reaches the parent, which then stops the workers in order.
    return fork(entry, args, { stdio: ['ignore', fd, fd, 'ipc'], detached: true });
  } finally {
    fs.closeSync(fd);
  }
}

function untilReady(child: ChildProcess, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(withLogTail(`local worker process ${String(child.pid)}: ${why}`, logFile)));
    };
    const timer = setTimeout(() => fail(`not polling after ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited before it polled (${signal ?? `exit code ${String(code)}`})`);
    child.once('error', (err) => fail(`failed to start: ${err.message}`));
    child.once('exit', onExit);
    child.on('message', (message: unknown) => {
      if (!isWorkerReady(message)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve();
    });
  });
}
