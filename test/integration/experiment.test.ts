import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, workflowIdOf } from '../../cli/run-command';
import { startSeaweedS3, type SeaweedS3 } from '../../lib/engine/seaweed-server';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { pythonEnv, resolvePython } from '../../lib/engine/tools';
import { createWorker } from '../../worker';
import { writeTinyConfig } from '../support/tiny-config';

const run = promisify(execFile);

let dir: string;
let temporal: TemporalDevServer;
let s3: SeaweedS3;
let worker: Worker;
let workerDone: Promise<void>;
const taskQueue = `it-${process.pid}`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-it-'));
  [temporal, s3] = await Promise.all([
    startTemporalDevServer({ uiPort: false }),
    startSeaweedS3({ dir: path.join(dir, 's3') }),
  ]);
  // Credentials reach the S3 store only through the standard AWS environment chain.
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: 'deeprecon-it' }));
  client.destroy();
  ({ worker } = await createWorker({ address: temporal.address, namespace: 'default', taskQueue, concurrency: 2 }));
  workerDone = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerDone?.catch(() => undefined);
  await Promise.allSettled([temporal?.stop(), s3?.stop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

const connection = () => ({ address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') });

async function runTiny(name: string, overrides: Record<string, unknown> = {}, force: ('decode' | 'stimuli')[] = []) {
  const file = await writeTinyConfig(dir, name, overrides);
  return runCommand({ configFile: file, connection: connection(), taskQueue, force, runsDir: path.join(dir, 'runs'), quiet: true });
}

describe('an experiment end to end on a real Temporal server', () => {
  it('runs every stage, caches a repeat, and recomputes only from a changed stage', async () => {
    const first = await runTiny('cache');
    const label = (s: { stage: string; variant?: string }) => (s.variant ? `${s.stage}:${s.variant}` : s.stage);
    expect(first.stages.map(label)).toEqual([
      'stimuli', 'features', 'generator', 'simulate', 'preprocess', 'decode', 'decode:shuffled', 'cgan',
      'reconstruct:icnn-gd', 'reconstruct:icnn-dgn', 'reconstruct:cgan', 'reconstruct:icnn-gd-ceiling',
      'reconstruct:icnn-gd-shuffled', 'reconstruct:icnn-dgn-shuffled', 'reconstruct:cgan-shuffled', 'evaluate', 'report',
    ]);
    // The report is copied next to the summary: one self-contained HTML page and its figures.
    const html = await fs.readFile(path.join(dir, 'runs', 'cache', 'report.html'), 'utf8');
    expect(html).toContain('deeprecon report — cache');
    expect(await fs.readdir(path.join(dir, 'runs', 'cache', 'figures'))).toEqual(
      expect.arrayContaining(['decoding-sim01.svg', 'identification-sim01.svg', 'reconstructions-sim01-natural.png', 'reconstructions-sim01-natural-labelled.svg']),
    );
    expect(first.stages.every((s) => !s.cached)).toBe(true);
    expect(first.scores.filter((s) => s.method === 'icnn-gd').map((s) => s.metric)).toEqual(['pixel-identification', 'nway-identification', 'diversity', 'pixcorr', 'ssim', 'feature-identification:conv2_2', 'feature-identification:fc1']);
    expect(new Set(first.scores.map((s) => s.method))).toEqual(new Set(['icnn-gd', 'icnn-dgn', 'cgan', 'icnn-gd-ceiling', 'icnn-gd-shuffled', 'icnn-dgn-shuffled', 'cgan-shuffled']));
    // The ceiling, from true features, is reported for the natural test set only.
    expect(first.scores.filter((s) => s.method.endsWith('-ceiling')).every((s) => s.stimulusSet === 'natural')).toBe(true);
    expect(first.scores[0]).toMatchObject({ subject: 'sim01', method: 'icnn-gd', stimulusSet: 'natural', metric: 'pixel-identification' });
    const summary = JSON.parse(await fs.readFile(path.join(dir, 'runs', 'cache', 'summary.json'), 'utf8'));
    expect(summary.scores).toEqual(first.scores);

    const second = await runTiny('cache');
    expect(second.stages.every((s) => s.cached)).toBe(true);
    expect(second.scores).toEqual(first.scores);

    const changed = await runTiny('cache', { decode: { alpha: 20 } });
    const cached = Object.fromEntries(changed.stages.map((s) => [label(s), s.cached]));
    // The GAN reads voxels, not decoded features: its training and reconstructions stay cached.
    expect(cached).toEqual({
      stimuli: true, features: true, generator: true, simulate: true, preprocess: true, decode: false, 'decode:shuffled': false, cgan: true,
      'reconstruct:icnn-gd': false, 'reconstruct:icnn-dgn': false, 'reconstruct:cgan': true,
      'reconstruct:icnn-gd-ceiling': true, 'reconstruct:icnn-gd-shuffled': false, 'reconstruct:icnn-dgn-shuffled': false,
      'reconstruct:cgan-shuffled': true, evaluate: false, report: false,
    });
    // Status explains why: decode's own config changed; the later stages got new inputs.
    const reasons = Object.fromEntries(changed.stages.map((s) => [label(s), s.reason]));
    expect(reasons).toMatchObject({ decode: 'config-changed', 'reconstruct:icnn-gd': 'inputs-changed', evaluate: 'inputs-changed' });
    expect(first.stages.every((s) => s.reason === 'new')).toBe(true);

    const forced = await runTiny('cache', { decode: { alpha: 20 } }, ['stimuli']);
    expect(forced.stages.find((s) => s.stage === 'stimuli')?.reason).toBe('forced');
    // Forcing recomputes identical bytes, so everything downstream is still a cache hit.
    expect(forced.stages.filter((s) => s.stage !== 'stimuli').every((s) => s.cached)).toBe(true);
  });

  it('passes only small references through Temporal, never arrays or images', async () => {
    await runTiny('claims');
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const history = await client.workflow.getHandle(workflowIdOf('claims')).fetchHistory();
    let largest = 0;
    for (const event of history.events ?? []) {
      const attributes = Object.values(event).find((v) => v && typeof v === 'object' && ('input' in v || 'result' in v)) as
        | { input?: { payloads?: { data?: Uint8Array }[] }; result?: { payloads?: { data?: Uint8Array }[] } }
        | undefined;
      for (const p of [...(attributes?.input?.payloads ?? []), ...(attributes?.result?.payloads ?? [])]) {
        largest = Math.max(largest, p.data?.byteLength ?? 0);
      }
    }
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(32 * 1024);
    await client.connection.close();
  });

  it('writes to S3 and its Arrow artifacts read unchanged in pyarrow', async () => {
    const result = await runTiny('s3', {
      store: { type: 's3', bucket: 'deeprecon-it', prefix: 'team/a', endpoint: s3.endpoint, forcePathStyle: true },
    });
    expect(result.stages).toHaveLength(17);
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'deeprecon-it', Prefix: 'team/a/stages/' }));
    client.destroy();
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    expect(keys.filter((k) => k.endsWith('manifest.json'))).toHaveLength(17);
    const trials = keys.find((k) => k.includes('/simulate/') && k.endsWith('trials.arrow'))!;
    expect(trials).toBeDefined();

    // Read the trials table back with pyarrow, straight from the S3 server.
    const local = path.join(dir, 'trials.arrow');
    const reader = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
    const object = await reader.send(new GetObjectCommand({ Bucket: 'deeprecon-it', Key: trials }));
    await fs.writeFile(local, await object.Body!.transformToByteArray());
    reader.destroy();
    const script = [
      'import sys, pyarrow as pa',
      'with pa.memory_map(sys.argv[1]) as f: t = pa.ipc.open_file(f).read_all()',
      'print(t.num_rows, t.schema.field("voxels").type, t.column("stimulus_id")[0])',
    ].join('\n');
    const { stdout } = await run(resolvePython(), ['-c', script, local], { env: pythonEnv() });
    expect(stdout).toMatch(/^60 fixed_size_list<item: float( not null)?>\[120\] (train|natural)-\d{4}\n$/);
  });
});
