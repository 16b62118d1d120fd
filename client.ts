#!/usr/bin/env node
import { ConfigError } from './configs/config-error';
import { loadExperimentConfig } from './configs/load';
import { STAGE_NAMES, type StageName } from './configs/schema';
import { CONNECTION_FLAGS, connectionFrom, parse, UsageError } from './cli/options';
import { readRunRecord } from './cli/run-record';
import { runCommand, workflowIdOf } from './cli/run-command';
import { openSession } from './cli/session';
import { statusCommand } from './cli/status-command';
import { workerCommand } from './cli/worker-command';

const USAGE = `deeprecon — fMRI image reconstruction experiments as durable workflows

usage:
  deeprecon run <config.yaml> [--force]      run an experiment (local engine unless --address)
  deeprecon validate <config.yaml>           check a config file; nothing runs
  deeprecon status <run>                     per-stage status of a run (its experiment name)
  deeprecon rerun <run> [--from STAGE] [--force]
                                             run again; only failed or changed stages recompute
  deeprecon cancel <run>                     cancel a running experiment
  deeprecon worker [--task-queue Q] [--concurrency N] [--backend B]

connection (all commands): --address HOST:PORT --namespace NS --task-queue Q
  --tls --tls-ca FILE --tls-cert FILE --tls-key FILE --tls-server-name NAME
  --state-dir DIR (local engine state, default .deeprecon)  --runs-dir DIR (default runs)
stages: ${STAGE_NAMES.join(' → ')}
`;

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
  switch (command) {
    case 'run': {
      const { values, positionals } = parse(rest, { ...CONNECTION_FLAGS, force: { type: 'boolean', default: false } });
      await runCommand({
        configFile: positional(positionals, 'config file'),
        connection: connectionFrom(values),
        taskQueue: values['task-queue'],
        force: stagesFrom(undefined, values.force),
        runsDir: values['runs-dir'],
        quiet: values.quiet,
      });
      return;
    }
    case 'validate': {
      const { positionals } = parse(rest, {});
      const file = positional(positionals, 'config file');
      const config = await loadExperimentConfig(file);
      process.stdout.write(`${file}: valid (experiment ${config.name}, ${config.subjects.length} subject(s))\n`);
      return;
    }
    case 'status': {
      const { values, positionals } = parse(rest, CONNECTION_FLAGS);
      await statusCommand(positional(positionals, 'run name'), connectionFrom(values), values['runs-dir']);
      return;
    }
    case 'rerun': {
      const { values, positionals } = parse(rest, {
        ...CONNECTION_FLAGS,
        from: { type: 'string' },
        force: { type: 'boolean', default: false },
      });
      const record = await readRunRecord(values['runs-dir'], positional(positionals, 'run name'));
      await runCommand({
        configFile: record.configFile,
        connection: connectionFrom(values),
        taskQueue: values['task-queue'],
        force: stagesFrom(values.from, values.force),
        runsDir: values['runs-dir'],
        quiet: values.quiet,
      });
      return;
    }
    case 'cancel': {
      const { values, positionals } = parse(rest, CONNECTION_FLAGS);
      const run = positional(positionals, 'run name');
      const session = await openSession({ connection: connectionFrom(values), withWorker: false });
      try {
        await session.client.workflow.getHandle(workflowIdOf(run)).cancel();
        process.stdout.write(`cancellation requested for ${workflowIdOf(run)}\n`);
      } finally {
        await session.close();
      }
      return;
    }
    case 'worker': {
      await workerCommand(rest);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`invalid config:\n${error.message}\n`);
    else if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}`);
    else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 64 : 1);
  },
);
