import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Spawns a long-running server with stdout/stderr appended to `logFile`, or kept
 * as a short in-memory tail when there is no log file, so that an early exit can
 * still say why. `error` events (e.g. ENOENT) are recorded on the returned state
 * instead of crashing the process.
 */
export interface SpawnedServer {
  readonly child: ChildProcess;
  /** Set once the process has exited or failed to start. */
  exitReason(): string | undefined;
}

const OUTPUT_TAIL_CHARS = 2000;

export function spawnServer(command: string, args: readonly string[], logFile: string | undefined): SpawnedServer {
  let fd: number | undefined;
  if (logFile !== undefined) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fd = fs.openSync(logFile, 'a');
    fs.writeSync(fd, `\n$ ${command} ${args.join(' ')}\n`);
  }
  const out = fd ?? 'pipe';
  let reason: string | undefined;
  let tail = '';
  const child = spawn(command, args, { stdio: ['ignore', out, out], detached: false });
  // The child has its own copy of the descriptor; ours is no longer needed.
  if (fd !== undefined) fs.closeSync(fd);
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  child.once('error', (err) => {
    reason ??= `failed to start ${command}: ${err.message}`;
  });
  // 'close' comes after the output pipes are drained, so the tail is complete.
  child.once('close', (code, signal) => {
    const how = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
    const said = tail.trim() === '' ? '' : `; its last output:\n${tail.trim()}`;
    reason ??= `${path.basename(command)} exited early with ${how}${said}`;
  });
  return { child, exitReason: () => reason };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The server process ended before it was ready (as opposed to never answering). */
export class ServerExitedEarly extends Error {}

/**
 * Waits with `ready` for a spawned server; on failure stops it and rethrows, as
 * ServerExitedEarly when the process had already ended by itself.
 */
export async function awaitReady(server: SpawnedServer, ready: () => Promise<void>, graceMs?: number): Promise<void> {
  try {
    await ready();
  } catch (err) {
    await stopProcess(server.child, graceMs);
    const exited = server.exitReason() !== undefined && err instanceof Error;
    throw exited ? new ServerExitedEarly(err.message) : err;
  }
}

/**
 * Ports picked as "free a moment ago" can be taken by a parallel process before the
 * server binds them; an early exit is therefore retried, with fresh ports, a few times.
 */
export async function retryOnEarlyExit<T>(attempts: number, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof ServerExitedEarly) || attempt >= attempts) throw err;
    }
  }
}
