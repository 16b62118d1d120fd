import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sweepCommand, sweepWorkflowId } from '../../cli/sweep-command';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { createWorker } from '../../worker';
import { recordedInput } from '../../cli/find-run';
import { loadSweep } from '../../lib/sweep/load-sweep';
import type { SweepInput, SweepResult } from '../../workflows/contracts';
import type { PagedSweepInput } from '../../workflows/sweep-contracts';
import { childWorkflowId, POINTS_PER_RUN } from '../../workflows/sweep';
import { POINTS_PER_PAGE } from '../../lib/sweep/point-pages';
import { writeTinyConfig } from '../support/tiny-config';

/**
 * A sweep run for real through its store and Temporal: its points go to the store, the workflow
 * pages through them and continues as new every `pointsPerRun` points, and every point is a child
 * experiment workflow that runs each of its stages as an activity. The points differ only in
 * `description`, which only the report stage reads: after a one-point warm-up every other stage
 * is a cache hit, and each point renders its own (tiny) report.
 *
 * A point costs 180-340 ms on a loaded 2-core machine (Temporal's events and workflow tasks, eight
 * or more activities, one report): 10,000 of them took 55 minutes there. So the suite runs 250
 * points at 100 a run (three runs, every path of the paging), and DEEPRECON_SWEEP_POINTS=10000
 * runs the full size at the default POINTS_PER_RUN (40 runs; docs/operations.md has the numbers).
 */
const POINTS = Number(process.env.DEEPRECON_SWEEP_POINTS ?? 250);
const PER_RUN = POINTS >= 10 * POINTS_PER_RUN ? POINTS_PER_RUN : 100;
const TIMEOUT_MS = Math.max(170_000, POINTS * 400);
const QUEUE = `sweep-paging-${process.pid}`;

let dir: string;
let temporal: TemporalDevServer;
let worker: Worker;
let running: Promise<void>;
let client: Client;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-sweep-paging-'));
  temporal = await startTemporalDevServer({ uiPort: false });
  ({ worker } = await createWorker({ address: temporal.address, namespace: 'default', taskQueue: QUEUE, concurrency: 16, role: 'all' }));
  running = worker.run();
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  await writeTinyConfig(dir, 'base', {
    stimuli: { seed: 2, imageSize: 16, trainImages: 12, testImages: 3, shapes: false, letters: false },
    subjects: [{ name: 'sim01', source: { type: 'simulated', seed: 5, voxels: 30, trainRepeats: 1, testRepeats: 1, imageryRepeats: 0 } }],
    reconstruct: { methods: ['icnn-gd'], iterations: 1, ceiling: [], controls: [] },
  });
});

afterAll(async () => {
  await client?.connection.close();
  worker?.shutdown();
  await running?.catch(() => undefined);
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

const settings = () => ({ connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') }, taskQueue: QUEUE, force: [], runsDir: path.join(dir, 'runs'), quiet: true, searchAttributes: false });

async function sweepFile(name: string, descriptions: readonly string[]): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await fs.writeFile(file, `name: ${name}\nbase: base.yaml\nmax_parallel: 100\ngrid:\n  description: [${descriptions.join(', ')}]\n`);
  return file;
}

async function sweep(name: string, descriptions: readonly string[]): Promise<SweepResult> {
  return sweepCommand({ pointsPerRun: PER_RUN, sweepFile: await sweepFile(name, descriptions), ...settings() });
}

/** Every run of a workflow, newest first: each run's first event names the run it continued. */
async function runHistories(workflowId: string): Promise<Array<{ events: number; inputBytes: number; activities: string[] }>> {
  const runs: Array<{ events: number; inputBytes: number; activities: string[] }> = [];
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const activities = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name ?? '?'] : []));
    runs.push({ events: events.length, inputBytes: started?.input?.payloads?.[0]?.data?.byteLength ?? 0, activities });
    runId = started?.continuedExecutionRunId || undefined;
  } while (runId);
  return runs;
}

describe(`a sweep of ${POINTS} points`, () => {
  let result: SweepResult;

  it('starts with only a reference to its points, pages through them and finishes every point', { timeout: TIMEOUT_MS }, async () => {
    // Warm-up: one point computes every stage but the report; the big sweep then reuses them.
    const warm = Date.now();
    expect((await sweep('warm', ['warm'])).points.map((p) => p.state)).toEqual(['done']);
    const started = Date.now();
    result = await sweep('big', Array.from({ length: POINTS }, (_, i) => `d${i}`));
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`warm-up ${((started - warm) / 1000).toFixed(1)} s; ${POINTS} points in ${seconds.toFixed(1)} s (${((seconds * 1000) / POINTS).toFixed(1)} ms a point)\n`);

    expect(result.points).toHaveLength(POINTS);
    expect(result.points.filter((p) => p.state !== 'done')).toEqual([]);
    // Every point's child experiment ran and returned its scores (one method, seven metrics).
    expect(result.rows).toHaveLength(POINTS * 7);
    expect(new Set(result.rows.map((r) => r.point)).size).toBe(POINTS);
    expect(result.rows.map((r) => r.point).filter((_, i) => i % 7 === 0)).toEqual(result.points.map((p) => p.name));
    const csv = await fs.readFile(path.join(dir, 'runs', 'big', 'results.csv'), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(1 + POINTS * 7);
    // A point picked at random ran as its own child workflow, each stage an activity.
    const point = result.points[Math.floor(POINTS / 3)]!;
    const child = await client.workflow.getHandle(childWorkflowId(point.name)).fetchHistory();
    const scheduled = new Map((child.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [[String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?']] : [])));
    const completed = new Set((child.events ?? []).flatMap((e) => (e.activityTaskCompletedEventAttributes ? [scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId))] : [])));
    for (const stage of ['stimuli', 'features', 'simulate', 'preprocess', 'evaluate', 'report']) expect(completed).toContain(stage);
  });

  it('keeps every run of the workflow bounded: continue-as-new every pointsPerRun points, carrying references only', { timeout: 60_000 }, async () => {
    expect(result).toBeDefined();
    const runs = await runHistories(sweepWorkflowId('big'));
    process.stdout.write(`${runs.length} runs; events per run ${Math.min(...runs.map((r) => r.events))}-${Math.max(...runs.map((r) => r.events))}; input ${Math.min(...runs.map((r) => r.inputBytes))}-${Math.max(...runs.map((r) => r.inputBytes))} bytes\n`);
    expect(runs).toHaveLength(Math.ceil(POINTS / PER_RUN));
    // About 7 events a point, whatever the sweep's size (Temporal's limit is 51,200 a run).
    for (const run of runs) expect(run.events).toBeLessThan(PER_RUN * 8 + 100);
    // The input is a reference plus the cursor (one batch reference per finished run, ~330 bytes),
    // never the points (10,000 configs are ~20 MB).
    for (const run of runs) expect(run.inputBytes).toBeLessThan(2048 + runs.length * 400);
    // The shared stages ran once, in the first run, before any child; later runs remember them.
    const shared = (run: { activities: string[] }) => run.activities.filter((a) => a === 'stimuli' || a === 'features');
    expect(runs.map(shared)).toEqual([...runs.slice(1).map(() => []), ['stimuli', 'features']]);
    // Each run read its own pages of points and saved its finished points: no run read them all.
    for (const run of runs) expect(run.activities.filter((a) => a === 'sweepPage').length).toBeLessThanOrEqual(Math.ceil(PER_RUN / POINTS_PER_PAGE) + 1);
  });

  it('a rerun from what the server recorded runs every point again: from a continued run (its cursor dropped) or an older input with the points inline', { timeout: 120_000 }, async () => {
    const file = await sweepFile('again', ['a1', 'a2', 'a3']);
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
    try {
      expect((await sweepCommand({ sweepFile: file, pointsPerRun: 2, ...settings(), quiet: false })).points.map((p) => p.state)).toEqual(['done', 'done', 'done']);
    } finally {
      write.mockRestore();
    }
    expect(printed.join('')).toContain(`3/3 points done in 2 workflow run(s); results: ${path.join(dir, 'runs', 'again', 'results.csv')}`);
    // The latest run's input is what `rerun` finds through the server: it carries a cursor at point 2.
    const recorded = await recordedInput<PagedSweepInput>(client, sweepWorkflowId('again'));
    expect(recorded.cursor?.next).toBe(2);
    const rerunStarted = new Date();
    const rerun = await sweepCommand({ recordedInput: recorded, pointsPerRun: 2, ...settings() });
    expect(rerun.points.map((p) => `${p.name} ${p.state}`)).toEqual(['again-description_a1 done', 'again-description_a2 done', 'again-description_a3 done']);
    // Every point ran again (a new child run), not only those after the recorded cursor.
    for (const p of rerun.points) expect((await client.workflow.getHandle(childWorkflowId(p.name)).describe()).startTime.getTime()).toBeGreaterThanOrEqual(rerunStarted.getTime() - 1000);
    // A sweep started before points lived in the store recorded them in its input.
    const { sweep: parsed, points } = await loadSweep(file);
    const legacy: SweepInput = { sweep: 'legacy', points: points.map((p) => ({ name: p.name, params: p.params, config: p.config })), maxParallel: parsed.max_parallel, force: [], taskQueue: QUEUE };
    const fromLegacy = await sweepCommand({ recordedInput: legacy, ...settings() });
    expect(fromLegacy.points.map((p) => p.state)).toEqual(['done', 'done', 'done']);
    expect(fromLegacy.rows).toHaveLength(3 * 7);
  });
});
