import { type LocalEngine, startLocalEngine } from './local-engine';

export interface UiOptions {
  readonly stateDir: string;
  readonly namespace: string;
  /** The web UI's port; a free one when omitted. */
  readonly uiPort?: number;
  readonly log: (line: string) => void;
}

/** The line for a local engine that was started headless by a run still going. */
function headlessEngine(engine: LocalEngine): string {
  return `the local engine (pid ${engine.pid}) was started without its web UI by a run still going; start runs with --ui to watch them there, or run \`deeprecon ui\` once it has ended`;
}

/**
 * `run --ui` (and sweep, rerun): starts the local engine with Temporal's web UI on loopback before
 * the command's own session starts, which then finds and uses this engine; prints the URL, runs
 * the command, and stops the engine after it. An engine already running (another terminal's run)
 * is used as it is, with its UI if it has one.
 */
export async function withWebUi<T>(options: UiOptions, command: () => Promise<T>): Promise<T> {
  const engine = await startLocalEngine(options.stateDir, options.namespace, { ui: true, ...(options.uiPort !== undefined ? { uiPort: options.uiPort } : {}) });
  try {
    if (engine.uiUrl) options.log(`Temporal web UI: ${engine.uiUrl}/namespaces/${encodeURIComponent(options.namespace)}/workflows`);
    else process.stderr.write(`no web UI: ${headlessEngine(engine)}\n`);
    const result = await command();
    if (engine.owned && engine.uiUrl) options.log('the web UI stops with this command; `deeprecon ui` shows finished runs');
    return result;
  } finally {
    await engine.stop();
  }
}

/**
 * `deeprecon ui`: Temporal's web UI for the local engine's runs, finished or running. Starts the
 * engine on its SQLite history with the UI and serves until Ctrl-C; when a `run --ui` is serving
 * it already, prints that URL and returns.
 */
export async function uiCommand(options: UiOptions): Promise<void> {
  const engine = await startLocalEngine(options.stateDir, options.namespace, { ui: true, ...(options.uiPort !== undefined ? { uiPort: options.uiPort } : {}) });
  if (!engine.uiUrl) throw new Error(headlessEngine(engine));
  const url = `${engine.uiUrl}/namespaces/${encodeURIComponent(options.namespace)}/workflows`;
  if (!engine.owned) {
    options.log(`Temporal web UI: ${url} (served by the run in progress, pid ${engine.pid})`);
    return;
  }
  options.log(`Temporal web UI: ${url}`);
  options.log(`local engine at ${engine.address}, namespace ${options.namespace}; Ctrl-C stops it (runs stay in its history)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await engine.stop();
}
