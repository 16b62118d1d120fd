import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { freePort } from '../../lib/engine/free-port';
import { activityPlacements } from '../support/activity-placements';
import { type HostProcess, killGroups, type LabHost, type LabNetwork, probeNetworkNamespaces, startLoopbackLab, startNamespaceLab, startProcess } from '../support/lab-network';
import { writeTinyConfig } from '../support/tiny-config';

/**
 * A lab deployment as docs/operations.md describes it, run for real: `deeprecon server --s3` on a
 * server host; workers started with the line it prints, on three worker hosts; an experiment
 * run in remote mode from a client; a subject worker killed mid-stage; `deeprecon status` from
 * a fourth host. Every host is its own network namespace, so each process reaches the others
 * only over the lab's LAN addresses. Where namespaces are not permitted, that test is skipped
 * with the reason, and the same deployment runs on loopback instead (DEEPRECON_CLUSTER_LOOPBACK=1
 * runs the loopback variant as well).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const CLIENT = path.join(ROOT, 'dist', 'client.js');
const NAME = 'three-hosts';
const WORKFLOW_ID = `deeprecon-${NAME}`;
const SUBJECT_QUEUES = { sim01: 'subject-a', sim02: 'subject-b' } as const;
/** The kill targets a shard of the longest subject stage (shards are activities named after their stage), so it lands while the stage runs. */
const VICTIM_ACTIVITY = 'reconstruct';
const VICTIM_QUEUE = SUBJECT_QUEUES.sim02;
/** A killed worker's stage moves on after this silence; short, to keep the test's wall time low. */
const HEARTBEAT_TIMEOUT_S = 10;
const RECONSTRUCT = { methods: ['icnn-gd'], iterations: 100, controls: [], ceiling: [] };

const namespaces = probeNetworkNamespaces();
const loopbackToo = process.env['DEEPRECON_CLUSTER_LOOPBACK'] === '1';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-cluster-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function subjects(withQueues: boolean) {
  return (['sim01', 'sim02'] as const).map((name, i) => ({
    name,
    source: { type: 'simulated', seed: 5 + i, voxels: 120, trainRepeats: 1, testRepeats: 2, imageryRepeats: 0 },
    ...(withQueues ? { taskQueue: SUBJECT_QUEUES[name] } : {}),
  }));
}

/** One line of the server's start-up text; the test uses what it prints, as a person would. */
function printed(output: string, pattern: RegExp): RegExpExecArray {
  const match = pattern.exec(output);
  if (!match) throw new Error(`the server did not print ${String(pattern)}; it printed:\n${output}`);
  return match;
}

interface Summary {
  readonly scores: unknown[];
  readonly decoding: unknown[];
}

async function summaryOf(runsDir: string): Promise<Summary> {
  return JSON.parse(await fs.readFile(path.join(runsDir, NAME, 'summary.json'), 'utf8')) as Summary;
}

interface StatusJson {
  readonly workflowId: string;
  readonly status: string;
  readonly stages: { stage: string; subject?: string; attempts: number }[];
}

interface LabWorker {
  readonly host: LabHost;
  readonly queue: string;
  readonly process: HostProcess;
  identity: string;
}

async function deployment(lab: LabNetwork, work: string): Promise<void> {
  const started = Date.now();
  const phases: string[] = [];
  const phase = (what: string) => phases.push(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const local: ChildProcess[] = [];
  let connection: Connection | undefined;
  try {
    // The reference: the same experiment as a local run (its own store, no subject queues, since a
    // local run serves only its own queue). It needs none of the lab, so it runs meanwhile.
    const refDir = path.join(work, 'reference');
    await fs.mkdir(refDir, { recursive: true });
    const refConfig = await writeTinyConfig(refDir, NAME, { subjects: subjects(false), reconstruct: RECONSTRUCT });
    const reference = startProcess(process.execPath, [CLIENT, 'run', refConfig, '--workers', '1', '--quiet'], { cwd: refDir, logFile: path.join(refDir, 'run.log') }, local);

    const hostDir = async (host: LabHost) => {
      const d = path.join(work, host.name);
      await fs.mkdir(d, { recursive: true });
      return d;
    };
    const serverHost = await lab.addHost('lab-server');
    const workerHosts = [await lab.addHost('lab-shared'), await lab.addHost('lab-b'), await lab.addHost('lab-c')];
    const laptop = await lab.addHost('lab-laptop');
    phase('hosts up');

    // 1. The server, as the guide says: `deeprecon server --s3`. In its own namespace the default
    // ports are free and the LAN address is found by itself; on loopback both must be chosen.
    const serverDir = await hostDir(serverHost);
    const serverArgs =
      lab.kind === 'loopback'
        ? ['--advertise', '127.0.0.1', '--port', String(await freePort()), '--ui-port', String(await freePort()), '--s3-port', String(await freePort())]
        : [];
    const server = serverHost.spawn(process.execPath, [CLIENT, 'server', '--s3', ...serverArgs], { cwd: serverDir, logFile: path.join(serverDir, 'server.log') });
    await server.until(/Ctrl-C stops the server/, 150_000);
    const out = server.output();
    const address = printed(out, /deeprecon server: Temporal at (\S+), namespace/)[1]!;
    if (lab.kind === 'network namespaces') expect(address).toBe(`${serverHost.address}:7233`);
    const keys = printed(out, /export AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+) AWS_REGION=(\S+)/);
    const awsEnv = { ...process.env, AWS_ACCESS_KEY_ID: keys[1]!, AWS_SECRET_ACCESS_KEY: keys[2]!, AWS_REGION: keys[3]! };
    const workerLine = printed(out, /^ {2}npx deeprecon (worker .*)$/m)[1]!.split(' ');
    const storeLine: unknown = parseYaml(printed(out, /^ {2}(store: \{.*\})$/m)[1]!);
    const store = typeof storeLine === 'object' && storeLine !== null && 'store' in storeLine ? storeLine.store : undefined;
    expect(store).toMatchObject({ type: 's3' });
    const runLine = printed(out, /^ {2}npx deeprecon (run <config\.yaml> .*)$/m)[1]!.split(' ');
    const statusLine = printed(out, /^ {2}npx deeprecon (status <run> .*)$/m)[1]!.split(' ');
    const sharedQueue = workerLine[workerLine.indexOf('--task-queue') + 1]!;
    phase('server ready');

    // 2. Workers with the printed line, one process per queue: the shared queue on one host,
    // subject-a on a second, subject-b on the second and a third (two workers for failover).
    const queueOn = (queue: string) => workerLine.map((arg, i) => (workerLine[i - 1] === '--task-queue' ? queue : arg));
    const placement: [LabHost, string][] = [
      [workerHosts[0]!, sharedQueue],
      [workerHosts[1]!, SUBJECT_QUEUES.sim01],
      [workerHosts[1]!, SUBJECT_QUEUES.sim02],
      [workerHosts[2]!, SUBJECT_QUEUES.sim02],
    ];
    const workers: LabWorker[] = [];
    for (const [host, queue] of placement) {
      const cwd = await hostDir(host);
      const proc = host.spawn(process.execPath, [CLIENT, ...queueOn(queue)], { cwd, env: awsEnv, logFile: path.join(cwd, `worker-${queue}.log`) });
      workers.push({ host, queue, process: proc, identity: '' });
    }
    for (const w of workers) w.identity = (await w.process.until(/identity (\S+) \(backend/, 150_000))[1]!;
    for (const w of workers) {
      // A worker's identity is pid@hostname/queue: in namespaces the hostname is its host's own.
      expect(w.identity).toBe(`${String(w.process.child.pid)}@${lab.kind === 'network namespaces' ? w.host.name : os.hostname()}/${w.queue}`);
    }
    phase('workers polling');

    // 3. The experiment in remote mode, with the printed store and run line, typed on the server
    // host (a client is any machine; `status` below asks from another one).
    const clientDir = serverDir;
    const config = await writeTinyConfig(clientDir, NAME, { store, subjects: subjects(true), reconstruct: RECONSTRUCT });
    const runArgs = runLine.map((arg) => (arg === '<config.yaml>' ? config : arg));
    const run = serverHost.spawn(process.execPath, [CLIENT, ...runArgs, '--heartbeat-timeout', String(HEARTBEAT_TIMEOUT_S), '--quiet'], {
      cwd: clientDir,
      env: awsEnv,
      logFile: path.join(clientDir, 'run.log'),
    });

    // 4. The test watches through its own forward to the server (never used by the deployment)
    // and SIGKILLs the worker that runs the victim stage, while it runs.
    const temporalPort = Number(address.slice(address.lastIndexOf(':') + 1));
    connection = await Connection.connect({ address: await lab.forward(serverHost, temporalPort) });
    const client = new Client({ connection });
    const handle = client.workflow.getHandle(WORKFLOW_ID);
    let victim: { activityId: string; worker: LabWorker } | undefined;
    /** What the watch saw, for the message when it never sees the victim. */
    const seen = new Set<string>();
    const watchUntil = Date.now() + 200_000;
    while (!victim) {
      if (Date.now() > watchUntil) throw new Error(`${VICTIM_ACTIVITY} was never seen running on ${VICTIM_QUEUE} (seen: ${[...seen].join(', ') || 'nothing'}); the run printed:\n${run.output()}`);
      const ended = await Promise.race([run.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 150))]);
      if (ended !== undefined) throw new Error(`the run ended (${ended}) before ${VICTIM_ACTIVITY} was seen running on ${VICTIM_QUEUE} (seen: ${[...seen].join(', ') || 'nothing'}); the run printed:\n${run.output()}`);
      const pending = await handle
        .describe()
        .then((d) => d.raw.pendingActivities ?? [])
        .catch((error: unknown) => {
          // Before the run has started its workflow there is nothing to describe.
          seen.add(`describe: ${error instanceof Error ? error.message : String(error)}`);
          return [];
        });
      for (const a of pending) seen.add(`${a.activityType?.name ?? '?'} ${String(a.state)} ${a.lastWorkerIdentity ?? '-'}`);
      const running = pending.find(
        (a) =>
          a.activityType?.name === VICTIM_ACTIVITY &&
          a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED &&
          (a.attempt ?? 1) === 1 &&
          a.lastWorkerIdentity?.endsWith(`/${VICTIM_QUEUE}`),
      );
      const worker = workers.find((w) => w.identity === running?.lastWorkerIdentity);
      if (running?.activityId && worker) victim = { activityId: running.activityId, worker };
    }
    victim.worker.process.child.kill('SIGKILL');
    expect(await victim.worker.process.exited).toBe('SIGKILL');
    phase(`killed ${victim.worker.identity} in ${VICTIM_ACTIVITY}`);

    // 5. The run finishes, with the local run's scores.
    const code = await Promise.race([run.exited, new Promise<string>((r) => setTimeout(() => r('still running after 240 s'), 240_000))]);
    expect(code, `the run printed:\n${run.output()}`).toBe(0);
    phase('run finished');
    expect(await reference.exited, `the local run printed:\n${reference.output()}`).toBe(0);
    const [cluster, ref] = [await summaryOf(path.join(clientDir, 'runs')), await summaryOf(path.join(refDir, 'runs'))];
    expect(cluster.scores.length).toBeGreaterThan(0);
    expect(cluster.scores).toEqual(ref.scores);
    expect(cluster.decoding).toEqual(ref.decoding);

    // Each stage on its queue, started by a worker of that queue (the history keeps the worker
    // identity of each activity's last attempt); every workflow task on the shared queue's worker.
    const identitiesOf = (queue: string) => workers.filter((w) => w.queue === queue).map((w) => w.identity);
    const { activities, workflowTaskIdentities } = await activityPlacements(client, WORKFLOW_ID);
    const misplaced = activities.flatMap((a) => {
      const expected = a.subject === undefined ? sharedQueue : SUBJECT_QUEUES[a.subject as keyof typeof SUBJECT_QUEUES];
      const hosts = workers.filter((w) => w.queue === expected).map((w) => w.host.name);
      const where = `${a.type} [${a.subject ?? '-'}] (attempt ${a.attempt}) ran on ${a.identity} from queue ${a.queue}`;
      if (a.queue !== expected) return [`${where}; expected queue ${String(expected)}`];
      if (!identitiesOf(a.queue).includes(a.identity)) return [`${where}; expected a worker of ${a.queue} on ${hosts.join(' or ')}`];
      return [];
    });
    expect(misplaced).toEqual([]);
    for (const queue of [sharedQueue, ...Object.values(SUBJECT_QUEUES)]) expect(activities.some((a) => a.queue === queue), `no stage ran on ${queue}`).toBe(true);
    expect(workflowTaskIdentities.length).toBeGreaterThan(0);
    expect([...new Set(workflowTaskIdentities)]).toEqual(identitiesOf(sharedQueue));

    // The killed stage was retried on the other worker of its queue, on another host.
    const retried = activities.find((a) => a.activityId === victim!.activityId && a.workflowId === WORKFLOW_ID);
    const survivor = workers.find((w) => w.queue === VICTIM_QUEUE && w !== victim!.worker)!;
    expect(retried).toMatchObject({ type: VICTIM_ACTIVITY, identity: survivor.identity });
    expect(retried!.attempt).toBeGreaterThan(1);
    if (lab.kind === 'network namespaces') expect(survivor.host.name).not.toBe(victim.worker.host.name);

    // `status` from a fourth host, in a folder that never saw the run and without the store's keys:
    // it can only find the run through the server.
    const laptopDir = await hostDir(laptop);
    const statusArgs = statusLine.map((arg) => (arg === '<run>' ? NAME : arg));
    const status = laptop.spawn(process.execPath, [CLIENT, ...statusArgs, '--json'], { cwd: laptopDir, logFile: path.join(laptopDir, 'status.log') });
    expect(await status.exited, status.output()).toBe(0);
    const fromLaptop = JSON.parse(status.output()) as StatusJson;
    expect(fromLaptop).toMatchObject({ workflowId: WORKFLOW_ID, status: 'COMPLETED' });
    expect(fromLaptop.stages.some((s) => s.subject === 'sim02' && s.attempts > 1), 'status shows the retried stage').toBe(true);
    phase('status from the fourth host');
  } finally {
    await connection?.close();
    killGroups(local);
    await lab.close();
    console.info(`${lab.kind}: ${phases.join('; ')}`);
  }
}

describe('a lab cluster: server, three worker hosts, a client and a fourth host', () => {
  const skipped = namespaces.ok ? '' : ` (skipped: network namespaces cannot be created here: ${namespaces.reason})`;
  it.skipIf(!namespaces.ok)(`each host in its own network namespace on a veth LAN: routing, failover, local-run scores, status from elsewhere${skipped}`, async () => {
    const work = path.join(dir, 'namespaces');
    await fs.mkdir(work);
    await deployment(await startNamespaceLab(work), work);
  }, 360_000);

  it.runIf(!namespaces.ok || loopbackToo)('the same deployment with every host on loopback (the fallback without namespaces)', async () => {
    const work = path.join(dir, 'loopback');
    await fs.mkdir(work);
    await deployment(startLoopbackLab(), work);
  }, 360_000);
});
