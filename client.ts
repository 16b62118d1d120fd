#!/usr/bin/env node
import './cli/aws-sdk-notice';
import * as os from 'node:os';
import { ConfigError } from './configs/config-error';
import { STAGE_NAMES, type StageName } from './configs/schema';
import { cancelCommand } from './cli/cancel-command';
import { tolerateClosedStdout } from './cli/closed-stdout';
import { asksForHelp, COMMAND_HELP, isCommand, USAGE } from './cli/help';
import { packageVersion } from './cli/help-version';
import { CONNECTION_FLAGS, connectionFrom, parse, UsageError } from './cli/options';
import { runToRerun } from './cli/rerun-source';
import { resultsCommand } from './cli/results-command';
import { runCommand } from './cli/run-command';
import { serverCommand } from './cli/server-command';
import { statusCommand } from './cli/status-command';
import { sweepCommand } from './cli/sweep-command';
import { uiCommand, withWebUi } from './cli/ui-command';
import { validateCommand, validateForJson } from './cli/validate-command';
import { workerCommand } from './cli/worker-command';


/** Flags shared by `run` and `rerun`. */
const RUN_FLAGS = {
  ...CONNECTION_FLAGS,
  force: { type: 'boolean', default: false },
  'heartbeat-timeout': { type: 'string' },
  'search-attributes': { type: 'boolean' },
  workers: { type: 'string', default: 'auto' },
  verbose: { type: 'boolean', default: false },
  'no-worker-seconds': { type: 'string' },
  ui: { type: 'boolean', default: false },
} as const;

/** Local worker processes: one per core unless told otherwise (a Node process computes on one core). */
function workerProcesses(value: string, address: string | undefined): number | undefined {
  if (address !== undefined) {
    if (value !== 'auto') throw new UsageError('--workers is for local runs; on a cluster, start `deeprecon worker` processes');
    return undefined;
  }
  if (value === 'auto') return os.availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('--workers must be auto or a positive integer');
  return n;
}

function noWorkerSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 1) throw new UsageError('--no-worker-seconds must be a number of seconds ≥ 1');
  return seconds;
}

function heartbeatSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 1) throw new UsageError('--heartbeat-timeout must be a number of seconds ≥ 1');
  return seconds;
}

/** What `run`, `sweep` and `rerun` share: where to run, what to force, how to report. */
function runSettings(values: ReturnType<typeof parse<typeof RUN_FLAGS>>['values'], force: StageName[]) {
  return {
    connection: connectionFrom(values),
    taskQueue: values['task-queue'],
    force,
    runsDir: values['runs-dir'],
    quiet: values.quiet,
    heartbeatTimeoutSeconds: heartbeatSeconds(values['heartbeat-timeout']),
    searchAttributes: values['search-attributes'],
    workerProcesses: workerProcesses(values.workers, values.address),
    verbose: values.verbose,
    noWorkerSeconds: noWorkerSeconds(values['no-worker-seconds']),
  };
}

/** `--ui`: the command runs on a local engine that serves Temporal's web UI (cli/ui-command.ts). */
function maybeWithUi<T>(values: { ui: boolean; address?: string; 'state-dir': string; namespace: string; quiet: boolean }, command: () => Promise<T>): Promise<T> {
  if (!values.ui) return command();
  if (values.address !== undefined) throw new UsageError('--ui is for the local engine; a cluster serves its own web UI (`deeprecon server` prints its address)');
  return withWebUi({ stateDir: values['state-dir'], namespace: values.namespace, log: (line) => process.stdout.write(`${line}\n`) }, command);
}

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} must be a port number`);
  return n;
}

function positional(positionals: string[], what: string): string {
  const value = positionals[0];
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

function stagesFrom(from: string | undefined, force: boolean): StageName[] {
  if (force) return [...STAGE_NAMES];
  if (!from) return [];
  const index = STAGE_NAMES.indexOf(from as StageName);
  if (index < 0) throw new UsageError(`--from must be one of ${STAGE_NAMES.join(', ')}`);
  return STAGE_NAMES.slice(index);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // Help and version come before any parsing, so they work whatever else is on the line.
  if (command !== undefined && isCommand(command) && asksForHelp(rest)) {
    process.stdout.write(`${COMMAND_HELP[command]}\n`);
    return;
  }
  switch (command) {
    case 'run': {
      const { values, positionals } = parse(rest, RUN_FLAGS);
      const configFile = positional(positionals, 'config file');
      const settings = runSettings(values, stagesFrom(undefined, values.force));
      await maybeWithUi(values, () => runCommand({ configFile, ...settings }));
      return;
    }
    case 'sweep': {
      const { values, positionals } = parse(rest, RUN_FLAGS);
      const sweepFile = positional(positionals, 'sweep file');
      const settings = runSettings(values, stagesFrom(undefined, values.force));
      const result = await maybeWithUi(values, () => sweepCommand({ sweepFile, ...settings }));
      if (result.points.some((p) => p.state === 'failed')) process.exitCode = 1;
      return;
    }
    case 'validate': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean', default: false } });
      const file = positional(positionals, 'config or sweep file');
      if (!values.json) {
        process.stdout.write(`${await validateCommand(file)}\n`);
        return;
      }
      // A refused file is still one JSON object on stdout; the exit code says it was refused.
      const validation = await validateForJson(file);
      process.stdout.write(`${JSON.stringify(validation, null, 2)}\n`);
      if (!validation.valid) process.exitCode = 1;
      return;
    }
    case 'status': {
      const { values, positionals } = parse(rest, { ...CONNECTION_FLAGS, 'no-worker-seconds': { type: 'string' }, json: { type: 'boolean', default: false } });
      await statusCommand(positional(positionals, 'run name'), connectionFrom(values), values['runs-dir'], noWorkerSeconds(values['no-worker-seconds']), values.json);
      return;
    }
    case 'results': {
      const { values, positionals } = parse(rest, {
        sql: { type: 'string' },
        csv: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'runs-dir': { type: 'string', default: 'runs' },
      });
      if (values.csv && values.json) throw new UsageError('--csv and --json exclude each other');
      process.stdout.write(
        await resultsCommand({ runs: positionals, runsDir: values['runs-dir'], ...(values.sql !== undefined ? { sql: values.sql } : {}), format: values.csv ? 'csv' : values.json ? 'json' : 'table' }),
      );
      return;
    }
    case 'rerun': {
      const { values, positionals } = parse(rest, { ...RUN_FLAGS, from: { type: 'string' } });
      const settings = runSettings(values, stagesFrom(values.from, values.force));
      // The file this machine started it from; else the input the server recorded (another machine's run, a sweep point).
      const run = positional(positionals, 'run name');
      await maybeWithUi(values, async () => {
        const found = await runToRerun(settings.connection, values['runs-dir'], run);
        if (found.kind === 'sweep') {
          const result = await sweepCommand({ ...('file' in found ? { sweepFile: found.file } : { recordedInput: found.input }), ...settings });
          if (result.points.some((p) => p.state === 'failed')) process.exitCode = 1;
          return;
        }
        await runCommand({ ...('file' in found ? { configFile: found.file } : { recordedConfig: found.config }), ...settings });
      });
      return;
    }
    case 'cancel': {
      const { values, positionals } = parse(rest, { ...CONNECTION_FLAGS, terminate: { type: 'boolean', default: false } });
      const report = await cancelCommand(positional(positionals, 'run name'), { connection: connectionFrom(values), runsDir: values['runs-dir'], terminate: values.terminate });
      const done = report.outcome === 'cancelled' || report.outcome === 'terminated' || report.outcome === 'already-finished';
      (done ? process.stdout : process.stderr).write(`${report.message}\n`);
      if (!done) process.exitCode = 1;
      return;
    }
    case 'ui': {
      const { values } = parse(rest, { namespace: { type: 'string', default: 'default' }, 'state-dir': { type: 'string', default: '.deeprecon' }, 'ui-port': { type: 'string' } });
      const uiPort = port(values['ui-port'], '--ui-port');
      await uiCommand({ stateDir: values['state-dir'], namespace: values.namespace, ...(uiPort !== undefined ? { uiPort } : {}), log: (line) => process.stdout.write(`${line}\n`) });
      return;
    }
    case 'worker': {
      await workerCommand(rest);
      return;
    }
    case 'server': {
      await serverCommand(rest);
      return;
    }
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    case 'help': {
      // `deeprecon help <command>` as git and npm users type it.
      const topic = rest[0];
      if (topic !== undefined && !isCommand(topic)) throw new UsageError(`unknown command "${topic}"`);
      process.stdout.write(topic === undefined ? USAGE : `${COMMAND_HELP[topic]}\n`);
      return;
    }
    case '--version':
    case '-V':
      process.stdout.write(`${packageVersion()}\n`);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

tolerateClosedStdout();
main(process.argv.slice(2)).then(
  // No code: a command that set process.exitCode (a failed sweep point, a cancel that did not take) keeps it.
  () => process.exit(),
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`invalid config:\n${error.message}\n`);
    else if (error instanceof UsageError) {
      // The usage of the command that was misused, not of all of them.
      const command = process.argv[2];
      process.stderr.write(`${error.message}\n\n${command !== undefined && isCommand(command) ? `${COMMAND_HELP[command]}\n` : USAGE}`);
    }
    else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 64 : 1);
  },
);
