import { STAGE_NAMES } from '../configs/schema';

/** The commands `deeprecon` knows; each has its own `--help` text below. */
export const COMMANDS = ['run', 'sweep', 'validate', 'status', 'results', 'ui', 'rerun', 'cancel', 'worker', 'server'] as const;
export type CommandName = (typeof COMMANDS)[number];

export function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

const CONNECTION = `connection: --address HOST:PORT --namespace NS --task-queue Q
  --tls --tls-ca FILE --tls-cert FILE --tls-key FILE --tls-server-name NAME
  --state-dir DIR (local engine state, default .deeprecon)  --runs-dir DIR (default runs)
  --quiet`;

const RUN_OUTPUT = `--ui                  run on a local engine that serves Temporal's web UI on loopback; prints its URL
  --verbose             the worker's full warning for every failed attempt, with its stack
  --search-attributes   maintain the Deeprecon* search attributes (checked before the run starts)
  --no-worker-seconds S say "waiting: no worker on queue …" once a task waited S s (default 30)
  --heartbeat-timeout S a silent worker's stage is retried elsewhere after S s (default 60)`;

export const EXIT_CODES = `exit codes: 0 done · 1 failed (a run, a sweep point, an invalid config, a query, a cancel that
  did not take) · 64 usage error (unknown command or option, missing argument) · 130 interrupted
  (Ctrl-C; \`ui\`, \`server\` and \`worker\`, which serve until Ctrl-C, exit 0)`;

/** One usage text per command: what `deeprecon <command> --help` prints. */
export const COMMAND_HELP: Record<CommandName, string> = {
  run: `usage: deeprecon run <config.yaml> [--force] [--workers N] [--ui]

Runs an experiment: on the local engine unless --address names a Temporal cluster. A finished
stage is reused when its config, inputs and code are unchanged.

  --force               recompute every stage
  --workers N           local worker processes (default auto: one per core)
  ${RUN_OUTPUT}
${CONNECTION}
stages: ${STAGE_NAMES.join(' → ')}`,
  sweep: `usage: deeprecon sweep <sweep.yaml> [--force] [--workers N] [--ui]

Runs every point of a sweep file (docs/sweeps.md) as child workflows and writes
runs/<sweep>/results.{csv,arrow,parquet}, summary.json and report.html.

  --force               recompute every stage of every point
  --workers N           local worker processes (default auto: one per core)
  ${RUN_OUTPUT}
${CONNECTION}`,
  validate: `usage: deeprecon validate <config.yaml|sweep.yaml> [--json]

Checks an experiment file, or a sweep file and every point it expands to, exactly as run and
sweep would; nothing runs. Errors name the file, line and key.

  --json                one JSON object: {file, valid, kind, name, subjects|points} or {file, valid: false, error}`,
  status: `usage: deeprecon status <run> [--json]

Per-stage state of a run (an experiment, sweep, sweep point or workflow id) from its durable
history; no worker needs to be running.

  --json                one JSON object: workflow, status, waiting queues, points and stages
  --no-worker-seconds S report queues no worker polled for S s (default 30)
${CONNECTION}`,
  results: `usage: deeprecon results [runs...] [--sql "SELECT …"] [--csv | --json]

Queries the Parquet tables of every finished run and sweep in the runs folder (or only the runs
and sweeps named) at once with embedded DuckDB; nothing is downloaded. Without --sql, prints
every score. Tables (views) the SQL can use:
  scores    run, sweep, params, subject, method, stimulus_set, metric, value, low, high, images
            (a sweep's points are runs here, with their sweep and params)
  decoding  run, subject, stimulus_set, layer, profile_correlation, pattern_correlation, identification
  stages    run, stage, subject, variant, reason, cached, seconds, key
  sweeps    sweep, point, subject, params, method, stimulus_set, metric, value

  --sql "…"             the query (DuckDB SQL); default: every score (run, subject, method,
                        stimulus_set, metric, value), sorted
  --csv                 comma-separated values with a header line
  --json                an array of row objects (non-finite numbers as null)
  --runs-dir DIR        where runs live (default runs)

example: deeprecon results my-sweep --sql "PIVOT scores ON method USING avg(value) GROUP BY params, metric"`,
  ui: `usage: deeprecon ui

Starts the local engine with Temporal's web UI on loopback (or finds the one a run started with
--ui), prints the URL, and serves until Ctrl-C. Finished and running local runs are listed there.

  --ui-port PORT        the web UI's port (default: a free one)
  --state-dir DIR       local engine state (default .deeprecon)  --namespace NS`,
  rerun: `usage: deeprecon rerun <run> [--from STAGE] [--force] [--ui]

Runs an experiment or sweep again from the file it was started from (or, for a run started on
another machine, from the config its history recorded); only failed or changed stages recompute.

  --from STAGE          recompute STAGE and every later one (${STAGE_NAMES.join(', ')})
  --force               recompute every stage
  --workers N           local worker processes (default auto: one per core)
  ${RUN_OUTPUT}
${CONNECTION}`,
  cancel: `usage: deeprecon cancel <run> [--terminate]

Cancels a running experiment or sweep and waits until it has stopped; says so when it could not.

  --terminate           end it at once, without cleanup (for a run that cannot act on a cancellation)
${CONNECTION}`,
  worker: `usage: deeprecon worker [--task-queue Q] [--concurrency N] [--backend B]

Polls one task queue until stopped (Ctrl-C drains running stages). Without --address it joins
the local engine (started if none is running).

  --concurrency N       stages at once (default 1)
  --backend B           auto, or one compute backend (docs/compute.md)
${CONNECTION}`,
  server: `usage: deeprecon server [--port 7233] [--ui-port 8233] [--advertise HOST] [--s3 [--s3-port 8333] [--bucket B]]

Hosts Temporal (and optionally an S3 store) for a lab on every interface, with the web UI, and
prints the worker, config and client lines for the other machines; serves until Ctrl-C.

  --advertise HOST      the address other machines use (default: the first LAN address)
  --namespace NS  --state-dir DIR`,
};

/** What `deeprecon`, `deeprecon help` and `deeprecon --help` print. */
export const USAGE = `deeprecon — fMRI image reconstruction experiments as durable workflows

usage:
  deeprecon run <config.yaml> [--force] [--workers N] [--ui]
                                             run an experiment (local engine unless --address;
                                             N local worker processes, default one per core)
  deeprecon sweep <sweep.yaml> [--force] [--workers N]
                                             run every point of a sweep file (docs/sweeps.md)
  deeprecon validate <config.yaml|sweep.yaml> [--json]
                                             check an experiment or sweep file; nothing runs
  deeprecon status <run> [--json]            per-stage status of a run (its experiment name)
  deeprecon results [runs...] [--sql "…"] [--csv|--json]
                                             query every finished run's and sweep's tables (DuckDB)
  deeprecon ui                               the local engine's Temporal web UI (prints its URL)
  deeprecon rerun <run> [--from STAGE] [--force]
                                             run again; only failed or changed stages recompute
  deeprecon cancel <run> [--terminate]       cancel a running experiment or sweep and wait until
                                             it has stopped (--terminate: end it without cleanup)
  deeprecon worker [--task-queue Q] [--concurrency N] [--backend B]
  deeprecon server [--port 7233] [--ui-port 8233] [--advertise HOST] [--s3 [--s3-port 8333] [--bucket B]]
                                             host Temporal (and an S3 store) for a lab; prints the
                                             worker and config lines for the other machines
  deeprecon <command> --help                 that command's options
  deeprecon --version

${CONNECTION.replace('connection:', 'connection (commands that talk to Temporal):')}
stages: ${STAGE_NAMES.join(' → ')}
${EXIT_CODES}
`;

/**
 * True when the arguments ask for help. Only arguments before a `--` count: after it, `--help`
 * is an ordinary positional (a file so named).
 */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}
