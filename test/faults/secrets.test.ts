import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, workflowIdOf } from '../../cli/run-command';
import { startSeaweedS3, type SeaweedS3 } from '../../lib/engine/seaweed-server';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { type ArtifactStore, InvalidKeyError } from '../../lib/store/artifact-store';
import { LocalStore } from '../../lib/store/local-store';
import { S3Store } from '../../lib/store/s3-store';
import { writeTinyConfig } from '../support/tiny-config';

const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');
const BUCKET = 'deeprecon-secrets';
const PREFIX = 'team/secrets';

let dir: string;
let temporal: TemporalDevServer;
let s3: SeaweedS3;
let worker: ChildProcess | undefined;
const savedEnv = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY, AWS_REGION: process.env.AWS_REGION };
const taskQueue = `fault-secrets-${process.pid}`;
const logs = () => ({
  temporal: path.join(dir, 'logs', 'temporal.log'),
  s3: path.join(dir, 'logs', 's3.log'),
  worker: path.join(dir, 'logs', 'worker.log'),
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-fault-secrets-'));
  await fs.mkdir(path.join(dir, 'logs'));
  // The secret is seaweed's random default: a string that cannot occur anywhere by chance.
  [temporal, s3] = await Promise.all([
    startTemporalDevServer({ uiPort: false, logFile: logs().temporal }),
    startSeaweedS3({ dir: path.join(dir, 's3'), logFile: logs().s3 }),
  ]);
  // Credentials reach every S3 store (the worker's, and the CLI's copying the report) only through the AWS environment.
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3 });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  client.destroy();
  const log = openSync(logs().worker, 'a');
  worker = spawn(process.execPath, [WORKER, '--address', temporal.address, '--task-queue', taskQueue, '--concurrency', '2'], {
    stdio: ['ignore', log, log],
    env: { ...process.env, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' },
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
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** The forms a leaked secret could take in bytes: as is, and base64 (how JSON renders bytes). */
function leaks(bytes: Uint8Array, secret: string): boolean {
  const b = Buffer.from(bytes);
  return b.includes(secret) || b.includes(Buffer.from(secret).toString('base64')) || b.toString('latin1').includes(secret);
}

describe('credentials of the S3 store', () => {
  it('appear nowhere in history, bucket, run files or logs after an S3 run', async () => {
    const secret = s3.secretAccessKey;
    expect(secret.length).toBeGreaterThanOrEqual(24);
    expect(leaks(Buffer.from(`log line ${secret} end`), secret)).toBe(true);
    const file = await writeTinyConfig(dir, 'secrets', {
      store: { type: 's3', bucket: BUCKET, prefix: PREFIX, endpoint: s3.endpoint, forcePathStyle: true },
    });
    const result = await runCommand({
      configFile: file,
      connection: { address: temporal.address, namespace: 'default', stateDir: path.join(dir, 'state') },
      taskQueue,
      force: [],
      runsDir: path.join(dir, 'runs'),
      quiet: true,
    });
    expect(result.stages.length).toBeGreaterThanOrEqual(7);

    // 1. The workflow history, every payload and the whole encoded history.
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const history = await client.workflow.getHandle(workflowIdOf('secrets')).fetchHistory();
    await client.connection.close();
    const encoded = proto.api.history.v1.History.encode(history).finish();
    const payloads: Uint8Array[] = [];
    const collect = (v: unknown, depth = 0): void => {
      if (depth > 40 || v === null || typeof v !== 'object') return;
      if (v instanceof Uint8Array) return void payloads.push(v);
      for (const x of Object.values(v)) collect(x, depth + 1);
    };
    collect(history);
    const texts = payloads.map((p) => Buffer.from(p).toString('utf8'));
    // Positive control: the search does look at the payloads that carry the store settings.
    expect(texts.some((t) => t.includes(BUCKET))).toBe(true);
    expect(Buffer.from(encoded).includes(BUCKET)).toBe(true);
    expect(leaks(encoded, secret)).toBe(false);
    for (const t of texts) expect(t.includes(secret)).toBe(false);

    // 2. Every object in the bucket (manifests, lineage, artifacts).
    const reader = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3 });
    const listed = await reader.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys.filter((k) => k.endsWith('manifest.json'))).toHaveLength(result.stages.length);
    let manifestsMentionBucket = 0;
    for (const key of keys) {
      const body = await (await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray();
      expect({ key, leaked: leaks(body, secret) }).toEqual({ key, leaked: false });
      if (key.endsWith('manifest.json') && Buffer.from(body).includes(`s3://${BUCKET}/`)) manifestsMentionBucket++;
    }
    expect(manifestsMentionBucket).toBe(result.stages.length);
    reader.destroy();

    // 3. The run's files on the client side: summary.json, run.json, and whatever else it wrote there (the report).
    const runFiles = (await fs.readdir(path.join(dir, 'runs', 'secrets'), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(path.join(dir, 'runs', 'secrets'), path.join(e.parentPath, e.name)));
    expect(runFiles).toEqual(expect.arrayContaining(['summary.json', 'run.json']));
    for (const name of runFiles) {
      const body = await fs.readFile(path.join(dir, 'runs', 'secrets', name));
      if (name.endsWith('.json')) expect(body.byteLength).toBeGreaterThan(0);
      expect({ name, leaked: leaks(body, secret) }).toEqual({ name, leaked: false });
    }

    // 4. The logs of the worker and both servers.
    for (const [name, file] of Object.entries(logs())) {
      const body = await fs.readFile(file);
      expect(body.byteLength).toBeGreaterThan(0);
      expect({ name, leaked: leaks(body, secret) }).toEqual({ name, leaked: false });
    }
  });
});

const BAD_KEYS = ['../x', '/abs', 'a/../../b', '..', 'a/..', './x', 'a//b', 'a\\b', '..\\x', 'a\u0000b', 'a/\u0000', 'a\nb', ''];

async function expectRejected(store: ArtifactStore, key: string): Promise<void> {
  await expect(store.put(key, Uint8Array.of(1)), `put ${JSON.stringify(key)}`).rejects.toBeInstanceOf(InvalidKeyError);
  await expect(store.get(key), `get ${JSON.stringify(key)}`).rejects.toBeInstanceOf(InvalidKeyError);
  await expect(store.delete(key), `delete ${JSON.stringify(key)}`).rejects.toBeInstanceOf(InvalidKeyError);
  expect(await store.exists(key).catch(() => false), `exists ${JSON.stringify(key)}`).toBe(false);
}

describe('artifact keys', () => {
  it('cannot escape the root of a LocalStore', async () => {
    const outer = path.join(dir, 'escape');
    const root = path.join(outer, 'root', 'store');
    await fs.mkdir(root, { recursive: true });
    // Files a store without key checks would read: one level up, and at the absolute path.
    await fs.writeFile(path.join(outer, 'root', 'x'), 'outside');
    await fs.writeFile(path.join(outer, 'root', 'b'), 'outside');
    const store = new LocalStore(root);
    for (const key of [...BAD_KEYS, path.join(outer, 'root', 'x')]) await expectRejected(store, key);
    // Nothing was written or removed anywhere: outside the root the two files are intact, inside it is empty.
    expect(await fs.readFile(path.join(outer, 'root', 'x'), 'utf8')).toBe('outside');
    expect(await fs.readFile(path.join(outer, 'root', 'b'), 'utf8')).toBe('outside');
    expect((await fs.readdir(outer, { recursive: true })).sort()).toEqual(['root', 'root/b', 'root/store', 'root/x']);
    // A well-formed key still works.
    await store.put('a/b.json', Uint8Array.of(9));
    expect(await store.get('a/b.json')).toEqual(Uint8Array.of(9));
  });

  it('cannot escape the prefix of an S3Store', async () => {
    const admin = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3 });
    const store = new S3Store({ bucket: BUCKET, prefix: 'jail/inner', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
    try {
      // Objects a store without key checks would reach by walking out of its prefix.
      await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'jail/x', Body: 'outside' }));
      await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b', Body: 'outside' }));
      const before = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      for (const key of [...BAD_KEYS, '/jail/x']) await expectRejected(store, key);
      await expect(store.list('../')).rejects.toBeInstanceOf(InvalidKeyError);
      const after = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      expect((after.Contents ?? []).map((o) => [o.Key, o.ETag])).toEqual((before.Contents ?? []).map((o) => [o.Key, o.ETag]));
      // A prefix that itself walks out is refused when the store is made.
      for (const prefix of ['../evil', 'a/../../b', 'a\\b', 'a\u0000b']) {
        expect(() => new S3Store({ bucket: BUCKET, prefix, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true })).toThrow(InvalidKeyError);
      }
      await store.put('a/b.json', Uint8Array.of(9));
      expect(await store.get('a/b.json')).toEqual(Uint8Array.of(9));
      expect(await store.list('')).toEqual(['a/b.json']);
    } finally {
      store.destroy();
      admin.destroy();
    }
  });
});
