import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { NAME_PATTERN, NAME_RULE } from '../configs/name-rule';

/** What `run` leaves in runs/<name>/run.json so later commands can find the run. */
export interface RunRecord {
  /** An experiment (the default) or a sweep. */
  readonly kind?: 'experiment' | 'sweep';
  readonly configFile: string;
  readonly workflowId: string;
  readonly runId: string;
}

export async function writeRunRecord(runsDir: string, run: string, record: RunRecord): Promise<void> {
  await fs.mkdir(path.join(runsDir, run), { recursive: true });
  await fs.writeFile(path.join(runsDir, run, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);
}

/** Workflow ids are `deeprecon-<experiment or point>` and `deeprecon-sweep-<sweep>`. */
export const WORKFLOW_ID = /^deeprecon-(sweep-)?[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * A run name on the command line is an experiment, sweep or point name (one safe path segment,
 * never `../x`) or a workflow id.
 */
export function checkRunName(run: string): void {
  if (!NAME_PATTERN.test(run) && !WORKFLOW_ID.test(run)) throw new Error(`invalid run name "${run}": ${NAME_RULE}; a run is named by its experiment or sweep`);
}

export async function readRunRecord(runsDir: string, run: string): Promise<RunRecord> {
  checkRunName(run);
  const file = path.join(runsDir, run, 'run.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as RunRecord;
  } catch {
    throw new Error(`no run named "${run}": ${file} does not exist (start it with \`deeprecon run <config>\`)`);
  }
}
