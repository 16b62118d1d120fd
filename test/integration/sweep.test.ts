import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointRowsFromHistory } from '../../cli/status-command';
import { sweepCommand, sweepWorkflowId } from '../../cli/sweep-command';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { createWorker } from '../../worker';
import type { StageResult } from '../../workflows/contracts';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { childWorkflowId } from '../../workflows/sweep';
import { writeTinyConfig } from '../support/tiny-config';

const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');
const MAIN_QUEUE = `sweep-main-${process.pid}`;
const SUBJECT_QUEUES = { sim01: `subject-a-${process.pid}`, sim02: `subject-b-${process.pid}`, sim03: `subject-a-${process.pid}` };

let dir: string;
let temporal: TemporalDevServer;
let mainWorker: Worker;
let mainDone: Promise<void>;
const processes: ChildProcess[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-sweep-'));
  temporal = await startTemporalDevServer({ uiPort: false, searchAttributes: { ...SEARCH_ATTRIBUTE_TYPES } });
  ({ worker: mainWorker } = await createWorker({ address: temporal.address, namespace: 'default', taskQueue: MAIN_QUEUE, concurrency: 2 }));
  mainDone = mainWorker.run();
  // Two more worker processes, one per subject queue, as two machines would run them.
  for (const queue of new Set(Object.values(SUBJECT_QUEUES))) {
    processes.push(spawn(process.execPath, [WORKER, '--address', temporal.address, '--task-queue', queue, '--concurrency', '2'], { stdio: 'ignore' }));
  }
});

afterAll(async () => {
  for (const p of processes) p.kill('SIGTERM');
  mainWorker?.shutdown();
  await mainDone?.catch(() => undefined);
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a sweep of 3 subjects × 2 parameter points', () => {
  it('runs every point on per-subject queues, shares the stimulus stages and writes one results table', { timeout: 600_000 }, async () => {
    const subjects = Object.entries(SUBJECT_QUEUES).map(([name, taskQueue], i) => ({
      name,
      taskQueue,
      source: { type: 'simulated', seed: 10 + i, voxels: 120, trainRepeats: 1, testRepeats: 2, imageryRepeats: 0 },
    }));
    await writeTinyConfig(dir, 'base', { subjects });
    const sweepFile = path.join(dir, 'sweep.yaml');
    await fs.writeFile(sweepFile, 'name: tiny-sweep\nbase: base.yaml\nmax_parallel: 3\nsubjects: [sim01, sim02, sim03]\ngrid:\n  decode.alpha: [10, 1000]\n');

    const result = await sweepCommand({
      sweepFile,
      connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') },
      taskQueue: MAIN_QUEUE,
      force: [],
      runsDir: path.join(dir, 'runs'),
      quiet: true,
      searchAttributes: true,
    });
    expect(result.points.map((p) => p.state)).toEqual(Array(6).fill('done'));
    const metrics = 7 * 7; // seven metrics (pairwise, n-way, diversity, PixCorr, SSIM, two feature layers) for each of the three methods, the icnn-gd ceiling and the three shuffled controls
    expect(result.rows).toHaveLength(6 * metrics);
    expect(new Set(result.rows.map((r) => r.params))).toEqual(new Set(['{"decode.alpha":10}', '{"decode.alpha":1000}']));
    const csv = await fs.readFile(path.join(dir, 'runs', 'tiny-sweep', 'results.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('point,subject,params,method,stimulus_set,metric,value');
    expect(csv.trim().split('\n')).toHaveLength(1 + 6 * metrics);
    // The comparison section: one chart per stimulus set, every point in its table.
    const comparison = await fs.readFile(path.join(dir, 'runs', 'tiny-sweep', 'report.html'), 'utf8');
    expect(comparison).toContain('<h2>Comparison</h2>');
    for (const p of result.points) expect(comparison).toContain(p.name);

    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    try {
      // `status` reads each point's fate from the sweep's durable history.
      const sweepHistory = await client.workflow.getHandle(sweepWorkflowId('tiny-sweep')).fetchHistory();
      expect(pointRowsFromHistory(sweepHistory.events ?? []).map((p) => p.state)).toEqual(Array(6).fill('done'));
      for (const point of result.points) {
        const history = await client.workflow.getHandle(childWorkflowId(point.name)).fetchHistory();
        const events = history.events ?? [];
        const queueOf = new Map<string, string>();
        for (const e of events) {
          const s = e.activityTaskScheduledEventAttributes;
          if (s) queueOf.set(String(e.eventId), `${s.activityType?.name}@${s.taskQueue?.name}`);
        }
        const scheduled = [...queueOf.values()];
        const subjectQueue = SUBJECT_QUEUES[point.subject as keyof typeof SUBJECT_QUEUES];
        // Subject stages only on the subject's queue; shared stages on the main queue. A sharded
        // stage always plans (its shards run only when the plan finds it not cached).
        for (const stage of ['simulate', 'preprocess', 'decodePlan', 'reconstructPlan', 'evaluate']) expect(scheduled).toContain(`${stage}@${subjectQueue}`);
        const sharedStages = ['stimuli@', 'features@', 'generator@', 'report@'];
        expect(scheduled.filter((s) => !sharedStages.some((p) => s.startsWith(p))).every((s) => s.endsWith(`@${subjectQueue}`))).toBe(true);
        expect(scheduled.filter((s) => sharedStages.some((p) => s.startsWith(p))).every((s) => s.endsWith(`@${MAIN_QUEUE}`))).toBe(true);
        // The sweep computed the shared stages before any child: every child found them cached.
        const results = events.flatMap((e) => {
          const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
          return payload ? [defaultPayloadConverter.fromPayload<StageResult>(payload)] : [];
        });
        expect(results.filter((r) => ['stimuli', 'features', 'generator'].includes(r.stage)).map((r) => r.reason)).toEqual(['cached', 'cached', 'cached']);
        // Two decoders per point: the real one and the shuffled-label control's.
        expect(results.filter((r) => r.stage === 'decode').map((r) => r.reason)).toEqual(['new', 'new']);
      }
    } finally {
      await connection.close();
    }
    // Runs are findable by sweep, experiment, subject and last stage through search attributes.
    const listed = async (query: string) => {
      const c = new Client({ connection: await Connection.connect({ address: temporal.address }) });
      try {
        // Visibility is eventually consistent: poll briefly.
        for (let i = 0; ; i++) {
          const ids: string[] = [];
          for await (const w of c.workflow.list({ query })) ids.push(w.workflowId);
          if (ids.length > 0 || i > 50) return ids.sort();
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await c.connection.close();
      }
    };
    expect(await listed(`DeepreconSweep = 'tiny-sweep'`)).toHaveLength(7);
    expect(await listed(`DeepreconSubjects = 'sim02' AND DeepreconStage = 'report'`)).toEqual(
      result.points.filter((p) => p.subject === 'sim02').map((p) => childWorkflowId(p.name)).sort(),
    );
    const summary = JSON.parse(await fs.readFile(path.join(dir, 'runs', 'tiny-sweep', 'summary.json'), 'utf8')) as { points: unknown[] };
    expect(summary.points).toHaveLength(6);
  });
});
