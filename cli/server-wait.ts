import type { Client } from '@temporalio/client';

/** gRPC status codes that mean the server is away (killed, restarting, unreachable), not that the request was wrong. */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** Whether `error`, or an error it wraps, says the Temporal server cannot be reached right now. */
export function isServerUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === UNAVAILABLE || code === DEADLINE_EXCEEDED) return true;
    if (e instanceof Error && /\bUNAVAILABLE\b|ECONNREFUSED|Connection dropped|Failed to connect/i.test(e.message)) return true;
  }
  return false;
}

export interface ServerWait {
  readonly client: Client;
  readonly address: string;
  /** Restarts a local server this process owns if it stopped; true if it did. */
  readonly restart?: () => Promise<boolean>;
  readonly log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the Temporal server answers again, restarting it first when it is the local one this
 * process started. The run itself is durable on the server, so nothing is lost meanwhile: the
 * caller then simply attaches to it again. Waits until the user stops it (Ctrl-C), saying so once
 * a minute, with backoff from half a second to ten seconds between tries.
 */
export async function waitForServer(o: ServerWait): Promise<void> {
  o.log(`lost the Temporal server at ${o.address}; waiting for it to come back (the run continues where it was)`);
  const started = Date.now();
  let lastSaid = started;
  let delay = 500;
  for (;;) {
    try {
      if (await o.restart?.()) o.log(`restarted the local Temporal server at ${o.address}`);
      await o.client.workflowService.getSystemInfo({});
      o.log(`the Temporal server at ${o.address} is back after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return;
    } catch {
      // Not back yet.
    }
    if (Date.now() - lastSaid >= 60_000) {
      o.log(`still waiting for the Temporal server at ${o.address} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      lastSaid = Date.now();
    }
    await sleep(delay);
    delay = Math.min(2 * delay, 10_000);
  }
}
