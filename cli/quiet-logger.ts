import { DefaultLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';

/** Warnings that describe what a local run does on purpose (a workflow-only worker). */
const EXPECTED_WARNINGS = ['No activities registered'];

/**
 * Failures the run reports itself, once and in one line: the progress display marks the stage,
 * the command ends with `error: …`, and `deeprecon status` lists every attempt. The worker's own
 * block for each attempt (metadata and stack trace) is for `--verbose`.
 */
const REPORTED_BY_THE_RUN = ['Activity failed', 'Workflow failed'];

/**
 * The in-process worker's logger: routine INFO lines and expected warnings would drown the
 * progress display, and a user's bad input is not a program fault, so without `verbose` other
 * warnings are one line each, without metadata or stack.
 */
export class QuietLogger extends DefaultLogger {
  constructor(private readonly verbose: boolean) {
    super(verbose ? 'INFO' : 'WARN');
  }

  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (EXPECTED_WARNINGS.some((m) => message.startsWith(m))) return;
    if (this.verbose) return super.log(level, message, meta);
    if (REPORTED_BY_THE_RUN.some((m) => message.startsWith(m))) return;
    const error = meta?.error instanceof Error ? `: ${meta.error.message.split('\n')[0]}` : '';
    super.log(level, `${message}${error}`);
  }
}
