import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, WorkflowNotFoundError } from '@temporalio/common';
import { NAME_PATTERN } from '../configs/name-rule';
import { checkRunName, type RunRecord, WORKFLOW_ID } from './run-record';

/** A run as the server knows it: what `status`, `rerun` and `cancel` act on. */
export interface FoundRun {
  readonly kind: 'experiment' | 'sweep';
  readonly workflowId: string;
  /** The file it was started from, when this machine started it (runs/<name>/run.json). */
  readonly configFile?: string;
}

async function localRecord(runsDir: string, run: string): Promise<RunRecord | undefined> {
  if (!NAME_PATTERN.test(run)) return undefined;
  try {
    return JSON.parse(await fs.readFile(path.join(runsDir, run, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

async function workflowType(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).type;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Finds a run by its name (experiment, sweep or sweep point) or its workflow id: from the record
 * `run` left on this machine, else through the Temporal server, so any machine that reaches the
 * server can follow, rerun or cancel it.
 */
export async function findRun(client: Client, runsDir: string, run: string): Promise<FoundRun> {
  const found = await lookUpRun(client, runsDir, run);
  if (found) return found;
  throw new Error(notFoundMessage(client, run));
}

/** The words for a run neither this machine nor the server knows. */
export function notFoundMessage(client: Client, run: string): string {
  return `no run named "${run}": no workflow ${candidateIds(run).join(' or ')} in namespace ${client.options.namespace}`;
}

function candidateIds(run: string): string[] {
  return [...new Set([...(WORKFLOW_ID.test(run) ? [run] : []), `deeprecon-${run}`, `deeprecon-sweep-${run}`].filter((id) => WORKFLOW_ID.test(id)))];
}

/** findRun, but undefined when there is no such run. */
export async function lookUpRun(client: Client, runsDir: string, run: string): Promise<FoundRun | undefined> {
  checkRunName(run);
  const record = await localRecord(runsDir, run);
  if (record) return { kind: record.kind ?? 'experiment', workflowId: record.workflowId, configFile: record.configFile };
  for (const workflowId of candidateIds(run)) {
    const type = await workflowType(client, workflowId);
    if (type !== undefined) return { kind: type === 'sweepWorkflow' ? 'sweep' : 'experiment', workflowId };
  }
  return undefined;
}

/** The input a run was started with (its config, already resolved), from its first history event. */
export async function recordedInput<T>(client: Client, workflowId: string): Promise<T> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new Error(`workflow ${workflowId} has no recorded input`);
  return defaultPayloadConverter.fromPayload<T>(payload);
}
