import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port';
import { awaitReady, retryOnEarlyExit, spawnServer, stopProcess } from './managed-process';
import { resolveTool } from './tools';
import { waitFor } from './wait-for';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface TemporalDevServerOptions {
  /** SQLite file for persisted state; without it, history is lost when the server stops. */
  dbFile?: string;
  /** Frontend gRPC port; a free one is picked when omitted. */
  port?: number;
  /** Web UI port; omitted or false runs headless, 0 picks a free port. */
  uiPort?: number | false;
  namespace?: string;
  /** stdout/stderr of the server are appended here; discarded when omitted. */
  logFile?: string;
  searchAttributes?: Record<string, SearchAttributeType>;
  /**
   * Listen on every interface (a lab server that other machines reach). A specific LAN address
   * as `--ip` makes the dev server's own internal services dial 127.0.0.1 and fail, while
   * 0.0.0.0 serves both them and the LAN; this process still talks to it on 127.0.0.1.
   */
  bindAll?: boolean;
}

export interface TemporalDevServer {
  /** host:port of the frontend, for Connection.connect / NativeConnection.connect. */
  readonly address: string;
  readonly namespace: string;
  /** The web UI's URL on loopback (http://127.0.0.1:PORT), when the UI runs; it answered before this resolved. */
  readonly uiUrl?: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/**
 * Starts `temporal server start-dev` on 127.0.0.1 and resolves once the namespace is usable.
 * The dev server picks its internal ports itself, and a port that was free a moment ago can be
 * taken by a parallel process before the server binds it; so when no port was asked for, an
 * early exit is retried on fresh ports before it counts as a failure.
 */
export function startTemporalDevServer(o: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  return retryOnEarlyExit(o.port === undefined ? START_ATTEMPTS : 1, () => startOnce(o));
}

const START_ATTEMPTS = 3;

async function startOnce(o: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const binary = resolveTool('temporal');
  const port = o.port ?? (await freePort());
  const namespace = o.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;

  const ip = o.bindAll ? '0.0.0.0' : '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--ui-ip', ip, '--port', String(port), '--log-level', 'warn'];
  if (o.dbFile !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(o.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(o.dbFile));
  }
  const uiPort = o.uiPort === undefined || o.uiPort === false ? undefined : o.uiPort === 0 ? await freePort() : o.uiPort;
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  // Loopback also when bound to every interface: this URL is for this machine's browser and checks.
  const uiUrl = uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`;
  // "default" always exists; the CLI only needs to be told about extra namespaces.
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const [name, type] of Object.entries(o.searchAttributes ?? {})) args.push('--search-attribute', `${name}=${type}`);

  const server = spawnServer(binary, args, o.logFile);
  await awaitReady(server, () => waitUntilReady(address, namespace, () => server.exitReason(), o.logFile, uiUrl));
  return { address, namespace, ...(uiUrl ? { uiUrl } : {}), process: server.child, stop: () => stopProcess(server.child) };
}

/** Ready = frontend answers GetSystemInfo, the namespace can be described (it is registered asynchronously), and the UI, if any, answers. */
async function waitUntilReady(address: string, namespace: string, exitReason: () => string | undefined, logFile: string | undefined, uiUrl: string | undefined): Promise<void> {
  let connection: Connection | undefined;
  try {
    await waitFor(
      async () => {
        connection ??= await Connection.connect({ address, connectTimeout: '2s' });
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace });
        // A URL printed for a person must open at once: the UI server starts after the frontend.
        if (uiUrl !== undefined && !(await fetch(uiUrl, { signal: AbortSignal.timeout(2000) })).ok) throw new Error(`web UI at ${uiUrl} not answering yet`);
        return true;
      },
      { what: `Temporal dev server at ${address} (namespace ${namespace})`, timeoutMs: READY_TIMEOUT_MS, logFile, abort: exitReason },
    );
  } finally {
    await connection?.close();
  }
}
