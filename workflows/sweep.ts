import { continueAsNew, defineQuery, executeChild, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { StageActivities } from '../activities';
import type { SweepPagingActivities } from '../activities/sweep-paging';
import type { ArtifactRef, ExperimentInput, SweepPointProgress, SweepResultRow } from './contracts';
import { experimentWorkflow, stageActivities } from './experiment';
import { SWEEP_KEY } from './search-attributes';
import type { PagedSweepInput, PagedSweepPoint, PagedSweepResult, SweepBatchLine, SweepCounts, SweepCursor } from './sweep-contracts';

export const sweepProgressQuery = defineQuery<SweepPointProgress[]>('sweepProgress');
export const sweepCountsQuery = defineQuery<SweepCounts>('sweepCounts');

/**
 * Points one workflow run starts before it continues as new. Each point adds about 7 events
 * (child initiated, started, completed, and the workflow tasks around them) and its child's
 * result (~10-15 KB) to the history, so a run stays near 2,000 events and a few MB, far inside
 * Temporal's limits (50 K events, 50 MB), whatever the sweep's size.
 */
export const POINTS_PER_RUN = 250;

/**
 * Finished points held in workflow memory before they are saved to the store: bounds the save
 * activity's input (a point's rows are ~150 bytes × metrics) well below the 2 MB payload limit.
 */
const FLUSH_POINTS = 50;

/** Shared-stage keys a run remembers across continue-as-new (a repeat costs only cache hits). */
const KEPT_SHARED_KEYS = 256;

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
 * A sweep: one child experiment per point, at most `maxParallel` at a time, then one results
 * table. The points are not in the input: they are pages in the store (SweepPointsRef), read one
 * page at a time; before a page's children start, the shared stimulus stages of any new stimulus
 * or network config in it are computed once. After `pointsPerRun` points the run waits for its
 * children, saves their results to the store and continues as new with only the cursor and the
 * references, so every run's history is bounded. A failed point does not stop the others;
 * re-running the sweep recomputes only what failed or changed.
 */
export async function sweepWorkflow(input: PagedSweepInput): Promise<PagedSweepResult> {
  const cursor: SweepCursor = input.cursor ?? { next: 0, done: 0, failed: 0, batches: [], sharedSeen: [], run: 1 };
  const { points } = input;
  const end = Math.min(points.count, cursor.next + (input.pointsPerRun ?? POINTS_PER_RUN));
  // This run's points only: the query answers what is in flight now, in bounded memory.
  const progress: SweepPointProgress[] = [];
  setHandler(sweepProgressQuery, () => progress);
  if (input.searchAttributes) upsertSearchAttributes([{ key: SWEEP_KEY, value: input.sweep }]);

  const paging = proxyActivities<SweepPagingActivities>({
    taskQueue: input.taskQueue,
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  });
  const childForce = input.force.filter((s) => !(SHARED_STAGES as readonly string[]).includes(s));
  const sharedSeen = new Set(cursor.sharedSeen);
  let done = cursor.done;
  let failed = cursor.failed;
  let started = cursor.next;
  setHandler(sweepCountsQuery, () => ({ count: points.count, started, done, failed, run: cursor.run }));

  // Finished points wait here until saved; this run's saved batch grows by appending.
  let pending: SweepBatchLine[] = [];
  let runBatch: ArtifactRef | undefined;
  const save = async () => {
    if (pending.length === 0) return;
    const lines = pending;
    pending = [];
    const previous = runBatch;
    runBatch = await paging.sweepSaveBatch({ store: points.store, sweep: input.sweep, lines, ...(previous ? { previous } : {}) });
    if (previous) await paging.sweepDrop({ store: points.store, key: previous.key });
  };

  const running = new Map<number, Promise<void>>();
  let page: readonly PagedSweepPoint[] = [];
  let pageNumber = -1;
  for (let i = cursor.next; i < end; i++) {
    const wanted = Math.floor(i / points.pageSize);
    if (wanted !== pageNumber) {
      page = await paging.sweepPage({ points, page: wanted });
      pageNumber = wanted;
      await computeSharedStages(page.filter((p) => p.index >= i && p.index < end), input, sharedSeen);
    }
    const point = page[i - wanted * points.pageSize]!;
    while (running.size >= input.maxParallel) await Promise.race(running.values());
    if (pending.length >= FLUSH_POINTS) await save();
    const slot = progress.push({ name: point.name, subject: point.subject, state: 'running' }) - 1;
    started = i + 1;
    const child = runPoint(point, input, childForce).then(
      (rows) => {
        const state: SweepPointProgress = { name: point.name, subject: point.subject, state: 'done' };
        progress[slot] = state;
        pending.push({ index: point.index, progress: state, rows });
        done += 1;
      },
      (error: unknown) => {
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        const state: SweepPointProgress = { name: point.name, subject: point.subject, state: 'failed', error: cause instanceof Error ? cause.message : String(cause) };
        progress[slot] = state;
        pending.push({ index: point.index, progress: state, rows: [] });
        failed += 1;
      },
    );
    running.set(
      i,
      child.finally(() => running.delete(i)),
    );
  }
  // Children are drained before continuing as new: a closing run would cancel its open children.
  await Promise.all(running.values());
  await save();
  const batches = runBatch ? [...cursor.batches, runBatch] : cursor.batches;

  if (end < points.count) {
    const next: SweepCursor = { next: end, done, failed, batches, sharedSeen: [...sharedSeen].slice(-KEPT_SHARED_KEYS), run: cursor.run + 1 };
    return continueAsNew<typeof sweepWorkflow>({ ...input, cursor: next });
  }
  const finished = await paging.sweepFinish({ store: points.store, sweep: input.sweep, batches });
  return { ...finished, runs: cursor.run };
}

async function runPoint(point: PagedSweepPoint, input: PagedSweepInput, force: PagedSweepInput['force']): Promise<SweepResultRow[]> {
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

/** Stimuli and features once per distinct (store, stimuli, network, backend) the page brings, before its children. */
async function computeSharedStages(page: readonly PagedSweepPoint[], input: PagedSweepInput, seen: Set<string>): Promise<void> {
  const acts: StageActivities = stageActivities(input.taskQueue, input.heartbeatTimeoutSeconds);
  for (const { config, sharedKey } of page) {
    if (seen.has(sharedKey)) continue;
    seen.add(sharedKey);
    const common = { store: config.store, backend: config.compute.backend, inputs: {} };
    const stimuli = await acts.stimuli({ ...common, config: config.stimuli, force: input.force.includes('stimuli') });
    await acts.features({ ...common, config: config.features, inputs: stimuli.outputs, force: input.force.includes('features') });
    if (config.reconstruct.methods.includes('icnn-dgn') && !config.reconstruct.generator.modelPath) {
      const generatorConfig = { ...config.reconstruct.generator, network: config.features };
      await acts.generator({ ...common, config: generatorConfig, inputs: { stimuli: stimuli.outputs.stimuli! }, force: input.force.includes('generator') });
    }
  }
}
