import { defineQuery, executeChild, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { StageActivities } from '../activities';
import type { SweepActivities } from '../activities/sweep-tables';
import type { ExperimentInput, SweepInput, SweepPointInput, SweepPointProgress, SweepResult, SweepResultRow } from './contracts';
import { experimentWorkflow, stageActivities } from './experiment';
import { SWEEP_KEY } from './search-attributes';

export const sweepProgressQuery = defineQuery<SweepPointProgress[]>('sweepProgress');

/** Stages that depend only on the stimuli and the feature network, shared by every point. */
const SHARED_STAGES = ['stimuli', 'features', 'generator'] as const;

/** JSON with sorted keys (workflow code cannot use node:crypto; equality is all we need). */
function sortedJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
}

export function childWorkflowId(point: string): string {
  return `deeprecon-${point}`;
}

/**
 * A sweep: shared stimulus stages computed once per distinct stimulus/network config, then one
 * child experiment per point, at most `maxParallel` at a time, then one results table. A failed
 * point does not stop the others; re-running the sweep recomputes only what failed or changed.
 */
export async function sweepWorkflow(input: SweepInput): Promise<SweepResult> {
  const progress: SweepPointProgress[] = input.points.map((p) => ({ name: p.name, subject: p.subject, state: 'pending' }));
  setHandler(sweepProgressQuery, () => progress);
  if (input.searchAttributes) upsertSearchAttributes([{ key: SWEEP_KEY, value: input.sweep }]);
  const set = (i: number, next: SweepPointProgress) => (progress[i] = next);

  await computeSharedStages(input);
  const childForce = input.force.filter((s) => !(SHARED_STAGES as readonly string[]).includes(s));

  const rows: SweepResultRow[] = [];
  const running = new Map<number, Promise<void>>();
  for (const [i, point] of input.points.entries()) {
    while (running.size >= input.maxParallel) await Promise.race(running.values());
    set(i, { name: point.name, subject: point.subject, state: 'running' });
    const child = runPoint(point, input, childForce).then(
      (pointRows) => {
        rows.push(...pointRows);
        set(i, { name: point.name, subject: point.subject, state: 'done' });
      },
      (error: unknown) => {
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        set(i, { name: point.name, subject: point.subject, state: 'failed', error: cause instanceof Error ? cause.message : String(cause) });
      },
    );
    running.set(
      i,
      child.finally(() => running.delete(i)),
    );
  }
  await Promise.all(running.values());

  const order = new Map(input.points.map((p, i) => [p.name, i]));
  rows.sort((a, b) => order.get(a.point)! - order.get(b.point)!);
  const { sweepTables } = proxyActivities<SweepActivities>({ taskQueue: input.taskQueue, startToCloseTimeout: '10 minutes' });
  const tables = await sweepTables({ store: input.points[0]!.config.store, sweep: input.sweep, rows });
  return { sweep: input.sweep, points: progress, rows, tables };
}

async function runPoint(point: SweepPointInput, input: SweepInput, force: SweepInput['force']): Promise<SweepResultRow[]> {
  const childInput: ExperimentInput = {
    config: point.config,
    force,
    taskQueue: input.taskQueue,
    ...(input.heartbeatTimeoutSeconds ? { heartbeatTimeoutSeconds: input.heartbeatTimeoutSeconds } : {}),
    ...(input.searchAttributes ? { searchAttributes: true } : {}),
  };
  const result = await executeChild(experimentWorkflow, {
    workflowId: childWorkflowId(point.name),
    taskQueue: input.taskQueue,
    args: [childInput],
    parentClosePolicy: 'REQUEST_CANCEL',
    ...(input.searchAttributes ? { typedSearchAttributes: [{ key: SWEEP_KEY, value: input.sweep }] } : {}),
  });
  const params = sortedJson(point.params);
  return result.scores.map((s) => ({ point: point.name, subject: s.subject, params, method: s.method, stimulusSet: s.stimulusSet, metric: s.metric, value: s.value }));
}

/** Stimuli and features once per distinct (store, stimuli, network, backend), before any child. */
async function computeSharedStages(input: SweepInput): Promise<void> {
  const acts: StageActivities = stageActivities(input.taskQueue, input.heartbeatTimeoutSeconds);
  const seen = new Set<string>();
  for (const { config } of input.points) {
    const key = sortedJson([config.store, config.stimuli, config.features, config.compute, config.reconstruct.methods.includes('icnn-dgn') ? config.reconstruct.generator : null]);
    if (seen.has(key)) continue;
    seen.add(key);
    const common = { store: config.store, backend: config.compute.backend, inputs: {} };
    const stimuli = await acts.stimuli({ ...common, config: config.stimuli, force: input.force.includes('stimuli') });
    await acts.features({ ...common, config: config.features, inputs: stimuli.outputs, force: input.force.includes('features') });
    if (config.reconstruct.methods.includes('icnn-dgn') && !config.reconstruct.generator.modelPath) {
      const generatorConfig = { ...config.reconstruct.generator, network: config.features };
      await acts.generator({ ...common, config: generatorConfig, inputs: { stimuli: stimuli.outputs.stimuli! }, force: input.force.includes('generator') });
    }
  }
}
