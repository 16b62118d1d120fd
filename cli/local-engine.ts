import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { startTemporalDevServer } from '../lib/engine/temporal-dev-server';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';

/** A reachable Temporal frontend, and whether this process must stop it when done. */
export interface LocalEngine {
  readonly address: string;
  readonly namespace: string;
  readonly owned: boolean;
  /** Temporal's web UI on loopback, when this engine serves it (started with `ui`). */
  readonly uiUrl?: string;
  /** The server's process id (this process's child when owned). */
  readonly pid: number;
  /**
   * Starts the server again on the same port and SQLite file if this process started it and it
   * has stopped (killed, crashed); the durable history is all in the file. True if it restarted.
   */
  restartIfStopped(): Promise<boolean>;
  stop(): Promise<void>;
}

interface EngineState {
  pid: number;
  address: string;
  uiUrl?: string;
}

export interface LocalEngineOptions {
  /** Serve Temporal's web UI on loopback (a free port unless `uiPort`). */
  readonly ui?: boolean;
  readonly uiPort?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/**
 * Starts the embedded Temporal dev server on the state folder's SQLite file, or reuses one that
 * another deeprecon process already started there (a run in another terminal), so `status`,
 * `cancel` and a resumed `run` all see the same durable history.
 */
export async function startLocalEngine(stateDir: string, namespace: string, options: LocalEngineOptions = {}): Promise<LocalEngine> {
  const dir = path.resolve(stateDir, 'temporal');
  await fs.mkdir(dir, { recursive: true });
  const stateFile = path.join(dir, 'server.json');
  try {
    const state = JSON.parse(await fs.readFile(stateFile, 'utf8')) as EngineState;
    if (alive(state.pid) && (await answers(state.address))) {
      // Whoever started it decided about the UI; the caller says so when it wanted one and there is none.
      return { address: state.address, namespace, owned: false, pid: state.pid, ...(state.uiUrl ? { uiUrl: state.uiUrl } : {}), restartIfStopped: async () => false, stop: async () => undefined };
    }
  } catch {
    // No usable server recorded: start one.
  }
  const settings = {
    dbFile: path.join(dir, 'temporal.sqlite'),
    namespace,
    logFile: path.join(dir, 'server.log'),
    // Headless unless asked: a run needs no UI, and every port opened is one more to collide.
    uiPort: options.ui ? (options.uiPort ?? 0) : (false as const),
    searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES },
  };
  let server = await startTemporalDevServer(settings);
  const record = () => fs.writeFile(stateFile, JSON.stringify({ pid: server.process.pid ?? -1, address: server.address, ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}) } satisfies EngineState));
  await record();
  const port = Number(server.address.split(':').pop());
  // The same UI port after a restart, so the URL already printed stays right.
  const uiPort = server.uiUrl ? Number(new URL(server.uiUrl).port) : (false as const);
  // Whatever way this process ends (an uncaught error, process.exit after Ctrl-C), its server goes with it.
  const killOnExit = () => server.process.kill('SIGTERM');
  process.once('exit', killOnExit);
  return {
    address: server.address,
    namespace,
    owned: true,
    pid: server.process.pid ?? -1,
    ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}),
    async restartIfStopped() {
      if (server.process.exitCode === null && server.process.signalCode === null) return false;
      server = await startTemporalDevServer({ ...settings, port, uiPort });
      await record();
      return true;
    },
    async stop() {
      process.off('exit', killOnExit);
      await server.stop();
      await fs.rm(stateFile, { force: true });
    },
  };
}
