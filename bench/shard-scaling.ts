/**
 * Shard scaling: the same experiment run against 1, 2 and 3 `deeprecon worker` processes on one
 * task queue, timed from Temporal's durable history. One local Temporal dev server and one
 * SeaweedFS S3 store (loopback, free ports) serve the whole bench; for each worker count the
 * workers are started with the real CLI (`node dist/client.js worker --concurrency 1`), one
 * experiment runs in remote mode (`node dist/client.js run --address …`) into a fresh, empty
 * bucket, and the workers are stopped. Per stage it prints the wall time, the number of
 * activities (a sharded stage's shards) and, per worker identity, how many it ran and for how long.
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/shard-scaling.js
 *        [--workers 1,2,3] [--config configs/default.yaml] [--shard-units 4096] [--shard-images 10]
 *        [--quick] [--keep]
 * --quick shrinks the experiment (fewer images, voxels and iterations) to check the bench itself;
 * --keep leaves the scratch folder (logs, configs) in place.
 */
import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { stringify } from 'yaml';
import { resolveStore, workflowIdOf } from '../cli/run-command';
import { loadExperimentConfig, parseExperimentConfig } from '../configs/load';
import type { ExperimentConfig } from '../configs/schema';
import { type SpawnedServer, spawnServer, stopProcess } from '../lib/engine/managed-process';
import { startSeaweedS3 } from '../lib/engine/seaweed-server';
import { startTemporalDevServer } from '../lib/engine/temporal-dev-server';
import { waitFor, withLogTail } from '../lib/engine/wait-for';
import { SHARD_ACTIVITY_PARTS, type ShardPart } from '../lib/sharding/shard-activity-parts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

/** The CLI as a user runs it on a worker machine (compiled beside this file: dist/bench/ → dist/). */
const CLIENT = path.resolve(__dirname, '..', 'client.js');
const REGION = 'us-east-1';
const NAMESPACE = 'default';
/** A worker loads the compute backend before it polls: minutes on a loaded 2-core machine. */
const WORKER_READY_MS = 300_000;
/** A worker drains its running activity for up to 10 s (shutdownGraceTime) before it is killed. */
const WORKER_STOP_GRACE_MS = 15_000;

interface Settings {
  readonly configFile: string;
  readonly workerCounts: readonly number[];
  readonly shardUnits: number;
  readonly shardImages: number;
  readonly quick: boolean;
  readonly keep: boolean;
}

// ---------------------------------------------------------------------------------------------
// Processes: everything started here is stopped on success, error, Ctrl-C or SIGTERM.

/** Each started process with the function that stops it politely (servers have their own). */
const running = new Map<ChildProcess, () => Promise<void>>();

function track(child: ChildProcess, stop: () => Promise<void>): void {
  running.set(child, stop);
  child.once('exit', () => running.delete(child));
}

async function stopAll(): Promise<void> {
  await Promise.all([...running.values()].map((stop) => stop().catch(() => undefined)));
}

/**
 * Ctrl-C and SIGTERM stop every process politely and exit 130; the synchronous 'exit' hook is the
 * last resort, so that no worker or server outlives this process whatever way it ends.
 */
function installCleanupHandlers(): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the workers, the run and the servers (their logs stay in the scratch folder named above)\n`);
    void stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const child of running.keys()) child.kill('SIGKILL');
  });
}

/** Resolves with the exit code (or the signal) once the process has ended and its output is flushed. */
function exitOf(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null) return Promise.resolve(String(child.exitCode));
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('close', (code, signal) => resolve(signal ?? String(code))));
}

// ---------------------------------------------------------------------------------------------
// Settings and the experiment file.

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      workers: { type: 'string', default: '1,2,3' },
      config: { type: 'string', default: 'configs/default.yaml' },
      // 4,096 units cut vgg-mini's eight decoded layers (at 32 px) into 16 decode shards; 10
      // images cut each iCNN reconstruction of the default config into 13 shards and its ceiling
      // (50 natural images) into 5; cgan's 4 sets are never split. So every sharded stage of the
      // default config has at least 4 shards to spread over the workers.
      'shard-units': { type: 'string', default: '4096' },
      'shard-images': { type: 'string', default: '10' },
      quick: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const workerCounts = values.workers.split(',').map((s) => positiveInteger(s, '--workers'));
  return {
    configFile: values.config,
    workerCounts,
    shardUnits: positiveInteger(values['shard-units'], '--shard-units'),
    shardImages: positiveInteger(values['shard-images'], '--shard-images'),
    quick: values.quick,
    keep: values.keep,
  };
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: ${JSON.stringify(text)} is not a positive integer`);
  return n;
}

/**
 * A much smaller experiment of the same shape (every stage, every set, the same shard counts for
 * decode, since the network's layers do not shrink): to check the bench, not to measure scaling.
 */
function quickened(config: ExperimentConfig): ExperimentConfig {
  const subjects = config.subjects.map((s) => (s.source.type === 'simulated' ? { ...s, source: { ...s.source, voxels: Math.min(s.source.voxels, 300) } } : s));
  const r = config.reconstruct;
  return {
    ...config,
    stimuli: { ...config.stimuli, trainImages: Math.min(config.stimuli.trainImages, 120), testImages: Math.min(config.stimuli.testImages, 20) },
    subjects,
    reconstruct: { ...r, iterations: Math.min(r.iterations, 10), cgan: { ...r.cgan, epochs: 1 }, generator: { ...r.generator, epochs: 1 } },
  };
}

/** The experiment of one worker count: its own name (workflow id) and its own empty bucket. */
function experimentFor(base: ExperimentConfig, workers: number, endpoint: string, s: Settings): ExperimentConfig {
  const sized = s.quick ? quickened(base) : base;
  return {
    ...sized,
    name: `shard-scaling-n${workers}`,
    store: { type: 's3', bucket: bucketFor(workers), prefix: 'runs', endpoint, region: REGION, forcePathStyle: true },
    decode: { ...sized.decode, shardUnits: s.shardUnits },
    reconstruct: { ...sized.reconstruct, shardImages: s.shardImages },
  };
}

const bucketFor = (workers: number): string => `shard-scaling-n${workers}`;

async function createBucket(endpoint: string, bucket: string): Promise<void> {
  // The keys are in this process's environment (set once the store is up), as on a worker host.
  const client = new S3Client({ endpoint, region: REGION, forcePathStyle: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Workers and the run, started through the CLI.

interface WorkerProcess {
  readonly server: SpawnedServer;
  readonly logFile: string;
}

function startWorker(address: string, taskQueue: string, logFile: string): WorkerProcess {
  const server = spawnServer(process.execPath, [CLIENT, 'worker', '--address', address, '--namespace', NAMESPACE, '--task-queue', taskQueue, '--concurrency', '1'], logFile);
  track(server.child, () => stopProcess(server.child, WORKER_STOP_GRACE_MS));
  return { server, logFile };
}

/**
 * Waits until the server lists every worker as a poller of the queue's activities, so that no
 * worker starts the run late, and returns their identities (pid@host/queue) in start order.
 */
async function pollingIdentities(client: Client, taskQueue: string, workers: readonly WorkerProcess[]): Promise<string[]> {
  let identities: string[] = [];
  await waitFor(
    async () => {
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: NAMESPACE,
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      const seen = (pollers ?? []).map((p) => p.identity ?? '');
      identities = workers.map((w) => seen.find((id) => id.startsWith(`${String(w.server.child.pid)}@`)) ?? '');
      return identities.every((id) => id !== '');
    },
    {
      what: `${workers.length} worker(s) polling ${taskQueue}`,
      timeoutMs: WORKER_READY_MS,
      intervalMs: 500,
      abort: () => workers.map((w) => w.server.exitReason()).find((r) => r !== undefined),
      ...(workers[0] ? { logFile: workers[0].logFile } : {}),
    },
  );
  return identities;
}

/** The compute backend a worker printed at start (informational only; no figure comes from logs). */
async function backendOf(worker: WorkerProcess): Promise<string> {
  const log = await fs.readFile(worker.logFile, 'utf8').catch(() => '');
  return /\(backend (.+), concurrency \d+\)/.exec(log)?.[1] ?? 'unknown';
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times (100 on every mainstream architecture). */
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux; undefined elsewhere).
 * The history has no CPU time, and the native backend's thread pools can use several cores from
 * one process, so this is what tells whether one worker already kept both cores busy.
 */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name may hold spaces: fields are counted after its closing bracket (field 3 on).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS_PER_S : undefined;
}

async function workersCpu(workers: readonly WorkerProcess[]): Promise<(number | undefined)[]> {
  return Promise.all(workers.map((w) => cpuSeconds(w.server.child.pid)));
}

/** `deeprecon run` in remote mode, as typed on a client machine; resolves with its wall seconds. */
async function runExperiment(configFile: string, address: string, taskQueue: string, dir: string): Promise<number> {
  const logFile = path.join(dir, 'run.log');
  const args = [CLIENT, 'run', configFile, '--address', address, '--namespace', NAMESPACE, '--task-queue', taskQueue, '--quiet', '--state-dir', path.join(dir, 'state'), '--runs-dir', path.join(dir, 'runs')];
  const t0 = performance.now();
  const run = spawnServer(process.execPath, args, logFile);
  track(run.child, () => stopProcess(run.child));
  const ended = await exitOf(run.child);
  if (ended !== '0') throw new Error(withLogTail(`deeprecon run ended with ${ended}`, logFile));
  return (performance.now() - t0) / 1000;
}

// ---------------------------------------------------------------------------------------------
// The history: every activity of the run and of its child workflows.

type Part = ShardPart | 'whole';
type Outcome = 'completed' | 'failed' | 'timed out' | 'cancelled' | 'open';

interface ActivityRecord {
  /** The stage it belongs to, with subject and variant: `decode sim01 shuffled`. */
  readonly stage: string;
  readonly part: Part;
  readonly scheduledMs: number;
  /** Start of its last attempt (the history keeps only that one) and the worker that ran it. */
  readonly startedMs?: number;
  readonly identity?: string;
  readonly attempt: number;
  readonly closedMs?: number;
  readonly outcome: Outcome;
  /** The stage or shard said its outputs were already in the store. */
  readonly cached: boolean;
}

interface RunHistory {
  readonly activities: ActivityRecord[];
  /** The experiment workflow's start and close (workflow time, from the server). */
  readonly startMs: number;
  readonly closeMs: number;
}

const millis = (t: HistoryEvent['eventTime']): number => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

function firstPayload(payloads: Payloads): unknown {
  const first = payloads?.payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload<unknown>(first) : undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** A stage request's subject, variant and whether it is one shard of its stage. */
function requestFacts(input: Payloads): { subject?: string; variant?: string; isShard: boolean } {
  const request = firstPayload(input);
  const subject = field(request, 'subject');
  const variant = field(request, 'variant');
  return {
    ...(typeof subject === 'string' ? { subject } : {}),
    ...(typeof variant === 'string' ? { variant } : {}),
    isShard: field(request, 'shard') !== undefined,
  };
}

/** A stage result (`reason`), a shard result (`reason`) or a plan that found the stage cached (`cached`). */
function wasCached(result: Payloads): boolean {
  const value = firstPayload(result);
  return field(value, 'reason') === 'cached' || field(value, 'cached') !== undefined;
}

interface Scheduled {
  readonly stage: string;
  readonly part: Part;
  readonly scheduledMs: number;
  startedMs?: number;
  identity?: string;
  attempt: number;
}

function scheduledFrom(event: HistoryEvent, attrs: temporal.api.history.v1.IActivityTaskScheduledEventAttributes): Scheduled {
  const type = attrs.activityType?.name ?? '?';
  const facts = requestFacts(attrs.input);
  const sharded = SHARD_ACTIVITY_PARTS[type];
  const part: Part = sharded ? (sharded.part === 'shard' && !facts.isShard ? 'whole' : sharded.part) : 'whole';
  const stage = [sharded?.stage ?? type, facts.subject, facts.variant].filter((p) => p !== undefined && p !== '').join(' ');
  return { stage, part, scheduledMs: millis(event.eventTime), attempt: 1 };
}

/** The event that ends an activity, with the scheduled event it refers to. */
function closingOf(event: HistoryEvent): { scheduledId: string; outcome: Outcome; cached: boolean } | undefined {
  const c = event.activityTaskCompletedEventAttributes;
  if (c) return { scheduledId: String(c.scheduledEventId), outcome: 'completed', cached: wasCached(c.result) };
  const f = event.activityTaskFailedEventAttributes;
  if (f) return { scheduledId: String(f.scheduledEventId), outcome: 'failed', cached: false };
  const t = event.activityTaskTimedOutEventAttributes;
  if (t) return { scheduledId: String(t.scheduledEventId), outcome: 'timed out', cached: false };
  const x = event.activityTaskCanceledEventAttributes;
  if (x) return { scheduledId: String(x.scheduledEventId), outcome: 'cancelled', cached: false };
  return undefined;
}

function record(s: Scheduled, closed?: { closedMs: number; outcome: Outcome; cached: boolean }): ActivityRecord {
  return {
    stage: s.stage,
    part: s.part,
    scheduledMs: s.scheduledMs,
    ...(s.startedMs !== undefined ? { startedMs: s.startedMs } : {}),
    ...(s.identity !== undefined ? { identity: s.identity } : {}),
    attempt: s.attempt,
    ...(closed ? { closedMs: closed.closedMs } : {}),
    outcome: closed?.outcome ?? 'open',
    cached: closed?.cached ?? false,
  };
}

/**
 * Every activity of a workflow and, recursively, of its children (a stage with more shards than
 * one workflow runs hands batches of them to child workflows, workflows/sharded-stage.ts).
 */
async function activitiesOf(client: Client, workflowId: string, runId?: string): Promise<{ activities: ActivityRecord[]; events: HistoryEvent[] }> {
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const pending = new Map<string, Scheduled>();
  const activities: ActivityRecord[] = [];
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) pending.set(String(event.eventId), scheduledFrom(event, scheduled));
    const started = event.activityTaskStartedEventAttributes;
    const open = started ? pending.get(String(started.scheduledEventId)) : undefined;
    if (started && open) {
      open.startedMs = millis(event.eventTime);
      open.identity = started.identity ?? '';
      open.attempt = started.attempt ?? 1;
    }
    const closing = closingOf(event);
    const done = closing ? pending.get(closing.scheduledId) : undefined;
    if (closing && done) {
      activities.push(record(done, { closedMs: millis(event.eventTime), outcome: closing.outcome, cached: closing.cached }));
      pending.delete(closing.scheduledId);
    }
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (child?.workflowId) activities.push(...(await activitiesOf(client, child.workflowId, child.runId ?? undefined)).activities);
  }
  for (const open of pending.values()) activities.push(record(open));
  return { activities, events };
}

async function runHistory(client: Client, workflowId: string): Promise<RunHistory> {
  const { activities, events } = await activitiesOf(client, workflowId);
  const first = events[0];
  const last = events[events.length - 1];
  if (!first || !last || !last.workflowExecutionCompletedEventAttributes) throw new Error(`${workflowId}: the history does not end with the workflow's completion`);
  return { activities, startMs: millis(first.eventTime), closeMs: millis(last.eventTime) };
}

// ---------------------------------------------------------------------------------------------
// Figures.

interface WorkerShare {
  count: number;
  runMs: number;
}

interface StageFigures {
  readonly stage: string;
  readonly sharded: boolean;
  /** First scheduled → last closed over all the stage's activities (a sharded stage: plan → merge). */
  readonly wallS: number;
  /** The activities counted below: a sharded stage's shards, or the stage's one activity. */
  readonly count: number;
  /** First scheduled → last closed over those activities. */
  readonly countedWallS: number;
  readonly byWorker: ReadonlyMap<string, WorkerShare>;
  readonly retried: number;
  readonly cached: number;
  readonly unfinished: number;
}

function span(activities: readonly ActivityRecord[]): number {
  if (activities.length === 0) return 0;
  const from = Math.min(...activities.map((a) => a.scheduledMs));
  const to = Math.max(...activities.map((a) => a.closedMs ?? a.scheduledMs));
  return (to - from) / 1000;
}

function sharesByWorker(activities: readonly ActivityRecord[]): Map<string, WorkerShare> {
  const shares = new Map<string, WorkerShare>();
  for (const a of activities) {
    if (a.identity === undefined || a.startedMs === undefined) continue;
    const share = shares.get(a.identity) ?? { count: 0, runMs: 0 };
    share.count += 1;
    share.runMs += (a.closedMs ?? a.startedMs) - a.startedMs;
    shares.set(a.identity, share);
  }
  return shares;
}

/** One row per stage, in the order the stages were first scheduled. */
function stageFigures(activities: readonly ActivityRecord[]): StageFigures[] {
  const byStage = new Map<string, ActivityRecord[]>();
  for (const a of [...activities].sort((x, y) => x.scheduledMs - y.scheduledMs)) byStage.set(a.stage, [...(byStage.get(a.stage) ?? []), a]);
  return [...byStage].map(([stage, all]) => {
    const shards = all.filter((a) => a.part === 'shard');
    const counted = shards.length > 0 ? shards : all;
    return {
      stage,
      sharded: shards.length > 0,
      wallS: span(all),
      count: counted.length,
      countedWallS: span(counted),
      byWorker: sharesByWorker(counted),
      retried: all.filter((a) => a.attempt > 1).length,
      cached: all.filter((a) => a.cached).length,
      unfinished: all.filter((a) => a.outcome !== 'completed').length,
    };
  });
}

interface Measurement {
  readonly workers: number;
  readonly identities: readonly string[];
  readonly backend: string;
  readonly history: RunHistory;
  readonly stages: readonly StageFigures[];
  readonly commandWallS: number;
  /** CPU seconds each worker used during the run (start-up excluded); undefined off Linux. */
  readonly workerCpuS: readonly (number | undefined)[];
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Markdown.

const s1 = (x: number): string => x.toFixed(1);
const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

function shareCell(share: WorkerShare | undefined): string {
  return share ? `${share.count} · ${s1(share.runMs / 1000)} s` : '–';
}

/** Summed run time of activities over every worker: the stage's work, whoever did it. */
function runSeconds(shares: ReadonlyMap<string, WorkerShare>): number {
  return [...shares.values()].reduce((sum, share) => sum + share.runMs, 0) / 1000;
}

function notes(f: StageFigures): string {
  const parts = [f.retried > 0 ? `${f.retried} retried` : '', f.cached > 0 ? `${f.cached} cached` : '', f.unfinished > 0 ? `${f.unfinished} not completed` : ''];
  return parts.filter((p) => p !== '').join(', ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The table of one worker count: a row per stage, a column per worker (w1 … wN, legend above). */
function measurementMarkdown(m: Measurement): string {
  const labels = m.identities.map((_, i) => `w${i + 1}`);
  const header = ['stage', 'wall s', 'activities', 'activities wall s', 'run s, all workers', ...labels.map((l) => `${l}: n · run s`), 'notes'];
  const rows = m.stages.map((f) => [
    f.sharded ? `${f.stage} (shards)` : f.stage,
    s1(f.wallS),
    String(f.count),
    s1(f.countedWallS),
    s1(runSeconds(f.byWorker)),
    ...m.identities.map((id) => shareCell(f.byWorker.get(id))),
    notes(f),
  ]);
  const workflowS = (m.history.closeMs - m.history.startMs) / 1000;
  const totals = sharesByWorker(m.history.activities);
  const totalRow = ['**all activities**', `**${s1(workflowS)}**`, String(m.history.activities.length), '', s1(runSeconds(totals)), ...m.identities.map((id) => shareCell(totals.get(id))), ''];
  const busy = m.identities.map((id, i) => `${labels[i]} ${(((totals.get(id)?.runMs ?? 0) / 1000 / workflowS) * 100).toFixed(0)} %`).join(', ');
  const cpu = m.workerCpuS.map((c, i) => `${labels[i]} ${c === undefined ? 'n/a' : `${s1(c)} s`}`).join(', ');
  return [
    `### ${m.workers} worker process${m.workers === 1 ? '' : 'es'}`,
    '',
    `Workers (backend ${m.backend}): ${m.identities.map((id, i) => `${labels[i]} = \`${id}\``).join(', ')}.`,
    `Workflow wall (history: started → completed): **${s1(workflowS)} s**; \`deeprecon run\` command: ${s1(m.commandWallS)} s.`,
    `Busy (summed activity run time / workflow wall): ${busy}. CPU used during the run (/proc, user + system): ${cpu}.`,
    `Load average (1/5/15 min) before: ${load(m.loadBefore)}, after: ${load(m.loadAfter)}.`,
    '',
    table(header, [...rows, totalRow]),
  ].join('\n');
}

/** Stage × worker count → wall seconds (a sharded stage: plan → merge, its shards' wall in brackets). */
function summaryMarkdown(ms: readonly Measurement[]): string {
  const stages = [...new Set(ms.flatMap((m) => m.stages.map((f) => f.stage)))];
  const cell = (m: Measurement, stage: string): string => {
    const f = m.stages.find((x) => x.stage === stage);
    if (!f) return '–';
    return f.sharded ? `${s1(f.wallS)} (${s1(f.countedWallS)})` : s1(f.wallS);
  };
  const workflowS = (m: Measurement) => (m.history.closeMs - m.history.startMs) / 1000;
  const rows = stages.map((stage) => [stage, ...ms.map((m) => cell(m, stage))]);
  const totals = ['**workflow total**', ...ms.map((m) => `**${s1(workflowS(m))}**`)];
  const first = ms[0];
  const speedup = first ? [[`speed-up vs ${first.workers}`, ...ms.map((m) => `${(workflowS(first) / workflowS(m)).toFixed(2)}×`)]] : [];
  return table(['stage (wall s)', ...ms.map((m) => `${m.workers} worker${m.workers === 1 ? '' : 's'}`)], [...rows, totals, ...speedup]);
}

function commandLine(): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const script = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) : '';
  return [process.argv0, script, ...process.argv.slice(2)].map(quote).join(' ');
}

// ---------------------------------------------------------------------------------------------
// The bench.

/** One worker count: start its workers, run the experiment into its own bucket, read the history, stop the workers. */
async function measure(n: number, base: ExperimentConfig, s: Settings, dir: string, address: string, endpoint: string, client: Client): Promise<Measurement> {
  const nDir = path.join(dir, `n${n}`);
  await fs.mkdir(nDir, { recursive: true });
  // Its own queue: the server's poller list then names only this count's workers.
  const taskQueue = `shard-scaling-n${n}-${process.pid}`;
  const config = experimentFor(base, n, endpoint, s);
  await createBucket(endpoint, bucketFor(n));
  const configFile = path.join(nDir, `${config.name}.yaml`);
  await fs.writeFile(configFile, stringify(config));
  const workers = Array.from({ length: n }, (_, i) => startWorker(address, taskQueue, path.join(nDir, `worker-${i + 1}.log`)));
  try {
    const identities = await pollingIdentities(client, taskQueue, workers);
    process.stderr.write(`${n} worker(s) polling ${taskQueue}; running ${config.name}\n`);
    const loadBefore = os.loadavg();
    const cpuBefore = await workersCpu(workers);
    const commandWallS = await runExperiment(configFile, address, taskQueue, nDir);
    const cpuAfter = await workersCpu(workers);
    const loadAfter = os.loadavg();
    const workerCpuS = cpuAfter.map((after, i) => (after === undefined || cpuBefore[i] === undefined ? undefined : after - cpuBefore[i]));
    const history = await runHistory(client, workflowIdOf(config.name));
    return { workers: n, identities, backend: workers[0] ? await backendOf(workers[0]) : 'unknown', history, stages: stageFigures(history.activities), commandWallS, workerCpuS, loadBefore, loadAfter };
  } finally {
    await Promise.all(workers.map((w) => stopProcess(w.server.child, WORKER_STOP_GRACE_MS)));
  }
}

function preamble(s: Settings, base: ExperimentConfig, loadStart: readonly number[]): string {
  const subject = base.subjects[0];
  const voxels = subject?.source.type === 'simulated' ? `, ${subject.source.voxels} voxels` : '';
  return [
    `command: \`${commandLine()}\``,
    '',
    `${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} CPUs (available parallelism ${os.availableParallelism()}), load average (1/5/15 min) at start: ${load(loadStart)}.`,
    `This machine has ${os.cpus().length} cores and is shared with other jobs: absolute seconds are inflated by whatever else runs; compare within one bench run, and read the load averages.`,
    `Config ${s.configFile}${s.quick ? ' **shrunk by --quick (a check of the bench, not a measurement)**' : ''}: ${base.stimuli.trainImages} training / ${base.stimuli.testImages} test images${voxels}, ${base.reconstruct.iterations} iterations, methods ${base.reconstruct.methods.join(', ')}; decode.shardUnits ${s.shardUnits}, reconstruct.shardImages ${s.shardImages}.`,
    'Each worker count: `deeprecon worker --concurrency 1` processes on one queue, one run in remote mode into a fresh, empty S3 bucket (nothing cached).',
    'Stages overlap and share the workers, so a stage\'s wall includes waiting for a free worker: the workflow total is the figure that scales; run s shows where the work went.',
    'wall s: first scheduled → last completed, from the workflow history (a sharded stage: plan → merge), queueing included; activities: a sharded stage\'s shards (otherwise its one activity), with their own wall; run s: started → completed of each activity\'s last attempt, summed over all workers and per worker (n activities · run s).',
  ].join('\n');
}

async function main(): Promise<void> {
  const s = parseSettings(process.argv.slice(2));
  installCleanupHandlers();
  const loadStart = os.loadavg();
  const loaded = resolveStore(await loadExperimentConfig(s.configFile), process.cwd());
  const base = s.quick ? quickened(loaded) : loaded;
  // Refuse a bad shard size or config now, as `deeprecon run` would, not after the servers started.
  for (const n of s.workerCounts) parseExperimentConfig(stringify(experimentFor(loaded, n, 'http://127.0.0.1:8333', s)), `${s.configFile} with the bench's overrides`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-shard-scaling-'));
  process.stdout.write(`${preamble(s, base, loadStart)}\n\n`);
  let ok = false;
  try {
    const temporalServer = await startTemporalDevServer({ uiPort: false, logFile: path.join(dir, 'temporal.log') });
    track(temporalServer.process, () => temporalServer.stop());
    const s3 = await startSeaweedS3({ dir: path.join(dir, 's3'), logFile: path.join(dir, 's3.log') });
    track(s3.process, () => s3.stop());
    // Workers, the run and this process's bucket calls read the store's keys from the standard
    // AWS environment, as on a lab's machines (docs/operations.md); children inherit it.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: REGION });
    process.stderr.write(`Temporal at ${temporalServer.address}, S3 at ${s3.endpoint}; scratch folder ${dir}\n`);
    const connection = await Connection.connect({ address: temporalServer.address });
    const client = new Client({ connection, namespace: NAMESPACE });
    const measurements: Measurement[] = [];
    try {
      // Each count's table as soon as it is measured: an interrupted bench keeps what it finished.
      for (const n of s.workerCounts) {
        const m = await measure(n, loaded, s, dir, temporalServer.address, s3.endpoint, client);
        measurements.push(m);
        process.stdout.write(`${measurementMarkdown(m)}\n\n`);
      }
    } finally {
      await connection.close();
    }
    const summary = [
      '### Summary: stage wall seconds by worker processes (sharded stages: plan → merge, their shards in brackets)',
      '',
      summaryMarkdown(measurements),
      '',
      `Load average (1/5/15 min) at end: ${load(os.loadavg())}.`,
    ];
    process.stdout.write(`${summary.join('\n')}\n`);
    ok = true;
  } finally {
    await stopAll();
    if (ok && !s.keep) await fs.rm(dir, { recursive: true, force: true });
    else process.stderr.write(`logs and configs kept in ${dir}\n`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
