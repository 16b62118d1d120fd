import fs from 'node:fs';

export interface WaitForOptions {
  /** What we are waiting for, used in the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** A log whose tail is appended to the failure message, to show why a server never came up. */
  logFile?: string;
  /** Checked before each attempt; a string return aborts the wait with that message (e.g. "process exited"). */
  abort?: () => string | undefined;
}

/** Last `maxBytes` of a file, or '' when it is missing. */
export function logTail(file: string | undefined, maxBytes = 4000): string {
  if (file === undefined) return '';
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > maxBytes ? text.slice(-maxBytes) : text;
  } catch {
    return '';
  }
}

/** Appends the log tail to a message, when there is one. */
export function withLogTail(message: string, logFile: string | undefined): string {
  const tail = logTail(logFile).trim();
  return tail === '' ? message : `${message}\n--- last lines of ${logFile} ---\n${tail}`;
}

/**
 * Polls `attempt` until it returns true (a thrown error counts as "not yet").
 * Rejects after the deadline with the last error and the log tail.
 */
export async function waitFor(attempt: () => Promise<boolean> | boolean, o: WaitForOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const interval = o.intervalMs ?? 250;
  let lastError = '';
  for (;;) {
    const aborted = o.abort?.();
    if (aborted !== undefined) throw new Error(withLogTail(`${o.what}: ${aborted}`, o.logFile));
    try {
      if (await attempt()) return;
      lastError = '';
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const why = lastError === '' ? '' : ` (last error: ${lastError})`;
      throw new Error(withLogTail(`timed out after ${o.timeoutMs} ms waiting for ${o.what}${why}`, o.logFile));
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
