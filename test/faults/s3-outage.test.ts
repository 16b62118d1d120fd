import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperimentConfig } from '../../configs/load';
import { startSeaweedS3, type SeaweedS3 } from '../../lib/engine/seaweed-server';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import type { ArtifactRef } from '../../lib/store/artifact-ref';
import type { ExperimentInput, ExperimentResult } from '../../workflows/contracts';
import { writeTinyConfig } from '../support/tiny-config';

const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');
const BUCKET = 'deeprecon-outage';
const PREFIX = 'fault/s3';

let dir: string;
let temporal: TemporalDevServer;
let s3: SeaweedS3 | undefined;
/** Picked by the first start (which retries on fresh ports), then kept so that the restarted store is where the worker looks. */
let s3Port: number | undefined;
let worker: ChildProcess | undefined;
const credentials = { accessKeyId: `outage${process.pid}`, secretAccessKey: `outage-secret-${process.pid}-x7Qk2` };
const taskQueue = `fault-s3-${process.pid}`;
const awsEnv = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1' };

const startS3 = () => startSeaweedS3({ dir: path.join(dir, 's3'), port: s3Port, logFile: path.join(dir, 's3.log'), ...credentials });
const s3Client = () => new S3Client({ endpoint: s3!.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-fault-s3-'));
  [temporal, s3] = await Promise.all([startTemporalDevServer({ uiPort: false }), startS3()]);
  s3Port = Number(new URL(s3.endpoint).port);
  const client = s3Client();
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  client.destroy();
  const log = openSync(path.join(dir, 'worker.log'), 'a');
  // Credentials reach the worker's S3 store only through the standard AWS environment variables.
  worker = spawn(process.execPath, [WORKER, '--address', temporal.address, '--task-queue', taskQueue, '--concurrency', '2'], {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...awsEnv },
  });
  closeSync(log);
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
  }
  await Promise.allSettled([temporal?.stop(), s3?.stop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the S3 store going away mid-run', () => {
  it('lets the run finish, and no manifest references a missing or partial artifact', async () => {
    const file = await writeTinyConfig(dir, 'outage', {
      reconstruct: { iterations: 60 },
      store: { type: 's3', bucket: BUCKET, prefix: PREFIX, endpoint: s3!.endpoint, forcePathStyle: true },
    });
    const input: ExperimentInput = { config: await loadExperimentConfig(file), force: [], taskQueue, heartbeatTimeoutSeconds: 3 };
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const handle = await client.workflow.start('experimentWorkflow', { workflowId: `outage-${process.pid}`, taskQueue, args: [input] });

    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(1200);
      const pending = await handle
        .describe()
        .then((d) => d.raw.pendingActivities ?? [])
        .catch(() => []);
      if (pending.some((a) => a.activityType?.name === 'decode' && a.lastStartedTime)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await s3!.stop();
    s3 = undefined;
    await new Promise((r) => setTimeout(r, 3000));
    s3 = await startS3();

    const result = (await handle.result()) as ExperimentResult;
    expect(result.stages.map((s) => s.stage)).toEqual(expect.arrayContaining(['stimuli', 'features', 'simulate', 'preprocess', 'decode', 'reconstruct', 'evaluate']));
    expect(result.scores.length).toBeGreaterThan(0);
    // The outage was felt: some stage attempt failed against the stopped store and was retried.
    const history = await handle.fetchHistory();
    const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried.length).toBeGreaterThan(0);
    await client.connection.close();

    // Every manifest in the bucket names outputs that exist with exactly the recorded bytes.
    const reader = s3Client();
    try {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await reader.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/stages/`, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      const manifests = keys.filter((k) => k.endsWith('/manifest.json'));
      // One complete manifest per stage the run reported, and no other (e.g. of a failed attempt).
      expect(manifests.sort()).toEqual(result.stages.map((s) => `${PREFIX}/stages/${s.stage}/${s.key}/manifest.json`).sort());
      const read = async (key: string) => {
        const out = await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        return out.Body!.transformToByteArray();
      };
      let checked = 0;
      for (const key of manifests) {
        const manifest = JSON.parse(Buffer.from(await read(key)).toString('utf8')) as { outputs: Record<string, ArtifactRef> };
        expect(Object.keys(manifest.outputs).length).toBeGreaterThan(0);
        for (const ref of Object.values(manifest.outputs)) {
          const body = await read(`${PREFIX}/${ref.key}`);
          expect({ key: ref.key, bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') }).toEqual({
            key: ref.key,
            bytes: ref.bytes,
            sha256: ref.sha256,
          });
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(manifests.length);
    } finally {
      reader.destroy();
    }
  });
});
